//! Public pricing notices (公示) and their objections, as stored and as the API shows them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{notice_objections, notices};
use crate::db::to_utc;
use crate::taxonomies::CooperationMode;

text_enum! {
    /// How the result is sold (the three ways of the law on transforming results).
    pub enum NoticeKind {
        /// 协议定价: priced by agreement with a named buyer; the price is noticed before the deal.
        AgreementPricing => "agreement_pricing",
        /// 挂牌交易: offered at a listed price (an announced listing lot).
        Listing => "listing",
        /// 拍卖: sold at auction (an announced auction lot).
        Auction => "auction",
    }
}

text_enum! {
    /// Where a notice stands (computed from its period and its objections).
    pub enum NoticeStatus {
        /// 公示中: within its period; objections are taken.
        Noticed => "noticed",
        /// Halted by an upheld objection.
        Halted => "halted",
        /// The period passed without an upheld objection: the price may be concluded.
        Completed => "completed",
    }
}

text_enum! {
    /// An objection's state.
    pub enum ObjectionStatus {
        /// Waiting for an administrator.
        Pending => "pending",
        /// Upheld: the notice is halted.
        Upheld => "upheld",
        /// Dismissed.
        Dismissed => "dismissed",
    }
}

/// A stored notice.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    /// Id.
    pub id: String,
    /// The achievement.
    pub achievement_id: String,
    /// Its organization.
    pub seller_org_id: String,
    /// How it is sold.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: NoticeKind,
    /// The achievement's title when noticed.
    pub title: String,
    /// Its summary when noticed.
    pub summary: String,
    /// The proposed price in fen.
    pub price_fen: i64,
    /// Transfer, licence, equity, ….
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub transfer_mode: CooperationMode,
    /// The proposed buyer's organization on the market.
    pub buyer_org_id: Option<String>,
    /// The proposed buyer's name (when not on the market).
    pub buyer_name: Option<String>,
    /// Whether buyer and seller are related parties (关联交易).
    pub related_party: bool,
    /// The notice period in China days.
    pub days: i64,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day.
    pub ends_on: NaiveDate,
    /// The deal the price concludes.
    pub deal_id: Option<String>,
    /// The lot of an auction or listing notice.
    pub auction_id: Option<String>,
    /// When an upheld objection halted it.
    pub halted_at: Option<NaiveDateTime>,
    /// Who posted it.
    pub created_by: String,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

impl NoticeRow {
    /// Where the notice stands on `today` (a China date).
    pub fn status(&self, today: NaiveDate) -> NoticeStatus {
        if self.halted_at.is_some() {
            NoticeStatus::Halted
        } else if today > self.ends_on {
            NoticeStatus::Completed
        } else {
            NoticeStatus::Noticed
        }
    }
}

/// A notice as the public reads it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeOut {
    /// Notice id.
    pub id: String,
    /// `agreement_pricing` (协议定价), `listing` (挂牌) or `auction` (拍卖).
    pub kind: NoticeKind,
    /// The achievement sold.
    pub achievement_id: String,
    /// The achievement's name as noticed (成果名称).
    pub title: String,
    /// Its summary as noticed (成果简介).
    pub summary: String,
    /// The selling organization (the university or institute holding the result).
    pub seller_org_id: String,
    /// The proposed price in fen (拟交易价格; the starting price of a lot).
    pub price_fen: i64,
    /// How the result changes hands: `transfer`, `license`, `equity`, ….
    pub transfer_mode: CooperationMode,
    /// The proposed buyer's organization on the market, if any.
    pub buyer_org_id: Option<String>,
    /// The proposed buyer's name as written (for a buyer not on the market).
    pub buyer_name: Option<String>,
    /// Whether the parties are related (关联交易), which the notice must say.
    pub related_party: bool,
    /// The period in China days.
    pub days: i64,
    /// The first day of the period (China date).
    pub starts_on: NaiveDate,
    /// The last day of the period (China date); objections are taken until its end.
    pub ends_on: NaiveDate,
    /// `noticed` (within the period), `halted` (an objection was upheld) or `completed`.
    pub status: NoticeStatus,
    /// The lot, for notices of announced auctions and listings.
    pub auction_id: Option<String>,
    /// The deal the price concludes: shown to the seller's members and administrators.
    pub deal_id: Option<String>,
    /// Objections raised so far.
    pub objection_count: i64,
    /// Version of the record.
    pub version: i64,
    /// When it was posted (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

impl NoticeOut {
    /// The notice as read on `today`; `deal_id` only for the seller side.
    pub fn new(row: NoticeRow, today: NaiveDate, objections: i64, seller_side: bool) -> NoticeOut {
        NoticeOut {
            status: row.status(today),
            deal_id: row.deal_id.filter(|_| seller_side),
            objection_count: objections,
            id: row.id,
            kind: row.kind,
            achievement_id: row.achievement_id,
            title: row.title,
            summary: row.summary,
            seller_org_id: row.seller_org_id,
            price_fen: row.price_fen,
            transfer_mode: row.transfer_mode,
            buyer_org_id: row.buyer_org_id,
            buyer_name: row.buyer_name,
            related_party: row.related_party,
            days: row.days,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            auction_id: row.auction_id,
            version: row.version,
            created_at: to_utc(row.created_at),
        }
    }
}

/// A stored objection.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notice_objections)]
pub struct ObjectionRow {
    /// Id.
    pub id: String,
    /// The notice.
    pub notice_id: String,
    /// Who objected.
    pub user_id: String,
    /// Why.
    pub reason: String,
    /// Its state.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ObjectionStatus,
    /// The administrator's note.
    pub note: Option<String>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// When.
    pub resolved_at: Option<NaiveDateTime>,
    /// Raised.
    pub created_at: NaiveDateTime,
}

/// An objection as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ObjectionOut {
    /// Objection id.
    pub id: String,
    /// The notice.
    pub notice_id: String,
    /// Who objected (shown to the objector, the seller side and administrators).
    pub user_id: String,
    /// The grounds, as written.
    pub reason: String,
    /// `pending`, `upheld` (the notice is halted) or `dismissed`.
    pub status: ObjectionStatus,
    /// The administrator's note on the decision.
    pub note: Option<String>,
    /// When it was decided (RFC 3339 UTC).
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was raised (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

crate::output_of_row! { row: ObjectionRow => ObjectionOut {
    same { id, notice_id, user_id, reason, status, note }
    times { created_at }
    optional_times { resolved_at }
} }
