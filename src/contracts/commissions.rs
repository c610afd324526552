//! `GET /brokers/{id}/commissions`: a broker's commission ledger over the registered
//! contracts they are the intermediary of — commission due and earned so far (in proportion
//! to the money received), with totals over the whole filtered period.

use crate::http::endpoint::State;
use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{ContractRow, ContractStatus};
use super::output::commission_due;
use super::queries;
use crate::accounts::model::Role;
use crate::auth::AuthUser;
use crate::db::schema::contracts;
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::http::{Page, PageParams};

/// The period filter of the ledger (by registration date).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommissionFilter {
    /// Registered on or after this date.
    pub registered_from: Option<NaiveDate>,
    /// Registered on or before this date.
    pub registered_to: Option<NaiveDate>,
}

/// One contract in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommissionLine {
    /// The contract the commission is earned on.
    pub contract_id: String,
    /// The contract's name as written.
    pub name: String,
    /// Its registration number, once registered.
    pub registration_number: Option<String>,
    /// The market day it was registered.
    pub registered_on: Option<NaiveDate>,
    /// Where the contract stands (see `ContractOut.status`).
    pub status: ContractStatus,
    /// The contract's 成交额 in fen (1 yuan = 100 fen).
    pub amount_fen: i64,
    /// 技术交易额 (the base of a rate).
    pub technology_amount_fen: i64,
    /// Money received so far.
    pub paid_fen: i64,
    /// Agreed rate in basis points, if any.
    pub commission_rate_bp: Option<i64>,
    /// Agreed fixed commission, if any.
    pub commission_fen: Option<i64>,
    /// Commission due: the fixed amount, or rate × technology amount / 10,000 (rounded down).
    pub due_fen: i64,
    /// Earned so far: due × received / amount (rounded down; all of it for a zero amount).
    pub earned_fen: i64,
}

/// Totals over every contract of the period (not just this page).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CommissionTotals {
    /// How many contracts the ledger lists.
    pub contracts: i64,
    /// Sum of the commissions due on them, in fen.
    pub due_fen: i64,
    /// Sum of the commissions earned so far, in fen.
    pub earned_fen: i64,
    /// Sum of what the contracts' buyers have paid so far, in fen.
    pub paid_fen: i64,
}

/// The ledger.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommissionLedger {
    /// The broker (a user id) whose commissions these are.
    pub broker_id: String,
    /// Contracts, most recently registered first.
    pub items: Vec<CommissionLine>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Totals over the whole period.
    pub totals: CommissionTotals,
}

fn earned(due: i64, paid: i64, amount: i64) -> i64 {
    if amount <= 0 {
        return due;
    }
    let value = i128::from(due) * i128::from(paid.min(amount)) / i128::from(amount);
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn line(row: &ContractRow, paid: i64) -> CommissionLine {
    let due = commission_due(row);
    CommissionLine {
        contract_id: row.id.clone(),
        name: row.name.clone(),
        registration_number: row.registration_number.clone(),
        registered_on: row.registered_on,
        status: row.status,
        amount_fen: row.amount_fen,
        technology_amount_fen: row.technology_amount_fen,
        paid_fen: paid,
        commission_rate_bp: row.commission_rate_bp,
        commission_fen: row.commission_fen,
        due_fen: due,
        earned_fen: earned(due, paid, row.amount_fen),
    }
}

crate::endpoint! {
    /// A broker's commission ledger (the broker themself and administrators; others 403).
    get "/brokers/{id}/commissions" => broker_commissions, tag "contracts",
    path { "id": "The broker's user id" }, params { CommissionFilter, PageParams },
    ok 200 "The ledger with totals" => CommissionLedger,
    problems { 403: "Neither the broker nor an administrator", 404: "No such broker" },
    |user: AuthUser, state: State, path: web::Path<String>, filter: web::Query<CommissionFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<CommissionLedger>> {
        let broker_id = path.into_inner();
        if !user.is_admin() && user.id() != broker_id {
            return Err(ApiError::Forbidden(
                "a commission ledger is seen by its broker and administrators".into(),
            ));
        }
        let request = page.parse()?;
        let filter = filter.into_inner();
        super::routes::check_period(filter.registered_from, filter.registered_to)?;
        let id = broker_id.clone();
        let (rows, paid) = state
            .db
            .read(move |conn| {
                let broker = crate::accounts::queries::find(conn, &id)
                    .missing_as(|| ApiError::NotFound("broker".into()))?;
                if broker.role != Role::Broker {
                    return Err(ApiError::NotFound("broker".into()));
                }
                let mut query = contracts::table
                    .filter(contracts::intermediary_user_id.eq(&id))
                    .filter(contracts::registration_number.is_not_null())
                    .into_boxed();
                if let Some(from) = filter.registered_from {
                    query = query.filter(contracts::registered_on.ge(from));
                }
                if let Some(to) = filter.registered_to {
                    query = query.filter(contracts::registered_on.le(to));
                }
                let rows: Vec<ContractRow> = query
                    .order(contracts::registration_number.desc())
                    .select(ContractRow::as_select())
                    .load(conn)?;
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let paid = queries::paid_totals(conn, &ids)?;
                Ok((rows, paid))
            })
            .await?;
        let mut totals = CommissionTotals::default();
        let mut lines = Vec::new();
        for row in &rows {
            let l = line(row, paid.get(&row.id).copied().unwrap_or(0));
            totals.contracts += 1;
            totals.due_fen += l.due_fen;
            totals.earned_fen += l.earned_fen;
            totals.paid_fen += l.paid_fen;
            lines.push(l);
        }
        let key = |l: &CommissionLine| l.registration_number.clone().unwrap_or_default();
        let start = match &request.after {
            Some(after) => lines.iter().position(|l| key(l) < *after).unwrap_or(lines.len()),
            None => 0,
        };
        let window: Vec<CommissionLine> = lines
            .into_iter()
            .skip(start)
            .take(usize::try_from(request.fetch()).unwrap_or(usize::MAX))
            .collect();
        let page = Page::from_rows(window, &request, key);
        Ok(web::Json(CommissionLedger {
            broker_id,
            items: page.items,
            next_cursor: page.next_cursor,
            totals,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earned_is_proportional_and_rounded_down() {
        assert_eq!(earned(3_000, 0, 100_000), 0);
        assert_eq!(earned(3_000, 33_333, 100_000), 999);
        assert_eq!(earned(3_000, 100_000, 100_000), 3_000);
        assert_eq!(earned(3_000, 0, 0), 3_000);
    }
}
