//! Bids. Every bid runs with its lot locked, after the lot is caught up with the clock, so
//! concurrent bids on one lot are accepted one after the other, each judged against the
//! price the one before left: English bids at least one step above the current price (a
//! late one extends the end; a refused one never does), proxy bids raised by the server at
//! the minimum step up to the bidder's maximum, one replaceable hidden bid per sealed bidder,
//! the falling Dutch price taken by the first bid, listing takers at the listing price.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::closing::{catch_up, settle};
use super::model::{
    AuctionRow, AuctionStatus, AuctionType, BidRow, DepositStatus, RegistrationRow,
};
use super::output::BidAccepted;
use super::rules;
use super::store::{self, ENTITY};
use super::tidings;
use super::turn::Turn;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::auction_bids;
use crate::db::{DbConnection, new_id, to_utc};
use crate::error::{ApiError, ApiResult};
use crate::policy::Visible;

/// A bid: an amount, or (English auctions) the most the server may bid for the caller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidInput {
    /// The bid in fen. English: at least `min_next_fen`; sealed: at least the starting price;
    /// Dutch and listing: optional (the bid is at the price of the moment), but when given
    /// it must reach that price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    /// English only, instead of `amount_fen`: a proxy bid. The server bids for the caller at
    /// the minimum step, whenever someone outbids them, up to this maximum (as eBay does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_amount_fen: Option<i64>,
}

pub(super) fn too_low(min_next_fen: i64) -> ApiError {
    ApiError::Refused {
        code: "bid_too_low",
        detail: format!("the lowest acceptable bid is {min_next_fen} fen"),
        min_next_fen: Some(min_next_fen),
    }
}

/// Places the caller's bid on the lot of `turn` at `now` (inside the turn's transaction).
pub fn place(
    conn: &mut DbConnection,
    turn: &mut Turn,
    user: &AuthUser,
    input: BidInput,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    let row = turn.lot(conn)?;
    let row = Visible::check::<super::access::Auctions>(Some(user), row)?.into_inner();
    if user.belongs_to(&row.seller_org_id) {
        return Err(ApiError::Forbidden("the seller's own organization never bids".into()));
    }
    let registration = match user.user.organization_id.as_deref() {
        Some(org) => turn.registration_of(conn, org)?,
        None => None,
    };
    let Some(registration) = registration else {
        return Err(ApiError::Forbidden(
            "only registered bidders bid: register with POST /api/v1/auctions/{id}/registrations"
                .into(),
        ));
    };
    let mut row = catch_up(conn, row, now)?;
    if row.status != AuctionStatus::Open {
        return Err(ApiError::refused(
            "auction_not_open",
            format!("the auction is {}, not open for bids", row.status),
        ));
    }
    if registration.deposit_status != DepositStatus::Held {
        return Err(ApiError::refused(
            "deposit_not_held",
            format!(
                "your deposit is {}: only bidders whose deposit is held bid",
                registration.deposit_status
            ),
        ));
    }
    if row.converted_from.is_some() && !has_bid(conn, &row.id, &registration.id)? {
        return Err(ApiError::Forbidden(
            "only the listing's takers bid once it has gone on as an auction".into(),
        ));
    }
    let actor = user.actor();
    let actor = &actor;
    let english_lot = row.auction_type == AuctionType::English;
    let leader_before = if english_lot { turn.leader(conn, &row)? } else { None };
    let placed = match (row.auction_type, input.amount_fen, input.max_amount_fen) {
        (_, Some(_), Some(_)) => {
            return Err(ApiError::field(
                "max_amount_fen",
                "conflicting",
                "give amount_fen or max_amount_fen, not both",
            ));
        }
        (AuctionType::English, None, Some(max)) => {
            proxy(conn, turn, &mut row, registration, max, now)?
        }
        (AuctionType::English, Some(amount), None) => {
            english(conn, turn, actor, &mut row, registration, amount, now)?
        }
        (AuctionType::English, None, None) => {
            return Err(ApiError::field(
                "amount_fen",
                "required",
                "give amount_fen or max_amount_fen",
            ));
        }
        (_, _, Some(_)) => {
            return Err(ApiError::field(
                "max_amount_fen",
                "not_applicable",
                "proxy bids apply to English auctions only",
            ));
        }
        (AuctionType::Sealed, None, None) => {
            return Err(ApiError::field("amount_fen", "required", "a sealed bid names its amount"));
        }
        (AuctionType::Sealed, Some(amount), None) => {
            sealed(conn, turn, actor, &mut row, &registration, amount, now)?
        }
        (AuctionType::Dutch, amount, None) => {
            let placed = dutch(conn, turn, actor, row, &registration, amount, now)?;
            turn.release();
            return Ok(placed);
        }
        (AuctionType::Listing, amount, None) => {
            listing(conn, turn, actor, &mut row, &registration, amount, now)?
        }
    };
    if let Some(previous) = leader_before
        && turn.leader(conn, &row)?.as_ref() != Some(&previous)
    {
        let previous = turn.registration(conn, &previous)?;
        let name = turn.lot_name(conn, &row)?;
        let recipients = turn.outbid_recipients(conn, &previous.org_id)?;
        tidings::outbid(conn, &row, &previous.org_id, &name, &recipients)?;
    }
    turn.keep(&row);
    Ok(placed)
}

