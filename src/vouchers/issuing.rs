//! `POST|GET /api/v1/vouchers`, `GET /api/v1/vouchers/{id}` and the administrators'
//! `approve` and `reject`: enterprises apply (申领), the bureau issues or refuses.

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::Vouchers;
use super::lifecycle::VOUCHERS;
use super::model::{VoucherRow, VoucherStatus};
use super::output::VoucherOut;
use super::{VOUCHER_ENTITY, store};
use crate::action_endpoint;
use crate::audit;
use crate::auth::{AdminUser, AuthUser};
use crate::db::schema::vouchers;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::show::show_visible;
use crate::http::version::Tagged;
use crate::http::{Page, PageParams, ValidJson};
use crate::organizations::model::OrgKind;
use crate::policy::Managed;
use crate::validation::{self, Checker};

/// An application for a voucher.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoucherInput {
    /// The programme applied to.
    pub program_id: String,
    /// The amount applied for, in fen (> 0, at most the programme's cap per application).
    pub amount_fen: i64,
    /// What the enterprise wants it for (1–500 characters).
    pub purpose: String,
}

/// The enterprise the caller applies for: a member of an enterprise organization.
fn applicant_org(
    conn: &mut DbConnection,
    user: &AuthUser,
) -> ApiResult<crate::organizations::model::Organization> {
    let Some(org_id) = user.user.organization_id.as_deref() else {
        return Err(ApiError::Forbidden(
            "vouchers are issued to enterprises; you belong to none".into(),
        ));
    };
    let org = crate::organizations::queries::find(conn, org_id)?;
    if org.kind != OrgKind::Enterprise {
        return Err(ApiError::Forbidden("vouchers are issued to enterprises only".into()));
    }
    Ok(org)
}

