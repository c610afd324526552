//! The priority right (优先受让权, Civil Code art. 847): the inventors of a result may take it
//! at the price others offered. An administrator flags the registration of the bidder who
//! holds the right; when the lot sells to someone else, the sale waits `priority_window_secs`
//! and that bidder may match the hammer price and win at it.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::Auctions;
use super::closing::{catch_up, complete_sale};
use super::model::{AuctionStatus, DepositStatus};
use super::output::{AuctionOut, BidderOut};
use super::participation::change_registration;
use super::routes::output;
use super::store::{self, ENTITY};
use crate::action_endpoint;
use crate::audit;
use crate::auth::{AdminUser, AuthUser};
use crate::db::now;
use crate::db::schema::auction_registrations;
use crate::error::{ApiError, ApiResult};
use crate::http::endpoint::State;
use crate::http::version::Tagged;
use crate::policy::Visible;
use diesel::prelude::*;

/// Whether a registration holds the priority right.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityInput {
    /// `true`: this bidder (e.g. the result's inventors) may match the final price after the
    /// close; `false` withdraws the flag.
    pub priority: bool,
}

crate::endpoint! {
    /// Flags (or unflags) a registered bidder as holding the priority right (administrators),
    /// before the lot closes.
    post "/auctions/{id}/registrations/{registration_id}/priority" => set_priority, tag "auctions",
    path { "id": "Auction id", "registration_id": "Registration id" },
    body PriorityInput, ok 200 "The registration" => BidderOut,
    problems { 403: "Not an administrator", 404: "No such auction or registration", 409: "The lot has closed (`lot_closed`)" },
    |admin: AdminUser, state: State, path: web::Path<(String, String)>, body: crate::http::ValidJson<PriorityInput>| -> ApiResult<HttpResponse> {
        let (id, registration_id) = path.into_inner();
        let priority = body.into_inner().priority;
        change_registration(&state, admin, id, registration_id, "auction.priority", move |conn, locked, registration, stamp| {
            let lot = catch_up(conn, locked, stamp)?;
            if matches!(lot.status, AuctionStatus::Closed | AuctionStatus::Cancelled) {
                return Err(ApiError::refused("lot_closed", "the priority right is recorded before the lot closes"));
            }
            diesel::update(auction_registrations::table.find(&registration.id))
                .set((
                    auction_registrations::priority.eq(priority),
                    auction_registrations::version.eq(auction_registrations::version + 1),
                    auction_registrations::updated_at.eq(stamp),
                ))
                .execute(conn)?;
            Ok(("priority", serde_json::json!({ "from": registration.priority, "to": priority })))
        })
        .await
    }
}

action_endpoint! {
    /// Matches the hammer price with the priority right (members of the flagged bidder's
    /// organization), within the lot's priority window after the close: the lot is sold to
    /// that bidder at the same price and the deal opens with it.
    post "/auctions/{id}/priority-match" => match_price, tag "auctions", path { "id": "Auction id" },
    ok 200 "Sold to the priority bidder" => AuctionOut,
    problems { 403: "Not the bidder holding the priority right", 404: "No such auction", 409: "No sale waiting for the priority right (`no_priority_window`)" },
    |user: AuthUser, state, path: String, body: Option<crate::contracts::registration::VersionInput>| -> HttpResponse {
        let version = body.0.unwrap_or_default().version;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let locked = Visible::check::<Auctions>(Some(&user), store::lock(conn, &id)?)?.into_inner();
            let stamp = now();
            let mut lot = catch_up(conn, locked, stamp)?;
            store::check_version(&lot, version)?;
            if lot.priority_until.is_none_or(|until| stamp >= until) {
                return Err(ApiError::refused("no_priority_window", "no sale of this lot is waiting for the priority right"));
            }
            let holder = store::registrations(conn, &lot.id)?
                .into_iter()
                .find(|r| r.priority && r.deposit_status == DepositStatus::Held && user.belongs_to(&r.org_id))
                .ok_or_else(|| ApiError::Forbidden("only the bidder holding the priority right matches the price".into()))?;
            lot.winner_registration_id = Some(holder.id.clone());
            audit::record(conn, &user.actor(), "auction.priority_match", ENTITY, &lot.id,
                serde_json::json!({ "bidder": holder.bidder_code, "price_fen": lot.hammer_price_fen }))?;
            let lot = complete_sale(conn, lot, stamp)?;
            output(conn, Some(&user), lot)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}
