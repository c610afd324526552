//! Match notifications: when a published achievement scores above a threshold for an open
//! demand, the demand's organization hears of it; when a demand is published, the owners of
//! the achievements that match it do.

use std::sync::Arc;

use super::{NotificationKind, NotificationRow, notify};
use crate::db::{Db, DbConnection, new_id, now, write_transaction};
use crate::error::ApiResult;
use crate::listings::Library;
use crate::listings::record::RecordLibrary;
use crate::matching::engine::{self, MatchSubject, MatchingState, Offer};
use crate::search::SearchIndex;

/// Score from which a match is worth a notification.
pub const NOTIFY_THRESHOLD: f64 = 0.55;
/// Text relevance (after subject coverage) a match needs besides its score: field, price and
/// region alone never make a notification.
pub const NOTIFY_MIN_TEXT: f64 = 0.25;
/// Most notifications one publication sends.
pub const NOTIFY_LIMIT: usize = 20;

fn text_value(explanation: &crate::matching::scoring::Explanation) -> f64 {
    explanation.factors.iter().find(|f| f.name == "text").map_or(0.0, |f| f.value)
}

/// A match that may be worth telling its owner about.
struct Candidate {
    org_id: Option<String>,
    kind: NotificationKind,
    demand_id: String,
    achievement_id: String,
    score: f64,
    text_value: f64,
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
                    .into_iter()
                    .map(|m| Candidate {
                        org_id: m.demand.org_id,
                        kind: NotificationKind::AchievementForDemand,
                        demand_id: m.demand.id,
                        achievement_id: listing.id.clone(),
                        score: m.score,
                        text_value: text_value(&m.explanation),
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
                    .into_iter()
                    .map(|m| Candidate {
                        org_id: m.achievement.org_id,
                        kind: NotificationKind::DemandForAchievement,
                        demand_id: listing.id.clone(),
                        achievement_id: m.achievement.id,
                        score: m.score,
                        text_value: text_value(&m.explanation),
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
            if candidate.score < NOTIFY_THRESHOLD || candidate.text_value < NOTIFY_MIN_TEXT {
                continue;
            }
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
