//! E-mail: an outbox in the database, written in the transaction of the event it tells of, and
//! a background sender that delivers it over SMTP (lettre) when `TECHMARKET_SMTP_URL` is set.
//! Without it the outbox keeps every message and the log shows it (the embedded default).
//!
//! Several instances share the outbox: a message is claimed by moving its `next_attempt_at` a
//! minute on, conditionally on the value read, so one instance sends it; a failed send is
//! retried up to [`MAX_ATTEMPTS`] times.

use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::db::schema::email_outbox;
use crate::db::{Db, DbConnection, new_id, now};
use crate::error::ApiResult;

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i64 = 5;
/// How often the sender looks for due messages.
pub const SEND_INTERVAL: Duration = Duration::from_secs(2);
/// How long a claimed message is left to its claimant before another instance retries it.
const CLAIM_SECS: i64 = 60;

/// How e-mail is sent.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The SMTP server, when configured.
    pub smtp_url: Option<String>,
    /// The sender.
    pub from: Mailbox,
    /// The market's address for links (no trailing slash).
    pub public_url: String,
}

impl MailConfig {
    /// Checks the settings.
    pub fn parse(
        smtp_url: Option<&str>,
        from: &str,
        public_url: &str,
    ) -> Result<MailConfig, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("TECHMARKET_MAIL_FROM `{from}` is not an address: {e}"))?;
        let smtp_url = smtp_url.map(str::trim).filter(|u| !u.is_empty()).map(str::to_string);
        if let Some(url) = &smtp_url {
            SmtpTransport::from_url(url).map_err(|e| format!("TECHMARKET_SMTP_URL: {e}"))?;
        }
        Ok(MailConfig { smtp_url, from, public_url: public_url.trim_end_matches('/').to_string() })
    }
}

/// A stored message.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_outbox)]
pub struct OutboxRow {
    /// Id.
    pub id: String,
    /// The recipient.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// What it is (`password_reset`, …).
    pub kind: String,
    /// Send attempts so far.
    pub attempts: i64,
    /// When it is (next) due.
    pub next_attempt_at: NaiveDateTime,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was sent.
    pub sent_at: Option<NaiveDateTime>,
    /// Written.
    pub created_at: NaiveDateTime,
}

/// Puts a message in the outbox, in the caller's transaction.
pub fn queue(
    conn: &mut DbConnection,
    to: &str,
    subject: &str,
    body: &str,
    kind: &str,
) -> ApiResult<()> {
    let stamp = now();
    let row = OutboxRow {
        id: new_id(),
        to_address: to.to_string(),
        subject: subject.to_string(),
        body: body.to_string(),
        kind: kind.to_string(),
        attempts: 0,
        next_attempt_at: stamp,
        last_error: None,
        sent_at: None,
        created_at: stamp,
    };
    diesel::insert_into(email_outbox::table).values(&row).execute(conn)?;
    tracing::info!(kind, to, subject, "e-mail queued");
    Ok(())
}

/// Claims the due messages (at most `limit`): each is claimed by the one instance whose
/// conditional update moved its `next_attempt_at`.
fn claim_due(conn: &mut DbConnection, limit: i64) -> ApiResult<Vec<OutboxRow>> {
    let stamp = now();
    let due: Vec<OutboxRow> = email_outbox::table
        .filter(email_outbox::sent_at.is_null())
        .filter(email_outbox::attempts.lt(MAX_ATTEMPTS))
        .filter(email_outbox::next_attempt_at.le(stamp))
        .order(email_outbox::next_attempt_at)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?;
    let mut claimed = Vec::new();
    for row in due {
        let changed = diesel::update(
            email_outbox::table
                .find(&row.id)
                .filter(email_outbox::next_attempt_at.eq(row.next_attempt_at))
                .filter(email_outbox::sent_at.is_null()),
        )
        .set((
            email_outbox::next_attempt_at.eq(stamp + chrono::Duration::seconds(CLAIM_SECS)),
            email_outbox::attempts.eq(email_outbox::attempts + 1),
        ))
        .execute(conn)?;
        if changed == 1 {
            claimed.push(row);
        }
    }
    Ok(claimed)
}

fn build(config: &MailConfig, row: &OutboxRow) -> anyhow::Result<Message> {
    use lettre::message::header::{ContentTransferEncoding, ContentType};
    use lettre::message::{Body, SinglePart};
    let body = Body::new_with_encoding(row.body.clone(), ContentTransferEncoding::Base64)
        .map_err(|_| anyhow::anyhow!("the body cannot be encoded"))?;
    Ok(Message::builder()
        .from(config.from.clone())
        .to(row.to_address.parse().context("recipient")?)
        .subject(row.subject.clone())
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body))?)
}

/// Sends the due messages once; returns how many went out.
pub fn send_due(db: &Db, config: &MailConfig) -> anyhow::Result<usize> {
    let Some(url) = &config.smtp_url else { return Ok(0) };
    let transport = SmtpTransport::from_url(url)?.timeout(Some(Duration::from_secs(10))).build();
    let mut conn = db.get()?;
    let claimed = claim_due(&mut conn, 20)?;
    let mut sent = 0;
    for row in claimed {
        let outcome = build(config, &row).and_then(|message| Ok(transport.send(&message)?));
        match outcome {
            Ok(_) => {
                diesel::update(email_outbox::table.find(&row.id))
                    .set((
                        email_outbox::sent_at.eq(now()),
                        email_outbox::last_error.eq(None::<String>),
                    ))
                    .execute(&mut conn)?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(id = row.id, %error, "e-mail not sent");
                diesel::update(email_outbox::table.find(&row.id))
                    .set(email_outbox::last_error.eq(error.to_string()))
                    .execute(&mut conn)?;
            }
        }
    }
    Ok(sent)
}

/// Sends the outbox every [`SEND_INTERVAL`] when SMTP is configured.
pub fn spawn_sender(db: Db, config: MailConfig) {
    if config.smtp_url.is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(SEND_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let (db, config) = (db.clone(), config.clone());
            match tokio::task::spawn_blocking(move || send_due(&db, &config)).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(?error, "e-mail sending failed"),
                Err(error) => tracing::warn!(?error, "e-mail task failed"),
            }
        }
    });
}
