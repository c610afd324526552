//! Domain identifiers and reference data validated by the API.

/// Unified social credit codes (统一社会信用代码, GB 32100-2015).
pub mod credit_code;
/// Chinese patent application numbers (专利申请号) with their check character.
pub mod patent;
/// GB/T 2260 administrative division codes embedded in the crate.
pub mod regions;
/// Amounts in Chinese capital numerals (人民币大写).
pub mod rmb;
