//! A deal's message thread and its history, seen only by the deal's parties, its broker and
//! administrators.

use crate::action_endpoint;
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;

use super::access::ensure_participant;
use super::dto::{DealMessage, MESSAGE_MAX, PostMessage};
use super::queries::{self, ENTITY};
use crate::audit::{self, AuditEntry};
use crate::auth::AuthUser;
use crate::db::schema::deal_messages;
use crate::db::{new_id, now, to_utc};
use crate::error::ApiResult;
use crate::http::{Page, PageParams};
use crate::validation::{self, Checker};

type MessageRow = (String, String, String, String, chrono::NaiveDateTime);

fn message_out((id, deal_id, author_id, body, created_at): MessageRow) -> DealMessage {
    DealMessage { id, deal_id, author_id, body, created_at: to_utc(created_at) }
}

crate::endpoint! {
    /// A deal's messages, oldest first.
    get "/deals/{id}/messages" => list_messages, tag "deals",
    path { "id": "Deal id" }, params { PageParams },
    ok 200 "Messages, oldest first" => Page<DealMessage>,
    |user: AuthUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<DealMessage>>> {
        let id = path.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let deal = queries::find(conn, &id)?;
            ensure_participant(&user, &deal)?;
            let query =
                deal_messages::table.filter(deal_messages::deal_id.eq(&deal.id)).into_boxed();
            Ok(crate::after_cursor!(query, deal_messages::id, request, asc)
                .select((
                    deal_messages::id,
                    deal_messages::deal_id,
                    deal_messages::author_id,
                    deal_messages::body,
                    deal_messages::created_at,
                ))
                .load::<MessageRow>(conn)?)
        })
        .await?
        .keyed(|r| r.0.clone());
        Ok(web::Json(page.map(message_out)))
    }
}

action_endpoint! {
    /// Writes to a deal's thread (parties, broker, administrators).
    post "/deals/{id}/messages" => post_message, tag "deals", path { "id": "Deal id" },
    ok 201 "The message" => DealMessage, problems {  },
    |user: AuthUser, state, path: String, body: Json<PostMessage>| -> HttpResponse {
        let id = path.into_inner();
        let mut checker = Checker::new();
        let text = checker.check("body", validation::text(&body.0.body, 1, MESSAGE_MAX));
        let text = checker.finish_with(|| text)?;
        let row = state
            .db
            .write(move |conn| {
                let deal = queries::find(conn, &id)?;
                ensure_participant(&user, &deal)?;
                let row: MessageRow = (new_id(), deal.id.clone(), user.id().to_string(), text, now());
                diesel::insert_into(deal_messages::table)
                    .values((
                        deal_messages::id.eq(&row.0),
                        deal_messages::deal_id.eq(&row.1),
                        deal_messages::author_id.eq(&row.2),
                        deal_messages::body.eq(&row.3),
                        deal_messages::created_at.eq(row.4),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    &user.actor(),
                    "deal.message",
                    ENTITY,
                    &deal.id,
                    serde_json::json!({ "message_id": row.0 }),
                )?;
                crate::notifications::events::deal_message(conn, &user.actor(), &deal, &row.3)?;
                Ok(row)
            })
            .await?;
        Ok(HttpResponse::Created().json(message_out(row)))
    }
}

crate::endpoint! {
    /// A deal's history, oldest first: every move stamped with who, when and the note.
    get "/deals/{id}/history" => deal_history, tag "deals",
    path { "id": "Deal id" }, params { PageParams },
    ok 200 "History entries, oldest first" => Page<AuditEntry>,
    |user: AuthUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<AuditEntry>>> {
        let id = path.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let deal = queries::find(conn, &id)?;
            ensure_participant(&user, &deal)?;
            audit::history(conn, ENTITY, &deal.id, request)
        })
        .await?
        .keyed(|row| row.id.clone());
        Ok(web::Json(page))
    }
}
