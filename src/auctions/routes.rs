//! `/api/v1/auctions`: create a lot (a draft), list and read lots, and move them through
//! review (`submit`, `announce`, `reject`) or call them off (`cancel`). Bidder registration,
//! deposits and bids are registered here from their own file.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::access::{Auctions, is_seller_side};
use super::input::{AuctionInput, ReasonInput};
use super::lifecycle::LIFECYCLE;
use super::model::{AuctionRow, AuctionStatus, AuctionType};
use super::output::{AuctionOut, Viewer, auction_out};
use super::store::{self, ENTITY};
use crate::action_endpoint;
use crate::audit;
use crate::auth::{AdminUser, AuthUser, MaybeUser};
use crate::contracts::registration::VersionInput;
use crate::db::schema::{auction_registrations, auctions};
use crate::db::{DbConnection, now};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::show::show_visible;
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::Library;
use crate::listings::lifecycle::ListingStatus;
use crate::policy::Managed;

/// Registers the auction routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_auction)
        .service(list_auctions)
        .service(get_auction)
        .service(submit_auction)
        .service(announce_auction)
        .service(reject_auction)
        .service(cancel_auction)
        .service(super::participation::register_bidder)
        .service(super::participation::list_registrations)
        .service(super::participation::record_deposit)
        .service(super::participation::place_bid)
        .service(super::participation::list_bids)
        .service(super::participation::watch_auction)
        .service(super::sessions::create_session)
        .service(super::sessions::list_sessions)
        .service(super::sessions::get_session)
        .service(super::sessions::session_report)
        .service(super::aftermath::relist_lot)
        .service(super::aftermath::record_default)
        .service(super::aftermath::offer_runner_up)
        .service(super::aftermath::answer_runner_up)
        .service(super::priority::set_priority)
        .service(super::priority::match_price)
        .service(super::confirmation::confirmation);
}

