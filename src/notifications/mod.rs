//! Notifications: when a published achievement scores above a threshold for an open demand,
//! the demand's organization hears of it; when a demand is published, the owners of the
//! achievements that match it do. Organizations with a webhook also get a signed JSON POST.

pub mod routes;
pub mod target;
pub mod webhooks;

use crate::listings::record::RecordLibrary;
use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::webhooks as webhook_table;
use crate::db::schema::{notifications, webhook_deliveries};
use crate::db::{Db, DbConnection, new_id, now, to_utc, write_transaction};
use crate::error::ApiResult;
use crate::listings::Library;
use crate::matching::engine::{self, MatchSubject, MatchingState, Offer};
use crate::search::SearchIndex;

/// Score from which a match is worth a notification.
pub const NOTIFY_THRESHOLD: f64 = 0.55;
/// Text relevance (after subject coverage) a match needs besides its score: field, price and
/// region alone never make a notification.
pub const NOTIFY_MIN_TEXT: f64 = 0.25;
/// Most notifications one publication sends.
pub const NOTIFY_LIMIT: usize = 20;

text_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// A newly published achievement matches one of the organization's open demands.
        AchievementForDemand => "achievement_for_demand",
        /// A newly published demand matches one of the organization's achievements.
        DemandForAchievement => "demand_for_achievement",
    }
}

/// A stored notification.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    /// Id.
    pub id: String,
    /// The organization notified.
    pub org_id: String,
    /// What about.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: NotificationKind,
    /// The demand.
    pub demand_id: String,
    /// The achievement.
    pub achievement_id: String,
    /// The match's score.
    pub score: f64,
    /// A line to show.
    pub title: String,
    /// When it was read.
    pub read_at: Option<NaiveDateTime>,
    /// When.
    pub created_at: NaiveDateTime,
}

/// A notification as the API shows it (and as webhooks receive it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    /// Notification id.
    pub id: String,
    /// The organization notified.
    pub org_id: String,
    /// What happened: `achievement_for_demand` (a new achievement matches the demand) or
    /// `demand_for_achievement` (a new demand matches the achievement).
    pub kind: NotificationKind,
    /// The demand concerned.
    pub demand_id: String,
    /// The achievement concerned.
    pub achievement_id: String,
    /// The match's score (0–1).
    pub score: f64,
    /// A line to show.
    pub title: String,
    /// When it was read (null: unread).
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was created (RFC 3339, UTC).
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Self {
        Notification {
            id: row.id,
            org_id: row.org_id,
            kind: row.kind,
            demand_id: row.demand_id,
            achievement_id: row.achievement_id,
            score: row.score,
            title: row.title,
            read_at: row.read_at.map(to_utc),
            created_at: to_utc(row.created_at),
        }
    }
}

/// Stores a notification (once per organization, kind and pair) and queues its webhook delivery.
fn notify(conn: &mut DbConnection, row: NotificationRow) -> ApiResult<()> {
    let exists: Option<String> = notifications::table
        .filter(notifications::org_id.eq(&row.org_id))
        .filter(notifications::kind.eq(row.kind.as_str()))
        .filter(notifications::demand_id.eq(&row.demand_id))
        .filter(notifications::achievement_id.eq(&row.achievement_id))
        .select(notifications::id)
        .first(conn)
        .optional()?;
    if exists.is_some() {
        return Ok(());
    }
    diesel::insert_into(notifications::table).values(row.clone()).execute(conn)?;
    let hook: Option<String> =
        webhook_table::table.find(&row.org_id).select(webhook_table::url).first(conn).optional()?;
    if let Some(url) = hook {
        let body = serde_json::json!({ "event": "notification", "notification": Notification::from(row.clone()) });
        let stamp = now();
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::id.eq(new_id()),
                webhook_deliveries::org_id.eq(&row.org_id),
                webhook_deliveries::notification_id.eq(&row.id),
                webhook_deliveries::url.eq(url),
                webhook_deliveries::body.eq(body.to_string()),
                webhook_deliveries::status.eq(webhooks::PENDING),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(stamp),
                webhook_deliveries::created_at.eq(stamp),
            ))
            .execute(conn)?;
    }
    Ok(())
}

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
                demand_id: candidate.demand_id,
                achievement_id: candidate.achievement_id,
                score: candidate.score,
                title: candidate.title,
                read_at: None,
                created_at: now(),
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
