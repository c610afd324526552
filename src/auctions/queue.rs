//! Bids on one lot committed together. Bids on a lot are judged one after the other with the
//! lot locked, so a hot lot's throughput is set by how long each bid holds the lock — its
//! statements and its commit. An instance therefore queues the bids that arrive for a lot
//! while one is being judged, and the next turn ([`Turn`]) judges every queued bid in one
//! transaction, in arrival order (a bid that may be refused in a savepoint of its own, so that
//! its refusal rolls back only itself), then commits once and answers them all. Nothing is answered before its commit; a batch that
//! fails as a whole is judged again one bid per transaction, so every bidder gets its own
//! answer. Instances sharing a database still serialize on the lot's row lock.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::bidding::{self, BidInput};
use super::output::BidAccepted;
use super::turn::Turn;
use crate::auth::PresentedToken;
use crate::db::{Db, now};
use crate::error::{ApiError, ApiResult};

/// The most bids one transaction judges (a bound on how long a turn holds the lot).
const MAX_BATCH: usize = 64;

/// One queued bid and where its answer goes.
struct Queued {
    bid: Bid,
    answer: oneshot::Sender<ApiResult<BidAccepted>>,
}

/// A bid as the route received it: its token's session is read in the turn that judges it.
#[derive(Clone)]
struct Bid {
    token: PresentedToken,
    input: BidInput,
}

/// The bids waiting for one lot, and the turn to judge them.
#[derive(Default)]
struct LotQueue {
    waiting: Mutex<VecDeque<Queued>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl LotQueue {
    fn waiting(&self) -> std::sync::MutexGuard<'_, VecDeque<Queued>> {
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self, most: usize) -> Vec<Queued> {
        let mut waiting = self.waiting();
        let count = waiting.len().min(most);
        waiting.drain(..count).collect()
    }
}

/// This instance's bid queues, one per lot being bid on.
#[derive(Default)]
pub struct BidQueues {
    lots: Mutex<HashMap<String, Arc<LotQueue>>>,
}

impl BidQueues {
    fn lots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LotQueue>>> {
        self.lots.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Places the bid of the holder of `token` on lot `lot`: queued, judged in the next turn
    /// with the bids queued beside it (the turn signs the bidders in first: 401 for a dead
    /// session, before anything about the lot), answered after their commit.
    pub async fn place(
        &self,
        db: &Db,
        lot: &str,
        token: PresentedToken,
        input: BidInput,
    ) -> ApiResult<BidAccepted> {
        let queue = self.lots().entry(lot.to_string()).or_default().clone();
        let (answer, mut answered) = oneshot::channel();
        queue.waiting().push_back(Queued { bid: Bid { token, input }, answer });
        let result = loop {
            let turn = queue.turn.clone().lock_owned().await;
            match answered.try_recv() {
                Ok(result) => break result,
                Err(oneshot::error::TryRecvError::Closed) => {
                    break Err(ApiError::Internal("a queued bid went unanswered".into()));
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch = queue.take(MAX_BATCH);
            let (db, lot) = (db.clone(), lot.to_string());
            // Judged in a task of its own, so that a caller going away mid-turn cannot leave
            // the bids of the others unanswered.
            let judged = tokio::spawn(async move {
                judge(&db, &lot, batch).await;
                drop(turn);
            });
            if let Err(error) = judged.await {
                break Err(ApiError::Internal(format!("judging bids failed: {error}")));
            }
        };
        let mut lots = self.lots();
        // Only the map and this call hold the queue: nobody else waits on it.
        if Arc::strong_count(&queue) == 2 {
            lots.remove(lot);
        }
        result
    }
}

/// Judges a batch of bids on `lot` in one transaction and answers each.
async fn judge(db: &Db, lot: &str, batch: Vec<Queued>) {
    if batch.is_empty() {
        return;
    }
    let (bids, answers): (Vec<Bid>, Vec<_>) =
        batch.into_iter().map(|queued| (queued.bid, queued.answer)).unzip();
    if bids.len() == 1 {
        return judge_alone(db, lot, bids, answers).await;
    }
    let lot_id = lot.to_string();
    let together = bids.clone();
    let judged = db
        .write(move |conn| {
            let (tokens, inputs): (Vec<_>, Vec<_>) =
                together.into_iter().map(|bid| (bid.token, bid.input)).unzip();
            let bidders = PresentedToken::sign_in_all(conn, tokens)?;
            let mut turn = Turn::new(&lot_id);
            crate::audit::chain::batched(|| {
                bidders
                    .into_iter()
                    .zip(inputs)
                    .map(|(bidder, input)| match bidder {
                        Ok(user) => turn.bid(conn, &user, input, now()),
                        Err(signed_out) => Ok(Err(signed_out)),
                    })
                    .collect::<ApiResult<Vec<ApiResult<BidAccepted>>>>()
            })
        })
        .await;
    match judged {
        Ok(results) => {
            for (answer, result) in answers.into_iter().zip(results) {
                let _ = answer.send(result);
            }
        }
        Err(_) => judge_alone(db, lot, bids, answers).await,
    }
}

/// Judges each bid in a transaction of its own and answers it.
async fn judge_alone(
    db: &Db,
    lot: &str,
    bids: Vec<Bid>,
    answers: Vec<oneshot::Sender<ApiResult<BidAccepted>>>,
) {
    for (answer, bid) in answers.into_iter().zip(bids) {
        let lot_id = lot.to_string();
        let result = db
            .write(move |conn| {
                let user = bid.token.sign_in(conn)?;
                bidding::place(conn, &mut Turn::new(&lot_id), &user, bid.input, now())
            })
            .await;
        let _ = answer.send(result);
    }
}
