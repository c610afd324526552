//! Registered contracts in the sums (family `contracts`): per registration day and month, per
//! seller region at every level, per grouping dimension (count, 成交额, 技术交易额, commission).
//! Each contract change moves them in its own transaction ([`record_change`]).

use std::collections::HashMap;

use super::super::contracts::ContractFigures;
use super::super::params::Period;
use super::super::sql::{Backend, Sql, sum};
use super::{Counted, Deltas, LEVELS, Reading};
use crate::contracts::model::ContractRow;
use crate::contracts::output::commission_due;
use crate::db::DbConnection;
use crate::error::ApiResult;

/// The family name of registered contracts in `stat_sums`.
pub const FAMILY: &str = "contracts";

/// What a set of contract sums is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    /// No grouping: the totals.
    All,
    /// Contract type.
    Type,
    /// Technology field.
    TechnologyField,
    /// The buyer's legal-entity kind.
    BuyerKind,
    /// The seller's legal-entity kind.
    SellerKind,
    /// The technology broker named as the contract's intermediary (`''`: none).
    Broker,
}

impl Dimension {
    const EVERY: [Dimension; 6] = [
        Dimension::All,
        Dimension::Type,
        Dimension::TechnologyField,
        Dimension::BuyerKind,
        Dimension::SellerKind,
        Dimension::Broker,
    ];

    /// The dimension's name in `stat_sums`.
    pub const fn code(self) -> &'static str {
        match self {
            Dimension::All => super::ALL,
            Dimension::Type => "type",
            Dimension::TechnologyField => "technology_field",
            Dimension::BuyerKind => "buyer_kind",
            Dimension::SellerKind => "seller_kind",
            Dimension::Broker => "broker",
        }
    }

    /// The contract column holding the dimension's value (`''` for the totals).
    fn column(self) -> &'static str {
        match self {
            Dimension::All => "''",
            Dimension::Type => "c.contract_type",
            Dimension::TechnologyField => "c.technology_field",
            Dimension::BuyerKind => "c.buyer_entity_kind",
            Dimension::SellerKind => "c.seller_entity_kind",
            Dimension::Broker => "COALESCE(c.intermediary_user_id, '')",
        }
    }

    fn value(self, row: &ContractRow) -> &str {
        match self {
            Dimension::All => "",
            Dimension::Type => row.contract_type.as_str(),
            Dimension::TechnologyField => row.technology_field.as_str(),
            Dimension::BuyerKind => row.buyer_entity_kind.as_str(),
            Dimension::SellerKind => row.seller_entity_kind.as_str(),
            Dimension::Broker => row.intermediary_user_id.as_deref().unwrap_or_default(),
        }
    }
}

/// The intermediary's commission of a contract `c` in SQL (as [`commission_due`] computes it).
pub const COMMISSION: &str =
    "COALESCE(c.commission_fen, c.commission_rate_bp * c.technology_amount_fen / 10000, 0)";

/// The sums a registered contract adds to (count, 成交额, 技术交易额, commission), times `sign`.
fn contributions(row: &ContractRow, sign: i64, into: &mut Deltas) {
    let (Some(_), Some(day)) = (&row.registration_number, row.registered_on) else {
        return;
    };
    let figures =
        [sign, sign * row.amount_fen, sign * row.technology_amount_fen, sign * commission_due(row)];
    let counted = Counted { family: FAMILY, day, region: row.seller_region_code.as_deref() };
    for dimension in Dimension::EVERY {
        into.add(counted, dimension.code(), dimension.value(row), figures);
    }
}

/// Moves the sums from a contract's previous state (`None` for a new contract) to its next,
/// inside the caller's transaction.
pub fn record_change(
    conn: &mut DbConnection,
    before: Option<&ContractRow>,
    after: &ContractRow,
) -> ApiResult<()> {
    let mut deltas = Deltas::default();
    if let Some(before) = before {
        contributions(before, -1, &mut deltas);
    }
    contributions(after, 1, &mut deltas);
    deltas.write(conn)?;
    Ok(())
}

/// The SELECT that sums every registered contract into `stat_sums` rows (no zero rows).
pub(super) fn recount_select(backend: Backend) -> String {
    let month = match backend {
        Backend::Sqlite => "date(c.registered_on, 'start of month')",
        Backend::Postgres => "CAST(date_trunc('month', c.registered_on) AS DATE)",
    };
    let levels = LEVELS
        .iter()
        .map(|(name, digits)| format!("SELECT '{name}' AS region_level, {digits} AS digits"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let dimensions = Dimension::EVERY
        .iter()
        .map(|d| format!("SELECT '{}' AS dimension", d.code()))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let dimension_value = Dimension::EVERY
        .iter()
        .map(|d| format!("WHEN '{}' THEN {}", d.code(), d.column()))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "SELECT '{FAMILY}' AS family, d.dimension, l.region_level, \
         CASE WHEN l.digits = 0 THEN '' \
         ELSE COALESCE(substr(c.seller_region_code, 1, l.digits), '') END AS region_code, \
         g.grain, \
         CASE g.grain WHEN 'day' THEN c.registered_on ELSE {month} END AS period_start, \
         CASE d.dimension {dimension_value} END AS group_key, \
         COUNT(*) AS n, {} AS a, {} AS b, {} AS c \
         FROM contracts c \
         CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') g \
         CROSS JOIN ({levels}) l CROSS JOIN ({dimensions}) d \
         WHERE c.registration_number IS NOT NULL AND c.registered_on IS NOT NULL \
         GROUP BY 1, 2, 3, 4, 5, 6, 7",
        sum("c.amount_fen"),
        sum("c.technology_amount_fen"),
        sum(COMMISSION),
    )
}

/// Sums every registered contract into `stat_sums` (emptied by the caller); returns the rows
/// written.
pub(super) fn rebuild(conn: &mut DbConnection) -> ApiResult<usize> {
    let insert =
        format!("INSERT INTO stat_sums ({}) {}", super::COLUMNS, recount_select(Backend::of(conn)));
    Ok(Sql::new(&insert).execute(conn)?)
}

/// A group's sums: the contract figures and the intermediaries' commission.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summed {
    /// Count, 成交额, 技术交易额.
    pub figures: ContractFigures,
    /// The intermediaries' commission, in fen.
    pub commission_fen: i64,
}

/// Registered contracts of the whole market (optionally one region: a 2-, 4- or 6-digit
/// prefix of the seller's region) in a period, per group, from the sums. Groups without
/// contracts are left out; the group without a value (a seller without a region, a contract
/// without a broker) has key `None`.
pub fn load(
    conn: &mut DbConnection,
    region: Option<&str>,
    period: &Period,
    reading: Reading,
) -> ApiResult<HashMap<Option<String>, Summed>> {
    Ok(super::load(conn, &[FAMILY], region, period, reading)?
        .into_iter()
        .map(|((_, key), [n, a, b, c])| {
            let figures = ContractFigures { count: n, amount_fen: a, technology_amount_fen: b };
            (key, Summed { figures, commission_fen: c })
        })
        .collect())
}
