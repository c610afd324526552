//! Chinese patent application numbers (专利申请号), in the format used since October 2003.
//!
//! An application number has 12 digits `YYYYTNNNNNNN` followed by a dot and a check
//! character, e.g. `200310102344.5`:
//!
//! - `YYYY` is the filing year;
//! - `T` is the kind of application: `1` invention (发明), `2` utility model (实用新型),
//!   `3` design (外观设计), `8` PCT application entering the national phase as an invention,
//!   `9` PCT application entering the national phase as a utility model;
//! - `NNNNNNN` is a serial number;
//! - the check character is `Σ di·wi mod 11` over the 12 digits with the weights
//!   `2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5`, a result of 10 being written `X`.
//!
//! Granted patents are commonly written with a `ZL` prefix (`ZL200310102344.5`) and
//! documents with a `CN` prefix; both prefixes are accepted and dropped on parsing.
//! The normalized form kept by `PatentNumber` is `YYYYTNNNNNNN.C`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Weights applied to the 12 digits when computing the check character.
const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];

/// Earliest filing year accepted (the Chinese patent system started in 1985).
pub const MIN_YEAR: u16 = 1985;

/// Latest filing year accepted (a fixed bound, so validation does not depend on the clock).
pub const MAX_YEAR: u16 = 2100;

/// Kind of patent application, encoded by the fifth digit of the application number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatentKind {
    /// `1` — invention patent application (发明专利).
    Invention,
    /// `2` — utility model application (实用新型).
    UtilityModel,
    /// `3` — design application (外观设计).
    Design,
    /// `8` — PCT international application entering the Chinese national phase as an invention.
    PctInvention,
    /// `9` — PCT international application entering the Chinese national phase as a utility model.
    PctUtilityModel,
}

impl PatentKind {
    /// Maps the type digit of an application number to its kind.
    pub fn from_digit(digit: char) -> Option<PatentKind> {
        match digit {
            '1' => Some(PatentKind::Invention),
            '2' => Some(PatentKind::UtilityModel),
            '3' => Some(PatentKind::Design),
            '8' => Some(PatentKind::PctInvention),
            '9' => Some(PatentKind::PctUtilityModel),
            _ => None,
        }
    }

    /// The type digit used in application numbers.
    pub fn digit(self) -> char {
        match self {
            PatentKind::Invention => '1',
            PatentKind::UtilityModel => '2',
            PatentKind::Design => '3',
            PatentKind::PctInvention => '8',
            PatentKind::PctUtilityModel => '9',
        }
    }

    /// Stable `snake_case` name, identical to the serde representation.
    pub fn as_str(self) -> &'static str {
        match self {
            PatentKind::Invention => "invention",
            PatentKind::UtilityModel => "utility_model",
            PatentKind::Design => "design",
            PatentKind::PctInvention => "pct_invention",
            PatentKind::PctUtilityModel => "pct_utility_model",
        }
    }

    /// Whether the application entered China through the PCT route.
    pub fn is_pct(self) -> bool {
        matches!(self, PatentKind::PctInvention | PatentKind::PctUtilityModel)
    }
}

impl fmt::Display for PatentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated Chinese patent application number in normalized form `YYYYTNNNNNNN.C`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PatentNumber {
    normalized: String,
    year: u16,
    kind: PatentKind,
}

/// Why a string is not a valid Chinese patent application number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatentNumberError {
    /// The input is not 12 digits followed by an optional dot and a check character.
    #[error(
        "a patent application number is 12 digits followed by a check character (digit or X), \
         optionally prefixed with ZL or CN, e.g. ZL200310102344.5"
    )]
    Format,
    /// The filing year is outside the accepted range.
    #[error("patent application year {year} is out of range ({MIN_YEAR}-{MAX_YEAR})")]
    Year {
        /// The year found in the first four digits.
        year: u16,
    },
    /// The fifth digit is not a known application type.
    #[error(
        "unknown patent application type digit '{digit}' (expected 1 invention, 2 utility model, \
         3 design, 8 or 9 PCT national phase)"
    )]
    KindDigit {
        /// The fifth digit found.
        digit: char,
    },
    /// The check character does not match the one computed from the 12 digits.
    #[error(
        "wrong patent application number check character: expected '{expected}', found '{found}'"
    )]
    CheckCharacter {
        /// Check character computed from the 12 digits.
        expected: char,
        /// Check character present in the input (upper-cased).
        found: char,
    },
}

