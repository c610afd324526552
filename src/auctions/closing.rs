//! Opening and closing on time. Every read or write of a lot first catches it up with the
//! clock ([`catch_up`]: an announced lot past its start opens, an open lot past its effective
//! end closes), and a background clock does the same for lots nobody touches, so a lot closes
//! within a tick (0.5 s) of its end. Closing happens once: the lot's row is locked while it is
//! caught up (`FOR UPDATE`; the clock skips lots locked by a bid with `SKIP LOCKED`), and only
//! a lot still open closes.

use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::lifecycle::LIFECYCLE;
use super::model::{AuctionResult, AuctionRow, AuctionStatus, AuctionType, DepositStatus};
use super::rules::DEFAULT_EXTENSION_SECS;
use super::store::{self, ENTITY};
use crate::audit::{self, Actor};
use crate::db::schema::auctions;
use crate::db::{Db, DbConnection};
use crate::deals::consent::Sides;
use crate::deals::model::{DealSource, DealStage};
use crate::deals::queries::NewDeal;
use crate::error::{ApiError, ApiResult};

/// How often the auction clock looks for lots to open or close.
pub const TICK: Duration = Duration::from_millis(500);
/// Lots caught up per tick at most.
const BATCH: i64 = 50;

/// Applies what the clock says is due on a locked lot: opening, then closing.
pub fn catch_up(
    conn: &mut DbConnection,
    mut row: AuctionRow,
    now: NaiveDateTime,
) -> ApiResult<AuctionRow> {
    if row.status == AuctionStatus::Announced && now >= row.starts_at {
        LIFECYCLE.check(row.status, "opened")?;
        row.status = AuctionStatus::Open;
        row.opened_at = Some(now);
        store::save(conn, &mut row, now)?;
        audit::record(
            conn,
            &Actor::default(),
            "auction.open",
            ENTITY,
            &row.id,
            serde_json::json!({ "status": {"from": "announced", "to": "open"} }),
        )?;
    }
    if row.status == AuctionStatus::Open && now >= row.ends_at {
        row = close(conn, row, now)?;
    }
    if row.status == AuctionStatus::Closed && row.priority_until.is_some_and(|until| now >= until) {
        row = complete_sale(conn, row, now)?;
    }
    Ok(row)
}

/// Ends an open lot at its end: a listing with two or more takers goes on as an English
/// auction; otherwise the best standing bid wins if it reaches the reserve.
fn close(
    conn: &mut DbConnection,
    mut row: AuctionRow,
    now: NaiveDateTime,
) -> ApiResult<AuctionRow> {
    let bids = store::standing_bids(conn, &row.id)?;
    if row.auction_type == AuctionType::Listing {
        return match bids.as_slice() {
            [] => settle(conn, row, None, now),
            [only] => {
                let winner = (only.registration_id.clone(), row.starting_price_fen);
                settle(conn, row, Some(winner), now)
            }
            [first, ..] => {
                row.auction_type = AuctionType::English;
                row.converted_from = Some(AuctionType::Listing.as_str().to_string());
                row.current_price_fen = Some(row.starting_price_fen);
                row.leading_bid_id = Some(first.id.clone());
                let phase = if row.extension_secs > 0 {
                    row.extension_secs
                } else {
                    DEFAULT_EXTENSION_SECS
                };
                row.ends_at = now + chrono::Duration::seconds(phase);
                store::save(conn, &mut row, now)?;
                audit::record(
                    conn,
                    &Actor::default(),
                    "auction.convert",
                    ENTITY,
                    &row.id,
                    serde_json::json!({ "type": {"from": "listing", "to": "english"},
                                        "takers": bids.len(), "ends_at": row.ends_at }),
                )?;
                Ok(row)
            }
        };
    }
    let best = match row.auction_type {
        AuctionType::Sealed => bids
            .iter()
            .max_by(|a, b| a.amount_fen.cmp(&b.amount_fen).then(b.accepted_at.cmp(&a.accepted_at)))
            .map(|bid| (bid.registration_id.clone(), bid.amount_fen)),
        _ => match &row.leading_bid_id {
            Some(id) => {
                let bid = store::bid(conn, id)?;
                Some((bid.registration_id, bid.amount_fen))
            }
            None => None,
        },
    };
    let winner = best.filter(|(_, amount)| row.reserve_price_fen.is_none_or(|r| *amount >= r));
    settle(conn, row, winner, now)
}

