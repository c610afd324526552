//! The achievements and demands an event collects (`POST|GET /events/{id}/achievements` and
//! `/demands`): published records, added in bulk by the event's creator, administrators, or a
//! record's owner for its own records.

use crate::action_endpoint;
use crate::http::endpoint::State;
use std::collections::{HashMap, HashSet};

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::routes::{ENTITY, find, organizes};
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::{event_listings, listings};
use crate::db::{DbConnection, now, to_utc};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::{Page, PageParams};
use crate::listings::Library;
use crate::listings::access::can_manage;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::model::Listing;
use crate::state::AppState;

/// Most ids one call may add.
pub const MAX_IDS: usize = 2000;
/// Ids per database query or insert.
const CHUNK: usize = 500;

/// `POST /events/{id}/achievements` and `/demands`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectInput {
    /// Ids of published records of the library (1–2,000; repeats are ignored).
    pub ids: Vec<String>,
}

/// What a collection call did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CollectOut {
    /// Records newly collected.
    pub added: usize,
    /// Records of the call the event had already collected (ignored).
    pub already_collected: usize,
    /// Records of this library the event holds now.
    pub total: i64,
}

/// A record collected by an event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CollectedListing {
    /// The record's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its region code.
    pub region_code: String,
    /// The owning organization.
    pub org_id: Option<String>,
    /// When the event collected it.
    pub collected_at: DateTime<Utc>,
}

fn load_listings(conn: &mut DbConnection, ids: &[&str]) -> ApiResult<HashMap<String, Listing>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<Listing> = listings::table
            .filter(listings::id.eq_any(chunk))
            .select(Listing::as_select())
            .load(conn)?;
        found.extend(rows.into_iter().map(|l| (l.id.clone(), l)));
    }
    Ok(found)
}

fn already_collected(
    conn: &mut DbConnection,
    event_id: &str,
    ids: &[&str],
) -> ApiResult<HashSet<String>> {
    let mut collected = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<String> = event_listings::table
            .filter(event_listings::event_id.eq(event_id))
            .filter(event_listings::listing_id.eq_any(chunk))
            .select(event_listings::listing_id)
            .load(conn)?;
        collected.extend(rows);
    }
    Ok(collected)
}

/// Checks each id (422 naming `ids[i]`: `not_found` for unknown ids and for records the
/// caller may not see, `not_published` for the caller's own unpublished ones), then the
/// caller's right to add it (403).
fn check_ids(
    user: &AuthUser,
    organizer: bool,
    library: Library,
    ids: &[(usize, &str)],
    found: &HashMap<String, Listing>,
) -> ApiResult<()> {
    let entity = library.entity();
    let mut errors = Vec::new();
    for (index, id) in ids {
        let field = format!("ids[{index}]");
        match found.get(*id) {
            // A record the caller may not see answers like an unknown id (no existence oracle).
            Some(listing)
                if listing.library == library
                    && (listing.is_public() || can_manage(user, listing)) =>
            {
                if listing.current_status() != ListingStatus::Published {
                    errors.push(FieldError::new(
                        &field,
                        "not_published",
                        format!("the {entity} is not published"),
                    ));
                }
            }
            _ => errors.push(FieldError::new(&field, "not_found", format!("no such {entity}"))),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if !organizer
        && let Some((index, _)) =
            ids.iter().find(|(_, id)| found.get(*id).is_none_or(|l| !can_manage(user, l)))
    {
        return Err(ApiError::Forbidden(format!(
            "only the event's creator and administrators add others' records; ids[{index}] is not your organization's"
        )));
    }
    Ok(())
}

fn collect(
    conn: &mut DbConnection,
    user: &AuthUser,
    event_id: &str,
    library: Library,
    ids: &[String],
) -> ApiResult<CollectOut> {
    let event = find(conn, event_id)?;
    let organizer = organizes(user, &event);
    let mut seen = HashSet::new();
    let unique: Vec<(usize, &str)> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| seen.insert(id.as_str()))
        .map(|(i, id)| (i, id.as_str()))
        .collect();
    let plain: Vec<&str> = unique.iter().map(|(_, id)| *id).collect();
    let found = load_listings(conn, &plain)?;
    check_ids(user, organizer, library, &unique, &found)?;
    let collected = already_collected(conn, &event.id, &plain)?;
    let stamp = now();
    let new_ids: Vec<&str> = plain.into_iter().filter(|id| !collected.contains(*id)).collect();
    for chunk in new_ids.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|id| {
                (
                    event_listings::event_id.eq(&event.id),
                    event_listings::listing_id.eq(*id),
                    event_listings::library.eq(library.as_str()),
                    event_listings::added_by.eq(user.id()),
                    event_listings::created_at.eq(stamp),
                )
            })
            .collect();
        insert_all!(conn, event_listings::table, rows)?;
    }
    let total: i64 = event_listings::table
        .filter(event_listings::event_id.eq(&event.id))
        .filter(event_listings::library.eq(library.as_str()))
        .count()
        .get_result(conn)?;
    if !new_ids.is_empty() {
        audit::record(
            conn,
            &user.actor(),
            &format!("event.collect_{}", library.as_str()),
            ENTITY,
            &event.id,
            serde_json::json!({ "library": library, "added": new_ids.len(), "ids": new_ids }),
        )?;
    }
    Ok(CollectOut { added: new_ids.len(), already_collected: collected.len(), total })
}

