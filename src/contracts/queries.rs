//! Reading and writing contracts inside a transaction.

use super::routes::ContractFilter;
use crate::http::pagination::PageRequest;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};

use super::model::{AmendmentRow, ContractRow, MilestoneRow, PaymentRow};
use crate::db::schema::{
    contract_amendments, contract_milestones, contract_payments, contracts, registration_serials,
};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};

/// The audit entity name of contracts.
pub const ENTITY: &str = "contract";

/// One contract by id (404 when missing).
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<ContractRow> {
    contracts::table
        .find(id)
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(super::access::not_found)
}

/// The contracts recorded for a deal, oldest first: `(id, status, registration_number)`.
pub fn for_deal(
    conn: &mut DbConnection,
    deal_id: &str,
) -> ApiResult<Vec<(String, String, Option<String>)>> {
    Ok(contracts::table
        .filter(contracts::deal_id.eq(deal_id))
        .order(contracts::id.asc())
        .select((contracts::id, contracts::status, contracts::registration_number))
        .load(conn)?)
}

/// The contract a creator made with an `Idempotency-Key`, if any.
pub fn find_by_idempotency_key(
    conn: &mut DbConnection,
    created_by: &str,
    key: &str,
) -> ApiResult<Option<ContractRow>> {
    Ok(contracts::table
        .filter(contracts::created_by.eq(created_by))
        .filter(contracts::idempotency_key.eq(key))
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?)
}

/// A contract's schedule, in order.
pub fn milestones(conn: &mut DbConnection, contract_id: &str) -> ApiResult<Vec<MilestoneRow>> {
    Ok(contract_milestones::table
        .filter(contract_milestones::contract_id.eq(contract_id))
        .order(contract_milestones::position.asc())
        .select(MilestoneRow::as_select())
        .load(conn)?)
}

/// A contract's payments, in the order recorded.
pub fn payments(conn: &mut DbConnection, contract_id: &str) -> ApiResult<Vec<PaymentRow>> {
    Ok(contract_payments::table
        .filter(contract_payments::contract_id.eq(contract_id))
        .order(contract_payments::id.asc())
        .select(PaymentRow::as_select())
        .load(conn)?)
}

/// The total received under each of these contracts.
pub fn paid_totals(
    conn: &mut DbConnection,
    contract_ids: &[String],
) -> ApiResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = contract_payments::table
        .filter(contract_payments::contract_id.eq_any(contract_ids))
        .select((contract_payments::contract_id, contract_payments::amount_fen))
        .load(conn)?;
    let mut totals = std::collections::HashMap::new();
    for (id, amount) in rows {
        *totals.entry(id).or_insert(0i64) += amount;
    }
    Ok(totals)
}

/// A contract's amendments, oldest first.
pub fn amendments(conn: &mut DbConnection, contract_id: &str) -> ApiResult<Vec<AmendmentRow>> {
    Ok(contract_amendments::table
        .filter(contract_amendments::contract_id.eq(contract_id))
        .order(contract_amendments::id.asc())
        .select(AmendmentRow::as_select())
        .load(conn)?)
}

/// Replaces a contract's schedule. Payments made against a removed milestone become
/// unallocated (they are then applied to the earliest open milestones).
pub fn replace_milestones(
    conn: &mut DbConnection,
    contract_id: &str,
    schedule: &[super::checks::CheckedMilestone],
) -> ApiResult<Vec<MilestoneRow>> {
    let old: Vec<String> = contract_milestones::table
        .filter(contract_milestones::contract_id.eq(contract_id))
        .select(contract_milestones::id)
        .load(conn)?;
    if !old.is_empty() {
        diesel::update(
            contract_payments::table.filter(contract_payments::milestone_id.eq_any(&old)),
        )
        .set(contract_payments::milestone_id.eq(None::<String>))
        .execute(conn)?;
        diesel::delete(
            contract_milestones::table.filter(contract_milestones::contract_id.eq(contract_id)),
        )
        .execute(conn)?;
    }
    let rows: Vec<MilestoneRow> = schedule
        .iter()
        .enumerate()
        .map(|(i, m)| MilestoneRow {
            id: new_id(),
            contract_id: contract_id.to_string(),
            position: i32::try_from(i + 1).unwrap_or(i32::MAX),
            due_on: m.due_on,
            amount_fen: m.amount_fen,
            description: m.description.clone(),
        })
        .collect();
    for row in &rows {
        diesel::insert_into(contract_milestones::table).values(row.clone()).execute(conn)?;
    }
    Ok(rows)
}

/// Saves a changed contract if it is still at `expected_version`, bumping the version, and
/// moves the statistics' sums with it; 409 with the current version otherwise.
pub fn save(
    conn: &mut DbConnection,
    next: &ContractRow,
    expected_version: i64,
) -> ApiResult<ContractRow> {
    let before = find(conn, &next.id)?;
    if before.version != expected_version {
        return Err(ApiError::stale_version(expected_version, before.version));
    }
    let mut row = next.clone();
    row.version = expected_version + 1;
    row.updated_at = now();
    let count = diesel::update(
        contracts::table.find(&row.id).filter(contracts::version.eq(expected_version)),
    )
    .set(row.clone())
    .execute(conn)?;
    if count == 0 {
        let current = find(conn, &row.id)?;
        return Err(ApiError::stale_version(expected_version, current.version));
    }
    let saved = find(conn, &row.id)?;
    crate::stats::rollups::contracts::record_change(conn, Some(&before), &saved)?;
    Ok(saved)
}

