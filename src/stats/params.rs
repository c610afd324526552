//! The filters every figure takes (period, region, organization), checked field by field, and
//! the slice of the market the caller may read.

use chrono::{Days, Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::sql::{Bind, Sql, prefix_condition};
use crate::accounts::model::Role;
use crate::auth::AuthUser;
use crate::domain::regions::{self, RegionLevel};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::validation::Checker;

/// The filters of every statistics endpoint.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day of the period, `YYYY-MM-DD` (inclusive). Days are China Standard Time days
    /// (UTC+8), the registry's calendar: a record stamped 2025-01-01T17:00Z belongs to
    /// 2025-01-02. Without it the period is open at the start: figures are cumulative.
    #[param(value_type = Option<String>, format = Date, example = "2025-01-01")]
    pub from: Option<String>,
    /// Last day of the period, `YYYY-MM-DD` (inclusive). Without it the period runs to today.
    #[param(value_type = Option<String>, format = Date, example = "2025-12-31")]
    pub to: Option<String>,
    /// GB/T 2260 region prefix: `33` (a province), `3301` (a city) or `330106` (a district).
    #[param(example = "3301")]
    pub region: Option<String>,
    /// One organization's slice. Administrators may name any organization; members only
    /// their own (another organization's id is 403); members read their own slice anyway.
    pub org_id: Option<String>,
    /// CSV answers (`Accept: text/csv`): `codes` (default) names columns by their field codes,
    /// `zh` by their Chinese names. Every CSV starts with a UTF-8 byte-order mark.
    pub headers: Option<crate::http::csv_headers::CsvHeaders>,
}

/// A checked period: both ends inclusive, either may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
}

/// The first instant (UTC, as stored) of a China day.
fn midnight(date: NaiveDate) -> NaiveDateTime {
    crate::clock::start_of_day(date)
}

/// Today on the registry's calendar (China Standard Time).
pub fn today() -> NaiveDate {
    crate::clock::today()
}

impl Period {
    /// Restricts a DATE column to the period.
    pub fn on_date(&self, sql: &mut Sql, column: &str) {
        if let Some(from) = self.from {
            sql.and(&format!("{column} >= ?"), vec![Bind::Date(from)]);
        }
        if let Some(to) = self.to {
            sql.and(&format!("{column} <= ?"), vec![Bind::Date(to)]);
        }
    }

    /// Restricts a TIMESTAMP column (UTC) to the period's China days.
    pub fn on_timestamp(&self, sql: &mut Sql, column: &str) {
        if let Some(from) = self.from {
            sql.and(&format!("{column} >= ?"), vec![Bind::Timestamp(midnight(from))]);
        }
        if let Some(end) = self.to.and_then(|to| to.checked_add_days(Days::new(1))) {
            sql.and(&format!("{column} < ?"), vec![Bind::Timestamp(midnight(end))]);
        }
    }

    /// The same days one year earlier (29 February becomes 28 February).
    pub fn year_earlier(&self) -> Period {
        let back = |date: NaiveDate| date.checked_sub_months(Months::new(12)).unwrap_or(date);
        Period { from: self.from.map(back), to: self.to.map(back) }
    }
}

/// Checked filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The period.
    pub period: Period,
    /// The region prefix (2, 4 or 6 digits).
    pub region: Option<String>,
    /// The organization named in `org_id`.
    pub org_id: Option<String>,
}

impl Filter {
    /// Restricts a region-code column to the region prefix.
    pub fn on_region(&self, sql: &mut Sql, column: &str) {
        if let Some(prefix) = &self.region {
            let (condition, binds) = prefix_condition(column, prefix);
            sql.and(&condition, binds);
        }
    }
}

fn date(checker: &mut Checker, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let value = value?.trim();
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) if (1900..=2999).contains(&chrono::Datelike::year(&date)) => Some(date),
        _ => {
            checker.fail(
                field,
                "invalid_date",
                "must be a date written YYYY-MM-DD (years 1900–2999)",
            );
            None
        }
    }
}

/// Checks a region prefix: 2, 4 or 6 digits naming a province, city or district.
pub fn region_prefix(checker: &mut Checker, value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    let prefix = if value.len() == 6 { regions::prefix_of(value) } else { value };
    if regions::is_valid_prefix(prefix) {
        Some(prefix.to_string())
    } else {
        checker.fail(
            "region",
            "invalid_region",
            "must be a GB/T 2260 prefix of a province (33), city (3301) or district (330106)",
        );
        None
    }
}

