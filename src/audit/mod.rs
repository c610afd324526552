//! The audit log: every state change, written in the same transaction as the change, as a
//! hash chain ([`chain`]) that `techmarket verify-audit` checks.

pub mod chain;
pub mod routes;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::audit_log;
use crate::db::{DbConnection, new_id, now};
use crate::error::ApiResult;

/// Who acts, and in which request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The acting user; `None` for anonymous actions (registration, failed sign-in).
    pub user_id: Option<String>,
    /// The request's id, tying the entry to the request logs.
    pub request_id: Option<String>,
}

/// A stored audit entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    /// Id (time-ordered).
    pub id: String,
    /// Who.
    pub actor_id: Option<String>,
    /// What, e.g. `user.register`, `organization.update`.
    pub action: String,
    /// Which kind of record.
    pub entity_type: String,
    /// Which record.
    pub entity_id: String,
    /// What changed (JSON).
    pub changes: String,
    /// The request.
    pub request_id: Option<String>,
    /// When.
    pub created_at: NaiveDateTime,
    /// Position in the chain (1, 2, …; unique, gap-free).
    pub seq: i64,
    /// The previous entry's `hash` ([`chain::GENESIS`] for the first).
    pub prev_hash: String,
    /// SHA-256 (hex) of this entry's canonical serialization with `prev_hash`.
    pub hash: String,
}

/// An audit entry as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Audit entry id.
    pub id: String,
    /// The acting user, if any.
    pub actor_id: Option<String>,
    /// The action, e.g. `organization.update`.
    pub action: String,
    /// The kind of record.
    pub entity_type: String,
    /// The id of the record that changed.
    pub entity_id: String,
    /// What changed: for updates `{field: {from, to}}`, for creations the new values.
    pub changes: serde_json::Value,
    /// The request that made the change.
    pub request_id: Option<String>,
    /// When the change happened (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// Position in the hash chain.
    pub seq: i64,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash (SHA-256, hex) over its fields and `prev_hash`.
    pub hash: String,
}

crate::output_of_row! { row: AuditRow => AuditEntry {
    computed {
        changes: serde_json::from_str(&row.changes).unwrap_or(serde_json::Value::Null),
    }
    same { id, actor_id, action, entity_type, entity_id, request_id, seq, prev_hash, hash }
    times { created_at }
} }

/// Writes one entry at the end of the chain; call it inside the transaction that makes the
/// change, after the change is written: the statistics' sums follow the changed record here
/// ([`crate::stats::rollups::follow`]).
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    changes: serde_json::Value,
) -> ApiResult<()> {
    let row = AuditRow {
        id: new_id(),
        actor_id: actor.user_id.clone(),
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id: entity_id.to_string(),
        changes: changes.to_string(),
        request_id: actor.request_id.clone(),
        created_at: now(),
        seq: 0,
        prev_hash: String::new(),
        hash: String::new(),
    };
    chain::append(conn, row)?;
    crate::stats::rollups::follow(conn, action, (entity_type, entity_id), &changes)
}

/// One page of a record's history, oldest first (`request` from
/// [`read_page`](crate::http::pagination::read_page)).
pub fn history(
    conn: &mut DbConnection,
    entity_type: &str,
    entity_id: &str,
    request: &crate::http::pagination::PageRequest,
) -> ApiResult<Vec<AuditEntry>> {
    let query = audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .into_boxed();
    let rows = crate::after_cursor!(query, audit_log::id, request, asc)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// Builds the `{field: {from, to}}` map of an update from pairs of old and new values,
/// leaving out fields that did not change.
pub fn diff(pairs: &[(&str, serde_json::Value, serde_json::Value)]) -> serde_json::Value {
    let mut changes = serde_json::Map::new();
    for (field, from, to) in pairs {
        if from != to {
            changes.insert((*field).to_string(), serde_json::json!({ "from": from, "to": to }));
        }
    }
    serde_json::Value::Object(changes)
}
