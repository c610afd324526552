//! Chinese labels of group keys, as the bureau's reports print them.

use super::params::region_name;
use crate::contracts::model::{ContractType, EntityKind};
use crate::organizations::model::OrgKind;
use crate::taxonomies::TechnologyField;

/// 技术开发, 技术转让 … for a contract type code (the contracts module's labels).
pub fn contract_type(key: &str) -> String {
    key.parse::<ContractType>().map_or_else(|_| key.to_string(), |t| t.zh().to_string())
}

/// The Chinese label of a technology field code.
pub fn technology_field(key: &str) -> String {
    key.parse::<TechnologyField>().map_or_else(|_| key.to_string(), |field| field.zh().to_string())
}

/// The canonical order of technology fields (the registration form's).
pub fn technology_field_rank(key: &str) -> usize {
    TechnologyField::ALL.iter().position(|f| f.as_str() == key).unwrap_or(usize::MAX)
}

/// The Chinese label of a legal-entity kind (contract parties) or an organization kind.
pub fn entity_kind(key: &str) -> String {
    key.parse::<EntityKind>()
        .or_else(|_| key.parse::<OrgKind>().map(EntityKind::from))
        .map_or_else(|_| key.to_string(), |k| k.zh().to_string())
}

/// 2025年3月 for `2025-03`.
pub fn month(key: &str) -> String {
    match key.split_once('-') {
        Some((year, month)) => format!("{year}年{}月", month.trim_start_matches('0')),
        None => key.to_string(),
    }
}

/// 2025年第1季度 for `2025-Q1`.
pub fn quarter(key: &str) -> String {
    match key.split_once("-Q") {
        Some((year, quarter)) => format!("{year}年第{quarter}季度"),
        None => key.to_string(),
    }
}

/// The quarter key (`2025-Q1`) of a month key (`2025-03`).
pub fn quarter_of_month(key: &str) -> String {
    match key.split_once('-') {
        Some((year, month)) => {
            let month: u32 = month.parse().unwrap_or(1);
            format!("{year}-Q{}", month.saturating_sub(1) / 3 + 1)
        }
        None => key.to_string(),
    }
}

/// The key of the same month or quarter one year later (`2024-03` → `2025-03`).
pub fn year_later(key: &str) -> String {
    match key.split_once('-') {
        Some((year, rest)) => match year.parse::<i32>() {
            Ok(year) => format!("{}-{rest}", year + 1),
            Err(_) => key.to_string(),
        },
        None => key.to_string(),
    }
}

/// The region's name, or 未填地区 for records without a region (foreign parties). The
/// pseudo-cities of municipalities and provinces (市辖区, 县, 省直辖县级行政区划) carry their
/// province's name: 北京市市辖区.
pub fn region(key: Option<&str>) -> String {
    let Some(prefix) = key else {
        return "未填地区".to_string();
    };
    let Some(name) = region_name(prefix) else {
        return prefix.to_string();
    };
    let pseudo = name == "市辖区" || name == "县" || name.ends_with("直辖县级行政区划");
    match (prefix.len(), pseudo, prefix.get(..2).and_then(region_name)) {
        (4, true, Some(province)) => format!("{province}{name}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys() {
        assert_eq!(month("2025-03"), "2025年3月");
        assert_eq!(month("2025-11"), "2025年11月");
        assert_eq!(quarter_of_month("2025-03"), "2025-Q1");
        assert_eq!(quarter_of_month("2025-10"), "2025-Q4");
        assert_eq!(quarter("2025-Q4"), "2025年第4季度");
        assert_eq!(year_later("2024-Q2"), "2025-Q2");
        assert_eq!(year_later("2024-02"), "2025-02");
    }

    #[test]
    fn codes_get_chinese_labels() {
        assert_eq!(contract_type("transfer"), "技术转让");
        assert_eq!(technology_field("new_energy"), "新能源与高效节能");
        assert_eq!(region(Some("3301")), "杭州市");
        assert_eq!(region(None), "未填地区");
        assert_eq!(region(Some("1101")), "北京市市辖区");
        assert_eq!(region(Some("110105")), "朝阳区");
        assert_eq!(entity_kind("university"), "高等院校");
    }
}
