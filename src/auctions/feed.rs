//! The live feed of auctions behind `GET /api/v1/auctions/{id}/events` (Server-Sent Events).
//!
//! What happens to a lot is written to the audit log in the transaction that does it, and
//! the log's `seq` is gap-free in commit order. Each instance follows the log (every
//! [`POLL`], only while someone watches) and fans the auction entries out to its watchers,
//! so a watcher on any instance sees a bid accepted on another within a poll — on SQLite and
//! PostgreSQL alike, without a notification channel to keep open. A bid accepted on this
//! instance [`wake`](AuctionFeed::wake)s its follower at once, so its own watchers do not wait
//! for the poll. Dutch price ticks are computed by each stream from the lot's rules.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use tokio::sync::{Notify, broadcast};

use super::model::{AuctionRow, AuctionStatus, AuctionType};
use super::output::AuctionOut;
use super::rules;
use super::store::ENTITY;
use crate::db::schema::audit_log;
use crate::db::{Db, to_utc};

/// How often an instance with watchers reads new auction entries from the log.
pub const POLL: Duration = Duration::from_millis(100);
/// How often an idle stream sends a comment so proxies keep it open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Entries an instance keeps for watchers that fall behind.
const BUFFER: usize = 4096;
/// The shortest gap between two reads of the log: wakes arriving meanwhile (one per accepted
/// bid) are served by one read after it, so a hot lot's watchers are woken for a handful of
/// events at a time rather than once for each (the stream's cost is set by the wake-ups of its
/// watchers; the gap adds at most this much to the lag).
const MIN_GAP: Duration = Duration::from_millis(10);
/// The most waiting events a watcher's stream sends in one chunk.
const COALESCED: usize = 256;

/// One thing that happened to a lot, as its watchers receive it.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    /// The lot.
    pub auction_id: String,
    /// `opened`, `bid`, `extended`, `converted`, `closed` or `cancelled`.
    pub kind: &'static str,
    /// The SSE frame, written once for every watcher (`event`, `id`: the audit entry's
    /// position, `data`: the event's JSON).
    pub frame: Bytes,
}

/// An instance's feed: one follower of the audit log, any number of watchers.
#[derive(Debug, Clone)]
pub struct AuctionFeed {
    sender: broadcast::Sender<FeedEvent>,
    wake: Arc<Notify>,
}

type Entry = (i64, String, String, String, NaiveDateTime);

fn events_of((seq, auction_id, action, changes, at): Entry) -> Vec<FeedEvent> {
    let changes: serde_json::Value = serde_json::from_str(&changes).unwrap_or_default();
    let event = |kind, data| FeedEvent {
        auction_id: auction_id.clone(),
        kind,
        frame: frame(kind, &data, Some(seq)),
    };
    match action.as_str() {
        "auction.open" => vec![event("opened", serde_json::json!({ "status": "open" }))],
        "auction.bid" => {
            let mut events = vec![event(
                "bid",
                serde_json::json!({
                    "bidder_code": changes["bidder"], "amount_fen": changes["amount_fen"],
                    "proxy": changes["proxy"], "accepted_at": to_utc(at),
                }),
            )];
            if !changes["ends_at"].is_null() {
                events
                    .push(event("extended", serde_json::json!({ "ends_at": changes["ends_at"] })));
            }
            events
        }
        "auction.convert" => vec![event(
            "converted",
            serde_json::json!({ "type": "english", "converted_from": "listing",
                                "ends_at": changes["ends_at"] }),
        )],
        "auction.close" => vec![event(
            "closed",
            serde_json::json!({ "result": changes["result"],
                                "hammer_price_fen": changes["hammer_price_fen"],
                                "winner_bidder_code": changes["winner"] }),
        )],
        "auction.cancelled" => {
            vec![event("cancelled", serde_json::json!({ "status": "cancelled" }))]
        }
        _ => Vec::new(),
    }
}

fn last_seq(db: &Db) -> anyhow::Result<i64> {
    let mut conn = db.get()?;
    let last: Option<i64> =
        audit_log::table.select(diesel::dsl::max(audit_log::seq)).first(&mut conn)?;
    Ok(last.unwrap_or(0))
}

