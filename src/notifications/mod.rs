//! Notifications: what an organization is told — new matches for its demands and achievements
//! ([`matches`]) and the events of the auctions it bids in (outbid, starting soon, won, lost).
//! Each is stored for the in-app list, and organizations with a webhook also get a signed JSON
//! POST of it.

pub mod events;
pub mod matches;
pub mod preferences;
pub mod routes;
pub mod target;
pub mod webhooks;

pub use matches::spawn_on_published;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::webhooks as webhook_table;
use crate::db::schema::{notifications, webhook_deliveries};
use crate::db::{DbConnection, new_id, now};
use crate::error::ApiResult;

text_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// A newly published achievement matches one of the organization's open demands.
        AchievementForDemand => "achievement_for_demand",
        /// A newly published demand matches one of the organization's achievements.
        DemandForAchievement => "demand_for_achievement",
        /// Someone bid above the organization's leading bid in an English auction.
        Outbid => "outbid",
        /// An auction the organization registered for opens soon.
        AuctionStartingSoon => "auction_starting_soon",
        /// The organization won an auction: the lot is sold to it.
        AuctionWon => "auction_won",
        /// An auction the organization registered for closed without selling to it.
        AuctionLost => "auction_lost",
        /// The winner of a lot defaulted and the seller offers it to the organization, the
        /// runner-up, at its best bid.
        AuctionRunnerUpOffer => "auction_runner_up_offer",
        /// An administrator approved one of the organization's listings: it is published.
        ListingApproved => "listing_approved",
        /// An administrator rejected one of the organization's listings (the title says why).
        ListingRejected => "listing_rejected",
        /// Someone asked to read the confidential details of one of the organization's listings.
        AccessRequested => "access_requested",
        /// The owner granted, denied or revoked the organization's access request.
        AccessDecided => "access_decided",
        /// The bureau issued or refused the enterprise's voucher (the title says which).
        VoucherDecided => "voucher_decided",
        /// An enterprise ordered a service of the organization with a voucher.
        VoucherOrderPlaced => "voucher_order_placed",
        /// The other party moved a voucher order: accepted, declined, delivered, confirmed or
        /// cancelled (the title says which).
        VoucherOrderMoved => "voucher_order_moved",
        /// The bureau approved, returned, refused or paid the organization's voucher claim.
        VoucherClaimDecided => "voucher_claim_decided",
        /// A university or institute answered one of the organization's demands.
        AnswerReceived => "answer_received",
        /// The demand's organization shortlisted, accepted or declined the organization's
        /// answer, or the responder withdrew one (the title says which).
        AnswerDecided => "answer_decided",
        /// The registry registered, returned or refused a contract the organization is party to.
        ContractDecided => "contract_decided",
        /// Another party moved a deal of the organization (advanced it or marked it lost).
        DealMoved => "deal_moved",
        /// Another participant wrote in a deal's message thread.
        DealMessage => "deal_message",
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
    /// The demand (match notifications).
    pub demand_id: Option<String>,
    /// The achievement (matches; the lot's achievement for auction events).
    pub achievement_id: Option<String>,
    /// The match's score (match notifications).
    pub score: Option<f64>,
    /// A line to show.
    pub title: String,
    /// When it was read.
    pub read_at: Option<NaiveDateTime>,
    /// When.
    pub created_at: NaiveDateTime,
    /// The kind of record the event happened to (`auction`), for events other than matches.
    pub subject_kind: Option<String>,
    /// That record's id.
    pub subject_id: Option<String>,
}

/// A notification as the API shows it (and as webhooks receive it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    /// Notification id.
    pub id: String,
    /// The organization notified.
    pub org_id: String,
    /// What happened: `achievement_for_demand` (a new achievement matches the demand),
    /// `demand_for_achievement` (a new demand matches the achievement), `outbid`,
    /// `auction_starting_soon`, `auction_won`, `auction_lost` or `auction_runner_up_offer` (an auction the organization
    /// registered for; `subject_id` names the lot), `listing_approved` or `listing_rejected` (a
    /// review of one of its listings; `subject_kind` names the library's record kind),
    /// `access_requested` (to its listing's confidential details) or `access_decided` (its own
    /// request granted, denied or revoked).
    pub kind: NotificationKind,
    /// The demand concerned (match notifications; null otherwise).
    pub demand_id: Option<String>,
    /// The achievement concerned: the matched one, or the one an auction's lot sells.
    pub achievement_id: Option<String>,
    /// The match's score (0–1; match notifications only, null otherwise).
    pub score: Option<f64>,
    /// A line to show, in the caller's language (Chinese by default), e.g.
    /// `您在「…」拍卖中的出价已被超过，当前价 125.00 元`.
    #[serde(serialize_with = "crate::i18n::serialize_localized")]
    pub title: String,
    /// The kind of record an event notification is about: `auction`, `achievement`, `demand` or
    /// `service_provider` (null for matches).
    pub subject_kind: Option<String>,
    /// The id of that record, e.g. the auction's id: `GET /api/v1/auctions/{subject_id}`.
    pub subject_id: Option<String>,
    /// When it was read (null: unread).
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was created (RFC 3339, UTC).
    pub created_at: chrono::DateTime<chrono::Utc>,
}

