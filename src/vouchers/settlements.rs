//! `POST|GET /api/v1/voucher-settlements`, `GET /api/v1/voucher-settlements/{id}` and its CSV
//! for the finance office: approved claims of a programme gathered into a batch and paid.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::lifecycle::CLAIMS;
use super::model::{ClaimRow, ClaimStatus, SettlementRow};
use super::output::SettlementOut;
use super::{CLAIM_ENTITY, SETTLEMENT_ENTITY, store};
use crate::audit;
use crate::auth::AdminUser;
use crate::db::schema::{organizations, voucher_claims, voucher_orders, voucher_settlements};
use crate::db::{DbConnection, new_id, now, to_utc};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::http::csv_out::{Cell, line};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::{Page, PageParams, ValidJson};

/// A settlement to make.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementInput {
    /// The programme settled.
    pub program_id: String,
    /// Claims approved up to the end of this China day are paid (not after today).
    pub through: NaiveDate,
}

/// The claims each batch paid, by batch (one query for any number of batches).
fn claim_ids(
    conn: &mut DbConnection,
    settlements: &[String],
) -> ApiResult<std::collections::HashMap<String, Vec<String>>> {
    let pairs: Vec<(Option<String>, String)> = voucher_claims::table
        .filter(voucher_claims::settlement_id.eq_any(settlements))
        .order(voucher_claims::id)
        .select((voucher_claims::settlement_id, voucher_claims::id))
        .load(conn)?;
    let mut out: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (settlement, claim) in pairs {
        if let Some(settlement) = settlement {
            out.entry(settlement).or_default().push(claim);
        }
    }
    Ok(out)
}

crate::endpoint! {
    /// Settles a programme (administrators): every approved claim approved up to the end of
    /// `through` (a China day) is paid in one batch, which keeps the total; the claims become
    /// `paid`. Settle at least every six months: approved claims older than 183 days are
    /// listed as overdue (`GET /api/v1/voucher-claims?overdue=true`).
    post "/voucher-settlements" => create_settlement, tag "vouchers",
    body SettlementInput, ok 201 "The batch" => SettlementOut,
    problems { 403: "Not an administrator", 409: "No approved claim to settle (`nothing_to_settle`)", 422: "Unknown programme, or a day after today" },
    |admin: AdminUser, state: State, body: ValidJson<SettlementInput>| -> ApiResult<HttpResponse> {
        let admin = admin.0;
        let input = body.into_inner();
        if input.through > crate::clock::today() {
            return Err(ApiError::field("through", "in_the_future", "settle claims approved up to today at the latest"));
        }
        let out = state.db.write(move |conn| {
            let program = store::lock_program(conn, &input.program_id)
                .missing_as(|| ApiError::field("program_id", "not_found", "no such programme"))?;
            let end = input.through.checked_add_days(chrono::Days::new(1)).map(crate::clock::start_of_day);
            let mut query = voucher_claims::table
                .filter(voucher_claims::program_id.eq(&program.id))
                .filter(voucher_claims::status.eq(ClaimStatus::Approved.as_str()))
                .into_boxed();
            if let Some(end) = end {
                query = query.filter(voucher_claims::approved_at.lt(end));
            }
            let claims: Vec<ClaimRow> = query.order(voucher_claims::id).select(ClaimRow::as_select()).load(conn)?;
            if claims.is_empty() {
                return Err(ApiError::refused("nothing_to_settle", "no approved claim of the programme waits for payment up to that day"));
            }
            let stamp = now();
            let batch = SettlementRow {
                id: new_id(),
                program_id: program.id.clone(),
                through: input.through,
                total_fen: claims.iter().map(|c| c.total_fen).sum(),
                claim_count: i64::try_from(claims.len()).unwrap_or(i64::MAX),
                created_by: admin.id().to_string(),
                created_at: stamp,
            };
            diesel::insert_into(voucher_settlements::table).values(batch.clone()).execute(conn)?;
            let mut ids = Vec::with_capacity(claims.len());
            for claim in claims {
                let mut claim = store::lock_claim(conn, &claim.id)?;
                CLAIMS.check(claim.status, "paid")?;
                claim.status = ClaimStatus::Paid;
                claim.paid_at = Some(stamp);
                claim.settlement_id = Some(batch.id.clone());
                store::save_claim(conn, &mut claim, stamp)?;
                super::tidings::claim_decided(conn, &claim)?;
                audit::record(conn, &admin.actor(), "voucher_claim.pay", CLAIM_ENTITY, &claim.id,
                    serde_json::json!({ "settlement_id": batch.id, "total_fen": claim.total_fen }))?;
                ids.push(claim.id);
            }
            audit::record(conn, &admin.actor(), "voucher_settlement.create", SETTLEMENT_ENTITY, &batch.id,
                serde_json::json!({ "program_id": batch.program_id, "through": batch.through,
                                    "total_fen": batch.total_fen, "claims": ids }))?;
            Ok(SettlementOut::new(batch, ids))
        }).await?;
        Ok(HttpResponse::Created().json(out))
    }
}

