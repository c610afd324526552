//! New listings per library: records first published in the period.

use std::collections::BTreeMap;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::contracts::StatsRegionLevel;
use super::labels;
use super::params::{Basis, Filter, Scope, level_digits, region_level};
use super::render::{Table, Tabular, cell};
use super::rollups::{self, ALL, Reading, listings as listing_sums};
use super::sql::{Backend, Bind, Sql};
use crate::db::DbConnection;
use crate::domain::regions::RegionLevel;
use crate::error::ApiResult;
use crate::listings::Library;
use crate::listings::codec::decode_codes;
use crate::validation::Checker;

text_enum! {
    /// How new listings are grouped.
    pub enum LibraryGroup {
        /// Month of first publication.
        Month => "month",
        /// Technology field (experts and service organizations count once in each of theirs).
        TechnologyField => "technology_field",
        /// The listing's region, rolled up to `region_level`.
        Region => "region",
    }
}

/// Query of `GET /api/v1/stats/libraries`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LibrariesQuery {
    /// The grouping (default `month`).
    #[param(value_type = Option<LibraryGroup>)]
    pub group_by: Option<String>,
    /// For `group_by=region`: the level to roll up to (default: one level below `region`,
    /// provinces without it).
    #[param(value_type = Option<StatsRegionLevel>)]
    pub region_level: Option<String>,
}

impl LibrariesQuery {
    /// Checks the grouping.
    pub fn parse(&self, checker: &mut Checker, filter: &Filter) -> (LibraryGroup, RegionLevel) {
        let group = match self.group_by.as_deref().map(str::trim) {
            None => LibraryGroup::Month,
            Some(text) => text.parse().unwrap_or_else(|message: String| {
                checker.fail("group_by", "invalid_value", message);
                LibraryGroup::Month
            }),
        };
        let level = region_level(checker, self.region_level.as_deref(), filter.region.as_deref());
        (group, level)
    }
}

/// New listings of each library.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LibraryCounts {
    /// 成果库.
    pub achievements: i64,
    /// 需求库.
    pub demands: i64,
    /// 专家库.
    pub experts: i64,
    /// 服务机构库.
    pub service_providers: i64,
    /// All four.
    pub total: i64,
}

impl LibraryCounts {
    fn add(&mut self, library: Library, n: i64) {
        match library {
            Library::Achievements => self.achievements += n,
            Library::Demands => self.demands += n,
            Library::Experts => self.experts += n,
            Library::ServiceProviders => self.service_providers += n,
        }
        self.total += n;
    }

    /// The count of one library.
    pub fn of(&self, library: Library) -> i64 {
        match library {
            Library::Achievements => self.achievements,
            Library::Demands => self.demands,
            Library::Experts => self.experts,
            Library::ServiceProviders => self.service_providers,
        }
    }
}

/// One group of new listings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LibraryGroupOut {
    /// The group's code (`2025-03`, a field, a region prefix); null when missing.
    pub key: Option<String>,
    /// Its Chinese label.
    pub label: String,
    /// New listings per library.
    pub counts: LibraryCounts,
}

/// New listings per library and group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LibraryStats {
    /// What the figures cover.
    pub basis: Basis,
    /// The grouping.
    pub group_by: LibraryGroup,
    /// The groups: months in time order, fields in the registration form's order, regions by
    /// code.
    pub groups: Vec<LibraryGroupOut>,
    /// Listings first published in the period (each listing once).
    pub total: LibraryCounts,
}

#[derive(Debug, QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    lib: String,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn key_expression(backend: Backend, group: LibraryGroup, level: RegionLevel) -> String {
    match group {
        LibraryGroup::Month => backend.month_of_timestamp("l.published_at"),
        LibraryGroup::Region => format!("substr(l.region_code, 1, {})", level_digits(level)),
        LibraryGroup::TechnologyField => "COALESCE(a.technology_field, dm.technology_field, \
             e.technology_fields, sp.technology_fields)"
            .into(),
    }
}

/// Restricts listings (alias `l`) to those first published in the period, in the region and
/// slice.
pub fn published_in(sql: &mut Sql, filter: &Filter, scope: &Scope) {
    sql.push(" WHERE l.published_at IS NOT NULL");
    filter.period.on_timestamp(sql, "l.published_at");
    filter.on_region(sql, "l.region_code");
    if let Scope::Organization(id) | Scope::Broker(id) = scope {
        let column = if matches!(scope, Scope::Organization(_)) {
            "l.org_id = ?"
        } else {
            "l.owner_user_id = ?"
        };
        sql.and(column, vec![Bind::Text(id.clone())]);
    }
}

fn label(group: LibraryGroup, key: Option<&str>) -> String {
    match (group, key) {
        (LibraryGroup::Month, Some(key)) => labels::month(key),
        (LibraryGroup::TechnologyField, Some(key)) => labels::technology_field(key),
        (LibraryGroup::Region, key) => labels::region(key),
        (_, None) => "未填".into(),
    }
}