crate::endpoint! {
    /// Applies for a voucher (申领), for the caller's enterprise, which must be in the
    /// programme's region. An administrator then issues it (`approve`) or refuses it.
    post "/vouchers" => apply_for_voucher, tag "vouchers",
    body VoucherInput, ok 201 "The application" => VoucherOut,
    problems { 403: "Not a member of an enterprise, or of one outside the programme's region", 409: "The programme's use-by day has passed (`program_closed`)", 422: "Invalid fields (amount over the cap, unknown programme)" },
    |user: AuthUser, state: State, body: ValidJson<VoucherInput>| -> ApiResult<HttpResponse> {
        let input = body.into_inner();
        let mut checker = Checker::new();
        let purpose = checker.check("purpose", validation::text(&input.purpose, 1, 500));
        if input.amount_fen <= 0 {
            checker.fail("amount_fen", "not_positive", "must be more than 0");
        }
        checker.finish()?;
        let out = state.db.write(move |conn| {
            let program = store::program(conn, &input.program_id)
                .missing_as(|| ApiError::field("program_id", "not_found", "no such programme"))?;
            let org = applicant_org(conn, &user)?;
            if !program.covers_enterprise(&org.region_code) {
                return Err(ApiError::Forbidden(format!(
                    "the programme is for enterprises of region {}; yours is in {}",
                    program.region_code, org.region_code
                )));
            }
            if input.amount_fen > program.application_cap_fen {
                return Err(ApiError::field("amount_fen", "over_cap", format!(
                    "at most {} fen per application", program.application_cap_fen)));
            }
            if crate::clock::today() > program.use_by {
                return Err(ApiError::refused("program_closed", "the programme's vouchers were to be spent by its use-by day, which has passed"));
            }
            let stamp = now();
            let row = VoucherRow {
                id: new_id(),
                program_id: program.id.clone(),
                org_id: org.id,
                applicant_id: user.id().to_string(),
                number: None,
                status: VoucherStatus::Applied,
                requested_fen: input.amount_fen,
                approved_fen: None,
                balance_fen: 0,
                lapsed_fen: 0,
                purpose: purpose.unwrap_or_default(),
                reason: None,
                use_by: program.use_by,
                decided_by: None,
                decided_at: None,
                lapsed_at: None,
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(vouchers::table).values(row.clone()).execute(conn)?;
            audit::record(conn, &user.actor(), "voucher.apply", VOUCHER_ENTITY, &row.id,
                serde_json::to_value(&input)?)?;
            Ok(VoucherOut::from(row))
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

/// The voucher an administrator decides on: locked, at the expected version, and waiting for
/// the decision `label` names.
fn decide(
    conn: &mut DbConnection,
    admin: &AuthUser,
    id: &str,
    label: &str,
    version: Option<i64>,
) -> ApiResult<VoucherRow> {
    let row = Managed::check::<Vouchers>(admin, store::lock_voucher(conn, id)?)?.into_inner();
    store::check_version(row.version, version)?;
    VOUCHERS.check(row.status, label)?;
    Ok(row)
}

/// Records who decided and when, saves the voucher, audits the decision and tells the
/// enterprise.
fn save_decision(
    conn: &mut DbConnection,
    admin: &AuthUser,
    mut row: VoucherRow,
    stamp: chrono::NaiveDateTime,
    action: &str,
    detail: serde_json::Value,
) -> ApiResult<VoucherOut> {
    row.decided_by = Some(admin.id().to_string());
    row.decided_at = Some(stamp);
    store::save_voucher(conn, &mut row, stamp)?;
    audit::record(conn, &admin.actor(), action, VOUCHER_ENTITY, &row.id, detail)?;
    super::tidings::voucher_decided(conn, &row)?;
    Ok(VoucherOut::from(row))
}

/// The administrator's decision to issue.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveVoucherInput {
    /// The amount issued, in fen (> 0, at most what was applied for); absent: all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    /// The version the decision is based on (optional; a stale one is 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

action_endpoint! {
    /// Issues a voucher applied for (administrators): it gets a number unique in its
    /// programme (年度-地区-序号), a balance of the amount issued (which may be lower than the
    /// amount applied for) and the programme's use-by day.
    post "/vouchers/{id}/approve" => approve_voucher, tag "vouchers", path { "id": "Voucher id" },
    ok 200 "Issued" => VoucherOut,
    problems { 403: "Not an administrator", 404: "No such voucher", 409: "Not waiting for a decision, or a stale version", 422: "An amount of 0 or over the amount applied for" },
    |admin: AdminUser, state, path: String, body: Option<ApproveVoucherInput>| -> HttpResponse {
        let admin = admin.0;
        let input = body.0.unwrap_or_default();
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let current = store::voucher(conn, &id)?;
            let program = store::lock_program(conn, &current.program_id)?;
            let mut row = decide(conn, &admin, &id, "issued", input.version)?;
            let amount = input.amount_fen.unwrap_or(row.requested_fen);
            if amount <= 0 || amount > row.requested_fen {
                return Err(ApiError::field("amount_fen", "out_of_range", format!(
                    "more than 0 and at most the {} fen applied for", row.requested_fen)));
            }
            let mut program = program;
            program.issued_count += 1;
            let stamp = now();
            row.number = Some(format!("{}-{}-{:05}", program.year, program.region_code, program.issued_count));
            row.status = VoucherStatus::Issued;
            row.approved_fen = Some(amount);
            row.balance_fen = amount;
            store::save_program(conn, &mut program, stamp)?;
            let detail = serde_json::json!({ "number": row.number, "amount_fen": amount, "requested_fen": row.requested_fen });
            save_decision(conn, &admin, row, stamp, "voucher.issue", detail)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

/// A refusal with its reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// Why (1–500 characters).
    pub reason: String,
    /// The version the decision is based on (optional; a stale one is 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl ReasonInput {
    /// The checked reason.
    pub fn checked(&self) -> ApiResult<String> {
        validation::text(&self.reason, 1, 500)
            .map_err(|(code, message)| ApiError::field("reason", code, message))
    }
}

action_endpoint! {
    /// Refuses a voucher applied for (administrators), with the reason the enterprise reads.
    post "/vouchers/{id}/reject" => reject_voucher, tag "vouchers", path { "id": "Voucher id" },
    ok 200 "Refused" => VoucherOut,
    problems { 403: "Not an administrator", 404: "No such voucher", 409: "Not waiting for a decision, or a stale version", 422: "No reason" },
    |admin: AdminUser, state, path: String, body: Json<ReasonInput>| -> HttpResponse {
        let admin = admin.0;
        let input = body.into_inner();
        let reason = input.checked()?;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let mut row = decide(conn, &admin, &id, "rejected", input.version)?;
            row.status = VoucherStatus::Rejected;
            row.reason = Some(reason);
            let detail = serde_json::json!({ "reason": row.reason });
            save_decision(conn, &admin, row, now(), "voucher.reject", detail)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

crate::endpoint! {
    /// One voucher: its number, status, balance and use-by day (the enterprise's members
    /// and administrators; to everyone else it does not exist).
    get "/vouchers/{id}" => get_voucher, tag "vouchers", path { "id": "Voucher id" },
    ok 200 "The voucher" => VoucherOut, problems { 404: "No such voucher" },
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let load = move |conn: &mut DbConnection| store::voucher(conn, &id);
        show_visible::<Vouchers, _, _>(&state.db, Some(user), load, |_, row| Ok(VoucherOut::from(row))).await
    }
}

/// Filters of the voucher list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VoucherFilter {
    /// Only vouchers of this programme.
    pub program_id: Option<String>,
    /// Only vouchers standing so.
    pub status: Option<VoucherStatus>,
    /// Only vouchers of this enterprise (administrators; others see only their own).
    pub org_id: Option<String>,
}

crate::endpoint! {
    /// Vouchers, newest first: administrators all of them, an enterprise's members its own,
    /// anyone else none.
    get "/vouchers" => list_vouchers, tag "vouchers", params { VoucherFilter, PageParams },
    ok 200 "Vouchers, newest first" => Page<VoucherOut>,
    |user: AuthUser, state: State, filter: web::Query<VoucherFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<VoucherOut>>> {
        let filter = filter.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = vouchers::table.into_boxed();
            if !user.is_admin() {
                let own = user.own_organization();
                query = query.filter(vouchers::org_id.eq(own));
            }
            crate::narrow!(query, vouchers, filter; org_id, program_id, status);
            Ok(crate::after_cursor!(query, vouchers::id, request, desc)
                .select(VoucherRow::as_select())
                .load(conn)?)
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page.map(VoucherOut::from)))
    }
}
