//! `POST|GET /api/v1/events`, `GET|PATCH /api/v1/events/{id}`; the collections,
//! participants and report routes live in their own files and are registered here.

use crate::http::endpoint::State;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use super::model::{EventFilter, EventInput, EventOut, EventPatch, EventRow, check_filter, naive};
use crate::accounts::model::Role;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::events;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams, ValidJson};
use crate::organizations::queries::like_escape;

/// The audit entity name of events.
pub const ENTITY: &str = "event";

/// Registers the event routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_event)
        .service(list_events)
        .service(get_event)
        .service(update_event)
        .service(super::collect::collect_achievements)
        .service(super::collect::collect_demands)
        .service(super::collect::list_achievements)
        .service(super::collect::list_demands)
        .service(super::participants::register_participants)
        .service(super::report::event_report);
}

/// One event (404 when missing).
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<EventRow> {
    events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("event".into()))
}

/// Whether the user organizes the event: its creator or an administrator.
pub fn organizes(user: &AuthUser, event: &EventRow) -> bool {
    user.is_admin() || event.created_by == user.id()
}

crate::endpoint! {
    /// Creates a matchmaking event (administrators and technology brokers).
    post "/events" => create_event, tag "events",
    body EventInput, ok 201 "Created" => EventOut,
    problems { 403: "Neither an administrator nor a broker" },
    |user: AuthUser, state: State, body: ValidJson<EventInput>| -> ApiResult<HttpResponse> {
        user.require_role(&[Role::Admin, Role::Broker])?;
        let valid = body.into_inner().check()?;
        let row = state
            .db
            .write(move |conn| {
                let stamp = now();
                let row = EventRow {
                    id: new_id(),
                    name: valid.name,
                    description: valid.description,
                    starts_at: valid.starts_at,
                    ends_at: valid.ends_at,
                    region_code: valid.region_code,
                    online: valid.online,
                    anonymous_attendance: 0,
                    created_by: user.id().to_string(),
                    version: 1,
                    created_at: stamp,
                    updated_at: stamp,
                };
                diesel::insert_into(events::table).values(row.clone()).execute(conn)?;
                audit::record(
                    conn,
                    &user.actor(),
                    "event.create",
                    ENTITY,
                    &row.id,
                    serde_json::json!({ "name": row.name, "starts_at": row.starts_at,
                                        "ends_at": row.ends_at, "region_code": row.region_code,
                                        "online": row.online }),
                )?;
                Ok(row)
            })
            .await?;
        Ok(Tagged::created(row.version, EventOut::from(row)).into())
    }
}

fn cursor_key(row: &EventRow) -> String {
    format!("{}|{}", row.starts_at.and_utc().timestamp_micros(), row.id)
}

fn parse_cursor(key: &str) -> ApiResult<(NaiveDateTime, String)> {
    let invalid =
        || ApiError::field("cursor", "invalid_cursor", "is not a cursor this API returned");
    let (micros, id) = key.split_once('|').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
    Ok((at.naive_utc(), id.to_string()))
}

crate::endpoint! {
    /// The public list of matchmaking events, latest start first; filter by region prefix and
    /// by a time window (`from`: still running then; `to`: started by then).
    get "/events" => list_events, tag "events",
    public, params { EventFilter, PageParams },
    ok 200 "Events, latest start first" => Page<EventOut>,
    |state: State, filter: web::Query<EventFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<EventOut>>> {
        let request = page.parse()?;
        let filter = filter.into_inner();
        check_filter(&filter)?;
        let after = request.after.as_deref().map(parse_cursor).transpose()?;
        let limit = request.fetch();
        let rows = state
            .db
            .read(move |conn| {
                let mut query = events::table.into_boxed();
                if let Some(region) = &filter.region {
                    query = query.filter(events::region_code.like(format!("{}%", like_escape(region))));
                }
                if let Some(from) = filter.from {
                    query = query.filter(events::ends_at.ge(naive(from)));
                }
                if let Some(to) = filter.to {
                    query = query.filter(events::starts_at.le(naive(to)));
                }
                if let Some((at, id)) = after {
                    query = query.filter(
                        events::starts_at.lt(at).or(events::starts_at.eq(at).and(events::id.lt(id))),
                    );
                }
                Ok(query
                    .order((events::starts_at.desc(), events::id.desc()))
                    .limit(limit)
                    .select(EventRow::as_select())
                    .load(conn)?)
            })
            .await?;
        Ok(web::Json(Page::from_rows(rows, &request, cursor_key).map(EventOut::from)))
    }
}

crate::endpoint! {
    /// One event (public).
    get "/events/{id}" => get_event, tag "events",
    public, path { "id": "Event id" }, ok 200 "The event" => EventOut,
    |state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let row = state.db.read(move |conn| find(conn, &id)).await?;
        Ok(Tagged::ok(row.version, EventOut::from(row)).into())
    }
}

crate::endpoint! {
    /// Edits an event (its creator and administrators), based on a version.
    patch "/events/{id}" => update_event, tag "events",
    path { "id": "Event id" },
    params { ("If-Match" = Option<String>, Header, description = "The version the change is based on") },
    body EventPatch, ok 200 "Updated" => EventOut,
    problems { 403: "Neither the event's creator nor an administrator", 409: "Stale version", 428: "No version given" },
    |if_match: IfMatch, user: AuthUser, state: State, path: web::Path<String>, body: ValidJson<EventPatch>|
        -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let patch = body.into_inner();
        let expected = if_match.expected(patch.version);
        let saved = state
            .db
            .write(move |conn| {
                let current = find(conn, &id)?;
                if !organizes(&user, &current) {
                    return Err(ApiError::Forbidden(
                        "only the event's creator and administrators may edit it".into(),
                    ));
                }
                let expected = expected?;
                if patch.is_empty() {
                    return Err(ApiError::field("body", "empty", "name at least one field to change"));
                }
                let next = patch.apply_to(&current)?;
                if expected != current.version {
                    return Err(ApiError::stale_version(expected, current.version));
                }
                let stamp = now();
                let count = diesel::update(
                    events::table.find(&current.id).filter(events::version.eq(current.version)),
                )
                .set((
                    events::name.eq(&next.name),
                    events::description.eq(&next.description),
                    events::starts_at.eq(next.starts_at),
                    events::ends_at.eq(next.ends_at),
                    events::region_code.eq(&next.region_code),
                    events::online.eq(next.online),
                    events::version.eq(current.version + 1),
                    events::updated_at.eq(stamp),
                ))
                .execute(conn)?;
                if count == 0 {
                    let now_version = find(conn, &current.id)?.version;
                    return Err(ApiError::stale_version(expected, now_version));
                }
                audit::record(
                    conn,
                    &user.actor(),
                    "event.update",
                    ENTITY,
                    &current.id,
                    audit::diff(&[
                        ("name", current.name.clone().into(), next.name.clone().into()),
                        (
                            "description",
                            current.description.clone().into(),
                            next.description.clone().into(),
                        ),
                        (
                            "starts_at",
                            serde_json::json!(current.starts_at),
                            serde_json::json!(next.starts_at),
                        ),
                        (
                            "ends_at",
                            serde_json::json!(current.ends_at),
                            serde_json::json!(next.ends_at),
                        ),
                        (
                            "region_code",
                            current.region_code.clone().into(),
                            next.region_code.clone().into(),
                        ),
                        ("online", current.online.into(), next.online.into()),
                    ]),
                )?;
                find(conn, &current.id)
            })
            .await?;
        Ok(Tagged::ok(saved.version, EventOut::from(saved)).into())
    }
}
