//! After the close: an unsold lot is put up again within 30 days at no more than 20 % below
//! its last starting price; a winner who does not pay is recorded as defaulting (deposit
//! forfeited, deal lost, barred from the lot's re-auction), and the seller may offer the lot
//! to the runner-up at the runner-up's best bid, who accepts or declines.

use actix_web::{HttpResponse, post};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::Auctions;
use super::closing::catch_up;
use super::input::{AuctionInput, ReasonInput};
use super::lifecycle::DEPOSITS;
use super::model::{AuctionResult, AuctionRow, AuctionStatus, AuctionType, DepositStatus};
use super::output::AuctionOut;
use super::routes::{insert_lot, output};
use super::store::{self, ENTITY};
use crate::action_endpoint;
use crate::audit;
use crate::auth::{AdminUser, AuthUser};
use crate::db::schema::auction_bids;
use crate::db::{DbConnection, now};
use crate::deals::model::LossReason;
use crate::error::{ApiError, ApiResult};
use crate::http::version::Tagged;
use crate::policy::{Managed, Visible};

/// How long after its close an unsold lot may be relisted, in days.
pub const RELIST_WINDOW_DAYS: i64 = 30;
/// The most a relisted starting price may fall below the last one, in basis points.
pub const RELIST_MAX_DISCOUNT_BP: i64 = 2_000;

/// A relisting: new times and, optionally, a lower starting price and another deposit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelistInput {
    /// When bidding opens (RFC 3339).
    pub starts_at: DateTime<Utc>,
    /// When bidding ends (RFC 3339).
    pub ends_at: DateTime<Utc>,
    /// The new starting price in fen: at least 80 % of the last one (default: the last one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_price_fen: Option<i64>,
    /// The new deposit in fen (default: the last deposit scaled with the starting price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_fen: Option<i64>,
}

fn relistable(lot: &AuctionRow) -> bool {
    lot.status == AuctionStatus::Closed
        && (lot.result() == Some(AuctionResult::Unsold)
            || (lot.defaulted_at.is_some() && lot.runner_up_status.as_deref() != Some("accepted")))
}

