//! `POST /events/{id}/participants`: registering organizations and people for an event and
//! counting anonymous online attendance.

use crate::action_endpoint;
use std::collections::{HashMap, HashSet};

use actix_web::{post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::EventRow;
use super::routes::{ENTITY, find, organizes};
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::{event_participants, events, organizations, users};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::validation::{self, Checker};

/// Most organizations or people per call.
pub const MAX_ENTRIES: usize = 2000;
/// Most anonymous attendance one call may add.
pub const MAX_ANONYMOUS: i64 = 10_000_000;
/// Ids per database query.
const CHUNK: usize = 500;

/// The kind of an `event_participants` row.
pub const KIND_ORGANIZATION: &str = "organization";
/// A registered person (a user, or a named guest).
pub const KIND_PERSON: &str = "person";

/// A person to register: a user (`user_id`), or a guest by name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// A user of the platform.
    pub user_id: Option<String>,
    /// A guest's name (when there is no `user_id`).
    pub name: Option<String>,
    /// The guest's organization, as written.
    pub organization_name: Option<String>,
}

/// `POST /events/{id}/participants`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantsInput {
    /// Organizations to register (ids).
    pub organizations: Option<Vec<String>>,
    /// People to register.
    pub people: Option<Vec<PersonInput>>,
    /// Anonymous online attendance to add to the event's counter.
    pub anonymous_attendance: Option<i64>,
}

/// What a registration call did, and the event's totals after it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ParticipantsOut {
    /// Organizations newly registered.
    pub organizations_added: usize,
    /// People newly registered.
    pub people_added: usize,
    /// Organizations and users of the call already registered (ignored).
    pub already_registered: usize,
    /// Organizations registered for the event.
    pub organizations: i64,
    /// People registered for the event.
    pub people: i64,
    /// Anonymous online attendance counted.
    pub anonymous_attendance: i64,
    /// Participants: people registered plus anonymous attendance.
    pub participants: i64,
}

/// A checked person.
#[derive(Debug, Clone)]
enum Person {
    User(String),
    Guest { name: String, organization_name: Option<String> },
}

struct Valid {
    organizations: Vec<String>,
    people: Vec<Person>,
    anonymous: i64,
}

fn check(body: ParticipantsInput) -> ApiResult<Valid> {
    let mut checker = Checker::new();
    let organizations = body.organizations.unwrap_or_default();
    let people = body.people.unwrap_or_default();
    let anonymous = body.anonymous_attendance.unwrap_or(0);
    if organizations.is_empty() && people.is_empty() && anonymous == 0 {
        checker.fail(
            "body",
            "empty",
            "register organizations or people, or count anonymous_attendance",
        );
    }
    for (field, len) in [("organizations", organizations.len()), ("people", people.len())] {
        if len > MAX_ENTRIES {
            checker.fail(field, "too_many", format!("at most {MAX_ENTRIES} per call"));
        }
    }
    if !(0..=MAX_ANONYMOUS).contains(&anonymous) {
        checker.fail(
            "anonymous_attendance",
            "out_of_range",
            format!("must be between 0 and {MAX_ANONYMOUS}"),
        );
    }
    let mut checked = Vec::with_capacity(people.len());
    for (index, person) in people.into_iter().enumerate() {
        let prefix = format!("people[{index}]");
        match (person.user_id, person.name) {
            (Some(user_id), None) if person.organization_name.is_none() => {
                checked.push(Person::User(user_id));
            }
            (None, Some(name)) => {
                let name =
                    checker.check(&format!("{prefix}.name"), validation::text(&name, 1, 100));
                let org = checker.check(
                    &format!("{prefix}.organization_name"),
                    validation::optional_text(person.organization_name.as_deref(), 200),
                );
                if let (Some(name), Some(organization_name)) = (name, org) {
                    checked.push(Person::Guest { name, organization_name });
                }
            }
            _ => checker.fail(
                &prefix,
                "user_or_guest",
                "give either a user_id, or a name (and organization_name) for a guest",
            ),
        }
    }
    checker.finish()?;
    Ok(Valid { organizations, people: checked, anonymous })
}

/// 403 unless the caller organizes the event, or registers only themselves and their own
/// organization.
fn authorize(user: &AuthUser, event: &EventRow, valid: &Valid) -> ApiResult<()> {
    if organizes(user, event) {
        return Ok(());
    }
    let own_orgs = valid.organizations.iter().all(|o| user.belongs_to(o));
    let only_self = valid.people.iter().all(|p| matches!(p, Person::User(id) if id == user.id()));
    if own_orgs && only_self && valid.anonymous == 0 {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "you may register yourself and your own organization; the event's creator and administrators register others and count anonymous attendance".into(),
        ))
    }
}

fn existing_ids<F>(ids: &[&str], mut load: F) -> ApiResult<HashSet<String>>
where
    F: FnMut(&[&str]) -> ApiResult<Vec<String>>,
{
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        found.extend(load(chunk)?);
    }
    Ok(found)
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// 422 naming every organization or user that does not exist.
fn check_exist(
    conn: &mut DbConnection,
    valid: &Valid,
) -> ApiResult<HashMap<String, Option<String>>> {
    let org_ids = unique(valid.organizations.iter().map(String::as_str));
    let orgs = existing_ids(&org_ids, |chunk| {
        Ok(organizations::table
            .filter(organizations::id.eq_any(chunk))
            .select(organizations::id)
            .load(conn)?)
    })?;
    let user_ids = unique(valid.people.iter().filter_map(|p| match p {
        Person::User(id) => Some(id.as_str()),
        Person::Guest { .. } => None,
    }));
    let mut user_orgs = HashMap::new();
    for chunk in user_ids.chunks(CHUNK) {
        let rows: Vec<(String, Option<String>)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::organization_id))
            .load(conn)?;
        user_orgs.extend(rows);
    }
    let mut errors = Vec::new();
    for (index, org) in valid.organizations.iter().enumerate() {
        if !orgs.contains(org) {
            errors.push(FieldError::new(
                format!("organizations[{index}]"),
                "not_found",
                "no such organization",
            ));
        }
    }
    for (index, person) in valid.people.iter().enumerate() {
        if let Person::User(id) = person
            && !user_orgs.contains_key(id)
        {
            errors.push(FieldError::new(
                format!("people[{index}].user_id"),
                "not_found",
                "no such user",
            ));
        }
    }
    if errors.is_empty() { Ok(user_orgs) } else { Err(ApiError::Validation(errors)) }
}