async fn run_collect(
    user: AuthUser,
    state: web::Data<AppState>,
    event_id: String,
    body: CollectInput,
    library: Library,
) -> ApiResult<web::Json<CollectOut>> {
    if body.ids.is_empty() {
        return Err(ApiError::field("ids", "required", "name at least one record"));
    }
    if body.ids.len() > MAX_IDS {
        return Err(ApiError::field("ids", "too_many", format!("at most {MAX_IDS} ids per call")));
    }
    let out =
        state.db.write(move |conn| collect(conn, &user, &event_id, library, &body.ids)).await?;
    Ok(web::Json(out))
}

action_endpoint! {
    /// Collects published achievements for the event, up to 2,000 per call (the event's creator
    /// and administrators; a record's owners for their own records). Ids already collected are
    /// ignored; a bad id fails the call with 422 naming `ids[index]`.
    post "/events/{id}/achievements" => collect_achievements, tag "events", path { "id": "Event id" },
    ok 200 "Collected" => CollectOut, problems { 403: "A record that is not the caller's, and the caller does not organize the event", 422: "Ids that name no visible record (`not_found`, also for records the caller may not see) or the caller's unpublished ones (`not_published`)", 503: "The database is busy behind another write (`database_busy`, `Retry-After`)" },
    |user: AuthUser, state, path: String, body: Json<CollectInput>| -> web::Json<CollectOut> {
        run_collect(user, state, path.into_inner(), body.into_inner(), Library::Achievements).await
    }
}

action_endpoint! {
    /// Collects published demands for the event, up to 2,000 per call (the event's creator and
    /// administrators; a record's owners for their own records). Ids already collected are
    /// ignored; a bad id fails the call with 422 naming `ids[index]`.
    post "/events/{id}/demands" => collect_demands, tag "events", path { "id": "Event id" },
    ok 200 "Collected" => CollectOut, problems { 403: "A record that is not the caller's, and the caller does not organize the event", 422: "Ids that name no visible record (`not_found`, also for records the caller may not see) or the caller's unpublished ones (`not_published`)", 503: "The database is busy behind another write (`database_busy`, `Retry-After`)" },
    |user: AuthUser, state, path: String, body: Json<CollectInput>| -> web::Json<CollectOut> {
        run_collect(user, state, path.into_inner(), body.into_inner(), Library::Demands).await
    }
}

async fn list(
    state: web::Data<AppState>,
    event_id: String,
    page: PageParams,
    library: Library,
) -> ApiResult<web::Json<Page<CollectedListing>>> {
    let request = page.parse()?;
    let page_request = request.clone();
    let rows = state
        .db
        .read(move |conn| {
            let event = find(conn, &event_id)?;
            let mut query = event_listings::table
                .inner_join(listings::table.on(listings::id.eq(event_listings::listing_id)))
                .filter(event_listings::event_id.eq(&event.id))
                .filter(event_listings::library.eq(library.as_str()))
                .filter(listings::status.eq(ListingStatus::Published.as_str()))
                .filter(listings::valid_until.ge(crate::listings::queries::today()))
                .into_boxed();
            if let Some(after) = page_request.after.clone() {
                query = query.filter(event_listings::listing_id.lt(after));
            }
            Ok(query
                .order(event_listings::listing_id.desc())
                .limit(page_request.fetch())
                .select((
                    listings::id,
                    listings::title,
                    listings::region_code,
                    listings::org_id,
                    event_listings::created_at,
                ))
                .load::<(String, String, String, Option<String>, chrono::NaiveDateTime)>(conn)?)
        })
        .await?;
    Ok(web::Json(Page::from_rows(rows, &request, |r| r.0.clone()).map(
        |(id, title, region_code, org_id, at)| CollectedListing {
            id,
            title,
            region_code,
            org_id,
            collected_at: to_utc(at),
        },
    )))
}

crate::endpoint! {
    /// The published achievements the event collected (public; records since withdrawn, expired
    /// or closed are left out).
    get "/events/{id}/achievements" => list_achievements, tag "events",
    public, path { "id": "Event id" }, params { PageParams },
    ok 200 "Achievements, newest record first" => Page<CollectedListing>,
    |state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<CollectedListing>>> {
        list(state, path.into_inner(), page.into_inner(), Library::Achievements).await
    }
}

crate::endpoint! {
    /// The published demands the event collected (public; records since withdrawn, expired or
    /// closed are left out).
    get "/events/{id}/demands" => list_demands, tag "events",
    public, path { "id": "Event id" }, params { PageParams },
    ok 200 "Demands, newest record first" => Page<CollectedListing>,
    |state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<CollectedListing>>> {
        list(state, path.into_inner(), page.into_inner(), Library::Demands).await
    }
}
