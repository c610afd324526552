//! Taking part in an auction: bidders register (members of verified organizations other
//! than the seller), an administrator records their deposits in the ledger, registered
//! bidders with a held deposit bid, and everyone who may see a lot reads its bids by bidder
//! code (identities only to the seller and administrators after the close; sealed bids to
//! nobody but their bidder until then).

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{Auctions, is_seller_side};
use super::bidding::BidInput;
use super::lifecycle::DEPOSITS;
use super::model::{
    AuctionRow, AuctionStatus, AuctionType, BidRow, DepositStatus, RegistrationRow,
};
use super::output::{BidAccepted, BidOut, BidderOut};
use super::store::{self, ENTITY};
use crate::action_endpoint;
use crate::audit;
use crate::auth::{AdminUser, AuthUser, MaybeUser};
use crate::db::schema::{auction_bids, auction_registrations};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::version::Tagged;
use crate::http::{Page, PageParams};
use crate::policy::Visible;

/// Refunds every held deposit of a lot (it was called off); returns how many.
pub fn refund_all(
    conn: &mut DbConnection,
    auction_id: &str,
    stamp: NaiveDateTime,
) -> ApiResult<usize> {
    let held: Vec<RegistrationRow> = store::registrations(conn, auction_id)?
        .into_iter()
        .filter(|r| r.deposit_status == DepositStatus::Held)
        .collect();
    for registration in &held {
        store::set_deposit(conn, &registration.id, DepositStatus::Refunded, stamp)?;
    }
    Ok(held.len())
}

/// An optional registration body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationInput {}

action_endpoint! {
    /// Registers the caller's organization as a bidder of an announced or open lot (members
    /// of verified organizations; never the seller's). The answer carries the bidder code
    /// the organization appears under and its deposit, `pending` until an administrator
    /// records it as held.
    post "/auctions/{id}/registrations" => register_bidder, tag "auctions", path { "id": "Auction id" },
    ok 201 "Registered" => BidderOut,
    problems { 403: "No verified organization, or the seller's own", 404: "No such auction", 409: "Registered already (see `existing_id`), or the lot not taking registrations (`registration_closed`)" },
    |user: AuthUser, state, path: String, body: Option<RegistrationInput>| -> HttpResponse {
        let _ = body.0;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let stamp = now();
            let row = Visible::check::<Auctions>(Some(&user), store::lock(conn, &id)?)?.into_inner();
            let row = super::closing::catch_up(conn, row, stamp)?;
            let Some(org) = user.user.organization_id.clone() else {
                return Err(ApiError::Forbidden("bidders register for an organization; you belong to none".into()));
            };
            if user.belongs_to(&row.seller_org_id) {
                return Err(ApiError::Forbidden("the seller's own organization never bids".into()));
            }
            if !crate::organizations::queries::find(conn, &org)?.verified {
                return Err(ApiError::Forbidden("your organization is not verified yet: an administrator verifies it before it bids".into()));
            }
            let open_english = row.status == AuctionStatus::Open && row.auction_type == AuctionType::English && row.converted_from.is_none();
            if row.status != AuctionStatus::Announced && !open_english {
                return Err(ApiError::refused("registration_closed", format!("the auction is {}: bidders register while it is announced (English auctions: until they close)", row.status)));
            }
            if super::aftermath::barred(conn, &row)?.contains(&org) {
                return Err(ApiError::Forbidden("your organization defaulted as this lot's winner and is barred from its re-auction".into()));
            }
            if let Some(existing) = store::registration_of(conn, &row.id, &org)? {
                return Err(ApiError::duplicate("your organization is registered already", existing.id));
            }
            let count: i64 = auction_registrations::table
                .filter(auction_registrations::auction_id.eq(&row.id))
                .count()
                .get_result(conn)?;
            let registration = RegistrationRow {
                id: new_id(),
                auction_id: row.id.clone(),
                org_id: org,
                user_id: user.id().to_string(),
                bidder_code: format!("B{:03}", count + 1),
                deposit_status: DepositStatus::Pending,
                priority: false,
                max_amount_fen: None,
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(auction_registrations::table).values(registration.clone()).execute(conn)?;
            super::tidings::tell_late_registrant(conn, &row, &registration.org_id)?;
            audit::record(conn, &user.actor(), "auction.register", ENTITY, &row.id,
                serde_json::json!({ "registration_id": registration.id, "bidder": registration.bidder_code,
                                    "org_id": registration.org_id }))?;
            Ok(BidderOut::from(registration))
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

crate::endpoint! {
    /// The bidders of a lot: all of them to the seller and administrators, the caller's own
    /// registration to a bidder, none to anyone else.
    get "/auctions/{id}/registrations" => list_registrations, tag "auctions",
    path { "id": "Auction id" }, params { PageParams },
    ok 200 "Registrations in order" => Page<BidderOut>,
    problems { 404: "No such auction" },
    |user: AuthUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<BidderOut>>> {
        let id = path.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let row = Visible::check::<Auctions>(Some(&user), store::find(conn, &id)?)?.into_inner();
            let mut query = auction_registrations::table
                .filter(auction_registrations::auction_id.eq(&row.id))
                .into_boxed();
            if !is_seller_side(&user, &row) {
                let org = user.own_organization();
                query = query.filter(auction_registrations::org_id.eq(org));
            }
            Ok(crate::after_cursor!(query, auction_registrations::id, request, asc)
                .select(RegistrationRow::as_select())
                .load(conn)?)
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page.map(BidderOut::from)))
    }
}

/// A deposit move.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositInput {
    /// The deposit's new state: `held` (received), `refunded`, `applied` or `forfeited`
    /// (from `held`). Closing the lot applies the winner's and refunds the others itself.
    pub status: DepositStatus,
}

