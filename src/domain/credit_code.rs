//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! Every legal entity registered in mainland China (companies, public institutions,
//! social organizations, …) carries an 18-character code built from the 31-symbol
//! alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY` (the letters I, O, S, V and Z are never
//! used). The layout is:
//!
//! | positions | meaning |
//! |---|---|
//! | 1 | registration authority (e.g. `9` = market regulation / industry and commerce) |
//! | 2 | entity type within that authority |
//! | 3–8 | GB/T 2260 administrative division code of the registering office |
//! | 9–17 | organization code (GB 11714) |
//! | 18 | check character |
//!
//! The check character is computed from the values `v1..v17` of the first 17 symbols
//! (their index in the alphabet) and the weights
//! `1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28`:
//! `check = 31 − (Σ vi·wi mod 31)`, where a result of 31 is written as `0`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The 31 symbols allowed in a unified social credit code, in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights applied to the first 17 symbols when computing the check character.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Number of characters in a unified social credit code.
pub const LENGTH: usize = 18;

/// A validated unified social credit code (GB 32100-2015), stored in upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

/// Why a string is not a valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// The code does not have exactly 18 characters.
    #[error("a unified social credit code has 18 characters, found {found}")]
    Length {
        /// Number of characters found (after trimming surrounding whitespace).
        found: usize,
    },
    /// A character is not one of the 31 allowed symbols.
    #[error(
        "invalid character '{character}' at position {position} of the unified social credit code \
         (allowed: digits and the letters A-Y except I, O, S, V)"
    )]
    InvalidCharacter {
        /// 1-based position of the offending character.
        position: usize,
        /// The offending character (after upper-casing).
        character: char,
    },
    /// The 18th character does not match the check character computed from the first 17.
    #[error(
        "wrong check character in the unified social credit code: expected '{expected}', found '{found}'"
    )]
    CheckCharacter {
        /// Check character computed from the first 17 characters.
        expected: char,
        /// Check character actually present in the input.
        found: char,
    },
}

/// Returns the value (0..=30) of a symbol of the alphabet, or `None` if it is not part of it.
fn symbol_value(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    ALPHABET.iter().position(|&a| a == byte).and_then(|i| u32::try_from(i).ok())
}

/// Computes the check character from already-validated symbol values.
fn check_from_values(values: &[u32; 17]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    char::from(ALPHABET[check as usize])
}

/// Computes the check character (18th character) for the first 17 characters of a code.
///
/// ASCII letters are accepted in either case. Returns `None` unless `first17` consists of
/// exactly 17 symbols of the alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY`.
///
/// For example, the check character of `91350100M000100Y4` is `3`.
pub fn compute_check_character(first17: &str) -> Option<char> {
    let mut values = [0u32; 17];
    let mut chars = first17.chars();
    for slot in &mut values {
        *slot = symbol_value(chars.next()?.to_ascii_uppercase())?;
    }
    if chars.next().is_some() {
        return None;
    }
    Some(check_from_values(&values))
}