impl StatsQuery {
    /// Checks every filter, reporting each bad one.
    pub fn parse(&self, checker: &mut Checker) -> Filter {
        let from = date(checker, "from", self.from.as_deref());
        let to = date(checker, "to", self.to.as_deref());
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            checker.fail("to", "before_from", "must not be before `from`");
        }
        let org_id = match self.org_id.as_deref().map(str::trim) {
            Some("") => {
                checker.fail("org_id", "required", "must not be empty when given");
                None
            }
            other => other.map(str::to_owned),
        };
        Filter {
            period: Period { from, to },
            region: region_prefix(checker, self.region.as_deref()),
            org_id,
        }
    }
}

/// A level to roll regions up to, and the check that it is not above the region filter.
pub fn region_level(
    checker: &mut Checker,
    value: Option<&str>,
    region: Option<&str>,
) -> RegionLevel {
    let default = match region.map(str::len) {
        None => RegionLevel::Province,
        Some(2) => RegionLevel::City,
        Some(_) => RegionLevel::District,
    };
    let Some(value) = value else {
        return default;
    };
    match value.trim().parse::<RegionLevel>() {
        Ok(level) => {
            if let Some(region) = region
                && level_digits(level) < region.len()
            {
                checker.fail(
                    "region_level",
                    "above_region",
                    "must be at or below the level of `region`",
                );
            }
            level
        }
        Err(_) => {
            checker.fail(
                "region_level",
                "invalid_value",
                "must be one of: province, city, district",
            );
            default
        }
    }
}

/// Digits of a region code at a level: 2, 4 or 6.
pub fn level_digits(level: RegionLevel) -> usize {
    match level {
        RegionLevel::Province => 2,
        RegionLevel::City => 4,
        RegionLevel::District => 6,
    }
}

/// The Chinese name of a region prefix (`33` → 浙江省).
pub fn region_name(prefix: &str) -> Option<&'static str> {
    let code = format!("{prefix:0<6}");
    regions::lookup(&code).map(|region| region.name)
}

/// The slice of the market a caller reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything (administrators: the bureau).
    All,
    /// One organization's records: its members, its listings, the deals and contracts where
    /// it is the buyer or the seller.
    Organization(String),
    /// One technology broker's deals and the contracts where they are the intermediary.
    Broker(String),
}

impl Scope {
    /// The organization, when the slice is one.
    pub fn organization(&self) -> Option<&str> {
        match self {
            Scope::Organization(id) => Some(id),
            _ => None,
        }
    }

    /// The broker, when the slice is one.
    pub fn broker(&self) -> Option<&str> {
        match self {
            Scope::Broker(id) => Some(id),
            _ => None,
        }
    }
}

/// Whether a broker's own figures may stand in for an organization's slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerSlice {
    /// The endpoint has no broker slice (overview, contracts, libraries).
    No,
    /// The endpoint answers brokers with their own figures (funnel, brokers).
    Yes,
}

/// The slice a caller reads: administrators everything (or the organization in `org_id`),
/// members of an organization their own, brokers their own figures where the endpoint has
/// them; anyone else is refused.
pub fn resolve_scope(
    user: &AuthUser,
    org_id: Option<&str>,
    broker_slice: BrokerSlice,
) -> ApiResult<Scope> {
    if user.is_admin() {
        return Ok(org_id.map_or(Scope::All, |id| Scope::Organization(id.to_string())));
    }
    if let Some(requested) = org_id
        && !user.belongs_to(requested)
    {
        return Err(ApiError::Forbidden("an organization reads only its own figures".into()));
    }
    if broker_slice == BrokerSlice::Yes && user.role() == Role::Broker && org_id.is_none() {
        return Ok(Scope::Broker(user.id().to_string()));
    }
    match &user.user.organization_id {
        Some(own) => Ok(Scope::Organization(own.clone())),
        None => Err(ApiError::Forbidden(
            "these figures are for administrators and the members of an organization".into(),
        )),
    }
}

/// What the figures were computed over, echoed in every answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Basis {
    /// First day of the period (inclusive), if bounded.
    pub from: Option<NaiveDate>,
    /// Last day of the period (inclusive), if bounded.
    pub to: Option<NaiveDate>,
    /// The region prefix.
    pub region: Option<String>,
    /// The region's Chinese name.
    pub region_name: Option<String>,
    /// The organization whose slice this is (absent: the whole market).
    pub organization_id: Option<String>,
    /// The broker whose figures these are.
    pub broker_id: Option<String>,
}