/// Records a new contract (and its share of the statistics' sums).
pub fn insert(conn: &mut DbConnection, row: &ContractRow) -> ApiResult<()> {
    diesel::insert_into(contracts::table).values(row.clone()).execute(conn)?;
    crate::stats::rollups::contracts::record_change(conn, None, row)
}

/// 409 unless the version the caller sent (if any) is the current one.
pub fn check_version(contract: &ContractRow, expected: Option<i64>) -> ApiResult<()> {
    match expected {
        Some(expected) if expected != contract.version => {
            Err(ApiError::stale_version(expected, contract.version))
        }
        _ => Ok(()),
    }
}

/// Saves a contract's new state (optimistic on `current.version`) and writes the audit entry
/// of the move: `{status: {from, to}}` plus `extra`'s fields.
pub fn stamp_change(
    conn: &mut DbConnection,
    user: &crate::auth::AuthUser,
    current: &ContractRow,
    next: &ContractRow,
    action: &str,
    extra: serde_json::Value,
) -> ApiResult<ContractRow> {
    let saved = save(conn, next, current.version)?;
    let mut changes = serde_json::json!({
        "status": {"from": current.status, "to": saved.status},
    });
    if let (Some(map), serde_json::Value::Object(more)) = (changes.as_object_mut(), extra) {
        map.extend(more);
    }
    crate::audit::record(conn, &user.actor(), action, ENTITY, &saved.id, changes)?;
    Ok(saved)
}

/// Takes the next registration serial of a registry and year inside the caller's
/// transaction. The row is created if missing (a concurrent creator's insert is waited for
/// and ignored), then incremented: on PostgreSQL the UPDATE's row lock serializes concurrent
/// registrations until commit; SQLite write transactions are serialized by `BEGIN IMMEDIATE`.
/// A rollback returns the serial, so numbers stay gap-free.
pub fn next_serial(conn: &mut DbConnection, registry: &str, year: i32) -> ApiResult<i64> {
    let seed = diesel::insert_into(registration_serials::table)
        .values((
            registration_serials::registry_region_code.eq(registry),
            registration_serials::year.eq(year),
            registration_serials::last_serial.eq(0i64),
        ))
        .on_conflict_do_nothing();
    match conn {
        DbConnection::Postgresql(pg) => seed.execute(pg)?,
        DbConnection::Sqlite(sqlite) => seed.execute(sqlite)?,
    };
    let key = registration_serials::table
        .filter(registration_serials::registry_region_code.eq(registry))
        .filter(registration_serials::year.eq(year));
    diesel::update(key)
        .set(registration_serials::last_serial.eq(registration_serials::last_serial + 1i64))
        .execute(conn)?;
    Ok(key.select(registration_serials::last_serial).first(conn)?)
}

/// Who is listing: `None` for administrators (everything), else the user and their
/// organization (contracts they can see).
#[derive(Debug, Clone)]
pub struct Viewer {
    /// User id.
    pub user_id: String,
    /// Organization id.
    pub org_id: Option<String>,
}

/// A page of contracts, newest first.
pub fn list(
    conn: &mut DbConnection,
    viewer: Option<&Viewer>,
    filter: &ContractFilter,
    request: &PageRequest,
) -> ApiResult<(Vec<ContractRow>, i64)> {
    let total = selected(viewer, filter).count().get_result(conn)?;
    let rows = crate::after_cursor!(selected(viewer, filter), contracts::id, request, desc)
        .select(ContractRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The contracts a viewer (none: an administrator) sees under the filter.
fn selected<'a>(
    viewer: Option<&Viewer>,
    filter: &ContractFilter,
) -> contracts::BoxedQuery<'a, crate::db::MultiBackend> {
    let mut query = contracts::table.into_boxed();
    if let Some(viewer) = viewer {
        let user = viewer.user_id.clone();
        let mut visible: Box<
            dyn BoxableExpression<
                    contracts::table,
                    crate::db::MultiBackend,
                    SqlType = Nullable<Bool>,
                >,
        > = Box::new(
            contracts::created_by.eq(user.clone()).or(contracts::intermediary_user_id.eq(user)),
        );
        if let Some(org) = &viewer.org_id {
            visible = Box::new(
                visible
                    .or(contracts::buyer_org_id.eq(org.clone()))
                    .or(contracts::seller_org_id.eq(org.clone()))
                    .or(contracts::owner_org_id.eq(org.clone()))
                    .or(contracts::intermediary_org_id.eq(org.clone())),
            );
        }
        query = query.filter(visible);
    }
    crate::narrow!(query, contracts, filter; status, contract_type);
    if let Some(deal) = &filter.deal_id {
        query = query.filter(contracts::deal_id.eq(deal.clone()));
    }
    if let Some(from) = filter.registered_from {
        query = query.filter(contracts::registered_on.ge(from));
    }
    if let Some(to) = filter.registered_to {
        query = query.filter(contracts::registered_on.le(to));
    }
    query
}
