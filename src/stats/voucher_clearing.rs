//! The cross-region clearing matrix of innovation vouchers (通用通兑): what each programme's
//! region owes providers of each region for confirmed orders.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::figures::Figures;
use super::params::{Basis, Filter, Scope, level_digits, region_level, region_name};
use super::render::{Table, Tabular};
use super::vouchers::{OrderFacts, in_period};
use crate::db::DbConnection;
use crate::db::schema::{voucher_claims, voucher_orders, voucher_programs};
use crate::domain::regions::RegionLevel;
use crate::error::ApiResult;
use crate::validation::Checker;
use crate::vouchers::model::{ClaimStatus, OrderStatus};

/// One cell of the clearing matrix: what a programme region owes a provider region.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClearingCell {
    /// The region of the programme whose vouchers were spent (the payer, GB/T 2260).
    pub payer_region: String,
    /// Its name.
    pub payer_name: String,
    /// The provider's region (the payee's province, city or district as the programme named it).
    pub payee_region: String,
    /// Its name.
    pub payee_name: String,
    /// Confirmed orders.
    pub orders: i64,
    /// The voucher shares owed, in fen.
    pub amount_fen: i64,
    /// Of them, claims already paid, in fen.
    pub paid_fen: i64,
}

/// The cross-region clearing matrix (通用通兑).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VoucherClearing {
    /// What the figures cover.
    pub basis: Basis,
    /// One cell per pair of regions with confirmed orders in the period; a region spending at
    /// its own providers appears on the diagonal.
    pub cells: Vec<ClearingCell>,
}

/// The clearing matrix of orders confirmed in the period; the payee region is the provider's
/// district rolled up to `region_level` (default: the province).
pub fn clearing(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    level: RegionLevel,
) -> ApiResult<VoucherClearing> {
    let rows: Vec<OrderFacts> = voucher_orders::table
        .inner_join(voucher_programs::table.on(voucher_programs::id.eq(voucher_orders::program_id)))
        .filter(voucher_orders::status.eq(OrderStatus::Confirmed.as_str()))
        .select((
            voucher_programs::region_code,
            voucher_orders::enterprise_org_id,
            voucher_orders::provider_org_id,
            voucher_orders::voucher_fen,
            voucher_orders::confirmed_at,
            voucher_orders::claim_id,
            voucher_orders::provider_region_code,
        ))
        .load(conn)?;
    let paid: std::collections::HashSet<String> = voucher_claims::table
        .filter(voucher_claims::status.eq(ClaimStatus::Paid.as_str()))
        .select(voucher_claims::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let digits = level_digits(level);
    let mut cells: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for (payer, enterprise, provider, share, confirmed_at, claim, payee) in rows {
        if !in_period(filter, confirmed_at)
            || filter
                .region
                .as_deref()
                .is_some_and(|p| !payer.starts_with(p) && !payee.starts_with(p))
        {
            continue;
        }
        if scope.organization().is_some_and(|o| o != enterprise && o != provider) {
            continue;
        }
        let payer = crate::domain::regions::prefix_of(&payer).to_string();
        let payee: String = payee.chars().take(digits).collect();
        let cell = cells.entry((payer, payee)).or_default();
        cell.0 += 1;
        cell.1 += share;
        if claim.is_some_and(|c| paid.contains(&c)) {
            cell.2 += share;
        }
    }
    let name = |prefix: &str| region_name(prefix).unwrap_or_default().to_string();
    Ok(VoucherClearing {
        basis: Basis::new(filter, scope),
        cells: cells
            .into_iter()
            .map(|((payer, payee), (orders, amount, paid))| ClearingCell {
                payer_name: name(&payer),
                payee_name: name(&payee),
                payer_region: payer,
                payee_region: payee,
                orders,
                amount_fen: amount,
                paid_fen: paid,
            })
            .collect(),
    })
}

/// Query of the clearing matrix.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClearingQuery {
    /// The level providers' regions are rolled up to: `province` (default), `city` or
    /// `district`.
    pub region_level: Option<String>,
}

impl Figures for VoucherClearing {
    type Query = ClearingQuery;
    type Parsed = RegionLevel;

    fn parse(query: &ClearingQuery, checker: &mut Checker, _: &Filter) -> RegionLevel {
        region_level(checker, query.region_level.as_deref(), None)
    }

    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        level: RegionLevel,
    ) -> ApiResult<Self> {
        clearing(conn, filter, scope, level)
    }
}

impl Tabular for VoucherClearing {
    fn table(&self) -> Table {
        Table {
            headers: vec![
                "payer_region",
                "payer_name",
                "payee_region",
                "payee_name",
                "orders",
                "amount_fen",
                "paid_fen",
            ],
            rows: self
                .cells
                .iter()
                .map(|c| {
                    vec![
                        c.payer_region.clone(),
                        c.payer_name.clone(),
                        c.payee_region.clone(),
                        c.payee_name.clone(),
                        c.orders.to_string(),
                        c.amount_fen.to_string(),
                        c.paid_fen.to_string(),
                    ]
                })
                .collect(),
        }
    }
}
