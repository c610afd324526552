//! What bidders are told, in the same transaction as the event (so an event is told once,
//! whichever instance runs it): `outbid` when an English bid passes theirs, `auction_starting_soon`
//! once before a lot they registered for opens, `auction_runner_up_offer` when a
//! defaulted lot is offered to them, `auction_won` and `auction_lost` when the
//! sale is final (after any priority window) or the lot closes unsold. Each reaches the
//! organization in its notification list and by its webhook.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AuctionResult, AuctionRow, AuctionStatus};
use super::store::{self, ENTITY};
use crate::contracts::certificate::yuan;
use crate::db::DbConnection;
use crate::db::schema::{auctions, listings};
use crate::error::ApiResult;
use crate::notifications::{NotificationKind, Recipients, Tiding, tell, tell_to};

/// Lots told "starting soon" per clock tick at most.
const BATCH: i64 = 50;

/// A lot's name in notices: its achievement's title.
pub fn lot_name(conn: &mut DbConnection, row: &AuctionRow) -> ApiResult<String> {
    let title: Option<String> =
        listings::table.find(&row.achievement_id).select(listings::title).first(conn).optional()?;
    Ok(title.unwrap_or_else(|| row.achievement_id.clone()))
}

fn tell_lot(
    conn: &mut DbConnection,
    row: &AuctionRow,
    org_id: &str,
    kind: NotificationKind,
    title: String,
) -> ApiResult<()> {
    tell(
        conn,
        Tiding {
            org_id: org_id.to_string(),
            kind,
            subject_kind: ENTITY,
            subject_id: row.id.clone(),
            achievement_id: Some(row.achievement_id.clone()),
            title,
        },
    )
}

/// Tells organization `previous_org` (whose notifications go to `recipients`), whose bid led
/// lot `row` (named `lot_name`) until now, that it was passed.
pub fn outbid(
    conn: &mut DbConnection,
    row: &AuctionRow,
    previous_org: &str,
    lot_name: &str,
    recipients: &Recipients,
) -> ApiResult<()> {
    let price = yuan(row.current_price_fen.unwrap_or(row.starting_price_fen));
    let tiding = Tiding {
        org_id: previous_org.to_string(),
        kind: NotificationKind::Outbid,
        subject_kind: ENTITY,
        subject_id: row.id.clone(),
        achievement_id: Some(row.achievement_id.clone()),
        title: format!("您在「{lot_name}」拍卖中的出价已被超过，当前价 {price} 元"),
    };
    tell_to(conn, tiding, recipients)
}

/// Tells every registered bidder how a finished lot ended for them: the winner `auction_won`,
/// everyone else `auction_lost`.
pub fn result(conn: &mut DbConnection, row: &AuctionRow) -> ApiResult<()> {
    let name = lot_name(conn, row)?;
    let sold = row.result() == Some(AuctionResult::Sold);
    for registration in store::registrations(conn, &row.id)? {
        let won = sold && row.winner_registration_id.as_deref() == Some(registration.id.as_str());
        let (kind, title) = if won {
            let price = yuan(row.hammer_price_fen.unwrap_or_default());
            (
                NotificationKind::AuctionWon,
                format!("您以 {price} 元竞得「{name}」，成交确认书已生成"),
            )
        } else if sold {
            (NotificationKind::AuctionLost, format!("「{name}」已由其他竞买人竞得"))
        } else {
            (NotificationKind::AuctionLost, format!("「{name}」拍卖结束，未成交"))
        };
        tell_lot(conn, row, &registration.org_id, kind, title)?;
    }
    Ok(())
}

/// Tells the runner-up that the lot is offered to it at its best bid after the winner's default.
pub fn runner_up_offered(conn: &mut DbConnection, row: &AuctionRow) -> ApiResult<()> {
    let Some(registration_id) = row.runner_up_registration_id.as_deref() else {
        return Ok(());
    };
    let registration = store::registration(conn, &row.id, registration_id)?;
    let name = lot_name(conn, row)?;
    let price = yuan(row.runner_up_price_fen.unwrap_or(row.starting_price_fen));
    tell_lot(
        conn,
        row,
        &registration.org_id,
        NotificationKind::AuctionRunnerUpOffer,
        format!("「{name}」的竞得人违约，卖方以您的最高出价 {price} 元向您递补转让，请答复"),
    )
}

/// Tells the registered bidders of every announced lot opening within `lead_secs` that it
/// starts soon, once per lot (at most a batch per call, inside the caller's transaction; on
/// PostgreSQL the lots are claimed `FOR UPDATE SKIP LOCKED`); returns how many lots.
pub fn starting_soon_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lead_secs: i64,
) -> ApiResult<usize> {
    if lead_secs <= 0 {
        return Ok(0);
    }
    let horizon = now + chrono::Duration::seconds(lead_secs);
    macro_rules! due {
        () => {
            auctions::table
                .filter(auctions::status.eq(AuctionStatus::Announced.as_str()))
                .filter(auctions::starts_at.le(horizon))
                .filter(auctions::starts_at.gt(now))
                .filter(auctions::starting_soon_sent_at.is_null())
                .order(auctions::starts_at.asc())
                .limit(BATCH)
                .select(auctions::id)
        };
    }
    let ids: Vec<String> = match conn {
        DbConnection::Postgresql(pg) => due!().for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due!().load(sqlite)?,
    };
    for id in &ids {
        let claimed = diesel::update(
            auctions::table.find(id).filter(auctions::starting_soon_sent_at.is_null()),
        )
        .set(auctions::starting_soon_sent_at.eq(now))
        .execute(conn)?;
        if claimed == 0 {
            continue;
        }
        let row = store::find(conn, id)?;
        let orgs: Vec<String> =
            store::registrations(conn, &row.id)?.into_iter().map(|r| r.org_id).collect();
        tell_starting_soon(conn, &row, &orgs)?;
    }
    Ok(ids.len())
}

/// Tells a bidder who registers after the lot's `auction_starting_soon` went out (it opens
/// within the lead) that it starts soon, so that every registered bidder hears it once. The
/// caller holds the lot's row lock, so the clock's notice and the registration cannot pass
/// each other unseen.
pub fn tell_late_registrant(
    conn: &mut DbConnection,
    row: &AuctionRow,
    org_id: &str,
) -> ApiResult<()> {
    if row.status != AuctionStatus::Announced {
        return Ok(());
    }
    let sent: Option<NaiveDateTime> =
        auctions::table.find(&row.id).select(auctions::starting_soon_sent_at).first(conn)?;
    if sent.is_some() {
        tell_starting_soon(conn, row, &[org_id.to_string()])?;
    }
    Ok(())
}

fn tell_starting_soon(conn: &mut DbConnection, row: &AuctionRow, orgs: &[String]) -> ApiResult<()> {
    let name = lot_name(conn, row)?;
    let starts = crate::clock::china_time(row.starts_at).format("%Y-%m-%d %H:%M");
    for org in orgs {
        tell_lot(
            conn,
            row,
            org,
            NotificationKind::AuctionStartingSoon,
            format!("您报名的「{name}」拍卖将于 {starts}（北京时间）开始"),
        )?;
    }
    Ok(())
}