impl CreditCode {
    /// Parses and validates a unified social credit code.
    ///
    /// Surrounding whitespace is trimmed and ASCII letters are upper-cased before
    /// validation, so `" 91350100m000100y43 "` is accepted and stored as
    /// `91350100M000100Y43`. Checks, in order: length (18 characters), alphabet
    /// (positions reported 1-based), check character.
    ///
    /// # Errors
    ///
    /// Returns the first [`CreditCodeError`] met by the checks above.
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        let normalized = input.trim().to_ascii_uppercase();
        let found = normalized.chars().count();
        if found != LENGTH {
            return Err(CreditCodeError::Length { found });
        }
        let mut values = [0u32; 17];
        let mut check_found = '0';
        for (i, character) in normalized.chars().enumerate() {
            let value = symbol_value(character)
                .ok_or(CreditCodeError::InvalidCharacter { position: i + 1, character })?;
            match values.get_mut(i) {
                Some(slot) => *slot = value,
                None => check_found = character,
            }
        }
        let expected = check_from_values(&values);
        if expected != check_found {
            return Err(CreditCodeError::CheckCharacter { expected, found: check_found });
        }
        Ok(CreditCode(normalized))
    }

    /// The normalized (upper-case) code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the code and returns the normalized string.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// The registration authority code (1st character, e.g. `9` for market regulation).
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// The six-digit administrative division code of the registering office (characters 3–8).
    ///
    /// Not checked against the division table: codes of divisions that were later merged
    /// or renamed remain valid credit codes.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The check character (18th character).
    pub fn check_character(&self) -> char {
        char::from(self.0.as_bytes()[LENGTH - 1])
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

/// Serializes as the normalized code string.
impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializes from a string, validating it with [`CreditCode::parse`].
impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        CreditCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL_CODES: [&str; 3] =
        ["91350100M000100Y43", "91110000600037341L", "91310000MA1FL4B24G"];

    #[test]
    fn real_codes_are_valid() {
        for code in REAL_CODES {
            let parsed = CreditCode::parse(code).unwrap();
            assert_eq!(parsed.as_str(), code);
            assert_eq!(parsed.to_string(), code);
            assert_eq!(parsed.as_ref(), code);
        }
    }

    #[test]
    fn compute_check_character_matches_real_codes() {
        for code in REAL_CODES {
            let expected = code.chars().last().unwrap();
            assert_eq!(compute_check_character(&code[..17]), Some(expected));
        }
    }

    #[test]
    fn generated_codes_are_valid() {
        for first17 in ["91440300MA5DC6QX9", "12100000400000624", "51110000500000448"] {
            let check = compute_check_character(first17).unwrap();
            let code = format!("{first17}{check}");
            assert_eq!(CreditCode::parse(&code).unwrap().into_inner(), code);
        }
    }

    #[test]
    fn check_value_31_is_written_as_zero() {
        // Find a 17-character prefix whose weighted sum is divisible by 31.
        let mut found = false;
        for last in ALPHABET.iter().map(|&b| char::from(b)) {
            let first17 = format!("9111000010000000{last}");
            if compute_check_character(&first17) == Some('0') {
                let code = format!("{first17}0");
                assert!(CreditCode::parse(&code).is_ok());
                found = true;
            }
        }
        assert!(found, "some last symbol yields a zero check character");
    }

    #[test]
    fn lowercase_and_whitespace_are_normalized() {
        let parsed = CreditCode::parse("  91310000ma1fl4b24g\n").unwrap();
        assert_eq!(parsed.as_str(), "91310000MA1FL4B24G");
    }

    #[test]
    fn wrong_check_character_is_rejected() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckCharacter { expected: '3', found: '4' })
        );
        assert_eq!(
            CreditCode::parse("91110000600037341K"),
            Err(CreditCodeError::CheckCharacter { expected: 'L', found: 'K' })
        );
    }

    #[test]
    fn excluded_letters_are_rejected() {
        for bad in ['I', 'O', 'S', 'V', 'Z'] {
            let code = format!("91350100M000{bad}00Y43");
            assert_eq!(
                CreditCode::parse(&code),
                Err(CreditCodeError::InvalidCharacter { position: 13, character: bad })
            );
        }
        // Lower-case excluded letters are reported upper-cased.
        assert_eq!(
            CreditCode::parse("o1350100M000100Y43"),
            Err(CreditCodeError::InvalidCharacter { position: 1, character: 'O' })
        );
        // An invalid check position is a character error, not a check error.
        assert_eq!(
            CreditCode::parse("91350100M000100Y4-"),
            Err(CreditCodeError::InvalidCharacter { position: 18, character: '-' })
        );
    }

    #[test]
    fn non_ascii_characters_are_rejected() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4三"),
            Err(CreditCodeError::InvalidCharacter { position: 18, character: '三' })
        );
    }

    #[test]
    fn wrong_length_is_rejected() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::Length { found: 17 })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y433"),
            Err(CreditCodeError::Length { found: 19 })
        );
        assert_eq!(CreditCode::parse("   "), Err(CreditCodeError::Length { found: 0 }));
        // Internal whitespace is not trimmed.
        assert_eq!(
            CreditCode::parse("91350100 M000100Y43"),
            Err(CreditCodeError::Length { found: 19 })
        );
    }

    #[test]
    fn compute_check_character_rejects_bad_input() {
        assert_eq!(compute_check_character("91350100M000100Y"), None);
        assert_eq!(compute_check_character("91350100M000100Y43"), None);
        assert_eq!(compute_check_character("91350100M000I00Y4"), None);
        assert_eq!(compute_check_character("91350100m000100y4"), Some('3'));
    }

    #[test]
    fn accessors() {
        let code = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.region_code(), "350100");
        assert_eq!(code.check_character(), '3');
        assert_eq!("91350100M000100Y43".parse::<CreditCode>().unwrap(), code);
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            CreditCodeError::Length { found: 5 }.to_string(),
            "a unified social credit code has 18 characters, found 5"
        );
        assert_eq!(
            CreditCodeError::CheckCharacter { expected: '3', found: '4' }.to_string(),
            "wrong check character in the unified social credit code: expected '3', found '4'"
        );
        assert!(
            CreditCodeError::InvalidCharacter { position: 2, character: 'I' }
                .to_string()
                .starts_with("invalid character 'I' at position 2")
        );
    }
}