crate::endpoint! {
    /// Records a bidder's deposit in the ledger (administrators): `pending` → `held` when
    /// received; `held` → `refunded`, `applied` or `forfeited`.
    post "/auctions/{id}/registrations/{registration_id}/deposit" => record_deposit, tag "auctions",
    path { "id": "Auction id", "registration_id": "Registration id" },
    body DepositInput, ok 200 "The registration with its deposit" => BidderOut,
    problems { 403: "Not an administrator", 404: "No such auction or registration", 409: "Not a move the ledger allows from where the deposit stands (see `allowed`)" },
    |admin: AdminUser, state: State, path: web::Path<(String, String)>, body: crate::http::ValidJson<DepositInput>| -> ApiResult<HttpResponse> {
        let (id, registration_id) = path.into_inner();
        let to = body.into_inner().status;
        change_registration(&state, admin, id, registration_id, "auction.deposit", move |conn, _, registration, stamp| {
            let from = registration.deposit_status;
            DEPOSITS.check_to(from, to)?;
            store::set_deposit(conn, &registration.id, to, stamp)?;
            Ok(("deposit_status", serde_json::json!({ "from": from, "to": to })))
        })
        .await
    }
}

/// Changes one bidder's registration on a lot (administrators): locks the lot, finds the
/// registration, applies `change` (which answers the changed field with its move), audits the
/// move under the bidder's code, and answers the registration as saved.
pub(super) async fn change_registration<F>(
    state: &State,
    admin: AdminUser,
    id: String,
    registration_id: String,
    action: &'static str,
    change: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(
            &mut DbConnection,
            AuctionRow,
            &RegistrationRow,
            NaiveDateTime,
        ) -> ApiResult<(&'static str, serde_json::Value)>
        + Send
        + 'static,
{
    let out = state.db.write(move |conn| {
        let stamp = now();
        let lot = store::lock(conn, &id)?;
        let registration = store::registration(conn, &lot.id, &registration_id)?;
        let lot_id = lot.id.clone();
        let (field, moved) = change(conn, lot, &registration, stamp)?;
        let mut detail = serde_json::json!({ "registration_id": registration.id, "bidder": registration.bidder_code });
        detail[field] = moved;
        audit::record(conn, &admin.0.actor(), action, ENTITY, &lot_id, detail)?;
        let saved = store::registration(conn, &lot_id, &registration.id)?;
        Ok(BidderOut::from(saved))
    }).await?;
    Ok(Tagged::ok(out.version, out).into())
}

action_endpoint! {
    /// Bids on an open lot (registered bidders with a held deposit; server time decides).
    /// English: at least `min_next_fen` (the starting price, then the current price plus one
    /// step), or `max_amount_fen` for a proxy bid; an accepted bid within `extension_secs` of
    /// the end moves the end. Sealed: one hidden bid per bidder, replaceable until the end.
    /// Dutch: the first bid takes the lot at the price of the moment. Listing: takers at the
    /// listing price.
    post "/auctions/{id}/bids" => place_bid, tag "auctions", path { "id": "Auction id" },
    ok 201 "Accepted" => BidAccepted,
    problems { 403: "Not a registered bidder, or the seller's own organization", 404: "No such auction", 409: "Too low (`bid_too_low`, with `min_next_fen`), not open (`auction_not_open`), the deposit not held (`deposit_not_held`), or a listing taken already (`already_taken`)", 422: "Neither or both of amount_fen and max_amount_fen, or a proxy bid on another type" },
    |token: crate::auth::PresentedToken, state, path: String, body: Json<BidInput>| -> HttpResponse {
        let id = path.into_inner();
        let input = body.into_inner();
        let accepted = state.bid_queues.place(&state.db, &id, token, input).await?;
        state.auction_feed.wake();
        Ok(HttpResponse::Created().json(accepted))
    }
}

crate::endpoint! {
    /// A lot's bids, newest first, by bidder code; the bidders' organizations only to the
    /// seller and administrators after the close. A sealed lot shows each bidder only its own
    /// bids until it closes — the seller and administrators see none.
    get "/auctions/{id}/bids" => list_bids, tag "auctions",
    public, path { "id": "Auction id" }, params { PageParams },
    ok 200 "Bids, newest first" => Page<BidOut>,
    problems { 404: "No such auction, or one the caller may not see" },
    |user: MaybeUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<BidOut>>> {
        let id = path.into_inner();
        let user = user.0;
        let page = read_page(&state.db, &page, move |conn, request| {
            let row = Visible::check::<Auctions>(user.as_ref(), store::find(conn, &id)?)?.into_inner();
            let closed = row.status == AuctionStatus::Closed;
            let mut query = auction_bids::table.filter(auction_bids::auction_id.eq(&row.id)).into_boxed();
            if row.auction_type == AuctionType::Sealed && !closed {
                let own = match user.as_ref().and_then(|u| u.user.organization_id.clone()) {
                    Some(org) => store::registration_of(conn, &row.id, &org)?.map(|r| r.id),
                    None => None,
                };
                query = query.filter(auction_bids::registration_id.eq(own.unwrap_or_default()));
            }
            let bids: Vec<BidRow> = crate::after_cursor!(query, auction_bids::id, request, desc)
                .select(BidRow::as_select())
                .load(conn)?;
            let bidders = store::bidders(conn, &row.id)?;
            let identities = closed && user.as_ref().is_some_and(|u| is_seller_side(u, &row));
            Ok(bids
                .into_iter()
                .map(|bid| {
                    let (code, org) = bidders.get(&bid.registration_id).cloned().unwrap_or_default();
                    BidOut::new(bid, code, identities.then_some(org))
                })
                .collect())
        })
        .await?
        .keyed(|b| b.id.clone());
        Ok(web::Json(page))
    }
}

crate::endpoint! {
    /// The lot live, as Server-Sent Events: first `snapshot` (the lot as the caller may read
    /// it), then `opened`, `bid` (bidder code, amount — none for sealed lots — and time),
    /// `extended` (the new end), `price` (Dutch ticks), `converted` (a listing gone on as an
    /// English auction), and `closed` or `cancelled`, after which the stream ends. A bid
    /// accepted by any instance reaches watchers on every instance within a second.
    get "/auctions/{id}/events" => watch_auction, tag "auctions",
    public, path { "id": "Auction id" },
    responses [(status = 200, description = "An event stream (`text/event-stream`)",
        content_type = "text/event-stream", body = String),
        (status = 404, description = "No such auction, or one the caller may not see",
        body = crate::error::Problem, content_type = "application/problem+json")],
    |user: MaybeUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let viewer = user.0;
        let (row, out) = state.db.read(move |conn| {
            let row = Visible::check::<Auctions>(viewer.as_ref(), store::find(conn, &id)?)?.into_inner();
            let out = super::routes::output(conn, viewer.as_ref(), row.clone())?;
            Ok((row, out))
        }).await?;
        let stream = super::feed::watch(&state.auction_feed, row, out);
        Ok(HttpResponse::Ok()
            .content_type("text/event-stream")
            .insert_header(("Cache-Control", "no-cache"))
            .streaming(stream))
    }
}
