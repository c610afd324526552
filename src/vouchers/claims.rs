//! `POST|GET /api/v1/voucher-claims`, `GET /api/v1/voucher-claims/{id}` and the moves of a
//! claim (兑付): the claimant — the provider in `direct` programmes, the enterprise in
//! `reimburse` ones — claims the voucher share of confirmed orders with an invoice before the
//! programme's claim-by day; administrators approve, return (to fix and resubmit) or refuse.
//! An order is claimed once.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::{Claims, Orders};
use super::issuing::ReasonInput;
use super::lifecycle::CLAIMS;
use super::model::{ClaimRow, ClaimStatus, OrderRow, OrderStatus, VoucherMode};
use super::output::{ClaimOut, OVERDUE_DAYS};
use super::{CLAIM_ENTITY, store};
use crate::action_endpoint;
use crate::attachments::SubjectKind;
use crate::audit;
use crate::auth::{AdminUser, AuthUser};
use crate::db::schema::{voucher_claims, voucher_orders};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::show::show_visible;
use crate::http::version::Tagged;
use crate::http::{Page, PageParams, ValidJson};
use crate::policy::{Managed, Visible};
use crate::validation::{self, Checker};

/// The most orders one claim gathers.
pub const MAX_ORDERS: usize = 200;

/// A claim for the voucher share of confirmed orders.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// The confirmed, unclaimed orders claimed (1–200, all of one programme).
    pub order_ids: Vec<String>,
    /// The invoice number (1–50 characters).
    pub invoice_number: String,
    /// The invoice and the payment proof, uploaded first (`POST /api/v1/attachments`) by a
    /// member of the claimant (1–20).
    pub attachment_ids: Vec<String>,
}

/// The claims' orders with their ids, for the answers.
fn order_ids(
    conn: &mut DbConnection,
    claims: &[String],
) -> ApiResult<HashMap<String, Vec<String>>> {
    let pairs: Vec<(Option<String>, String)> = voucher_orders::table
        .filter(voucher_orders::claim_id.eq_any(claims))
        .order(voucher_orders::id)
        .select((voucher_orders::claim_id, voucher_orders::id))
        .load(conn)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (claim, order) in pairs {
        if let Some(claim) = claim {
            out.entry(claim).or_default().push(order);
        }
    }
    Ok(out)
}

/// The claims as the API shows them.
pub fn outputs(conn: &mut DbConnection, rows: Vec<ClaimRow>) -> ApiResult<Vec<ClaimOut>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut orders = order_ids(conn, &ids)?;
    let mut files = crate::attachments::links::list_many(conn, SubjectKind::VoucherClaim, &ids)?;
    let at = crate::clock::now();
    Ok(rows
        .into_iter()
        .map(|row| {
            let ids = orders.remove(&row.id).unwrap_or_default();
            let attachments = files.remove(&row.id).unwrap_or_default();
            ClaimOut::new(row, ids, attachments, at)
        })
        .collect())
}

fn output(conn: &mut DbConnection, row: ClaimRow) -> ApiResult<ClaimOut> {
    outputs(conn, vec![row])?.pop().ok_or_else(|| ApiError::Internal("claim output missing".into()))
}