impl Basis {
    /// The basis of a filter and a scope.
    pub fn new(filter: &Filter, scope: &Scope) -> Basis {
        Basis {
            from: filter.period.from,
            to: filter.period.to,
            region: filter.region.clone(),
            region_name: filter.region.as_deref().and_then(region_name).map(str::to_owned),
            organization_id: scope.organization().map(str::to_owned),
            broker_id: scope.broker().map(str::to_owned),
        }
    }
}

/// 422 on `org_id` when an administrator names an organization that does not exist.
pub fn check_organization(conn: &mut crate::db::DbConnection, scope: &Scope) -> ApiResult<()> {
    if let Scope::Organization(id) = scope {
        crate::organizations::queries::find(conn, id)
            .missing_as(|| ApiError::field("org_id", "not_found", "no such organization"))?;
    }
    Ok(())
}

/// A ratio rounded to four decimals; `None` when the base is zero.
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    if denominator == 0 {
        return None;
    }
    let value = numerator as f64 / denominator as f64;
    Some((value * 10_000.0).round() / 10_000.0)
}

/// Year-on-year growth (同比增长): (current − previous) / previous, `None` without a base.
pub fn growth(current: i64, previous: Option<i64>) -> Option<f64> {
    match previous {
        Some(previous) if previous != 0 => ratio(current - previous, previous),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: StatsQuery) -> Result<Filter, ApiError> {
        let mut checker = Checker::new();
        let filter = query.parse(&mut checker);
        checker.finish().map(|()| filter)
    }

    #[test]
    fn bad_filters_are_reported_field_by_field() {
        let error = parse(StatsQuery {
            from: Some("2025-13-01".into()),
            to: Some("yesterday".into()),
            region: Some("4400".into()),
            org_id: Some(" ".into()),
            headers: None,
        })
        .unwrap_err();
        let ApiError::Validation(errors) = error else { panic!("{error:?}") };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["from", "to", "org_id", "region"]);
        let reversed = parse(StatsQuery {
            from: Some("2025-02-01".into()),
            to: Some("2025-01-01".into()),
            ..StatsQuery::default()
        });
        assert!(matches!(reversed, Err(ApiError::Validation(e)) if e[0].code == "before_from"));
    }

    #[test]
    fn full_codes_of_provinces_and_cities_roll_up() {
        let filter =
            parse(StatsQuery { region: Some("330100".into()), ..StatsQuery::default() }).unwrap();
        assert_eq!(filter.region.as_deref(), Some("3301"));
        assert_eq!(region_name("3301"), Some("杭州市"));
        assert_eq!(region_name("33"), Some("浙江省"));
    }

    #[test]
    fn a_year_earlier_keeps_the_days() {
        let period = Period {
            from: NaiveDate::from_ymd_opt(2024, 2, 29),
            to: NaiveDate::from_ymd_opt(2024, 12, 31),
        };
        let earlier = period.year_earlier();
        assert_eq!(earlier.from, NaiveDate::from_ymd_opt(2023, 2, 28));
        assert_eq!(earlier.to, NaiveDate::from_ymd_opt(2023, 12, 31));
    }

    #[test]
    fn growth_needs_a_base() {
        assert_eq!(growth(150, Some(100)), Some(0.5));
        assert_eq!(growth(50, Some(200)), Some(-0.75));
        assert_eq!(growth(10, Some(0)), None);
        assert_eq!(growth(10, None), None);
        assert_eq!(ratio(1, 3), Some(0.3333));
    }

    #[test]
    fn region_levels_default_below_the_filter() {
        let mut checker = Checker::new();
        assert_eq!(region_level(&mut checker, None, None), RegionLevel::Province);
        assert_eq!(region_level(&mut checker, None, Some("33")), RegionLevel::City);
        assert_eq!(region_level(&mut checker, None, Some("3301")), RegionLevel::District);
        assert!(checker.is_ok());
        region_level(&mut checker, Some("province"), Some("3301"));
        region_level(&mut checker, Some("county"), None);
        let ApiError::Validation(errors) = checker.finish().unwrap_err() else { panic!() };
        assert_eq!(errors[0].code, "above_region");
        assert_eq!(errors[1].code, "invalid_value");
    }
}
