//! Match notifications: when a published achievement is listed among an open demand's matches
//! (its score clears the calibrated floor, [`crate::matching::calibration::FLOOR`], the same
//! threshold as the match lists), the demand's organization hears of it; when a demand is
//! published, the owners of the achievements that match it do.

use std::sync::Arc;

use super::{NotificationKind, NotificationRow, notify};
use crate::db::{Db, DbConnection, new_id, now, write_transaction};
use crate::error::ApiResult;
use crate::listings::Library;
use crate::listings::record::RecordLibrary;
use crate::matching::engine::{self, MatchSubject, MatchingState, Offer};
use crate::search::SearchIndex;

/// Most notifications one publication sends.
pub const NOTIFY_LIMIT: usize = 20;

/// A match that may be worth telling its owner about.
struct Candidate {
    org_id: Option<String>,
    kind: NotificationKind,
    demand_id: String,
    achievement_id: String,
    score: f64,
    title: String,
}

/// Finds who should hear of newly published records and notifies them (one transaction).
pub fn on_published(
    conn: &mut DbConnection,
    matching: &MatchingState,
    index: &SearchIndex,
    library: Library,
    ids: &[String],
) -> ApiResult<usize> {
    let mut sent = 0;
    for id in ids {
        let candidates = match library {
            Library::Achievements => {
                let (listing, row) =
                    crate::achievements::record::AchievementRecords::find(conn, id)?;
                let offer = Offer::of_achievement(&listing, &row)?;
                let found = engine::match_demands(conn, matching, index, &offer, NOTIFY_LIMIT)?;
                found
                    .items
                    .into_iter()
                    .map(|m| Candidate {
                        org_id: m.demand.org_id,
                        kind: NotificationKind::AchievementForDemand,
                        demand_id: m.demand.id,
                        achievement_id: listing.id.clone(),
                        score: m.score,
                        title: format!(
                            "新成果「{}」可能解决您的需求「{}」",
                            listing.title, m.demand.title
                        ),
                    })
                    .collect()
            }
            Library::Demands => {
                let (listing, row) = crate::demands::record::DemandRecords::find(conn, id)?;
                let problem = MatchSubject::of_demand(&listing, &row);
                let found = engine::match_achievements(
                    conn,
                    matching,
                    index,
                    &problem,
                    NOTIFY_LIMIT,
                    false,
                )?;
                found
                    .items
                    .into_iter()
                    .map(|m| Candidate {
                        org_id: m.achievement.org_id,
                        kind: NotificationKind::DemandForAchievement,
                        demand_id: listing.id.clone(),
                        achievement_id: m.achievement.id,
                        score: m.score,
                        title: format!(
                            "新需求「{}」与您的成果「{}」匹配",
                            listing.title, m.achievement.title
                        ),
                    })
                    .collect()
            }
            Library::Experts | Library::ServiceProviders => Vec::new(),
        };
        for candidate in candidates {
            let Some(org_id) = candidate.org_id else {
                continue;
            };
            let row = NotificationRow {
                id: new_id(),
                org_id,
                kind: candidate.kind,
                demand_id: Some(candidate.demand_id),
                achievement_id: Some(candidate.achievement_id),
                score: Some(candidate.score),
                title: candidate.title,
                read_at: None,
                created_at: now(),
                subject_kind: None,
                subject_id: None,
            };
            notify(conn, row)?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// Runs [`on_published`] in the background: a publication never waits for matching.
pub fn spawn_on_published(
    db: Db,
    matching: Arc<MatchingState>,
    index: SearchIndex,
    library: Library,
    ids: Vec<String>,
) {
    if !matches!(library, Library::Achievements | Library::Demands) || ids.is_empty() {
        return;
    }
    tokio::task::spawn_blocking(move || {
        let result = db.get().and_then(|mut conn| {
            write_transaction(&mut conn, |conn| {
                on_published(conn, &matching, &index, library, &ids)
            })
        });
        match result {
            Ok(sent) if sent > 0 => tracing::info!(sent, %library, "match notifications sent"),
            Ok(_) => {}
            Err(error) => tracing::warn!(?error, "match notifications failed"),
        }
    });
}