/// Filters of the settlement list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SettlementFilter {
    /// Only batches of this programme.
    pub program_id: Option<String>,
}

crate::endpoint! {
    /// Settlement batches, newest first (administrators).
    get "/voucher-settlements" => list_settlements, tag "vouchers", params { SettlementFilter, PageParams },
    ok 200 "Batches, newest first" => Page<SettlementOut>,
    problems { 403: "Not an administrator" },
    |_admin: AdminUser, state: State, filter: web::Query<SettlementFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<SettlementOut>>> {
        let filter = filter.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = voucher_settlements::table.into_boxed();
            crate::narrow!(query, voucher_settlements, filter; program_id);
            let rows: Vec<SettlementRow> = crate::after_cursor!(query, voucher_settlements::id, request, desc)
                .select(SettlementRow::as_select())
                .load(conn)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut paid = claim_ids(conn, &ids)?;
            Ok(rows
                .into_iter()
                .map(|row| {
                    let ids = paid.remove(&row.id).unwrap_or_default();
                    SettlementOut::new(row, ids)
                })
                .collect())
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page))
    }
}

crate::endpoint! {
    /// One settlement batch with its claims (administrators).
    get "/voucher-settlements/{id}" => get_settlement, tag "vouchers", path { "id": "Batch id" },
    ok 200 "The batch" => SettlementOut, problems { 403: "Not an administrator", 404: "No such batch" },
    |_admin: AdminUser, state: State, path: web::Path<String>| -> ApiResult<web::Json<SettlementOut>> {
        let id = path.into_inner();
        let out = state.db.read(move |conn| {
            let row = store::settlement(conn, &id)?;
            let ids = claim_ids(conn, std::slice::from_ref(&row.id))?.remove(&row.id).unwrap_or_default();
            Ok(SettlementOut::new(row, ids))
        }).await?;
        Ok(web::Json(out))
    }
}

/// The CSV of a batch, one line per claim, with a byte-order mark so that spreadsheet
/// programmes on Chinese Windows read the headers right.
fn batch_csv(conn: &mut DbConnection, id: &str) -> ApiResult<Vec<u8>> {
    let batch = store::settlement(conn, id)?;
    let claims: Vec<ClaimRow> = voucher_claims::table
        .filter(voucher_claims::settlement_id.eq(&batch.id))
        .order(voucher_claims::id)
        .select(ClaimRow::as_select())
        .load(conn)?;
    let mut out = crate::http::csv_headers::BOM.as_bytes().to_vec();
    let headers = [
        "结算批次",
        "兑付申请",
        "申请单位",
        "统一社会信用代码",
        "发票号码",
        "订单数",
        "兑付金额（元）",
        "兑付金额（分）",
        "审核通过时间",
        "支付时间",
    ];
    out.extend_from_slice(&line(&headers.map(|h| Cell::Text(h.into()))));
    let claimants: std::collections::HashMap<String, (String, String)> = organizations::table
        .filter(organizations::id.eq_any(claims.iter().map(|c| c.claimant_org_id.clone())))
        .select((organizations::id, (organizations::name, organizations::credit_code)))
        .load::<(String, (String, String))>(conn)?
        .into_iter()
        .collect();
    let counted: Vec<Option<String>> = voucher_orders::table
        .filter(voucher_orders::claim_id.eq_any(claims.iter().map(|c| c.id.clone())))
        .select(voucher_orders::claim_id)
        .load(conn)?;
    for claim in claims {
        let (name, credit) = claimants.get(&claim.claimant_org_id).cloned().unwrap_or_default();
        let orders = counted.iter().filter(|c| c.as_deref() == Some(claim.id.as_str())).count();
        let time = |t: Option<chrono::NaiveDateTime>| {
            t.map(|t| to_utc(t).to_rfc3339()).unwrap_or_default()
        };
        out.extend_from_slice(&line(&[
            Cell::Text(batch.id.clone()),
            Cell::Text(claim.id.clone()),
            Cell::Text(name),
            Cell::Text(credit),
            Cell::Text(claim.invoice_number.clone()),
            Cell::Number(orders.to_string()),
            Cell::Number(crate::domain::rmb::yuan(claim.total_fen)),
            Cell::Number(claim.total_fen.to_string()),
            Cell::Text(time(claim.approved_at)),
            Cell::Text(time(claim.paid_at)),
        ]));
    }
    Ok(out)
}

crate::endpoint! {
    /// One settlement batch as CSV for the finance office (administrators): a line per claim
    /// with the claimant's name and credit code, the invoice, the orders and the amount paid
    /// in yuan and fen; UTF-8 with a byte-order mark.
    get "/voucher-settlements/{id}/claims.csv" => settlement_csv, tag "vouchers", path { "id": "Batch id" },
    responses [(status = 200, description = "The claims paid", content_type = "text/csv", body = String),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such batch", body = crate::error::Problem, content_type = "application/problem+json")],
    |_admin: AdminUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let file = format!("voucher-settlement-{id}.csv");
        let body = state.db.read(move |conn| batch_csv(conn, &id)).await?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, crate::stats::render::CSV))
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
            .body(body))
    }
}