/// Computes the check character (`0`–`9` or `X`) for the 12 digits of an application number.
///
/// Returns `None` unless `digits` consists of exactly 12 ASCII digits.
pub fn compute_check_character(digits: &str) -> Option<char> {
    let bytes = digits.as_bytes();
    if bytes.len() != WEIGHTS.len() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d - b'0') * w).sum();
    match sum % 11 {
        10 => Some('X'),
        r => char::from_digit(r, 10),
    }
}

/// Removes an optional `ZL` / `CN` prefix (any case) and the whitespace following it.
fn strip_prefix(input: &str) -> &str {
    match input.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("ZL") || prefix.eq_ignore_ascii_case("CN") => {
            input[2..].trim_start()
        }
        _ => input,
    }
}

impl PatentNumber {
    /// Parses and validates a patent application number.
    ///
    /// Accepted forms (surrounding whitespace ignored): `200310102344.5`, `2003101023445`,
    /// `ZL200310102344.5`, `zl 200310102344.5`, `CN 200310102344.5`; a check character
    /// `x` is accepted in lower case. Checks, in order: format, year
    /// ([`MIN_YEAR`]..=[`MAX_YEAR`]), type digit, check character.
    ///
    /// # Errors
    ///
    /// Returns the first [`PatentNumberError`] met by the checks above.
    pub fn parse(input: &str) -> Result<PatentNumber, PatentNumberError> {
        let rest = strip_prefix(input.trim());
        let (Some(digits), Some(tail)) = (rest.get(..12), rest.get(12..)) else {
            return Err(PatentNumberError::Format);
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PatentNumberError::Format);
        }
        let check_part = tail.strip_prefix('.').unwrap_or(tail);
        let found = match check_part.as_bytes() {
            [c] if c.is_ascii_digit() || c.eq_ignore_ascii_case(&b'X') => {
                char::from(c.to_ascii_uppercase())
            }
            _ => return Err(PatentNumberError::Format),
        };

        let year: u16 = digits[..4].parse().map_err(|_| PatentNumberError::Format)?;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(PatentNumberError::Year { year });
        }
        let kind_digit = char::from(digits.as_bytes()[4]);
        let kind = PatentKind::from_digit(kind_digit)
            .ok_or(PatentNumberError::KindDigit { digit: kind_digit })?;

        let expected = compute_check_character(digits).ok_or(PatentNumberError::Format)?;
        if expected != found {
            return Err(PatentNumberError::CheckCharacter { expected, found });
        }
        Ok(PatentNumber { normalized: format!("{digits}.{found}"), year, kind })
    }

    /// The normalized form, e.g. `200310102344.5`.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// Consumes the number and returns the normalized string.
    pub fn into_inner(self) -> String {
        self.normalized
    }

    /// Filing year (first four digits).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// Kind of application (fifth digit).
    pub fn kind(&self) -> PatentKind {
        self.kind
    }

    /// The seven-digit serial number (digits 6–12).
    pub fn serial(&self) -> &str {
        &self.normalized[5..12]
    }

    /// The check character (`0`–`9` or `X`).
    pub fn check_character(&self) -> char {
        char::from(self.normalized.as_bytes()[13])
    }
}

impl fmt::Display for PatentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

impl AsRef<str> for PatentNumber {
    fn as_ref(&self) -> &str {
        &self.normalized
    }
}

impl FromStr for PatentNumber {
    type Err = PatentNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PatentNumber::parse(s)
    }
}

/// Serializes as the normalized string.
impl Serialize for PatentNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.normalized)
    }
}

