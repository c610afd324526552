//! Field types and checks the libraries share: contacts, keywords, money, phone numbers,
//! patents.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::patent::PatentNumber;
use crate::taxonomies::PatentStatus;
use crate::validation::{self, Checker, ParseFailure};

/// Most keywords a record may carry.
pub const MAX_KEYWORDS: usize = 10;
/// Longest keyword, in characters.
pub const KEYWORD_MAX: usize = 50;
/// Largest amount of money accepted, in fen (one trillion yuan).
pub const MAX_FEN: i64 = 100_000_000_000_000;

/// How to reach the people behind a record (shown to signed-in users only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Contact person.
    pub name: Option<String>,
    /// Mobile (11 digits, optional +86) or landline (area code, number, extension).
    #[schema(example = "13800138000")]
    pub phone: Option<String>,
    /// E-mail address.
    #[schema(format = Email)]
    pub email: Option<String>,
}

/// A patent protecting an achievement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Patent {
    /// Chinese application number with its check character, e.g. `200310102344.5`
    /// (`ZL`/`CN` prefixes accepted; stored normalized).
    #[schema(example = "200310102344.5")]
    pub number: String,
    /// Patent title.
    pub title: Option<String>,
    /// application, granted or lapsed.
    pub status: PatentStatus,
}

/// Checks a phone number: a mainland mobile or a landline with area code.
pub fn phone(value: &str) -> Result<String, ParseFailure> {
    let compact: String = value.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let national =
        compact.strip_prefix("+86").or_else(|| compact.strip_prefix("0086")).unwrap_or(&compact);
    let digits_only = national.chars().all(|c| c.is_ascii_digit());
    let mobile = digits_only
        && national.len() == 11
        && national.starts_with('1')
        && national.as_bytes().get(1).is_some_and(|d| (b'3'..=b'9').contains(d));
    let landline = digits_only && national.starts_with('0') && (10..=12).contains(&national.len());
    let with_extension = national
        .split_once('#')
        .or_else(|| national.split_once("ext"))
        .is_some_and(|(main, ext)| {
            main.starts_with('0')
                && (10..=12).contains(&main.len())
                && main.chars().all(|c| c.is_ascii_digit())
                && (1..=6).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_digit())
        });
    let service = digits_only
        && (national.starts_with("400") || national.starts_with("800"))
        && national.len() == 10;
    if mobile || landline || with_extension || service {
        Ok(value.trim().to_string())
    } else {
        Err((
            "invalid_phone",
            "must be a mobile number (13800138000) or a landline with area code (010-62751234)"
                .into(),
        ))
    }
}

impl Contact {
    /// Checks the contact's fields under `prefix` (e.g. `contact.`); `None` when nothing is left.
    pub fn check(&self, prefix: &str, checker: &mut Checker) -> Option<Contact> {
        /// A phone or email given as more than blanks.
        fn given(value: &Option<String>) -> Option<&str> {
            value.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let name = checker
            .check(&format!("{prefix}name"), validation::optional_text(self.name.as_deref(), 50));
        let phone = checker.check_optional(&format!("{prefix}phone"), given(&self.phone), phone);
        let email = checker.check_optional(
            &format!("{prefix}email"),
            given(&self.email),
            validation::email,
        );
        Some(Contact { name: name?, phone: phone?, email: email? })
    }

    /// Checks a record's optional contact under `contact.`: `Some(None)` when none is given.
    pub fn check_given(
        contact: Option<&Contact>,
        checker: &mut Checker,
    ) -> Option<Option<Contact>> {
        match contact {
            None => Some(None),
            Some(contact) => contact.check("contact.", checker).map(Some),
        }
    }
}

/// Checks keywords: `min..=MAX_KEYWORDS` of them, each 1–50 characters, duplicates removed.
pub fn keywords(
    field: &str,
    values: &[String],
    min: usize,
    checker: &mut Checker,
) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if let Some(word) =
            checker.check(&format!("{field}[{i}]"), validation::text(value, 1, KEYWORD_MAX))
            && !out.contains(&word)
        {
            out.push(word);
        }
    }
    if values.len() > MAX_KEYWORDS {
        checker.fail(field, "too_many", format!("at most {MAX_KEYWORDS} keywords"));
    } else if out.len() < min {
        checker.fail(field, "too_few", format!("at least {min} keyword(s)"));
    }
    Some(out)
}

/// Checks an amount of money in fen: non-negative and below a trillion yuan.
pub fn money(value: i64) -> Result<i64, ParseFailure> {
    if value < 0 {
        Err(("negative", "must not be negative (amounts are integer fen)".into()))
    } else if value > MAX_FEN {
        Err(("too_large", "is larger than any plausible amount".into()))
    } else {
        Ok(value)
    }
}

/// Checks optional money under `field`.
pub fn optional_money(
    field: &str,
    value: Option<i64>,
    checker: &mut Checker,
) -> Option<Option<i64>> {
    checker.check_optional(field, value, money)
}

/// Checks patents: valid numbers (normalized), no duplicates, at most 50.
pub fn patents(values: &[Patent], checker: &mut Checker) -> Option<Vec<Patent>> {
    let mut out = Vec::new();
    if values.len() > 50 {
        checker.fail("patents", "too_many", "at most 50 patents");
    }
    for (i, patent) in values.iter().enumerate() {
        let number = checker.check(
            &format!("patents[{i}].number"),
            PatentNumber::parse(&patent.number).map_err(|e| {
                let code = match e {
                    crate::domain::patent::PatentNumberError::CheckCharacter { .. } => {
                        "invalid_check_character"
                    }
                    _ => "invalid_patent_number",
                };
                (code, e.to_string())
            }),
        );
        let title = checker.check(
            &format!("patents[{i}].title"),
            validation::optional_text(patent.title.as_deref(), 200),
        );
        if let (Some(number), Some(title)) = (number, title) {
            if out.iter().any(|p: &Patent| p.number == number.as_str()) {
                checker.fail(&format!("patents[{i}].number"), "duplicate", "is listed twice");
            }
            out.push(Patent { number: number.as_str().to_string(), title, status: patent.status });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for good in [
            "13800138000",
            "+86 138 0013 8000",
            "010-62751234",
            "0571-87951234",
            "010-62751234#123",
            "4008001234",
        ] {
            assert!(phone(good).is_ok(), "{good}");
        }
        for bad in ["12345", "23800138000", "138001380001", "phone", "010-6275"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keyword_rules() {
        let mut checker = Checker::new();
        let words = keywords(
            "keywords",
            &["锂电池".into(), "锂电池".into(), "正极".into()],
            1,
            &mut checker,
        );
        assert_eq!(words.unwrap(), vec!["锂电池", "正极"]);
        let mut checker = Checker::new();
        keywords("keywords", &vec!["词".to_string(); 11], 1, &mut checker);
        assert!(checker.finish().is_err());
        let mut checker = Checker::new();
        keywords("keywords", &[], 1, &mut checker);
        assert!(checker.finish().is_err());
    }

    #[test]
    fn money_rules() {
        assert!(money(0).is_ok());
        assert!(money(-1).is_err());
        assert!(money(MAX_FEN + 1).is_err());
    }
}
