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
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::{auction_bids, auction_registrations};
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

fn too_low(min_next_fen: i64) -> ApiError {
    ApiError::Refused {
        code: "bid_too_low",
        detail: format!("the lowest acceptable bid is {min_next_fen} fen"),
        min_next_fen: Some(min_next_fen),
    }
}

/// Places the caller's bid on lot `id` at `now`.
pub fn place(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
    input: BidInput,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    let row = store::lock(conn, id)?;
    let row = Visible::check::<super::access::Auctions>(Some(user), row)?.into_inner();
    if user.belongs_to(&row.seller_org_id) {
        return Err(ApiError::Forbidden("the seller's own organization never bids".into()));
    }
    let registration = match user.user.organization_id.as_deref() {
        Some(org) => store::registration_of(conn, &row.id, org)?,
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
    let leading_bid_before = row.leading_bid_id.clone();
    let placed = match (row.auction_type, input.amount_fen, input.max_amount_fen) {
        (_, Some(_), Some(_)) => {
            return Err(ApiError::field(
                "max_amount_fen",
                "conflicting",
                "give amount_fen or max_amount_fen, not both",
            ));
        }
        (AuctionType::English, None, Some(max)) => proxy(conn, &mut row, registration, max, now)?,
        (AuctionType::English, Some(amount), None) => {
            english(conn, actor, &mut row, registration, amount, now)?
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
            sealed(conn, actor, &mut row, &registration, amount, now)?
        }
        (AuctionType::Dutch, amount, None) => {
            dutch(conn, actor, row.clone(), &registration, amount, now)?
        }
        (AuctionType::Listing, amount, None) => {
            listing(conn, actor, &mut row, &registration, amount, now)?
        }
    };
    if english_lot
        && row.leading_bid_id != leading_bid_before
        && let Some(bid_id) = leading_bid_before
    {
        let leader_before = store::bid(conn, &bid_id)?.registration_id;
        let leader_now = leader(conn, &row)?;
        tidings::outbid(conn, &row, Some(&leader_before), leader_now.as_deref())?;
    }
    Ok(placed)
}

/// Refuses, without taking the lot's lock, a plain English bid that is certainly too low: one
/// below the lowest acceptable bid of the lot as last committed, from a registered bidder with
/// a held deposit, on a lot open now. English prices only rise, so such a bid is too low
/// against the lot's locked state as well; every other bid (and any doubt) goes on to
/// [`place`]. Under a race most bids are outbid ones: they no longer queue for the lot.
pub fn refuse_early(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
    input: &BidInput,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let (Some(amount), None) = (input.amount_fen, input.max_amount_fen) else {
        return Ok(());
    };
    let Ok(row) = store::find(conn, id) else {
        return Ok(());
    };
    let plain_open_english = row.auction_type == AuctionType::English
        && row.status == AuctionStatus::Open
        && row.converted_from.is_none()
        && now < row.ends_at;
    if !plain_open_english || user.belongs_to(&row.seller_org_id) {
        return Ok(());
    }
    let Ok(row) = Visible::check::<super::access::Auctions>(Some(user), row) else {
        return Ok(());
    };
    let row = row.into_inner();
    let Some(org) = user.user.organization_id.as_deref() else {
        return Ok(());
    };
    let held = store::registration_of(conn, &row.id, org)?
        .is_some_and(|registration| registration.deposit_status == DepositStatus::Held);
    let min_next = rules::min_next(&row, now);
    if held && amount < min_next {
        return Err(too_low(min_next));
    }
    Ok(())
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
fn accept(
    conn: &mut DbConnection,
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

fn leader(conn: &mut DbConnection, row: &AuctionRow) -> ApiResult<Option<String>> {
    match &row.leading_bid_id {
        Some(id) => Ok(Some(store::bid(conn, id)?.registration_id)),
        None => Ok(None),
    }
}

fn english(
    conn: &mut DbConnection,
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
    let bid = accept(conn, actor, row, &registration, amount, false, now)?;
    if registration.max_amount_fen.is_some_and(|max| max <= amount) {
        set_max(conn, &registration.id, None)?;
    }
    defend(conn, row, now)?;
    store::save(conn, row, now)?;
    let leading = leader(conn, row)?.as_deref() == Some(registration.id.as_str());
    Ok(answer(row, Some(&bid), None, Some(leading), now))
}

fn set_max(conn: &mut DbConnection, registration_id: &str, max: Option<i64>) -> ApiResult<()> {
    diesel::update(auction_registrations::table.find(registration_id))
        .set((
            auction_registrations::max_amount_fen.eq(max),
            auction_registrations::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn proxy(
    conn: &mut DbConnection,
    row: &mut AuctionRow,
    registration: RegistrationRow,
    max: i64,
    now: NaiveDateTime,
) -> ApiResult<BidAccepted> {
    let leads = leader(conn, row)?.as_deref() == Some(registration.id.as_str());
    let floor =
        if leads { row.current_price_fen.unwrap_or(0) + 1 } else { rules::min_next(row, now) };
    if max < floor {
        return Err(too_low(floor));
    }
    set_max(conn, &registration.id, Some(max))?;
    let before = row.bid_count;
    defend(conn, row, now)?;
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
    let leading = leader(conn, row)?.as_deref() == Some(registration.id.as_str());
    Ok(answer(row, mine.as_ref(), Some(max), Some(leading), now))
}

/// Lets the proxies answer until none can: a proxy whose maximum reaches the next acceptable
/// bid challenges the leader; the higher maximum leads at one step above the other's (capped
/// at its own maximum), the earlier proxy keeps the lead at equal maximums. Each round raises
/// the price and exhausts a proxy or changes the leader, so it ends.
fn defend(conn: &mut DbConnection, row: &mut AuctionRow, now: NaiveDateTime) -> ApiResult<()> {
    loop {
        let leading = leader(conn, row)?;
        let min_next = rules::min_next(row, now);
        let proxies: Vec<RegistrationRow> = auction_registrations::table
            .filter(auction_registrations::auction_id.eq(&row.id))
            .filter(auction_registrations::deposit_status.eq(DepositStatus::Held.as_str()))
            .filter(auction_registrations::max_amount_fen.is_not_null())
            .order((auction_registrations::updated_at.asc(), auction_registrations::id.asc()))
            .select(RegistrationRow::as_select())
            .load(conn)?;
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
                    &audit::Actor::default(),
                    row,
                    &holder,
                    target.max(min_next),
                    true,
                    now,
                )?;
                set_max(conn, &challenger.id, None)?;
            }
            (other_max, _) => {
                let beat = other_max.map_or(min_next, |m| m.saturating_add(rules::step(row, m)));
                let amount = challenger_max.min(beat.max(min_next));
                accept(conn, &audit::Actor::default(), row, &challenger, amount, true, now)?;
            }
        }
    }
}

fn sealed(
    conn: &mut DbConnection,
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
    let bid = accept(conn, actor, row, registration, amount, false, now)?;
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
    let bid = accept(conn, actor, &mut row, registration, price, false, now)?;
    let row = settle(conn, row, Some((registration.id.clone(), price)), now)?;
    Ok(answer(&row, Some(&bid), None, Some(true), now))
}

fn listing(
    conn: &mut DbConnection,
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
    let bid = accept(conn, actor, row, registration, price, false, now)?;
    row.current_price_fen = None;
    row.leading_bid_id = None;
    store::save(conn, row, now)?;
    Ok(answer(row, Some(&bid), None, None, now))
}