/// Deserializes from a string, validating it with [`PatentNumber::parse`].
impl<'de> Deserialize<'de> for PatentNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        PatentNumber::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid normalized number from 12 digits.
    fn valid(digits: &str) -> String {
        format!("{digits}.{}", compute_check_character(digits).unwrap())
    }

    #[test]
    fn example_number_is_valid() {
        let n = PatentNumber::parse("200310102344.5").unwrap();
        assert_eq!(n.as_str(), "200310102344.5");
        assert_eq!(n.to_string(), "200310102344.5");
        assert_eq!(n.year(), 2003);
        assert_eq!(n.kind(), PatentKind::Invention);
        assert_eq!(n.serial(), "0102344");
        assert_eq!(n.check_character(), '5');
        assert_eq!(compute_check_character("200310102344"), Some('5'));
    }

    #[test]
    fn accepted_spellings_normalize_to_the_same_number() {
        for input in [
            "ZL200310102344.5",
            "zl200310102344.5",
            "ZL 200310102344.5",
            "CN 200310102344.5",
            "cn200310102344.5",
            "2003101023445",
            "ZL2003101023445",
            "  200310102344.5 ",
        ] {
            let n = PatentNumber::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(n.as_str(), "200310102344.5", "{input}");
        }
    }

    #[test]
    fn check_character_x() {
        // Find a serial whose check value is 10.
        let digits = (0..100)
            .map(|i| format!("20211{i:07}"))
            .find(|d| compute_check_character(d) == Some('X'))
            .unwrap();
        let with_dot = format!("{digits}.X");
        assert_eq!(PatentNumber::parse(&with_dot).unwrap().as_str(), with_dot);
        let lower = format!("ZL{digits}.x");
        let n = PatentNumber::parse(&lower).unwrap();
        assert_eq!(n.as_str(), with_dot);
        assert_eq!(n.check_character(), 'X');
    }

    #[test]
    fn kinds_are_decoded() {
        for (digit, kind) in [
            ('1', PatentKind::Invention),
            ('2', PatentKind::UtilityModel),
            ('3', PatentKind::Design),
            ('8', PatentKind::PctInvention),
            ('9', PatentKind::PctUtilityModel),
        ] {
            let number = valid(&format!("2019{digit}1234567"));
            let n = PatentNumber::parse(&number).unwrap();
            assert_eq!(n.kind(), kind);
            assert_eq!(n.year(), 2019);
            assert_eq!(kind.digit(), digit);
            assert_eq!(PatentKind::from_digit(digit), Some(kind));
        }
        assert!(PatentKind::PctInvention.is_pct());
        assert!(!PatentKind::Design.is_pct());
        assert_eq!(PatentKind::PctUtilityModel.as_str(), "pct_utility_model");
    }

    #[test]
    fn wrong_check_character_is_rejected() {
        assert_eq!(
            PatentNumber::parse("200310102344.6"),
            Err(PatentNumberError::CheckCharacter { expected: '5', found: '6' })
        );
        assert_eq!(
            PatentNumber::parse("200310102344X"),
            Err(PatentNumberError::CheckCharacter { expected: '5', found: 'X' })
        );
        // Transposed digits are caught.
        assert!(matches!(
            PatentNumber::parse("200310102434.5"),
            Err(PatentNumberError::CheckCharacter { .. })
        ));
    }

    #[test]
    fn bad_year_is_rejected() {
        assert_eq!(
            PatentNumber::parse(&valid("198410102344")),
            Err(PatentNumberError::Year { year: 1984 })
        );
        assert_eq!(
            PatentNumber::parse(&valid("210110102344")),
            Err(PatentNumberError::Year { year: 2101 })
        );
        assert!(PatentNumber::parse(&valid("198510102344")).is_ok());
        assert!(PatentNumber::parse(&valid("210010102344")).is_ok());
    }

    #[test]
    fn bad_kind_digit_is_rejected() {
        for digit in ['0', '4', '5', '6', '7'] {
            assert_eq!(
                PatentNumber::parse(&valid(&format!("2020{digit}0102344"))),
                Err(PatentNumberError::KindDigit { digit })
            );
        }
    }

    #[test]
    fn malformed_input_is_rejected() {
        for input in [
            "",
            "ZL",
            "20031010234.5",
            "2003101023445.5",
            "200310102344.",
            "200310102344..5",
            "200310102344.55",
            "200310102344-5",
            "20031010234A.5",
            "200310102344.A",
            "XX200310102344.5",
            "ZLCN200310102344.5",
            "98123456.X",
            "２００３10102344.5",
            "专利200310102344.5",
        ] {
            assert_eq!(PatentNumber::parse(input), Err(PatentNumberError::Format), "{input:?}");
        }
    }

    #[test]
    fn compute_check_character_rejects_bad_input() {
        assert_eq!(compute_check_character("20031010234"), None);
        assert_eq!(compute_check_character("2003101023445"), None);
        assert_eq!(compute_check_character("20031010234a"), None);
    }

    #[test]
    fn from_str_and_error_messages() {
        let n: PatentNumber = "ZL200310102344.5".parse().unwrap();
        assert_eq!(n.as_ref(), "200310102344.5");
        assert_eq!(
            PatentNumberError::Year { year: 1900 }.to_string(),
            "patent application year 1900 is out of range (1985-2100)"
        );
        assert_eq!(
            PatentNumberError::CheckCharacter { expected: '5', found: '6' }.to_string(),
            "wrong patent application number check character: expected '5', found '6'"
        );
    }
}