fn entries_after(db: &Db, after: i64) -> anyhow::Result<Vec<Entry>> {
    let mut conn = db.get()?;
    Ok(audit_log::table
        .filter(audit_log::seq.gt(after))
        .filter(audit_log::entity_type.eq(ENTITY))
        .order(audit_log::seq.asc())
        .limit(500)
        .select((
            audit_log::seq,
            audit_log::entity_id,
            audit_log::action,
            audit_log::changes,
            audit_log::created_at,
        ))
        .load(&mut conn)?)
}

impl AuctionFeed {
    /// Starts following the log (from its current end) for this instance's watchers.
    pub fn start(db: Db) -> AuctionFeed {
        let (sender, _) = broadcast::channel(BUFFER);
        let wake = Arc::new(Notify::new());
        let feed = AuctionFeed { sender: sender.clone(), wake: wake.clone() };
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(POLL);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut after: Option<i64> = None;
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    () = wake.notified() => {}
                }
                if sender.receiver_count() == 0 {
                    after = None;
                    continue;
                }
                let db = db.clone();
                let from = after;
                let read =
                    tokio::task::spawn_blocking(move || -> anyhow::Result<(i64, Vec<Entry>)> {
                        let from = match from {
                            Some(seq) => seq,
                            None => last_seq(&db)?,
                        };
                        Ok((from, entries_after(&db, from)?))
                    })
                    .await;
                match read {
                    Ok(Ok((from, entries))) => {
                        after = Some(entries.last().map_or(from, |e| e.0));
                        for event in entries.into_iter().flat_map(events_of) {
                            let _ = sender.send(event);
                        }
                    }
                    Ok(Err(error)) => tracing::warn!(?error, "auction feed read failed"),
                    Err(error) => tracing::warn!(?error, "auction feed task failed"),
                }
                tokio::time::sleep(MIN_GAP).await;
            }
        });
        feed
    }

    /// Reads the log now rather than at the next poll: called after this instance commits
    /// something its watchers wait for (a burst of calls reads once).
    pub fn wake(&self) {
        if self.sender.receiver_count() > 0 {
            self.wake.notify_one();
        }
    }

    /// A new watcher's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<FeedEvent> {
        self.sender.subscribe()
    }
}

/// One SSE frame.
pub fn frame(kind: &str, data: &serde_json::Value, id: Option<i64>) -> Bytes {
    let id = id.map(|seq| format!("id: {seq}\n")).unwrap_or_default();
    Bytes::from(format!("event: {kind}\n{id}data: {data}\n\n"))
}

struct Watch {
    receiver: broadcast::Receiver<FeedEvent>,
    lot: AuctionRow,
    first: Option<Bytes>,
    last_price: Option<i64>,
    done: bool,
}

impl Watch {
    /// Follows the lot's state through one of its events.
    fn follow(&mut self, kind: &str) {
        follow(&mut self.lot, &mut self.done, kind);
    }

    /// `first` and the frames of this lot's events already waiting for the watcher, in one
    /// chunk (see [`coalesce`]).
    fn with_waiting(&mut self, first: Bytes) -> Bytes {
        if self.done {
            return first;
        }
        let Watch { receiver, lot, done, .. } = self;
        coalesce(receiver, first, |event| {
            if event.auction_id != lot.id {
                return Taken::Skip;
            }
            follow(lot, done, event.kind);
            if *done { Taken::Last } else { Taken::Take }
        })
    }

    /// The next Dutch price tick of an open Dutch lot, as a wait from now.
    fn next_tick(&self) -> Option<Duration> {
        let every = self
            .lot
            .decrement_every_secs
            .filter(|_| self.lot.auction_type == AuctionType::Dutch)?;
        if self.lot.status != AuctionStatus::Open || every <= 0 {
            return None;
        }
        let elapsed = (crate::db::now() - self.lot.starts_at).num_milliseconds().max(0);
        let period = every * 1000;
        let wait = period - elapsed % period;
        u64::try_from(wait).ok().map(Duration::from_millis)
    }
}

/// Follows a watched lot's state through one of its events.
fn follow(lot: &mut AuctionRow, done: &mut bool, kind: &str) {
    match kind {
        "opened" => lot.status = AuctionStatus::Open,
        "converted" => lot.auction_type = AuctionType::English,
        "closed" | "cancelled" => *done = true,
        _ => {}
    }
}

/// What a watcher does with an event already waiting for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    /// Another lot's: passed over.
    Skip,
    /// Sent with the others.
    Take,
    /// Sent, and nothing after it (the lot is over).
    Last,
}

