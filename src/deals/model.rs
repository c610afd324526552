//! Deals as stored and as the API shows them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::deals;

text_enum! {
    /// A deal's stage in the funnel.
    pub enum DealStage {
        /// 对接: the parties are in contact.
        Connected => "connected",
        /// 意向: a party has declared its intention.
        Intention => "intention",
        /// 达成意向: the parties agree; a contract is being drawn up.
        Agreement => "agreement",
        /// 签约: a technology contract for the deal is registered.
        Signed => "signed",
        /// Lost, with a coded reason.
        Lost => "lost",
    }
}

impl DealStage {
    /// The open stages, in funnel order.
    pub const OPEN: [DealStage; 3] =
        [DealStage::Connected, DealStage::Intention, DealStage::Agreement];

    /// The funnel stages in order (everything but `lost`).
    pub const FUNNEL: [DealStage; 4] =
        [DealStage::Connected, DealStage::Intention, DealStage::Agreement, DealStage::Signed];

    /// Position in the funnel (`lost` has none).
    pub fn rank(self) -> Option<usize> {
        DealStage::FUNNEL.iter().position(|s| *s == self)
    }

    /// Whether the deal is still being worked on.
    pub fn is_open(self) -> bool {
        DealStage::OPEN.contains(&self)
    }

    /// The stage a deal at this stage may advance to.
    pub fn next(self) -> Option<DealStage> {
        self.rank().and_then(|r| DealStage::FUNNEL.get(r + 1).copied())
    }
}

text_enum! {
    /// Why an answer was declined or a deal was lost (the market's coded reasons).
    pub enum LossReason {
        /// 时机过早: the technology or the buyer is not ready.
        TooEarly => "too_early",
        /// 效益不明: the benefit is unclear.
        BenefitUnclear => "benefit_unclear",
        /// 价格差距: buyer and seller are too far apart on price.
        PriceGap => "price_gap",
        /// 无商业化路径: no commercial route.
        NoCommercialRoute => "no_commercial_route",
        /// Another solution was chosen (set automatically when an open call names its winner).
        AnotherSolutionChosen => "another_solution_chosen",
        /// Other (explain in the note).
        Other => "other",
    }
}

impl LossReason {
    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            LossReason::TooEarly => "时机过早",
            LossReason::BenefitUnclear => "效益不明",
            LossReason::PriceGap => "价格差距",
            LossReason::NoCommercialRoute => "无商业化路径",
            LossReason::AnotherSolutionChosen => "已选择其他方案",
            LossReason::Other => "其他",
        }
    }
}

text_enum! {
    /// The coded reasons a client gives for declining an answer or losing a deal
    /// (`another_solution_chosen` is set only automatically, when an open call names its winner).
    pub enum DeclineReason {
        /// 时机过早: the technology or the buyer is not ready.
        TooEarly => "too_early",
        /// 效益不明: the benefit is unclear.
        BenefitUnclear => "benefit_unclear",
        /// 价格差距: too far apart on price.
        PriceGap => "price_gap",
        /// 无商业化路径: no commercial route.
        NoCommercialRoute => "no_commercial_route",
        /// Other (explain in the note).
        Other => "other",
    }
}

impl From<DeclineReason> for LossReason {
    fn from(reason: DeclineReason) -> LossReason {
        match reason {
            DeclineReason::TooEarly => LossReason::TooEarly,
            DeclineReason::BenefitUnclear => LossReason::BenefitUnclear,
            DeclineReason::PriceGap => LossReason::PriceGap,
            DeclineReason::NoCommercialRoute => LossReason::NoCommercialRoute,
            DeclineReason::Other => LossReason::Other,
        }
    }
}