/// The winning bidder codes of closed lots, by auction id.
fn winner_codes(
    conn: &mut DbConnection,
    rows: &[AuctionRow],
) -> ApiResult<HashMap<String, String>> {
    let ids: Vec<&String> = rows.iter().filter_map(|r| r.winner_registration_id.as_ref()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(auction_registrations::table
        .filter(auction_registrations::id.eq_any(ids))
        .select((auction_registrations::auction_id, auction_registrations::bidder_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// What `user` may read of each lot, at `now`.
pub fn outputs(
    conn: &mut DbConnection,
    user: Option<&AuthUser>,
    rows: Vec<AuctionRow>,
    now: NaiveDateTime,
) -> ApiResult<Vec<AuctionOut>> {
    let codes = winner_codes(conn, &rows)?;
    let winners: HashMap<String, String> = match user.and_then(|u| u.user.organization_id.clone()) {
        Some(org) => auction_registrations::table
            .filter(auction_registrations::org_id.eq(org))
            .filter(
                auction_registrations::id
                    .eq_any(rows.iter().filter_map(|r| r.winner_registration_id.clone())),
            )
            .select((auction_registrations::auction_id, auction_registrations::id))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect(),
        None => HashMap::new(),
    };
    let seller_ids: Vec<&String> = rows.iter().map(|r| &r.seller_org_id).collect();
    let sellers = crate::organizations::queries::names(conn, &seller_ids)?;
    let achievement_ids: Vec<&String> = rows.iter().map(|r| &r.achievement_id).collect();
    let titles = crate::listings::queries::titles(conn, &achievement_ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let viewer = Viewer {
                seller_side: user.is_some_and(|u| is_seller_side(u, &row)),
                winner: winners.contains_key(&row.id),
            };
            let code = codes.get(&row.id).cloned();
            let (title, seller) = (
                titles.get(&row.achievement_id).cloned(),
                sellers.get(&row.seller_org_id).cloned(),
            );
            AuctionOut {
                achievement_title: title,
                seller_name: seller,
                ..auction_out(row, viewer, code, now)
            }
        })
        .collect())
}

/// One lot as `user` may read it.
pub fn output(
    conn: &mut DbConnection,
    user: Option<&AuthUser>,
    row: AuctionRow,
) -> ApiResult<AuctionOut> {
    outputs(conn, user, vec![row], now())?
        .pop()
        .ok_or_else(|| ApiError::Internal("auction output missing".into()))
}

fn respond(status: actix_web::http::StatusCode, out: AuctionOut) -> HttpResponse {
    Tagged::with_status(status, out.version, out).into()
}

/// Checks the achievement a new lot sells: visible to the caller, published, the caller's
/// organization's (administrators: anyone's), and not already on sale in another live lot.
fn check_achievement(conn: &mut DbConnection, user: &AuthUser, id: &str) -> ApiResult<String> {
    let unknown = || ApiError::field("achievement_id", "not_found", "no such achievement");
    let listing =
        crate::listings::queries::find(conn, Library::Achievements, id).missing_as(unknown)?;
    crate::listings::access::ensure_visible(Some(user), &listing).map_err(|_| unknown())?;
    let Some(org) = listing.org_id.clone() else {
        return Err(ApiError::field(
            "achievement_id",
            "no_organization",
            "the achievement has no organization to sell it",
        ));
    };
    if !user.is_admin() && !user.belongs_to(&org) {
        return Err(ApiError::Forbidden(
            "only the achievement's organization (or an administrator) auctions it".into(),
        ));
    }
    if listing.status != ListingStatus::Published {
        return Err(ApiError::field(
            "achievement_id",
            "not_published",
            "the achievement is not published",
        ));
    }
    let live = [
        AuctionStatus::Draft,
        AuctionStatus::Submitted,
        AuctionStatus::Announced,
        AuctionStatus::Open,
    ];
    let existing: Option<String> = auctions::table
        .filter(auctions::achievement_id.eq(id))
        .filter(auctions::status.eq_any(live.map(AuctionStatus::as_str)))
        .select(auctions::id)
        .first(conn)
        .optional()?;
    if let Some(existing) = existing {
        return Err(ApiError::duplicate("the achievement is already in a live auction", existing));
    }
    Ok(org)
}

/// Checks a new lot's achievement (and session) and stores it as a draft, audited; a relisted
/// lot names the lot it puts up again.
pub fn insert_lot(
    conn: &mut DbConnection,
    user: &AuthUser,
    checked: super::input::CheckedAuction,
    relisted_from: Option<String>,
) -> ApiResult<AuctionOut> {
    let input = &checked.input;
    let seller_org_id = check_achievement(conn, user, &input.achievement_id)?;
    if let Some(session) = &input.session_id {
        super::sessions::check_within(conn, session, checked.starts_at, checked.ends_at)?;
    }
    let row = checked.draft(seller_org_id, user.id(), relisted_from, now());
    diesel::insert_into(auctions::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        &user.actor(),
        "auction.create",
        ENTITY,
        &row.id,
        serde_json::json!({ "lot": input, "relisted_from": row.relisted_from }),
    )?;
    output(conn, Some(user), row)
}

crate::endpoint! {
    /// Creates an auction of an achievement as a draft: the achievement's organization (or an
    /// administrator) sets the type (`english`, `sealed`, `dutch`, `listing`), prices, deposit
    /// and times; the seller then submits it and an administrator announces it.
    post "/auctions" => create_auction, tag "auctions",
    body AuctionInput, ok 201 "The auction, a draft" => AuctionOut,
    problems { 403: "Not the achievement's organization", 409: "The achievement is already in a live auction (see `existing_id`)", 422: "Invalid fields (prices, steps, deposit bounds, times, an unknown or unpublished achievement)" },
    |user: AuthUser, state: State, body: ValidJson<AuctionInput>| -> ApiResult<HttpResponse> {
        let rules = state.config.trading;
        let checked = body.into_inner().check(&rules, now())?;
        let out = state.db.write(move |conn| insert_lot(conn, &user, checked, None)).await?;
        Ok(respond(actix_web::http::StatusCode::CREATED, out))
    }
}

/// Filters of the auction list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuctionFilter {
    /// Only lots in this status (`draft` and `submitted` lots are listed only to their seller
    /// and administrators).
    pub status: Option<AuctionStatus>,
    /// Only lots of this type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub auction_type: Option<AuctionType>,
    /// Only lots of this achievement.
    pub achievement_id: Option<String>,
    /// Only lots of this seller organization.
    pub seller_org_id: Option<String>,
    /// Only lots of this joint session.
    pub session_id: Option<String>,
}

crate::endpoint! {
    /// Auctions, newest first: announced, open, closed and (once announced) cancelled lots
    /// for everyone, signed in or not; drafts and lots under review also to their seller and
    /// administrators.
    get "/auctions" => list_auctions, tag "auctions",
    public, params { AuctionFilter, PageParams },
    ok 200 "Auctions, newest first" => Page<AuctionOut>,
    |user: MaybeUser, state: State, filter: web::Query<AuctionFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<AuctionOut>>> {
        let filter = filter.into_inner();
        let user = user.0;
        let viewer = user.clone();
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = auctions::table.into_boxed();
            if !viewer.as_ref().is_some_and(AuthUser::is_admin) {
                let public = [AuctionStatus::Announced, AuctionStatus::Open, AuctionStatus::Closed];
                let seen = auctions::status
                    .eq_any(public.map(AuctionStatus::as_str))
                    .or(auctions::status.eq(AuctionStatus::Cancelled.as_str()).and(auctions::announced_at.is_not_null()));
                query = match viewer.as_ref().and_then(|u| u.user.organization_id.clone()) {
                    Some(org) => query.filter(seen.or(auctions::seller_org_id.eq(org))),
                    None => query.filter(seen),
                };
            }
            crate::narrow!(query, auctions, filter; status, auction_type, achievement_id, seller_org_id, session_id);
            Ok(crate::after_cursor!(query, auctions::id, request, desc)
                .select(AuctionRow::as_select())
                .load(conn)?)
        })
        .await?
        .keyed(|r| r.id.clone());
        let Page { items, next_cursor, total } = page;
        let items = state.db.read(move |conn| outputs(conn, user.as_ref(), items, now())).await?;
        Ok(web::Json(Page { items, next_cursor, total }))
    }
}