/// `first` followed by the frames of the events already waiting in `receiver` that `take`
/// takes (at most [`COALESCED`] events are looked at), in one chunk: a watcher that fell
/// behind under a burst of bids catches up in one write instead of one write and one wake-up
/// per frame, while an event arriving alone is sent at once as it is.
fn coalesce(
    receiver: &mut broadcast::Receiver<FeedEvent>,
    first: Bytes,
    mut take: impl FnMut(&FeedEvent) -> Taken,
) -> Bytes {
    let mut chunk: Option<Vec<u8>> = None;
    for _ in 0..COALESCED {
        let (next, last) = match receiver.try_recv() {
            Ok(event) => match take(&event) {
                Taken::Skip => continue,
                Taken::Take => (event.frame, false),
                Taken::Last => (event.frame, true),
            },
            Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                (frame("lagged", &serde_json::json!({ "missed": missed }), None), false)
            }
            Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed) => {
                break;
            }
        };
        chunk.get_or_insert_with(|| first.to_vec()).extend_from_slice(&next);
        if last {
            break;
        }
    }
    chunk.map_or(first, Bytes::from)
}

/// The stream a watcher of `lot` receives: the lot as the watcher may read it, then every
/// event of the lot until it closes or is cancelled.
pub fn watch(
    feed: &AuctionFeed,
    lot: AuctionRow,
    snapshot: AuctionOut,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + use<> {
    let first = serde_json::to_value(&snapshot).map(|v| frame("snapshot", &v, None)).ok();
    let done = matches!(lot.status, AuctionStatus::Closed | AuctionStatus::Cancelled);
    let last_price = snapshot.current_price_fen;
    let state = Watch { receiver: feed.subscribe(), lot, first, last_price, done };
    futures_util::stream::unfold(state, |mut state| async move {
        if let Some(first) = state.first.take() {
            return Some((Ok(first), state));
        }
        if state.done {
            return None;
        }
        loop {
            let tick = state.next_tick();
            tokio::select! {
                received = state.receiver.recv() => match received {
                    Ok(event) if event.auction_id == state.lot.id => {
                        state.follow(event.kind);
                        let frames = state.with_waiting(event.frame);
                        return Some((Ok(frames), state));
                    }
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        let data = serde_json::json!({ "missed": missed });
                        return Some((Ok(frame("lagged", &data, None)), state));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep(tick.unwrap_or(KEEP_ALIVE)) => {
                    if tick.is_some() {
                        let price = rules::dutch_price(&state.lot, crate::db::now());
                        if state.last_price != Some(price) {
                            state.last_price = Some(price);
                            let data = serde_json::json!({ "current_price_fen": price });
                            return Some((Ok(frame("price", &data, None)), state));
                        }
                        continue;
                    }
                    return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), state));
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(lot: &str, kind: &'static str) -> FeedEvent {
        let data = serde_json::json!({ "lot": lot });
        FeedEvent { auction_id: lot.to_string(), kind, frame: frame(kind, &data, None) }
    }

    #[test]
    fn waiting_events_of_the_lot_go_out_in_one_chunk_up_to_its_close() {
        let (sender, mut receiver) = broadcast::channel(16);
        for (lot, kind) in
            [("a", "bid"), ("b", "bid"), ("a", "extended"), ("a", "closed"), ("a", "bid")]
        {
            sender.send(event(lot, kind)).unwrap();
        }
        let first = Bytes::from_static(b"event: bid\ndata: {}\n\n");
        let take = |e: &FeedEvent| match (e.auction_id.as_str(), e.kind) {
            ("a", "closed") => Taken::Last,
            ("a", _) => Taken::Take,
            _ => Taken::Skip,
        };
        let chunk = coalesce(&mut receiver, first.clone(), take);
        let text = String::from_utf8(chunk.to_vec()).unwrap();
        let kinds: Vec<&str> =
            text.lines().filter_map(|line| line.strip_prefix("event: ")).collect();
        assert_eq!(kinds, ["bid", "bid", "extended", "closed"], "{text}");
        assert!(!text.contains("\"b\""), "another lot's event was sent: {text}");
        // What follows the close stays for later; with nothing waiting, `first` goes alone.
        assert_eq!(receiver.len(), 1);
        let (_quiet, mut idle) = broadcast::channel::<FeedEvent>(4);
        assert_eq!(coalesce(&mut idle, first.clone(), take), first);
    }
}