/// Closes a lot, sold to `winner` (registration, price) or unsold. Held deposits are refunded
/// except the winner's; a sale opens a deal at `agreement` between seller and winner — unless
/// a bidder holds the priority right (优先受让权): then the sale waits `priority_window_secs`
/// for that bidder to match the price (both deposits stay held), and [`complete_sale`] ends it.
pub fn settle(
    conn: &mut DbConnection,
    mut row: AuctionRow,
    winner: Option<(String, i64)>,
    now: NaiveDateTime,
) -> ApiResult<AuctionRow> {
    LIFECYCLE.check(row.status, "closed")?;
    let registrations = store::registrations(conn, &row.id)?;
    let winner_id = winner.as_ref().map(|(id, _)| id.clone());
    let priority = registrations
        .iter()
        .find(|r| {
            r.priority
                && r.deposit_status == DepositStatus::Held
                && Some(&r.id) != winner_id.as_ref()
        })
        .filter(|_| winner.is_some() && row.priority_window_secs > 0)
        .map(|r| r.id.clone());
    for registration in &registrations {
        let keeps = Some(&registration.id) == winner_id.as_ref()
            || Some(&registration.id) == priority.as_ref();
        if registration.deposit_status == DepositStatus::Held && !keeps {
            store::set_deposit(conn, &registration.id, DepositStatus::Refunded, now)?;
        }
    }
    let result = if winner.is_some() { AuctionResult::Sold } else { AuctionResult::Unsold };
    row.status = AuctionStatus::Closed;
    row.result = Some(result.as_str().to_string());
    row.closed_at = Some(now);
    let mut winner_code = None;
    if let Some((registration_id, price)) = &winner {
        let registration = registrations.iter().find(|r| r.id == *registration_id);
        let registration = registration
            .ok_or_else(|| ApiError::Internal("winning registration missing".into()))?;
        winner_code = Some(registration.bidder_code.clone());
        row.hammer_price_fen = Some(*price);
        row.current_price_fen = Some(*price);
        row.winner_registration_id = Some(registration_id.clone());
    }
    if priority.is_some() {
        row.priority_until = Some(now + chrono::Duration::seconds(row.priority_window_secs));
    }
    store::save(conn, &mut row, now)?;
    audit::record(
        conn,
        &Actor::default(),
        "auction.close",
        ENTITY,
        &row.id,
        serde_json::json!({ "status": {"from": "open", "to": "closed"}, "result": result,
                            "hammer_price_fen": row.hammer_price_fen, "winner": winner_code,
                            "priority_until": row.priority_until }),
    )?;
    if winner.is_none() {
        super::tidings::result(conn, &row)?;
    } else if priority.is_none() {
        row = complete_sale(conn, row, now)?;
    }
    Ok(row)
}

/// Completes a sale: the winner's deposit is applied, every other held deposit refunded,
/// and the deal with the winner opens at `agreement`.
pub fn complete_sale(
    conn: &mut DbConnection,
    mut row: AuctionRow,
    now: NaiveDateTime,
) -> ApiResult<AuctionRow> {
    let winner = row
        .winner_registration_id
        .clone()
        .ok_or_else(|| ApiError::Internal("a sale without a winner".into()))?;
    let mut buyer = None;
    for registration in store::registrations(conn, &row.id)? {
        if registration.id == winner {
            buyer = Some(registration.org_id.clone());
        }
        if registration.deposit_status == DepositStatus::Held {
            let to = if registration.id == winner {
                DepositStatus::Applied
            } else {
                DepositStatus::Refunded
            };
            store::set_deposit(conn, &registration.id, to, now)?;
        }
    }
    let buyer = buyer.ok_or_else(|| ApiError::Internal("winning registration missing".into()))?;
    row.deal_id = open_deal(conn, &row, &buyer)?;
    let waited = row.priority_until.take().is_some();
    store::save(conn, &mut row, now)?;
    audit::record(
        conn,
        &Actor::default(),
        "auction.sale",
        ENTITY,
        &row.id,
        serde_json::json!({ "winner_registration_id": row.winner_registration_id,
                            "hammer_price_fen": row.hammer_price_fen, "deal_id": row.deal_id,
                            "after_priority_window": waited }),
    )?;
    super::tidings::result(conn, &row)?;
    Ok(row)
}