crate::endpoint! {
    /// One auction: status, result, the price now, the lowest acceptable bid, the bid count
    /// and the effective end; the reserve only to the seller and administrators. Announced
    /// lots are public; drafts are their seller's.
    get "/auctions/{id}" => get_auction, tag "auctions",
    public, path { "id": "Auction id" },
    ok 200 "The auction" => AuctionOut,
    problems { 404: "No such auction, or one the caller may not see" },
    |user: MaybeUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let viewer = user.0.clone();
        let load = move |conn: &mut DbConnection| store::find(conn, &id);
        let answer = move |conn: &mut DbConnection, row| output(conn, viewer.as_ref(), row);
        show_visible::<Auctions, _, _>(&state.db, user.0, load, answer).await
    }
}

/// Moves a lot the caller manages (or, `admin_only`, an administrator) by `label`, after
/// `prepare` checks and changes it; answers the lot as saved.
async fn move_lot(
    state: &State,
    user: AuthUser,
    id: String,
    version: Option<i64>,
    label: &'static str,
    prepare: impl FnOnce(
        &mut DbConnection,
        &AuthUser,
        &mut AuctionRow,
        NaiveDateTime,
    ) -> ApiResult<serde_json::Value>
    + Send
    + 'static,
) -> ApiResult<HttpResponse> {
    let out = state
        .db
        .write(move |conn| {
            let stamp = now();
            let row = store::lock(conn, &id)?;
            let row = Managed::check::<Auctions>(&user, row)?.into_inner();
            let mut row = super::closing::catch_up(conn, row, stamp)?;
            store::check_version(&row, version)?;
            let from = row.status;
            let to = LIFECYCLE.check(from, label)?.to;
            let details = prepare(conn, &user, &mut row, stamp)?;
            row.status = to;
            store::save(conn, &mut row, stamp)?;
            let mut entry = serde_json::json!({ "status": { "from": from, "to": to } });
            if let (Some(entry), serde_json::Value::Object(extra)) =
                (entry.as_object_mut(), details)
            {
                entry.extend(extra);
            }
            audit::record(
                conn,
                &user.actor(),
                &format!("auction.{label}"),
                ENTITY,
                &row.id,
                entry,
            )?;
            output(conn, Some(&user), row)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, out))
}