crate::output_of_row! { row: NotificationRow => Notification {
    same { id, org_id, kind, demand_id, achievement_id, score, title, subject_kind, subject_id }
    times { created_at }
    optional_times { read_at }
} }

/// An event an organization is told of: what, about which record, and the line to show.
#[derive(Debug, Clone)]
pub struct Tiding {
    /// The organization told.
    pub org_id: String,
    /// What happened.
    pub kind: NotificationKind,
    /// The kind of record it happened to (e.g. `auction`).
    pub subject_kind: &'static str,
    /// That record's id.
    pub subject_id: String,
    /// The achievement concerned, if any.
    pub achievement_id: Option<String>,
    /// The line to show.
    pub title: String,
}

/// Where an organization's notifications of one kind go besides its list: the members who
/// take them by email (with their language) and its webhook, if any.
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    emails: Vec<(String, crate::i18n::Lang)>,
    webhook: Option<String>,
}

impl Recipients {
    /// Reads where `org_id`'s notifications of `kind` go (valid for the caller's transaction:
    /// one that tells the same organization many times reads them once).
    pub fn of(
        conn: &mut DbConnection,
        org_id: &str,
        kind: NotificationKind,
    ) -> ApiResult<Recipients> {
        Ok(Recipients::of_each(conn, &[org_id], kind)?.remove(org_id).unwrap_or_default())
    }

    /// [`Recipients::of`] for several organizations with two statements, by organization
    /// (every one of `org_ids` is present).
    pub fn of_each(
        conn: &mut DbConnection,
        org_ids: &[&str],
        kind: NotificationKind,
    ) -> ApiResult<std::collections::HashMap<String, Recipients>> {
        let mut emails = preferences::email_recipients(conn, org_ids, kind)?;
        let mut webhooks: std::collections::HashMap<String, String> = webhook_table::table
            .filter(webhook_table::org_id.eq_any(org_ids))
            .select((webhook_table::org_id, webhook_table::url))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        Ok(org_ids
            .iter()
            .map(|org| {
                let recipients = Recipients {
                    emails: emails.remove(*org).unwrap_or_default(),
                    webhook: webhooks.remove(*org),
                };
                (org.to_string(), recipients)
            })
            .collect())
    }
}

/// Tells an organization of an event, in the caller's transaction: stored for the in-app list
/// and queued for its webhook.
pub fn tell(conn: &mut DbConnection, tiding: Tiding) -> ApiResult<()> {
    let recipients = Recipients::of(conn, &tiding.org_id, tiding.kind)?;
    tell_to(conn, tiding, &recipients)
}

/// [`tell`] with the organization's [`Recipients`] already read.
pub fn tell_to(conn: &mut DbConnection, tiding: Tiding, recipients: &Recipients) -> ApiResult<()> {
    deliver(
        conn,
        NotificationRow {
            id: new_id(),
            org_id: tiding.org_id,
            kind: tiding.kind,
            demand_id: None,
            achievement_id: tiding.achievement_id,
            score: None,
            title: tiding.title,
            read_at: None,
            created_at: now(),
            subject_kind: Some(tiding.subject_kind.to_string()),
            subject_id: Some(tiding.subject_id),
        },
        recipients,
    )
}

/// Stores a notification (a match once per organization, kind and pair) and queues its
/// emails and webhook delivery.
fn notify(conn: &mut DbConnection, row: NotificationRow) -> ApiResult<()> {
    if let (Some(demand), Some(achievement)) = (&row.demand_id, &row.achievement_id) {
        let exists: Option<String> = notifications::table
            .filter(notifications::org_id.eq(&row.org_id))
            .filter(notifications::kind.eq(row.kind.as_str()))
            .filter(notifications::demand_id.eq(demand))
            .filter(notifications::achievement_id.eq(achievement))
            .select(notifications::id)
            .first(conn)
            .optional()?;
        if exists.is_some() {
            return Ok(());
        }
    }
    let recipients = Recipients::of(conn, &row.org_id, row.kind)?;
    deliver(conn, row, &recipients)
}

/// Stores a notification and queues its emails and webhook delivery, to `recipients`.
fn deliver(
    conn: &mut DbConnection,
    row: NotificationRow,
    recipients: &Recipients,
) -> ApiResult<()> {
    diesel::insert_into(notifications::table).values(row.clone()).execute(conn)?;
    for (address, lang) in &recipients.emails {
        let (address, lang) = (address.as_str(), *lang);
        let title = crate::i18n::localize(&row.title, lang);
        let subject = crate::i18n::fill("mail.notification_subject", lang, &[("title", &title)]);
        let body = crate::i18n::fill(
            "mail.notification_body",
            lang,
            &[("title", &title), ("kind", row.kind.as_str())],
        );
        crate::mail::queue(conn, address, &subject, &body, row.kind.as_str())?;
    }
    if let Some(url) = &recipients.webhook {
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