fn count_kind(conn: &mut DbConnection, event_id: &str, kind: &str) -> ApiResult<i64> {
    Ok(event_participants::table
        .filter(event_participants::event_id.eq(event_id))
        .filter(event_participants::kind.eq(kind))
        .count()
        .get_result(conn)?)
}

fn register(
    conn: &mut DbConnection,
    user: &AuthUser,
    event_id: &str,
    valid: Valid,
) -> ApiResult<ParticipantsOut> {
    let event = find(conn, event_id)?;
    authorize(user, &event, &valid)?;
    let user_orgs = check_exist(conn, &valid)?;
    let org_ids = unique(valid.organizations.iter().map(String::as_str));
    let registered_orgs = existing_ids(&org_ids, |chunk| {
        Ok(event_participants::table
            .filter(event_participants::event_id.eq(&event.id))
            .filter(event_participants::kind.eq(KIND_ORGANIZATION))
            .filter(event_participants::org_id.eq_any(chunk))
            .select(event_participants::org_id.assume_not_null())
            .load(conn)?)
    })?;
    let user_ids = unique(valid.people.iter().filter_map(|p| match p {
        Person::User(id) => Some(id.as_str()),
        Person::Guest { .. } => None,
    }));
    let registered_users = existing_ids(&user_ids, |chunk| {
        Ok(event_participants::table
            .filter(event_participants::event_id.eq(&event.id))
            .filter(event_participants::user_id.eq_any(chunk))
            .select(event_participants::user_id.assume_not_null())
            .load(conn)?)
    })?;
    let stamp = now();
    let row = |kind: &str,
               org: Option<String>,
               user_id: Option<String>,
               name: Option<String>,
               org_name: Option<String>| {
        (
            event_participants::id.eq(new_id()),
            event_participants::event_id.eq(event.id.clone()),
            event_participants::kind.eq(kind.to_string()),
            event_participants::org_id.eq(org),
            event_participants::user_id.eq(user_id),
            event_participants::name.eq(name),
            event_participants::organization_name.eq(org_name),
            event_participants::added_by.eq(user.id().to_string()),
            event_participants::created_at.eq(stamp),
        )
    };
    let mut rows = Vec::new();
    let new_orgs: Vec<&str> =
        org_ids.iter().copied().filter(|o| !registered_orgs.contains(*o)).collect();
    for org in &new_orgs {
        rows.push(row(KIND_ORGANIZATION, Some(org.to_string()), None, None, None));
    }
    let mut people_added = 0;
    let mut seen_users = HashSet::new();
    for person in &valid.people {
        match person {
            Person::User(id) => {
                if registered_users.contains(id) || !seen_users.insert(id.clone()) {
                    continue;
                }
                let org = user_orgs.get(id).cloned().flatten();
                rows.push(row(KIND_PERSON, org, Some(id.clone()), None, None));
            }
            Person::Guest { name, organization_name } => rows.push(row(
                KIND_PERSON,
                None,
                None,
                Some(name.clone()),
                organization_name.clone(),
            )),
        }
        people_added += 1;
    }
    for chunk in rows.chunks(CHUNK) {
        insert_all!(conn, event_participants::table, chunk.to_vec())?;
    }
    if valid.anonymous > 0 {
        diesel::update(events::table.find(&event.id))
            .set(events::anonymous_attendance.eq(events::anonymous_attendance + valid.anonymous))
            .execute(conn)?;
    }
    let already = registered_orgs.len() + registered_users.len();
    if !rows.is_empty() || valid.anonymous > 0 {
        audit::record(
            conn,
            &user.actor(),
            "event.register_participants",
            ENTITY,
            &event.id,
            serde_json::json!({ "organizations": new_orgs, "people_added": people_added,
                                "anonymous_attendance_added": valid.anonymous }),
        )?;
    }
    let anonymous = find(conn, &event.id)?.anonymous_attendance;
    let people = count_kind(conn, &event.id, KIND_PERSON)?;
    Ok(ParticipantsOut {
        organizations_added: new_orgs.len(),
        people_added,
        already_registered: already,
        organizations: count_kind(conn, &event.id, KIND_ORGANIZATION)?,
        people,
        anonymous_attendance: anonymous,
        participants: people + anonymous,
    })
}

action_endpoint! {
    /// Registers organizations and people for an event, and counts anonymous online attendance
    /// (added to the event's counter). The event's creator and administrators register anyone;
    /// a signed-in user may register themselves and their own organization. Organizations and
    /// users already registered are ignored.
    post "/events/{id}/participants" => register_participants, tag "events", path { "id": "Event id" },
    ok 200 "Registered; the event's totals" => ParticipantsOut, problems { 403: "Registering others, or counting attendance, without organizing the event" },
    |user: AuthUser, state, path: String, body: Json<ParticipantsInput>| -> web::Json<ParticipantsOut> {
        let valid = check(body.into_inner())?;
        let event_id = path.into_inner();
        let out = state.db.write(move |conn| register(conn, &user, &event_id, valid)).await?;
        Ok(web::Json(out))
    }
}
