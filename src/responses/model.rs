//! Answers to demands as stored, as the API shows them, and their request bodies.

use crate::lifecycle::{Lifecycle, Move};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::schema::demand_responses;
use crate::deals::model::LossReason;

text_enum! {
    /// Where an answer stands.
    pub enum ResponseStatus {
        /// Sent; waiting for the demand's organization.
        Submitted => "submitted",
        /// On the demand's shortlist.
        Shortlisted => "shortlisted",
        /// Accepted: a deal was opened at `intention`.
        Accepted => "accepted",
        /// Declined with a coded reason.
        Declined => "declined",
        /// Taken back by the responder.
        Withdrawn => "withdrawn",
    }
}

impl ResponseStatus {
    /// The statuses of a live answer (at most one per organization and demand).
    pub const LIVE: [ResponseStatus; 3] =
        [ResponseStatus::Submitted, ResponseStatus::Shortlisted, ResponseStatus::Accepted];

    /// Whether the answer still counts (blocks another answer of the same responder).
    pub fn is_live(self) -> bool {
        ResponseStatus::LIVE.contains(&self)
    }
}

text_enum! {
    /// A move on an answer (`POST …/responses/{response_id}/{move}`).
    pub enum ResponseMove {
        /// submitted → shortlisted (the demand's organization).
        Shortlist => "shortlist",
        /// submitted | shortlisted → declined (the demand's organization).
        Decline => "decline",
        /// submitted | shortlisted → accepted, opening a deal (the demand's organization).
        Accept => "accept",
        /// submitted | shortlisted → withdrawn (the responder).
        Withdraw => "withdraw",
    }
}

use ResponseStatus as R;

/// The endpoints that make the moves of [`DEMAND_SIDE`] and [`RESPONDER_SIDE`].
pub const ACTIONS: &[crate::lifecycle::Action] = &[
    crate::lifecycle::Action {
        path: "/api/v1/demands/{id}/responses/{response_id}/shortlist",
        moves: &["shortlisted"],
    },
    crate::lifecycle::Action {
        path: "/api/v1/demands/{id}/responses/{response_id}/decline",
        moves: &["declined"],
    },
    crate::lifecycle::Action {
        path: "/api/v1/demands/{id}/responses/{response_id}/accept",
        moves: &["accepted"],
    },
    crate::lifecycle::Action {
        path: "/api/v1/demands/{id}/responses/{response_id}/withdraw",
        moves: &["withdrawn"],
    },
];

/// The moves the demand's organization makes, labelled by the status they reach (the names
/// 409 answers list as allowed).
pub const DEMAND_SIDE: Lifecycle<ResponseStatus> = Lifecycle {
    moves: &[
        Move { label: "shortlisted", from: &[R::Submitted], to: R::Shortlisted },
        Move { label: "declined", from: &[R::Submitted, R::Shortlisted], to: R::Declined },
        Move { label: "accepted", from: &[R::Submitted, R::Shortlisted], to: R::Accepted },
    ],
    name: ResponseStatus::as_str,
};

/// The responder's own move.
pub const RESPONDER_SIDE: Lifecycle<ResponseStatus> = Lifecycle {
    moves: &[Move { label: "withdrawn", from: &[R::Submitted, R::Shortlisted], to: R::Withdrawn }],
    name: ResponseStatus::as_str,
};

impl ResponseMove {
    /// The table the move belongs to.
    pub fn lifecycle(self) -> &'static Lifecycle<ResponseStatus> {
        match self {
            ResponseMove::Withdraw => &RESPONDER_SIDE,
            _ => &DEMAND_SIDE,
        }
    }

    /// The status the move leads to.
    pub fn target(self) -> ResponseStatus {
        match self {
            ResponseMove::Shortlist => ResponseStatus::Shortlisted,
            ResponseMove::Decline => ResponseStatus::Declined,
            ResponseMove::Accept => ResponseStatus::Accepted,
            ResponseMove::Withdraw => ResponseStatus::Withdrawn,
        }
    }
}

pub use crate::deals::model::DeclineReason;