fn has_bid(conn: &mut DbConnection, auction_id: &str, registration_id: &str) -> ApiResult<bool> {
    let found: Option<String> = auction_bids::table
        .filter(auction_bids::auction_id.eq(auction_id))
        .filter(auction_bids::registration_id.eq(registration_id))
        .select(auction_bids::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Records an accepted bid and moves the lot's price, leader, count and (English) end.
#[allow(clippy::too_many_arguments)]
fn accept(
    conn: &mut DbConnection,
    turn: &mut Turn,
    actor: &audit::Actor,
    row: &mut AuctionRow,
    registration: &RegistrationRow,
    amount_fen: i64,
    proxy: bool,
    now: NaiveDateTime,
) -> ApiResult<BidRow> {
    let bid = BidRow {
        id: new_id(),
        auction_id: row.id.clone(),
        registration_id: registration.id.clone(),
        amount_fen,
        proxy,
        accepted_at: now,
        replaced_at: None,
    };
    diesel::insert_into(auction_bids::table).values(bid.clone()).execute(conn)?;
    turn.led_by(&bid.id, &registration.id);
    let extended = rules::extended_end(row, now);
    row.current_price_fen = Some(amount_fen);
    row.leading_bid_id = Some(bid.id.clone());
    row.bid_count += 1;
    if let Some(end) = extended {
        row.ends_at = end;
    }
    // A sealed amount stays out of the log as well until the close (the bid row keeps it).
    let logged_amount = (row.auction_type != AuctionType::Sealed).then_some(amount_fen);
    audit::record(
        conn,
        actor,
        "auction.bid",
        ENTITY,
        &row.id,
        serde_json::json!({ "bid_id": bid.id, "bidder": registration.bidder_code,
                            "amount_fen": logged_amount, "proxy": proxy,
                            "ends_at": extended.map(to_utc) }),
    )?;
    Ok(bid)
}

fn answer(
    row: &AuctionRow,
    bid: Option<&BidRow>,
    max: Option<i64>,
    leading: Option<bool>,
    now: NaiveDateTime,
) -> BidAccepted {
    BidAccepted {
        id: bid.map(|b| b.id.clone()),
        amount_fen: bid.map(|b| b.amount_fen),
        max_amount_fen: max,
        leading,
        accepted_at: to_utc(bid.map_or(now, |b| b.accepted_at)),
        ends_at: to_utc(row.ends_at),
        status: row.status,
    }
}

fn english(
    conn: &mut DbConnection,
    turn: &mut Turn,
    actor: &audit::Actor,
    row: &mut AuctionRow,
    registration: RegistrationRow,
    amount: i64,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    let min_next = rules::min_next(row, now);
    if amount < min_next {
        return Err(too_low(min_next));
    }
    let bid = accept(conn, turn, actor, row, &registration, amount, false, now)?;
    if registration.max_amount_fen.is_some_and(|max| max <= amount) {
        turn.set_max(conn, &registration.id, None)?;
    }
    defend(conn, turn, row, now)?;
    store::save(conn, row, now)?;
    let leading = turn.leader(conn, row)?.as_deref() == Some(registration.id.as_str());
    Ok(answer(row, Some(&bid), None, Some(leading), now))
}

fn proxy(
    conn: &mut DbConnection,
    turn: &mut Turn,
    row: &mut AuctionRow,
    registration: RegistrationRow,
    max: i64,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    let leads = turn.leader(conn, row)?.as_deref() == Some(registration.id.as_str());
    let floor =
        if leads { row.current_price_fen.unwrap_or(0) + 1 } else { rules::min_next(row, now) };
    if max < floor {
        return Err(too_low(floor));
    }
    turn.set_max(conn, &registration.id, Some(max))?;
    let before = row.bid_count;
    defend(conn, turn, row, now)?;
    store::save(conn, row, now)?;
    let mine = if row.bid_count > before {
        auction_bids::table
            .filter(auction_bids::auction_id.eq(&row.id))
            .filter(auction_bids::registration_id.eq(&registration.id))
            .order((auction_bids::accepted_at.desc(), auction_bids::id.desc()))
            .select(BidRow::as_select())
            .first(conn)
            .optional()?
    } else {
        None
    };
    let leading = turn.leader(conn, row)?.as_deref() == Some(registration.id.as_str());
    Ok(answer(row, mine.as_ref(), Some(max), Some(leading), now))
}

/// Lets the proxies answer until none can: a proxy whose maximum reaches the next acceptable
/// bid challenges the leader; the higher maximum leads at one step above the other's (capped
/// at its own maximum), the earlier proxy keeps the lead at equal maximums. Each round raises
/// the price and exhausts a proxy or changes the leader, so it ends.
fn defend(
    conn: &mut DbConnection,
    turn: &mut Turn,
    row: &mut AuctionRow,
    now: NaiveDateTime,
) -> ApiResult<()> {
    loop {
        let leading = turn.leader(conn, row)?;
        let min_next = rules::min_next(row, now);
        let proxies = turn.proxies(conn)?;
        let leader_max =
            proxies.iter().find(|p| Some(&p.id) == leading.as_ref()).and_then(|p| p.max_amount_fen);
        let challenger = proxies
            .iter()
            .filter(|p| Some(&p.id) != leading.as_ref())
            .filter(|p| p.max_amount_fen.is_some_and(|m| m >= min_next))
            .fold(None::<&RegistrationRow>, |best, p| match best {
                Some(b) if b.max_amount_fen >= p.max_amount_fen => Some(b),
                _ => Some(p),
            });
        let Some(challenger) = challenger.cloned() else {
            return Ok(());
        };
        let challenger_max = challenger.max_amount_fen.unwrap_or(min_next);
        let leader_registration =
            leading.and_then(|id| proxies.iter().find(|p| p.id == id).cloned());
        match (leader_max, leader_registration) {
            (Some(own_max), Some(holder)) if own_max >= challenger_max => {
                let target =
                    own_max.min(challenger_max.saturating_add(rules::step(row, challenger_max)));
                accept(
                    conn,
                    turn,
                    &audit::Actor::default(),
                    row,
                    &holder,
                    target.max(min_next),
                    true,
                    now,
                )?;
                turn.set_max(conn, &challenger.id, None)?;
            }
            (other_max, _) => {
                let beat = other_max.map_or(min_next, |m| m.saturating_add(rules::step(row, m)));
                let amount = challenger_max.min(beat.max(min_next));
                accept(conn, turn, &audit::Actor::default(), row, &challenger, amount, true, now)?;
            }
        }
    }
}

fn sealed(
    conn: &mut DbConnection,
    turn: &mut Turn,
    actor: &audit::Actor,
    row: &mut AuctionRow,
    registration: &RegistrationRow,
    amount: i64,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    if amount < row.starting_price_fen {
        return Err(too_low(row.starting_price_fen));
    }
    let replaced = diesel::update(
        auction_bids::table
            .filter(auction_bids::auction_id.eq(&row.id))
            .filter(auction_bids::registration_id.eq(&registration.id))
            .filter(auction_bids::replaced_at.is_null()),
    )
    .set(auction_bids::replaced_at.eq(now))
    .execute(conn)?;
    let bid = accept(conn, turn, actor, row, registration, amount, false, now)?;
    // A sealed lot's price and leader stay unknown until the close, and a replaced bid is
    // not a new bidder.
    row.current_price_fen = None;
    row.leading_bid_id = None;
    if replaced > 0 {
        row.bid_count -= 1;
    }
    store::save(conn, row, now)?;
    Ok(answer(row, Some(&bid), None, None, now))
}

fn dutch(
    conn: &mut DbConnection,
    turn: &mut Turn,
    actor: &audit::Actor,
    mut row: AuctionRow,
    registration: &RegistrationRow,
    amount: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    let price = rules::dutch_price(&row, now);
    if amount.is_some_and(|a| a < price) {
        return Err(too_low(price));
    }
    let bid = accept(conn, turn, actor, &mut row, registration, price, false, now)?;
    let row = settle(conn, row, Some((registration.id.clone(), price)), now)?;
    Ok(answer(&row, Some(&bid), None, Some(true), now))
}

fn listing(
    conn: &mut DbConnection,
    turn: &mut Turn,
    actor: &audit::Actor,
    row: &mut AuctionRow,
    registration: &RegistrationRow,
    amount: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    let price = row.starting_price_fen;
    if amount.is_some_and(|a| a < price) {
        return Err(too_low(price));
    }
    if has_bid(conn, &row.id, &registration.id)? {
        return Err(ApiError::refused("already_taken", "you have taken this listing already"));
    }
    let bid = accept(conn, turn, actor, row, registration, price, false, now)?;
    row.current_price_fen = None;
    row.leading_bid_id = None;
    store::save(conn, row, now)?;
    Ok(answer(row, Some(&bid), None, None, now))
}
