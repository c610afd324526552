//! One turn on a lot: the bids judged together while the lot is held (its row lock on
//! PostgreSQL, the write lock on SQLite), and what the turn knows meanwhile. While the lot is
//! held nobody else changes it, so the lot as the last bid left it, its registrations, the
//! registration holding the lead, the lot's name and where each outbid bidder's notices go are
//! read once per turn, not once per bid: a hot lot's throughput is set by the statements each
//! bid runs under the lock. A bid that
//! is certainly too low against the held lot is refused without a statement, one certainly
//! accepted is placed without a savepoint (a failure abandons the whole turn); the others are
//! judged each in a savepoint, and a bid whose savepoint is rolled back makes the turn forget
//! what it knew, since that bid may have changed it.

use diesel::prelude::*;

use super::bidding::{self, BidInput};
use super::foresight::{Foreseen, foresee};
use super::model::{AuctionRow, DepositStatus, RegistrationRow};
use super::output::BidAccepted;
use super::store;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::auction_registrations;
use crate::error::ApiResult;
use crate::notifications::{NotificationKind, Recipients};

/// What a turn on one lot knows; see the module documentation.
pub struct Turn {
    lot_id: String,
    lot: Option<AuctionRow>,
    registrations: Option<Vec<RegistrationRow>>,
    /// The leading bid's id and its registration, as last seen.
    leader: Option<(String, String)>,
    lot_name: Option<String>,
    /// Where each outbid organization's notices go, by organization.
    outbid_recipients: std::collections::HashMap<String, Recipients>,
}

impl Turn {
    /// A turn on lot `lot_id` that knows nothing yet (it must run inside one write
    /// transaction: what it reads stays true only while that transaction holds the lot).
    pub fn new(lot_id: &str) -> Turn {
        Turn {
            lot_id: lot_id.to_string(),
            lot: None,
            registrations: None,
            leader: None,
            lot_name: None,
            outbid_recipients: std::collections::HashMap::new(),
        }
    }

    /// Judges `user`'s bid from what the turn knows ([`foresee`]): refused without a
    /// statement when it is certainly too low; placed with [`bidding::place`] straight in the
    /// turn's transaction when it is certainly accepted (a savepoint costs two round trips on
    /// PostgreSQL, and nothing but a failing statement can refuse such a bid); otherwise placed
    /// in a savepoint of its own, which a refusal rolls back. The inner result is the bid's
    /// answer; the outer error means the turn must be abandoned (the lot could not be read, or
    /// a bid placed without a savepoint failed: its writes may be half done), and the caller
    /// judges every bid of it again.
    pub fn bid(
        &mut self,
        conn: &mut DbConnection,
        user: &AuthUser,
        input: BidInput,
        now: chrono::NaiveDateTime,
    ) -> ApiResult<ApiResult<BidAccepted>> {
        let row = self.lot(conn)?;
        let held = match user.user.organization_id.as_deref() {
            Some(org) => self
                .registration_of(conn, org)?
                .is_some_and(|registration| registration.deposit_status == DepositStatus::Held),
            None => false,
        };
        match foresee(&row, held, user, &input, now) {
            Foreseen::TooLow(refusal) => Ok(Err(refusal)),
            Foreseen::Accepted => bidding::place(conn, self, user, input, now).map(Ok),
            Foreseen::Unsure => {
                let judged = conn.transaction(|conn| bidding::place(conn, self, user, input, now));
                if judged.is_err() {
                    self.forget();
                }
                Ok(judged)
            }
        }
    }

    /// Forgets everything the turn knew (after a rolled-back bid), the audit chain's head
    /// included.
    fn forget(&mut self) {
        self.lot = None;
        self.registrations = None;
        self.leader = None;
        self.outbid_recipients.clear();
        crate::audit::chain::forget_head();
    }

    /// The lot, locked (read once per turn).
    pub fn lot(&mut self, conn: &mut DbConnection) -> ApiResult<AuctionRow> {
        if let Some(row) = &self.lot {
            return Ok(row.clone());
        }
        let row = store::lock(conn, &self.lot_id)?;
        self.lot = Some(row.clone());
        Ok(row)
    }

    /// Remembers the lot as a placed bid left it.
    pub fn keep(&mut self, row: &AuctionRow) {
        self.lot = Some(row.clone());
    }

    /// Forgets the lot (after a bid that ended it).
    pub fn release(&mut self) {
        self.lot = None;
    }