action_endpoint! {
    /// Puts an unsold lot (or one whose winner defaulted) up again as a new draft, with the
    /// same rules, within 30 days of its close, at no more than 20 % below its last starting
    /// price (the seller's organization or an administrator).
    post "/auctions/{id}/relist" => relist_lot, tag "auctions", path { "id": "Auction id" },
    ok 201 "The new lot, a draft" => AuctionOut,
    problems { 403: "Not the seller", 404: "No such auction", 409: "Not unsold (`not_relistable`), more than 30 days after the close (`relist_window_passed`), or the achievement already in a live lot", 422: "A starting price more than 20 % below the last (`too_low`), or other invalid fields" },
    |user: AuthUser, state, path: String, body: Json<RelistInput>| -> HttpResponse {
        let input = body.into_inner();
        let rules = state.config.trading;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let lot = Managed::check::<Auctions>(&user, store::lock(conn, &id)?)?.into_inner();
            let lot = catch_up(conn, lot, now())?;
            if !relistable(&lot) {
                return Err(ApiError::refused("not_relistable", "only a lot closed unsold, or whose winner defaulted, is relisted"));
            }
            let stamp = now();
            if lot.closed_at.is_some_and(|closed| stamp - closed > Duration::days(RELIST_WINDOW_DAYS)) {
                return Err(ApiError::refused("relist_window_passed", "a lot is relisted within 30 days of its close"));
            }
            let starting = input.starting_price_fen.unwrap_or(lot.starting_price_fen);
            let floor = (i128::from(lot.starting_price_fen) * i128::from(10_000 - RELIST_MAX_DISCOUNT_BP) + 9_999) / 10_000;
            if i128::from(starting) < floor {
                return Err(ApiError::field("starting_price_fen", "too_low", format!("a relisted lot starts at no less than {floor} fen (80 % of the last starting price)")));
            }
            let scaled = i128::from(lot.deposit_fen) * i128::from(starting) / i128::from(lot.starting_price_fen.max(1));
            let kind = lot.converted_from.as_deref().and_then(|t| t.parse().ok()).unwrap_or(lot.auction_type);
            let ascending = matches!(kind, AuctionType::English | AuctionType::Listing);
            let again = AuctionInput {
                achievement_id: lot.achievement_id.clone(),
                auction_type: kind,
                starting_price_fen: starting,
                reserve_price_fen: lot.reserve_price_fen,
                increment_fen: lot.increment_fen,
                increment_bp: lot.increment_bp,
                deposit_fen: input.deposit_fen.unwrap_or(i64::try_from(scaled).unwrap_or(i64::MAX)),
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                extension_secs: ascending.then_some(lot.extension_secs),
                decrement_fen: lot.decrement_fen,
                decrement_every_secs: lot.decrement_every_secs,
                floor_price_fen: lot.floor_price_fen.map(|f| f.min(starting - 1)),
                session_id: None,
                priority_window_secs: Some(lot.priority_window_secs),
            };
            let checked = again.check(&rules, stamp)?;
            insert_lot(conn, &user, checked, Some(lot.id))
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

/// The organizations barred from bidding on `lot`: the defaulting winners of the lots it
/// puts up again.
pub fn barred(conn: &mut DbConnection, lot: &AuctionRow) -> ApiResult<Vec<String>> {
    let mut orgs = Vec::new();
    let mut from = lot.relisted_from.clone();
    for _ in 0..32 {
        let Some(id) = from else { break };
        let earlier = store::find(conn, &id)?;
        if let Some(registration) = &earlier.defaulted_registration_id
            && let Some(found) =
                store::registrations(conn, &earlier.id)?.into_iter().find(|r| r.id == *registration)
        {
            orgs.push(found.org_id);
        }
        from = earlier.relisted_from;
    }
    Ok(orgs)
}

action_endpoint! {
    /// Records that the winner of a sold lot defaulted (administrators): the winner's deposit
    /// is forfeited, the deal with it lost, and the winner barred from the lot's re-auction.
    post "/auctions/{id}/default" => record_default, tag "auctions", path { "id": "Auction id" },
    ok 200 "The lot, with the default" => AuctionOut,
    problems { 403: "Not an administrator", 404: "No such auction", 409: "Not sold (`not_sold`) or a default recorded already (`defaulted_already`)" },
    |admin: AdminUser, state, path: String, body: Json<ReasonInput>| -> HttpResponse {
        let input = body.into_inner();
        let reason = input.checked()?;
        let user = admin.0;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let locked = store::lock(conn, &id)?;
            let mut lot = catch_up(conn, locked, now())?;
            store::check_version(&lot, input.version)?;
            if lot.status != AuctionStatus::Closed || lot.result() != Some(AuctionResult::Sold) {
                return Err(ApiError::refused("not_sold", "only a sold lot's winner defaults"));
            }
            if lot.defaulted_at.is_some() {
                return Err(ApiError::refused("defaulted_already", "the winner's default is recorded already"));
            }
            let winner = lot.winner_registration_id.clone().ok_or_else(|| ApiError::Internal("sold lot without winner".into()))?;
            let registration = store::registration(conn, &lot.id, &winner)?;
            let stamp = now();
            if registration.deposit_status != DepositStatus::Forfeited {
                DEPOSITS.check_to(registration.deposit_status, DepositStatus::Forfeited)?;
                store::set_deposit(conn, &registration.id, DepositStatus::Forfeited, stamp)?;
            }
            if let Some(deal_id) = &lot.deal_id {
                let deal = crate::deals::queries::find(conn, deal_id)?;
                if deal.stage.is_open() {
                    let note = format!("the winner of auction {} defaulted: {reason}", lot.id);
                    crate::deals::queries::lose(conn, &user.actor(), &deal, LossReason::Other, Some(&note), None)?;
                }
            }
            lot.defaulted_registration_id = Some(registration.id.clone());
            lot.defaulted_at = Some(stamp);
            store::save(conn, &mut lot, stamp)?;
            audit::record(conn, &user.actor(), "auction.default", ENTITY, &lot.id,
                serde_json::json!({ "bidder": registration.bidder_code, "reason": reason,
                                    "deposit_status": "forfeited" }))?;
            output(conn, Some(&user), lot)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

action_endpoint! {
    /// Offers a lot whose winner defaulted to the runner-up at the runner-up's best bid (the
    /// seller's organization or an administrator).
    post "/auctions/{id}/runner-up/offer" => offer_runner_up, tag "auctions", path { "id": "Auction id" },
    ok 200 "The lot, offered to the runner-up" => AuctionOut,
    problems { 403: "Not the seller", 404: "No such auction", 409: "No default recorded, an offer made already, or no other bidder (`no_runner_up`)" },
    |user: AuthUser, state, path: String, body: Option<crate::contracts::registration::VersionInput>| -> HttpResponse {
        let version = body.0.unwrap_or_default().version;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let mut lot = Managed::check::<Auctions>(&user, store::lock(conn, &id)?)?.into_inner();
            store::check_version(&lot, version)?;
            if lot.defaulted_at.is_none() || lot.runner_up_status.is_some() {
                return Err(ApiError::refused("no_default", "the lot is offered to the runner-up once, after the winner's default"));
            }
            let defaulted = lot.defaulted_registration_id.clone().unwrap_or_default();
            let best: Option<(String, i64)> = auction_bids::table
                .filter(auction_bids::auction_id.eq(&lot.id))
                .filter(auction_bids::replaced_at.is_null())
                .filter(auction_bids::registration_id.ne(&defaulted))
                .order((auction_bids::amount_fen.desc(), auction_bids::accepted_at.asc()))
                .select((auction_bids::registration_id, auction_bids::amount_fen))
                .first(conn)
                .optional()?;
            let Some((registration, price)) = best else {
                return Err(ApiError::refused("no_runner_up", "no other bidder bid on the lot"));
            };
            lot.runner_up_registration_id = Some(registration);
            lot.runner_up_price_fen = Some(price);
            lot.runner_up_status = Some("offered".into());
            let stamp = now();
            store::save(conn, &mut lot, stamp)?;
            audit::record(conn, &user.actor(), "auction.offer_runner_up", ENTITY, &lot.id,
                serde_json::json!({ "price_fen": price }))?;
            super::tidings::runner_up_offered(conn, &lot)?;
            output(conn, Some(&user), lot)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}

/// The runner-up's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunnerUpAnswer {
    /// `true` buys the lot at the offered price (a deal opens at `agreement`); `false` declines.
    pub accept: bool,
}

action_endpoint! {
    /// The runner-up accepts or declines the seller's offer (members of the runner-up's
    /// organization).
    post "/auctions/{id}/runner-up/answer" => answer_runner_up, tag "auctions", path { "id": "Auction id" },
    ok 200 "The lot, sold to the runner-up or offered no more" => AuctionOut,
    problems { 403: "Not the runner-up", 404: "No such auction", 409: "No offer waiting (`no_offer`)" },
    |user: AuthUser, state, path: String, body: Json<RunnerUpAnswer>| -> HttpResponse {
        let accept = body.into_inner().accept;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let mut lot = Visible::check::<Auctions>(Some(&user), store::lock(conn, &id)?)?.into_inner();
            if lot.runner_up_status.as_deref() != Some("offered") {
                return Err(ApiError::refused("no_offer", "no offer to the runner-up is waiting"));
            }
            let registration_id = lot.runner_up_registration_id.clone().unwrap_or_default();
            let registration = store::registration(conn, &lot.id, &registration_id)?;
            if !user.belongs_to(&registration.org_id) {
                return Err(ApiError::Forbidden("only the runner-up answers the offer".into()));
            }
            let stamp = now();
            if accept {
                let price = lot.runner_up_price_fen.unwrap_or(lot.starting_price_fen);
                lot.winner_registration_id = Some(registration.id.clone());
                lot.hammer_price_fen = Some(price);
                lot.current_price_fen = Some(price);
                lot.deal_id = super::closing::open_deal(conn, &lot, &registration.org_id)?;
            }
            lot.runner_up_status = Some(if accept { "accepted" } else { "declined" }.into());
            store::save(conn, &mut lot, stamp)?;
            audit::record(conn, &user.actor(), "auction.runner_up_answer", ENTITY, &lot.id,
                serde_json::json!({ "accepted": accept, "bidder": registration.bidder_code, "deal_id": lot.deal_id }))?;
            output(conn, Some(&user), lot)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}