/// A slice's listings per library and group key, counted from the listings, and the totals
/// (each listing once).
fn scanned(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    group: LibraryGroup,
    level: RegionLevel,
) -> ApiResult<(Vec<Row>, LibraryCounts)> {
    let backend = Backend::of(conn);
    let key = key_expression(backend, group, level);
    let mut sql = Sql::new(&format!(
        "SELECT l.library AS lib, {key} AS key, COUNT(*) AS n FROM {}",
        backend.listings()
    ));
    if group == LibraryGroup::TechnologyField {
        // Each library's row is looked up only for its own listings.
        sql.push(&format!(
            " LEFT JOIN achievements a{} ON a.id = l.id AND l.library = 'achievements' \
             LEFT JOIN demands dm{} ON dm.id = l.id AND l.library = 'demands' \
             LEFT JOIN experts e ON e.id = l.id AND l.library = 'experts' \
             LEFT JOIN service_providers sp ON sp.id = l.id AND l.library = 'service_providers'",
            backend.indexed_by("achievements_stats_idx"),
            backend.indexed_by("demands_stats_idx"),
        ));
    }
    published_in(&mut sql, filter, scope);
    sql.push(" GROUP BY 1, 2");
    let rows = sql.load::<Row>(conn)?;
    let mut total = LibraryCounts::default();
    for row in &rows {
        if let Ok(library) = row.lib.parse::<Library>() {
            total.add(library, row.n);
        }
    }
    Ok((rows, total))
}

/// The whole market's listings per library and group key, and the totals, from the sums.
fn summed(
    conn: &mut DbConnection,
    filter: &Filter,
    group: LibraryGroup,
    level: RegionLevel,
) -> ApiResult<(Vec<Row>, LibraryCounts)> {
    let families = listing_sums::families();
    let reading = match group {
        LibraryGroup::Month => Reading::Month,
        LibraryGroup::Region => Reading::Region(level_digits(level)),
        LibraryGroup::TechnologyField => Reading::By(listing_sums::TECHNOLOGY_FIELD),
    };
    let rows = rollups::groups(conn, &families, filter, reading)?
        .into_iter()
        .map(|(lib, group)| Row { lib, key: group.key, n: group.n })
        .collect();
    let mut total = LibraryCounts::default();
    for (family, group) in rollups::groups(conn, &families, filter, Reading::By(ALL))? {
        if let Ok(library) = family.parse::<Library>() {
            total.add(library, group.n);
        }
    }
    Ok((rows, total))
}

/// New listings of a slice per library and group: the whole market's from the sums, one
/// organization's or broker's from its listings.
pub fn compute(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    group: LibraryGroup,
    level: RegionLevel,
) -> ApiResult<LibraryStats> {
    let (rows, total) = match scope {
        Scope::All => summed(conn, filter, group, level)?,
        _ => scanned(conn, filter, scope, group, level)?,
    };
    let mut groups: BTreeMap<(usize, Option<String>), LibraryCounts> = BTreeMap::new();
    for row in rows {
        let Ok(library) = row.lib.parse::<Library>() else {
            continue;
        };
        let keys: Vec<Option<String>> = match (group, library) {
            (LibraryGroup::TechnologyField, Library::Experts | Library::ServiceProviders) => {
                let codes: Vec<String> = decode_codes(row.key.as_deref().unwrap_or_default());
                if codes.is_empty() { vec![None] } else { codes.into_iter().map(Some).collect() }
            }
            _ => vec![row.key],
        };
        for key in keys {
            let rank = match group {
                LibraryGroup::TechnologyField => {
                    key.as_deref().map_or(usize::MAX, labels::technology_field_rank)
                }
                _ => 0,
            };
            groups.entry((rank, key)).or_default().add(library, row.n);
        }
    }
    Ok(LibraryStats {
        basis: Basis::new(filter, scope),
        group_by: group,
        groups: groups
            .into_iter()
            .map(|((_, key), counts)| LibraryGroupOut {
                label: label(group, key.as_deref()),
                key,
                counts,
            })
            .collect(),
        total,
    })
}

impl Tabular for LibraryStats {
    fn table(&self) -> Table {
        let row = |key: Option<&str>, label: &str, c: &LibraryCounts| {
            vec![
                cell(key),
                label.to_string(),
                c.achievements.to_string(),
                c.demands.to_string(),
                c.experts.to_string(),
                c.service_providers.to_string(),
                c.total.to_string(),
            ]
        };
        let mut rows: Vec<Vec<String>> =
            self.groups.iter().map(|g| row(g.key.as_deref(), &g.label, &g.counts)).collect();
        rows.push(row(None, "合计", &self.total));
        Table {
            headers: vec![
                "key",
                "label",
                "achievements",
                "demands",
                "experts",
                "service_providers",
                "total",
            ],
            rows,
        }
    }
}