/// Opens the deal of a sale, in the name of the member who put the lot up (the deal's
/// opener); a lot whose achievement can no longer be dealt in (withdrawn since the
/// announcement) closes without one, and the reason is logged.
pub fn open_deal(
    conn: &mut DbConnection,
    row: &AuctionRow,
    buyer: &str,
) -> ApiResult<Option<String>> {
    let new = NewDeal {
        demand_id: None,
        achievement_id: Some(row.achievement_id.clone()),
        buyer_org_id: buyer.to_string(),
        seller_org_id: row.seller_org_id.clone(),
        broker_id: None,
        event_id: None,
        response_id: None,
        source: DealSource::Auction,
        stage: DealStage::Agreement,
        commission_rate_bp: None,
        commission_fen: None,
        acting: Sides::BOTH,
    };
    let opener = Actor { user_id: Some(row.created_by.clone()), request_id: None };
    match crate::deals::queries::open(conn, &opener, new) {
        Ok(deal) => Ok(Some(deal.id)),
        Err(ApiError::Validation(errors)) => {
            tracing::warn!(auction = %row.id, ?errors, "sold lot closed without a deal");
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// Catches up every lot due to open, close or end its priority window (at most a batch), inside the caller's write
/// transaction; returns how many changed. On PostgreSQL the due rows are taken
/// `FOR UPDATE SKIP LOCKED`, so instances share the work and a lot a bid holds waits for
/// the next tick.
pub fn catch_up_due(conn: &mut DbConnection, now: NaiveDateTime) -> ApiResult<usize> {
    macro_rules! due {
        () => {
            auctions::table
                .filter(
                    auctions::status
                        .eq(AuctionStatus::Announced.as_str())
                        .and(auctions::starts_at.le(now))
                        .or(auctions::status
                            .eq(AuctionStatus::Open.as_str())
                            .and(auctions::ends_at.le(now)))
                        .or(auctions::status
                            .eq(AuctionStatus::Closed.as_str())
                            .and(auctions::priority_until.le(now))),
                )
                .order(auctions::ends_at.asc())
                .limit(BATCH)
                .select(AuctionRow::as_select())
        };
    }
    let rows: Vec<AuctionRow> = match conn {
        DbConnection::Postgresql(pg) => due!().for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due!().load(sqlite)?,
    };
    let count = rows.len();
    for row in rows {
        catch_up(conn, row, now)?;
    }
    Ok(count)
}

/// Runs the auction clock: every [`TICK`], lots due to open or close are caught up and the
/// bidders of lots opening within `starting_soon_secs` are told.
pub fn spawn_auction_clock(db: Db, starting_soon_secs: i64) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = tick(db.clone(), starting_soon_secs).await {
                tracing::warn!(?error, "auction clock tick failed");
            }
        }
    });
}

async fn tick(db: Db, starting_soon_secs: i64) -> anyhow::Result<usize> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        let mut conn = db.get()?;
        let now = crate::db::now();
        crate::db::write_transaction(&mut conn, |conn| -> ApiResult<usize> {
            let told = super::tidings::starting_soon_due(conn, now, starting_soon_secs)?;
            Ok(told + catch_up_due(conn, now)?)
        })
        .map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await
    .context("auction clock task")?
}