/// A stored answer.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = demand_responses)]
pub struct ResponseRow {
    /// Id.
    pub id: String,
    /// The demand answered.
    pub demand_id: String,
    /// The user who answered.
    pub responder_id: String,
    /// Their organization (the seller of a future deal).
    pub responder_org_id: Option<String>,
    /// The organization id, or the user id for a user without one (one live answer each).
    pub responder_key: String,
    /// The proposal.
    pub proposal: String,
    /// The responder's achievement offered as the solution.
    pub achievement_id: Option<String>,
    /// Estimated cost in fen.
    pub estimated_cost_fen: Option<i64>,
    /// Estimated duration in months.
    pub estimated_months: Option<i32>,
    /// Status.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ResponseStatus,
    /// Coded reason of a decline (a [`LossReason`] code).
    pub decline_reason: Option<String>,
    /// Note of a decline.
    pub decline_note: Option<String>,
    /// The deal opened on acceptance.
    pub deal_id: Option<String>,
    /// Who shortlisted, declined, accepted or withdrew it last.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<NaiveDateTime>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// An answer to a demand as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResponseOut {
    /// Answer id.
    pub id: String,
    /// The demand answered.
    pub demand_id: String,
    /// The user who answered.
    pub responder_id: String,
    /// The organization the answer comes from; null for a user without one.
    pub responder_org_id: Option<String>,
    /// How the responder proposes to solve the problem, as written.
    pub proposal: String,
    /// The responder's published achievement offered as the solution.
    pub achievement_id: Option<String>,
    /// Estimated cost in fen.
    pub estimated_cost_fen: Option<i64>,
    /// Estimated duration in months.
    pub estimated_months: Option<i32>,
    /// submitted, shortlisted, accepted, declined or withdrawn.
    pub status: ResponseStatus,
    /// Why it was declined (`another_solution_chosen` when an open call named another winner).
    pub decline_reason: Option<LossReason>,
    /// The decline's note.
    pub decline_note: Option<String>,
    /// The deal opened when it was accepted (deals from answers start at `intention`).
    pub deal_id: Option<String>,
    /// Who made the last move.
    pub decided_by: Option<String>,
    /// When the demand's side shortlisted, declined or accepted it (RFC 3339, UTC); null before.
    pub decided_at: Option<DateTime<Utc>>,
    /// Version (send it back with a move to guard against concurrent changes).
    pub version: i64,
    /// When it was submitted (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
    /// In lists: the title of the demand answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_title: Option<String>,
    /// In lists: the title of the achievement offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_title: Option<String>,
    /// In lists: the name of the organization the answer comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responder_org_name: Option<String>,
}

crate::output_of_row! { row: ResponseRow => ResponseOut {
    computed {
        decline_reason: row.decline_reason.as_deref().and_then(|r| r.parse().ok()),
    }
    same {
        id, demand_id, responder_id, responder_org_id, proposal, achievement_id,
        estimated_cost_fen, estimated_months, status, decline_note, deal_id, decided_by, version
    }
    times { created_at, updated_at }
    optional_times { decided_at }
    absent { demand_title, achievement_title, responder_org_name }
} }

/// `POST /demands/{id}/responses`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// How the responder would solve the problem (10–10,000 characters).
    pub proposal: String,
    /// A published achievement of the responder's organization offered as the solution.
    pub achievement_id: Option<String>,
    /// Estimated cost in fen.
    pub estimated_cost_fen: Option<i64>,
    /// Estimated duration in months (1–120).
    pub estimated_months: Option<i32>,
}

/// `POST …/shortlist` and `…/withdraw` (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    /// A note for the audit log.
    pub note: Option<String>,
    /// The version the move is based on; checked when given.
    pub version: Option<i64>,
}

/// `POST …/decline`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineInput {
    /// The coded reason.
    pub reason: DeclineReason,
    /// Explanation; required when the reason is `other`.
    pub note: Option<String>,
    /// The version the move is based on; checked when given.
    pub version: Option<i64>,
}

/// `POST …/accept` (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// A technology broker to carry the deal.
    pub broker_id: Option<String>,
    /// A note for the audit log.
    pub note: Option<String>,
    /// The version the move is based on; checked when given.
    pub version: Option<i64>,
}

/// What accepting an answer produced.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AcceptOut {
    /// The accepted answer.
    pub response: ResponseOut,
    /// The deal opened at `intention`.
    pub deal: crate::deals::model::DealOut,
    /// For an open call (揭榜挂帅): the other live answers, declined automatically with
    /// `another_solution_chosen`.
    pub auto_declined: Vec<String>,
}

/// Filters of the answer lists.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResponseFilter {
    /// Only answers in this status.
    pub status: Option<ResponseStatus>,
}

/// Filters of `GET /me/responses`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyResponseFilter {
    /// Only answers in this status.
    pub status: Option<ResponseStatus>,
    /// Only answers to this demand.
    pub demand_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::macros::assert_text_enum;

    #[test]
    fn enums_serialize_as_their_text() {
        assert_text_enum(ResponseStatus::ALL, |v| v.as_str());
        assert_text_enum(ResponseMove::ALL, |v| v.as_str());
        assert_text_enum(DeclineReason::ALL, |v| v.as_str());
        for reason in DeclineReason::ALL {
            assert_eq!(LossReason::from(*reason).as_str(), reason.as_str());
        }
    }

    #[test]
    fn moves_follow_the_state_rules() {
        assert_eq!(
            DEMAND_SIDE.allowed(ResponseStatus::Submitted),
            ["shortlisted", "declined", "accepted"]
        );
        assert_eq!(DEMAND_SIDE.allowed(ResponseStatus::Shortlisted), ["declined", "accepted"]);
        assert!(DEMAND_SIDE.allowed(ResponseStatus::Accepted).is_empty());
        assert!(!ResponseStatus::Declined.is_live() && ResponseStatus::Accepted.is_live());
        assert!(DEMAND_SIDE.documented_by(ACTIONS) && RESPONDER_SIDE.documented_by(ACTIONS));
    }
}
