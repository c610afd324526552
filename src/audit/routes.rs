//! `GET /api/v1/admin/audit`.

use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{AuditEntry, AuditRow};
use crate::auth::AdminUser;
use crate::db::schema::audit_log;
use crate::error::ApiResult;
use crate::http::{Page, PageParams};

/// Filters of the audit list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Only entries by this user.
    pub actor_id: Option<String>,
    /// Only entries about this kind of record (e.g. `user`, `organization`).
    pub entity_type: Option<String>,
    /// Only entries about this record.
    pub entity_id: Option<String>,
    /// Only this action (e.g. `user.login`).
    pub action: Option<String>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

crate::endpoint! {
    /// The audit log, newest first (administrators).
    get "/admin/audit" => list_audit, tag "admin",
    params { AuditFilter, PageParams }, ok 200 "Audit entries, newest first" => Page<AuditEntry>,
    |_admin: AdminUser, state: State, filter: web::Query<AuditFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<AuditEntry>>> {
        let filter = filter.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = audit_log::table.into_boxed();
            crate::narrow!(query, audit_log, filter; actor_id, entity_type, entity_id, action);
            if let Some(from) = filter.from {
                query = query.filter(audit_log::created_at.ge(from.naive_utc()));
            }
            if let Some(to) = filter.to {
                query = query.filter(audit_log::created_at.lt(to.naive_utc()));
            }
            Ok(crate::after_cursor!(query, audit_log::id, request, desc)
                .select(AuditRow::as_select())
                .load(conn)?)
        })
        .await?
        .keyed(|row| row.id.clone());
        Ok(web::Json(page.map(AuditEntry::from)))
    }
}