text_enum! {
    /// How a deal came about.
    pub enum DealSource {
        /// From the matching engine's suggestions.
        Match => "match",
        /// From an accepted answer to a demand (院校答题).
        Response => "response",
        /// At a matchmaking event (对接会).
        Event => "event",
        /// Arranged directly by the parties or a broker.
        Direct => "direct",
        /// Sold by auction or listing (拍卖, 挂牌): opened at `agreement` with the winner.
        Auction => "auction",
    }
}

/// A stored deal.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deals)]
pub struct DealRow {
    /// Id.
    pub id: String,
    /// The demand (the buyer's problem), if any.
    pub demand_id: Option<String>,
    /// The achievement (the seller's result), if any.
    pub achievement_id: Option<String>,
    /// The buyer (买方) organization.
    pub buyer_org_id: String,
    /// The seller (卖方) organization.
    pub seller_org_id: String,
    /// The technology broker carrying the deal.
    pub broker_id: Option<String>,
    /// The matchmaking event the deal came from.
    pub event_id: Option<String>,
    /// The accepted answer the deal came from.
    pub response_id: Option<String>,
    /// How it came about.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub source: DealSource,
    /// Current stage.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub stage: DealStage,
    /// The furthest funnel stage reached (kept when the deal is lost).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub furthest_stage: DealStage,
    /// Why it was lost.
    pub lost_reason: Option<String>,
    /// The note on the loss.
    pub lost_note: Option<String>,
    /// Broker's commission in basis points of the technology amount.
    pub commission_rate_bp: Option<i64>,
    /// Broker's commission as a fixed amount in fen.
    pub commission_fen: Option<i64>,
    /// When the deal was connected.
    pub connected_at: NaiveDateTime,
    /// When it reached `intention`.
    pub intention_at: Option<NaiveDateTime>,
    /// When it reached `agreement`.
    pub agreement_at: Option<NaiveDateTime>,
    /// When it was signed.
    pub signed_at: Option<NaiveDateTime>,
    /// When it was lost.
    pub lost_at: Option<NaiveDateTime>,
    /// Who opened it.
    pub created_by: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// When a member of the buyer organization first opened, accepted or advanced the deal.
    pub buyer_acted_at: Option<NaiveDateTime>,
    /// When a member of the seller organization first opened, accepted or advanced the deal.
    pub seller_acted_at: Option<NaiveDateTime>,
}

impl DealRow {
    /// When the deal reached a stage, if it did.
    pub fn reached_at(&self, stage: DealStage) -> Option<NaiveDateTime> {
        match stage {
            DealStage::Connected => Some(self.connected_at),
            DealStage::Intention => self.intention_at,
            DealStage::Agreement => self.agreement_at,
            DealStage::Signed => self.signed_at,
            DealStage::Lost => self.lost_at,
        }
    }
}

/// The broker's agreed commission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Commission {
    /// In basis points (1/100 of a percent) of the technology transaction amount.
    pub commission_rate_bp: Option<i64>,
    /// A fixed amount in fen.
    pub commission_fen: Option<i64>,
}

/// A technology contract of a deal (the chain deal → contract → registration number).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealContract {
    /// The contract's id.
    pub id: String,
    /// Its registration status (draft, submitted, registered, …).
    pub status: String,
    /// Its registration number (技术合同登记号) once registered.
    pub registration_number: Option<String>,
}

