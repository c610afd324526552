//! Request bodies and query parameters of the deal endpoints.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{DealSource, DealStage, DeclineReason};
use crate::validation::{self, Checker};

/// The longest note on a move, in characters.
pub const NOTE_MAX: usize = 2000;
/// The longest message, in characters.
pub const MESSAGE_MAX: usize = 4000;

/// `POST /api/v1/deals`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeal {
    /// The buyer's demand (需求), if the deal is about one.
    pub demand_id: Option<String>,
    /// The seller's achievement (成果), if the deal is about one.
    pub achievement_id: Option<String>,
    /// The buyer (买方) organization; it must own `demand_id`. Left out: the organization
    /// that posted `demand_id`.
    pub buyer_org_id: Option<String>,
    /// The seller (卖方) organization; it must own `achievement_id`. Left out: the
    /// organization that listed `achievement_id`.
    pub seller_org_id: Option<String>,
    /// The technology broker (a user with the broker role). A broker opening a deal carries
    /// it unless another broker is named.
    pub broker_id: Option<String>,
    /// The matchmaking event the deal comes from.
    pub event_id: Option<String>,
    /// How the deal came about: match, response, event or direct (`auction` deals are opened
    /// by the close of a sold lot, not by this call).
    pub source: DealSource,
    /// The broker's commission in basis points of the technology amount (0–10,000).
    pub commission_rate_bp: Option<i64>,
    /// The broker's commission as a fixed amount in fen.
    pub commission_fen: Option<i64>,
    /// A note on the first contact.
    pub note: Option<String>,
}

/// `POST /api/v1/deals/{id}/advance`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceDeal {
    /// The next stage: `intention` from `connected`, `agreement` from `intention`.
    /// `signed` is reached when a technology contract for the deal is registered.
    pub to: DealStage,
    /// What happened (stamped in the history).
    pub note: Option<String>,
    /// The version the move is based on (checked when given, also via `If-Match`).
    pub version: Option<i64>,
}

/// `POST /api/v1/deals/{id}/lose`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoseDeal {
    /// Why the deal was lost; `other` needs a note.
    pub reason: DeclineReason,
    /// Free-text details of why the deal was lost (required for `other`).
    pub note: Option<String>,
    /// The version the move is based on (checked when given).
    pub version: Option<i64>,
}

/// `PUT /api/v1/deals/{id}/broker`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBroker {
    /// The broker (a user with the broker role).
    pub broker_id: String,
    /// The agreed commission in basis points of the technology amount (0–10,000).
    pub commission_rate_bp: Option<i64>,
    /// The agreed commission as a fixed amount in fen.
    pub commission_fen: Option<i64>,
    /// The version the change is based on (checked when given).
    pub version: Option<i64>,
}

/// `POST /api/v1/deals/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    /// The message (1–4,000 characters).
    pub body: String,
}

/// A message in a deal's thread.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealMessage {
    /// Message id.
    pub id: String,
    /// The deal it was posted on.
    pub deal_id: String,
    /// Who wrote it.
    pub author_id: String,
    /// The message as written (1–4,000 characters).
    pub body: String,
    /// When it was posted (RFC 3339, UTC).
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Filters of `GET /api/v1/deals`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealFilter {
    /// Only deals at this stage.
    pub stage: Option<DealStage>,
    /// Only deals carried by this broker.
    pub broker_id: Option<String>,
    /// Only deals of this matchmaking event.
    pub event_id: Option<String>,
    /// Only deals where this organization is buyer or seller.
    pub org_id: Option<String>,
    /// Only deals about this demand.
    pub demand_id: Option<String>,
    /// Only deals about this achievement.
    pub achievement_id: Option<String>,
}

/// Checks an optional note.
pub fn note(checker: &mut Checker, value: Option<&str>) -> Option<String> {
    checker.check("note", validation::optional_text(value, NOTE_MAX)).flatten()
}

/// Checks a commission: at most one of rate and amount, both in range.
pub fn commission(checker: &mut Checker, rate_bp: Option<i64>, fen: Option<i64>) {
    if rate_bp.is_some() && fen.is_some() {
        checker.fail(
            "commission_fen",
            "conflicting",
            "give the commission as a rate or as an amount, not both",
        );
    }
    if let Some(rate) = rate_bp
        && !(0..=10_000).contains(&rate)
    {
        checker.fail(
            "commission_rate_bp",
            "out_of_range",
            "must be between 0 and 10000 basis points",
        );
    }
    if let Some(fen) = fen
        && fen < 0
    {
        checker.fail("commission_fen", "negative", "must not be negative");
    }
}

/// Checks an id-shaped parameter (non-empty, at most 64 characters).
pub fn id(checker: &mut Checker, field: &str, value: &str) {
    if value.trim().is_empty() || value.len() > 64 {
        checker.fail(field, "invalid_id", "must be a record id");
    }
}

/// 422 unless a loss with reason `other` has a note.
pub fn check_loss(checker: &mut Checker, reason: DeclineReason, note: &Option<String>) {
    if reason == DeclineReason::Other && note.is_none() {
        checker.fail("note", "required", "explain the reason `other` in a note");
    }
}