/// The orders claimed, locked, once every rule on them holds; and the claimant.
fn claimable_orders(
    conn: &mut DbConnection,
    user: &AuthUser,
    ids: &[String],
) -> ApiResult<(Vec<OrderRow>, String)> {
    let mut orders = Vec::new();
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("order_ids[{i}]");
        let visible =
            store::order(conn, id).ok().and_then(|o| Visible::check::<Orders>(Some(user), o).ok());
        if visible.is_none() {
            errors.push(FieldError::new(&field, "not_found", "no such order"));
            continue;
        }
        let order = store::lock_order(conn, id)?;
        if order.status != OrderStatus::Confirmed {
            errors.push(FieldError::new(
                &field,
                "not_confirmed",
                format!("the order is {}: only confirmed orders are claimed", order.status),
            ));
        }
        orders.push((field, order));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let programs: HashSet<&String> = orders.iter().map(|(_, o)| &o.program_id).collect();
    let Some(program_id) = programs.iter().next().map(|p| (*p).clone()) else {
        return Err(ApiError::field("order_ids", "too_few", "name at least one order"));
    };
    if programs.len() > 1 {
        return Err(ApiError::field(
            "order_ids",
            "mixed_programs",
            "a claim gathers orders of one programme",
        ));
    }
    let program = store::lock_program(conn, &program_id)?;
    for (field, order) in &orders {
        let claimant = match program.mode {
            VoucherMode::Direct => &order.provider_org_id,
            VoucherMode::Reimburse => &order.enterprise_org_id,
        };
        if !user.belongs_to(claimant) {
            let message = if program.mode == VoucherMode::Direct {
                "the voucher share of this order is claimed by its provider (通兑: the programme pays providers)"
            } else {
                "the voucher share of this order is claimed by its enterprise (通用: the programme reimburses enterprises)"
            };
            errors.push(FieldError::new(field, "not_claimant", message));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some((_, claimed)) = orders.iter().find(|(_, o)| o.claim_id.is_some()) {
        return Err(ApiError::duplicate(
            format!("order {} is claimed already: an order is claimed once", claimed.id),
            claimed.claim_id.clone().unwrap_or_default(),
        ));
    }
    if crate::clock::today() > program.claim_by {
        return Err(ApiError::refused(
            "claim_period_over",
            format!("the programme's claims were to be filed by {}", program.claim_by),
        ));
    }
    let claimant = user.own_organization();
    Ok((orders.into_iter().map(|(_, o)| o).collect(), claimant))
}

fn invoice(value: &str) -> ApiResult<String> {
    validation::text(value, 1, 50)
        .map_err(|(code, message)| ApiError::field("invoice_number", code, message))
}

crate::endpoint! {
    /// Claims the voucher share of confirmed orders (兑付), with the invoice: the provider of
    /// the orders in a `direct` programme, their enterprise in a `reimburse` one, before the
    /// programme's claim-by day. An order is claimed once.
    post "/voucher-claims" => create_claim, tag "vouchers",
    body ClaimInput, ok 201 "The claim, submitted" => ClaimOut,
    problems { 409: "An order claimed already (`existing_id` names its claim), or past the claim-by day (`claim_period_over`)", 422: "Invalid fields (unknown or unconfirmed orders, orders of several programmes, orders the caller does not claim)" },
    |user: AuthUser, state: State, body: ValidJson<ClaimInput>| -> ApiResult<HttpResponse> {
        let input = body.into_inner();
        let mut checker = Checker::new();
        let invoice_number = checker.check("invoice_number", validation::text(&input.invoice_number, 1, 50));
        let mut ids = input.order_ids.clone();
        ids.sort();
        ids.dedup();
        if ids.is_empty() || ids.len() > MAX_ORDERS {
            checker.fail("order_ids", "out_of_range", format!("1 to {MAX_ORDERS} distinct orders"));
        }
        if input.attachment_ids.is_empty() {
            checker.fail("attachment_ids", "required", "attach the invoice and the payment proof");
        }
        checker.finish()?;
        let out = state.db.write(move |conn| {
            let (orders, claimant) = claimable_orders(conn, &user, &ids)?;
            let stamp = now();
            let row = ClaimRow {
                id: new_id(),
                program_id: orders.first().map(|o| o.program_id.clone()).unwrap_or_default(),
                claimant_org_id: claimant,
                invoice_number: invoice_number.unwrap_or_default(),
                status: ClaimStatus::Submitted,
                total_fen: orders.iter().map(|o| o.voucher_fen).sum(),
                note: None,
                reason: None,
                settlement_id: None,
                approved_at: None,
                paid_at: None,
                created_by: user.id().to_string(),
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(voucher_claims::table).values(row.clone()).execute(conn)?;
            for mut order in orders {
                order.claim_id = Some(row.id.clone());
                store::save_order(conn, &mut order, stamp)?;
            }
            crate::attachments::attach(conn, &user, SubjectKind::VoucherClaim, &row.id, "invoice", &input.attachment_ids)?;
            audit::record(conn, &user.actor(), "voucher_claim.create", CLAIM_ENTITY, &row.id,
                serde_json::json!({ "order_ids": ids, "invoice_number": row.invoice_number, "total_fen": row.total_fen }))?;
            output(conn, row)
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

/// Loads a claim for an administrator's decision, locked, at the version given.
fn decide(
    conn: &mut DbConnection,
    admin: &AuthUser,
    id: &str,
    label: &str,
    version: Option<i64>,
) -> ApiResult<ClaimRow> {
    let row = Managed::check::<Claims>(admin, store::lock_claim(conn, id)?)?.into_inner();
    store::check_version(row.version, version)?;
    CLAIMS.check(row.status, label)?;
    Ok(row)
}

fn save_and_answer(
    conn: &mut DbConnection,
    user: &AuthUser,
    mut row: ClaimRow,
    action: &str,
    detail: serde_json::Value,
) -> ApiResult<ClaimOut> {
    store::save_claim(conn, &mut row, now())?;
    audit::record(conn, &user.actor(), action, CLAIM_ENTITY, &row.id, detail)?;
    super::tidings::claim_decided(conn, &row)?;
    output(conn, row)
}

action_endpoint! {
    /// Approves a claim (administrators); it is paid in the next settlement batch.
    post "/voucher-claims/{id}/approve" => approve_claim, tag "vouchers", path { "id": "Claim id" },
    ok 200 "Approved" => ClaimOut,
    problems { 403: "Not an administrator", 404: "No such claim", 409: "Not submitted, or a stale version" },
    |admin: AdminUser, state, path: String, body: Option<crate::contracts::registration::VersionInput>| -> HttpResponse {
        let admin = admin.0;
        let version = body.0.and_then(|b| b.version);
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let mut row = decide(conn, &admin, &id, "approved", version)?;
            row.status = ClaimStatus::Approved;
            row.approved_at = Some(now());
            save_and_answer(conn, &admin, row, "voucher_claim.approve", serde_json::json!({}))
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

/// A claim sent back with what to fix.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnClaimInput {
    /// What to fix (1–500 characters).
    pub note: String,
    /// The version the decision is based on (optional; a stale one is 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

action_endpoint! {
    /// Returns a claim to the claimant to fix and resubmit (administrators), with a note.
    post "/voucher-claims/{id}/return" => return_claim, tag "vouchers", path { "id": "Claim id" },
    ok 200 "Returned" => ClaimOut,
    problems { 403: "Not an administrator", 404: "No such claim", 409: "Not submitted, or a stale version", 422: "No note" },
    |admin: AdminUser, state, path: String, body: Json<ReturnClaimInput>| -> HttpResponse {
        let admin = admin.0;
        let input = body.into_inner();
        let note = validation::text(&input.note, 1, 500).map_err(|(code, message)| ApiError::field("note", code, message))?;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let mut row = decide(conn, &admin, &id, "returned", input.version)?;
            row.status = ClaimStatus::Returned;
            row.note = Some(note);
            let detail = serde_json::json!({ "note": row.note });
            save_and_answer(conn, &admin, row, "voucher_claim.return", detail)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

action_endpoint! {
    /// Refuses a claim (administrators), with the reason; its orders stay claimed.
    post "/voucher-claims/{id}/reject" => reject_claim, tag "vouchers", path { "id": "Claim id" },
    ok 200 "Refused" => ClaimOut,
    problems { 403: "Not an administrator", 404: "No such claim", 409: "Not submitted or returned, or a stale version", 422: "No reason" },
    |admin: AdminUser, state, path: String, body: Json<ReasonInput>| -> HttpResponse {
        let admin = admin.0;
        let input = body.into_inner();
        let reason = input.checked()?;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let mut row = decide(conn, &admin, &id, "rejected", input.version)?;
            row.status = ClaimStatus::Rejected;
            row.reason = Some(reason);
            let detail = serde_json::json!({ "reason": row.reason });
            save_and_answer(conn, &admin, row, "voucher_claim.reject", detail)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

/// A returned claim, fixed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResubmitInput {
    /// The corrected invoice number (1–50 characters); absent: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// Further files (a corrected invoice, a missing proof), uploaded first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_ids: Vec<String>,
    /// The version the resubmission is based on (optional; a stale one is 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

action_endpoint! {
    /// Resubmits a returned claim (the claimant), fixed, before the claim-by day.
    post "/voucher-claims/{id}/resubmit" => resubmit_claim, tag "vouchers", path { "id": "Claim id" },
    ok 200 "Submitted again" => ClaimOut,
    problems { 404: "No such claim", 409: "Not returned, a stale version, or past the claim-by day (`claim_period_over`)", 422: "An invalid invoice number" },
    |user: AuthUser, state, path: String, body: Option<ResubmitInput>| -> HttpResponse {
        let input = body.0.unwrap_or_default();
        let invoice_number = input.invoice_number.as_deref().map(invoice).transpose()?;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let mut row = Visible::check::<Claims>(Some(&user), store::lock_claim(conn, &id)?)?.into_inner();
            if !user.belongs_to(&row.claimant_org_id) {
                return Err(ApiError::Forbidden("only the claimant resubmits a claim".into()));
            }
            store::check_version(row.version, input.version)?;
            CLAIMS.check(row.status, "resubmitted")?;
            let program = store::program(conn, &row.program_id)?;
            if crate::clock::today() > program.claim_by {
                return Err(ApiError::refused("claim_period_over", format!(
                    "the programme's claims were to be filed by {}", program.claim_by)));
            }
            row.status = ClaimStatus::Submitted;
            if let Some(invoice) = invoice_number {
                row.invoice_number = invoice;
            }
            crate::attachments::attach(conn, &user, SubjectKind::VoucherClaim, &row.id, "invoice", &input.attachment_ids)?;
            let detail = serde_json::json!({ "invoice_number": row.invoice_number, "attachment_ids": input.attachment_ids });
            save_and_answer(conn, &user, row, "voucher_claim.resubmit", detail)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

crate::endpoint! {
    /// One claim (the claimant's members and administrators; to everyone else it does not
    /// exist).
    get "/voucher-claims/{id}" => get_claim, tag "vouchers", path { "id": "Claim id" },
    ok 200 "The claim" => ClaimOut, problems { 404: "No such claim" },
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let load = move |conn: &mut DbConnection| store::claim(conn, &id);
        show_visible::<Claims, _, _>(&state.db, Some(user), load, output).await
    }
}

/// Filters of the claim list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimFilter {
    /// Only claims of this programme.
    pub program_id: Option<String>,
    /// Only claims standing so.
    pub status: Option<ClaimStatus>,
    /// `true`: only approved claims unpaid for more than 183 days (overdue settlements).
    pub overdue: Option<bool>,
}

crate::endpoint! {
    /// Claims, newest first: administrators all; an organization its own; anyone else none.
    /// `overdue=true` lists approved claims left unsettled for more than 183 days.
    get "/voucher-claims" => list_claims, tag "vouchers", params { ClaimFilter, PageParams },
    ok 200 "Claims, newest first" => Page<ClaimOut>,
    |user: AuthUser, state: State, filter: web::Query<ClaimFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<ClaimOut>>> {
        let filter = filter.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = voucher_claims::table.into_boxed();
            if !user.is_admin() {
                let own = user.own_organization();
                query = query.filter(voucher_claims::claimant_org_id.eq(own));
            }
            crate::narrow!(query, voucher_claims, filter; program_id, status);
            if filter.overdue == Some(true) {
                let limit = (crate::clock::now() - chrono::Duration::days(OVERDUE_DAYS)).naive_utc();
                query = query
                    .filter(voucher_claims::status.eq(ClaimStatus::Approved.as_str()))
                    .filter(voucher_claims::approved_at.lt(limit));
            }
            let rows: Vec<ClaimRow> = crate::after_cursor!(query, voucher_claims::id, request, desc)
                .select(ClaimRow::as_select())
                .load(conn)?;
            outputs(conn, rows)
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page))
    }
}