/// A deal as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealOut {
    /// Deal id.
    pub id: String,
    /// The demand, if any.
    pub demand_id: Option<String>,
    /// The achievement, if any.
    pub achievement_id: Option<String>,
    /// The buyer organization.
    pub buyer_org_id: String,
    /// The seller organization.
    pub seller_org_id: String,
    /// The broker (a user id).
    pub broker_id: Option<String>,
    /// The matchmaking event.
    pub event_id: Option<String>,
    /// The accepted answer it came from.
    pub response_id: Option<String>,
    /// match, response, event or direct.
    pub source: DealSource,
    /// Where the deal stands: `connected` (对接), `intention` (意向), `agreement` (达成意向), `signed` (签约)
    /// or `lost`.
    pub stage: DealStage,
    /// The furthest funnel stage reached.
    pub furthest_stage: DealStage,
    /// Why it was lost.
    pub lost_reason: Option<LossReason>,
    /// The note on the loss.
    pub lost_note: Option<String>,
    /// The broker's commission.
    pub commission: Commission,
    /// When it was connected.
    pub connected_at: DateTime<Utc>,
    /// When it reached `intention`.
    pub intention_at: Option<DateTime<Utc>>,
    /// When it reached `agreement`.
    pub agreement_at: Option<DateTime<Utc>>,
    /// When it was signed (its contract registered).
    pub signed_at: Option<DateTime<Utc>>,
    /// When it was lost.
    pub lost_at: Option<DateTime<Utc>>,
    /// The stage it may advance to next, if any.
    pub next_stage: Option<DealStage>,
    /// The technology contracts recorded for the deal, with their registration numbers.
    pub contracts: Vec<DealContract>,
    /// The demand's title, so a list reads without a call per deal.
    pub demand_title: Option<String>,
    /// The achievement's title.
    pub achievement_title: Option<String>,
    /// The buyer organization's name.
    pub buyer_name: Option<String>,
    /// The seller organization's name.
    pub seller_name: Option<String>,
    /// The broker's display name.
    pub broker_name: Option<String>,
    /// Who opened it.
    pub created_by: String,
    /// Version of the record, raised by every change; send it (or `If-Match`) with a change.
    pub version: i64,
    /// When it was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
    /// When a member of the buyer organization first opened, accepted or advanced the deal.
    /// Until then the deal does not open the demand's confidential details to the other
    /// participants: only an act of the owner's side does (or a granted access request).
    pub buyer_acted_at: Option<DateTime<Utc>>,
    /// When a member of the seller organization first opened, accepted (by answering) or
    /// advanced the deal; from then on its participants read the achievement's confidential
    /// details.
    pub seller_acted_at: Option<DateTime<Utc>>,
}

crate::output_of_row! { row: DealRow => DealOut {
    computed {
        next_stage: if row.stage.is_open() { row.stage.next() } else { None },
        lost_reason: row.lost_reason.as_deref().and_then(|r| r.parse().ok()),
        commission: Commission {
            commission_rate_bp: row.commission_rate_bp,
            commission_fen: row.commission_fen,
        },
    }
    same {
        id, demand_id, achievement_id, buyer_org_id, seller_org_id, broker_id, event_id,
        response_id, source, stage, furthest_stage, lost_note, created_by, version
    }
    times { connected_at, created_at, updated_at }
    optional_times {
        intention_at, agreement_at, signed_at, lost_at, buyer_acted_at, seller_acted_at
    }
    absent { contracts, demand_title, achievement_title, buyer_name, seller_name, broker_name }
} }

#[cfg(test)]
mod tests {
    use super::*;
    use crate::macros::assert_text_enum;

    #[test]
    fn enums_serialize_as_their_text() {
        assert_text_enum(DealStage::ALL, |v| v.as_str());
        assert_text_enum(LossReason::ALL, |v| v.as_str());
        assert_text_enum(DealSource::ALL, |v| v.as_str());
    }

    #[test]
    fn stages_advance_one_step_at_a_time() {
        assert_eq!(DealStage::Connected.next(), Some(DealStage::Intention));
        assert_eq!(DealStage::Intention.next(), Some(DealStage::Agreement));
        assert_eq!(DealStage::Agreement.next(), Some(DealStage::Signed));
        assert_eq!(DealStage::Signed.next(), None);
        assert_eq!(DealStage::Lost.next(), None);
        assert!(!DealStage::Signed.is_open() && !DealStage::Lost.is_open());
        use crate::deals::queries::{ACTIONS, LIFECYCLE};
        assert!(LIFECYCLE.documented_by(ACTIONS));
    }
}