action_endpoint! {
    /// Submits a draft lot for an administrator's review (the seller's organization).
    post "/auctions/{id}/submit" => submit_auction, tag "auctions", path { "id": "Auction id" },
    ok 200 "Submitted" => AuctionOut, problems { 403: "Not the seller", 404: "No such auction", 409: "Not a draft (see `allowed`), a start already past, or a stale version" },
    extract { if_match: IfMatch },
    |user: AuthUser, state, path: String, body: Option<VersionInput>| -> HttpResponse {
        let version = if_match.optional(body.0.unwrap_or_default().version)?;
        move_lot(&state, user, path.into_inner(), version, "submitted", |_, _, row, stamp| {
            if row.starts_at <= stamp {
                return Err(ApiError::refused("start_passed", "the auction's start has passed: create it again with new times"));
            }
            row.reject_reason = None;
            Ok(serde_json::json!({}))
        }).await
    }
}

action_endpoint! {
    /// Announces a submitted lot (administrators): bidders may register from now on. The
    /// announcement must come at least the notice period (`TECHMARKET_AUCTION_NOTICE_SECS`,
    /// 7 days by default) before the start.
    post "/auctions/{id}/announce" => announce_auction, tag "auctions", path { "id": "Auction id" },
    ok 200 "Announced" => AuctionOut, problems { 403: "Not an administrator", 404: "No such auction", 409: "Not submitted (see `allowed`), the notice period too short (`notice_too_short`), or a stale version" },
    extract { if_match: IfMatch },
    |admin: AdminUser, state, path: String, body: Option<VersionInput>| -> HttpResponse {
        let version = if_match.optional(body.0.unwrap_or_default().version)?;
        let notice = i64::try_from(state.config.trading.notice_secs).unwrap_or(i64::MAX);
        move_lot(&state, admin.0, path.into_inner(), version, "announced", move |conn, user, row, stamp| {
            if row.starts_at < stamp + chrono::Duration::seconds(notice) {
                return Err(ApiError::refused("notice_too_short", format!(
                    "an auction is announced at least {notice} s before its start; return it to the seller for new times")));
            }
            row.announced_at = Some(stamp);
            crate::notices::routes::post_for_lot(conn, row, &user.actor())?;
            Ok(serde_json::json!({}))
        }).await
    }
}

action_endpoint! {
    /// Returns a submitted lot to its seller with a reason (administrators); the seller may
    /// submit it again or cancel it.
    post "/auctions/{id}/reject" => reject_auction, tag "auctions", path { "id": "Auction id" },
    ok 200 "Back to the seller as a draft, with the reason" => AuctionOut, problems { 403: "Not an administrator", 404: "No such auction", 409: "Not submitted (see `allowed`), or a stale version" },
    extract { if_match: IfMatch },
    |admin: AdminUser, state, path: String, body: Json<ReasonInput>| -> HttpResponse {
        let input = body.into_inner();
        let version = if_match.optional(input.version)?;
        let reason = input.checked()?;
        move_lot(&state, admin.0, path.into_inner(), version, "returned", move |_, _, row, _| {
            row.reject_reason = Some(reason.clone());
            Ok(serde_json::json!({ "reason": reason }))
        }).await
    }
}

action_endpoint! {
    /// Calls a lot off with a reason: the seller before it opens, administrators until it
    /// closes. Held deposits are refunded.
    post "/auctions/{id}/cancel" => cancel_auction, tag "auctions", path { "id": "Auction id" },
    ok 200 "Cancelled" => AuctionOut, problems { 403: "Not the seller or an administrator, or an open lot cancelled by its seller", 404: "No such auction", 409: "Closed or cancelled already (see `allowed`), or a stale version" },
    extract { if_match: IfMatch },
    |user: AuthUser, state, path: String, body: Json<ReasonInput>| -> HttpResponse {
        let input = body.into_inner();
        let version = if_match.optional(input.version)?;
        let reason = input.checked()?;
        move_lot(&state, user, path.into_inner(), version, "cancelled", move |conn, user, row, stamp| {
            if row.status == AuctionStatus::Open && !user.is_admin() {
                return Err(ApiError::Forbidden("an open auction is cancelled only by an administrator".into()));
            }
            row.cancel_reason = Some(reason.clone());
            row.closed_at = Some(stamp);
            let refunded = super::participation::refund_all(conn, &row.id, stamp)?;
            Ok(serde_json::json!({ "reason": reason, "deposits_refunded": refunded }))
        }).await
    }
}
