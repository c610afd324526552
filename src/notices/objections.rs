//! Objections to a notice (异议): anyone signed in raises one while the notice runs; an
//! administrator upholds it (the notice is halted) or dismisses it.

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{NoticeStatus, ObjectionOut, ObjectionRow, ObjectionStatus};
use super::routes::{ENTITY, find, is_seller_side};
use crate::action_endpoint;
use crate::audit;
use crate::auth::{AdminUser, AuthUser};
use crate::db::schema::{notice_objections, notices};
use crate::db::{new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::{Page, PageParams};
use crate::validation::{self, Checker};

/// The longest objection or note, in characters.
pub const TEXT_MAX: usize = 2000;

/// An objection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    /// The grounds (1–2,000 characters): e.g. the price is far below the result's value, the
    /// buyer is a related party not declared.
    pub reason: String,
}

/// An administrator's decision on an objection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// `true` upholds the objection and halts the notice; `false` dismisses it.
    pub upheld: bool,
    /// The reasons for the decision (up to 2,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

action_endpoint! {
    /// Objects to a running notice (anyone signed in).
    post "/notices/{id}/objections" => raise_objection, tag "notices", path { "id": "Notice id" },
    ok 201 "The objection, pending" => ObjectionOut,
    problems { 404: "No such notice", 409: "The notice is no longer running (`notice_closed`)" },
    |user: AuthUser, state, path: String, body: Json<ObjectionInput>| -> HttpResponse {
        let mut checker = Checker::new();
        let reason = checker.check("reason", validation::text(&body.into_inner().reason, 1, TEXT_MAX));
        let reason = checker.finish_with(|| reason)?;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let notice = find(conn, &id)?;
            let status = notice.status(crate::clock::today());
            if status != NoticeStatus::Noticed {
                return Err(ApiError::refused("notice_closed", format!("the notice is {status}: objections are taken while it runs")));
            }
            let row = ObjectionRow {
                id: new_id(),
                notice_id: notice.id.clone(),
                user_id: user.id().to_string(),
                reason,
                status: ObjectionStatus::Pending,
                note: None,
                resolved_by: None,
                resolved_at: None,
                created_at: now(),
            };
            diesel::insert_into(notice_objections::table).values(row.clone()).execute(conn)?;
            audit::record(conn, &user.actor(), "notice.object", ENTITY, &notice.id,
                serde_json::json!({ "objection_id": row.id, "reason": row.reason }))?;
            Ok(ObjectionOut::from(row))
        }).await?;
        Ok(HttpResponse::Created().json(out))
    }
}

crate::endpoint! {
    /// A notice's objections, oldest first: all of them to the seller's members and
    /// administrators, their own to everyone else.
    get "/notices/{id}/objections" => list_objections, tag "notices",
    path { "id": "Notice id" }, params { PageParams },
    ok 200 "Objections, oldest first" => Page<ObjectionOut>,
    problems { 404: "No such notice" },
    |user: AuthUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<ObjectionOut>>> {
        let id = path.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let notice = find(conn, &id)?;
            let mut query = notice_objections::table.filter(notice_objections::notice_id.eq(&notice.id)).into_boxed();
            if !is_seller_side(Some(&user), &notice) {
                query = query.filter(notice_objections::user_id.eq(user.id().to_string()));
            }
            Ok(crate::after_cursor!(query, notice_objections::id, request, asc)
                .select(ObjectionRow::as_select())
                .load(conn)?)
        })
        .await?
        .keyed(|o| o.id.clone());
        Ok(web::Json(page.map(ObjectionOut::from)))
    }
}

action_endpoint! {
    /// Decides an objection (administrators): upheld halts the notice, dismissed lets it run.
    post "/notices/{id}/objections/{objection_id}/resolve" => resolve_objection, tag "notices",
    path { "id": "Notice id", "objection_id": "Objection id" },
    ok 200 "The objection, decided" => ObjectionOut,
    problems { 403: "Not an administrator", 404: "No such notice or objection", 409: "Decided already" },
    |admin: AdminUser, state, path: (String, String), body: Json<ResolveInput>| -> HttpResponse {
        let (id, objection_id) = path.into_inner();
        let input = body.into_inner();
        let mut checker = Checker::new();
        let note = input.note.as_deref().and_then(|n| checker.check("note", validation::text(n, 1, TEXT_MAX)));
        checker.finish()?;
        let user = admin.0;
        let out = state.db.write(move |conn| {
            let notice = find(conn, &id)?;
            let objection: ObjectionRow = notice_objections::table
                .find(&objection_id)
                .filter(notice_objections::notice_id.eq(&notice.id))
                .select(ObjectionRow::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::NotFound("objection".into()))?;
            if objection.status != ObjectionStatus::Pending {
                return Err(ApiError::illegal_transition(objection.status.as_str(), "resolved", Vec::new()));
            }
            let to = if input.upheld { ObjectionStatus::Upheld } else { ObjectionStatus::Dismissed };
            let stamp = now();
            diesel::update(notice_objections::table.find(&objection.id))
                .set((
                    notice_objections::status.eq(to.as_str()),
                    notice_objections::note.eq(&note),
                    notice_objections::resolved_by.eq(user.id()),
                    notice_objections::resolved_at.eq(stamp),
                ))
                .execute(conn)?;
            if input.upheld && notice.halted_at.is_none() {
                diesel::update(notices::table.find(&notice.id))
                    .set((notices::halted_at.eq(stamp), notices::version.eq(notices::version + 1), notices::updated_at.eq(stamp)))
                    .execute(conn)?;
            }
            audit::record(conn, &user.actor(), "notice.resolve_objection", ENTITY, &notice.id,
                serde_json::json!({ "objection_id": objection.id, "status": { "from": "pending", "to": to },
                                    "note": note, "halted": input.upheld }))?;
            let saved = ObjectionRow { status: to, note, resolved_by: Some(user.id().to_string()), resolved_at: Some(stamp), ..objection };
            Ok(ObjectionOut::from(saved))
        }).await?;
        Ok(HttpResponse::Ok().json(out))
    }
}
