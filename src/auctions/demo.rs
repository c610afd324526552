//! The demo market's trading: a joint session (联合竞价) with an English, a sealed, a Dutch
//! and a listing lot of four published achievements, open for bids from the first start.

use chrono::Duration;
use diesel::prelude::*;

use super::input::{AuctionInput, CheckedAuction, DEFAULT_PRIORITY_WINDOW_SECS};
use super::model::{AuctionStatus, AuctionType};
use super::sessions::SessionRow;
use crate::audit::Actor;
use crate::db::schema::{auction_sessions, auctions, listings};
use crate::db::{DbConnection, new_id, now};

/// Puts the demo lots up (as announced; the auction clock opens them on its first tick);
/// returns how many.
pub fn fill(conn: &mut DbConnection, created_by: &str) -> anyhow::Result<usize> {
    let stamp = now();
    let opens = stamp;
    let closes = stamp + Duration::days(3);
    let session = SessionRow {
        id: new_id(),
        name: "2026 长三角科技成果联合竞价会（演示）".into(),
        starts_at: opens,
        ends_at: closes + Duration::days(1),
        created_by: created_by.to_string(),
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    };
    diesel::insert_into(auction_sessions::table).values(session.clone()).execute(conn)?;
    let offered: Vec<(String, Option<String>)> = listings::table
        .filter(listings::library.eq("achievements"))
        .filter(listings::org_id.is_not_null())
        .order(listings::id.asc())
        .limit(4)
        .select((listings::id, listings::org_id))
        .load(conn)?;
    let kinds =
        [AuctionType::English, AuctionType::Sealed, AuctionType::Dutch, AuctionType::Listing];
    let mut count = 0;
    for ((achievement_id, org), kind) in offered.into_iter().zip(kinds) {
        let Some(seller_org_id) = org else { continue };
        let starting = 50_000_000 + 10_000_000 * i64::try_from(count).unwrap_or(0);
        let ascending = matches!(kind, AuctionType::English | AuctionType::Listing);
        let dutch = kind == AuctionType::Dutch;
        let terms = CheckedAuction {
            input: AuctionInput {
                achievement_id,
                auction_type: kind,
                starting_price_fen: starting,
                reserve_price_fen: (kind == AuctionType::English)
                    .then_some(starting + starting / 5),
                increment_fen: ascending.then_some(1_000_000),
                increment_bp: None,
                deposit_fen: starting / 10,
                starts_at: opens.and_utc(),
                ends_at: closes.and_utc(),
                extension_secs: None,
                decrement_fen: dutch.then_some(starting / 50),
                decrement_every_secs: dutch.then_some(3_600),
                floor_price_fen: dutch.then_some(starting / 2),
                session_id: Some(session.id.clone()),
                priority_window_secs: None,
            },
            extension_secs: if ascending { 300 } else { 0 },
            starts_at: opens,
            ends_at: closes,
            priority_window_secs: DEFAULT_PRIORITY_WINDOW_SECS,
        };
        let mut lot = terms.draft(seller_org_id, created_by, None, stamp);
        lot.status = AuctionStatus::Announced;
        lot.announced_at = Some(stamp);
        diesel::insert_into(auctions::table).values(lot.clone()).execute(conn)?;
        crate::notices::routes::post_for_lot(conn, &lot, &Actor::default())
            .map_err(|e| anyhow::anyhow!("demo notice: {e}"))?;
        count += 1;
    }
    Ok(count)
}