    fn registrations(&mut self, conn: &mut DbConnection) -> ApiResult<&mut Vec<RegistrationRow>> {
        let registrations = match self.registrations.take() {
            Some(registrations) => registrations,
            None => store::registrations(conn, &self.lot_id)?,
        };
        Ok(self.registrations.insert(registrations))
    }

    /// The registration of an organization for the lot, if any.
    pub fn registration_of(
        &mut self,
        conn: &mut DbConnection,
        org_id: &str,
    ) -> ApiResult<Option<RegistrationRow>> {
        Ok(self.registrations(conn)?.iter().find(|r| r.org_id == org_id).cloned())
    }

    /// One registration of the lot, by id.
    pub fn registration(
        &mut self,
        conn: &mut DbConnection,
        registration_id: &str,
    ) -> ApiResult<RegistrationRow> {
        match self.registrations(conn)?.iter().find(|r| r.id == registration_id) {
            Some(registration) => Ok(registration.clone()),
            None => store::registration(conn, &self.lot_id, registration_id),
        }
    }

    /// The standing proxy bids: registrations with a held deposit and a maximum, in the
    /// order their maximums were set.
    pub fn proxies(&mut self, conn: &mut DbConnection) -> ApiResult<Vec<RegistrationRow>> {
        let mut proxies: Vec<RegistrationRow> = self
            .registrations(conn)?
            .iter()
            .filter(|r| r.deposit_status == DepositStatus::Held && r.max_amount_fen.is_some())
            .cloned()
            .collect();
        proxies.sort_by(|a, b| a.updated_at.cmp(&b.updated_at).then_with(|| a.id.cmp(&b.id)));
        Ok(proxies)
    }

    /// Sets (or clears) a registration's proxy maximum.
    pub fn set_max(
        &mut self,
        conn: &mut DbConnection,
        registration_id: &str,
        max: Option<i64>,
    ) -> ApiResult<()> {
        let stamp = crate::db::now();
        diesel::update(auction_registrations::table.find(registration_id))
            .set((
                auction_registrations::max_amount_fen.eq(max),
                auction_registrations::updated_at.eq(stamp),
            ))
            .execute(conn)?;
        if let Some(registration) =
            self.registrations(conn)?.iter_mut().find(|r| r.id == registration_id)
        {
            registration.max_amount_fen = max;
            registration.updated_at = stamp;
        }
        Ok(())
    }

    /// The registration holding the lead of `row`, if any bid leads.
    pub fn leader(
        &mut self,
        conn: &mut DbConnection,
        row: &AuctionRow,
    ) -> ApiResult<Option<String>> {
        let Some(bid_id) = &row.leading_bid_id else {
            return Ok(None);
        };
        if let Some((known, registration)) = &self.leader
            && known == bid_id
        {
            return Ok(Some(registration.clone()));
        }
        let registration = store::bid(conn, bid_id)?.registration_id;
        self.led_by(bid_id, &registration);
        Ok(Some(registration))
    }

    /// Remembers that bid `bid_id` is `registration_id`'s.
    pub fn led_by(&mut self, bid_id: &str, registration_id: &str) {
        self.leader = Some((bid_id.to_string(), registration_id.to_string()));
    }

    /// Where `org_id`'s outbid notices go: read once per turn, for every registered bidder's
    /// organization at once when the first one is outbid.
    pub fn outbid_recipients(
        &mut self,
        conn: &mut DbConnection,
        org_id: &str,
    ) -> ApiResult<Recipients> {
        if let Some(recipients) = self.outbid_recipients.get(org_id) {
            return Ok(recipients.clone());
        }
        let mut org_ids: Vec<String> = self
            .registrations(conn)?
            .iter()
            .map(|registration| registration.org_id.clone())
            .collect();
        org_ids.push(org_id.to_string());
        org_ids.sort();
        org_ids.dedup();
        let org_ids: Vec<&str> = org_ids.iter().map(String::as_str).collect();
        self.outbid_recipients = Recipients::of_each(conn, &org_ids, NotificationKind::Outbid)?;
        Ok(self.outbid_recipients.get(org_id).cloned().unwrap_or_default())
    }

    /// The lot's name in notices (its achievement's title).
    pub fn lot_name(&mut self, conn: &mut DbConnection, row: &AuctionRow) -> ApiResult<String> {
        if let Some(name) = &self.lot_name {
            return Ok(name.clone());
        }
        let name = super::tidings::lot_name(conn, row)?;
        self.lot_name = Some(name.clone());
        Ok(name)
    }
}
