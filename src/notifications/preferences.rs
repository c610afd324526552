//! Each user's channels per kind of notification: the in-app list and e-mail. The
//! organization's webhook is the organization's own choice (its URL). Defaults: every kind in
//! the app; e-mail for the events a person acts on, not for match suggestions or outbid notices
//! (those arrive too often for a mailbox). E-mails are written in the user's `language`.

use std::collections::HashMap;

use actix_web::{get, put, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::NotificationKind;
use crate::auth::AuthUser;
use crate::db::schema::{notification_preferences, users};
use crate::db::{DbConnection, now};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidJson;
use crate::http::endpoint::State;
use crate::i18n::Lang;

/// Whether a kind is e-mailed unless the user says otherwise.
pub fn email_by_default(kind: NotificationKind) -> bool {
    !matches!(
        kind,
        NotificationKind::AchievementForDemand
            | NotificationKind::DemandForAchievement
            | NotificationKind::Outbid
    )
}

/// One kind's channels for the user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    /// The kind of notification.
    pub kind: NotificationKind,
    /// Shown in `GET /api/v1/notifications` to this user.
    pub in_app: bool,
    /// E-mailed to this user's address.
    pub email: bool,
}

/// The user's preferences, one per kind (defaults filled in), and the language of e-mails.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Every kind of notification with its channels (in a `PUT`: the kinds to change).
    pub preferences: Vec<Preference>,
    /// The language e-mails reach the user in: `zh-CN` (the default) or `en`; set at
    /// registration from the request's `Accept-Language`. In a `PUT`, omitted keeps it.
    #[serde(default)]
    pub language: Option<Lang>,
}

/// The stored choices of a user, by kind.
fn stored(conn: &mut DbConnection, user_id: &str) -> ApiResult<HashMap<String, (bool, bool)>> {
    Ok(notification_preferences::table
        .filter(notification_preferences::user_id.eq(user_id))
        .select((
            notification_preferences::kind,
            notification_preferences::in_app,
            notification_preferences::email,
        ))
        .load::<(String, bool, bool)>(conn)?
        .into_iter()
        .map(|(kind, in_app, email)| (kind, (in_app, email)))
        .collect())
}

/// A user's preferences with the defaults filled in.
pub fn of_user(conn: &mut DbConnection, user_id: &str) -> ApiResult<Preferences> {
    let choices = stored(conn, user_id)?;
    let language: String = users::table.find(user_id).select(users::language).first(conn)?;
    Ok(Preferences {
        language: Some(Lang::of_stored(&language)),
        preferences: NotificationKind::ALL
            .iter()
            .map(|kind| {
                let (in_app, email) =
                    choices.get(kind.as_str()).copied().unwrap_or((true, email_by_default(*kind)));
                Preference { kind: *kind, in_app, email }
            })
            .collect(),
    })
}

/// The kinds a user chose not to see in the app.
pub fn hidden_kinds(conn: &mut DbConnection, user_id: &str) -> ApiResult<Vec<String>> {
    Ok(stored(conn, user_id)?
        .into_iter()
        .filter(|(_, (in_app, _))| !in_app)
        .map(|(kind, _)| kind)
        .collect())
}

/// The active members of each of `org_ids` who take notifications of `kind` by email (their
/// choice, else the kind's default), with the language of their emails, by organization (an
/// organization without one is absent).
pub fn email_recipients(
    conn: &mut DbConnection,
    org_ids: &[&str],
    kind: NotificationKind,
) -> ApiResult<HashMap<String, Vec<(String, Lang)>>> {
    let members: Vec<(Option<String>, String, String, Option<bool>)> = users::table
        .left_join(
            notification_preferences::table.on(notification_preferences::user_id
                .eq(users::id)
                .and(notification_preferences::kind.eq(kind.as_str()))),
        )
        .filter(users::organization_id.eq_any(org_ids))
        .filter(users::status.eq("active"))
        .select((
            users::organization_id,
            users::email,
            users::language,
            notification_preferences::email.nullable(),
        ))
        .load(conn)?;
    let mut by_org: HashMap<String, Vec<(String, Lang)>> = HashMap::new();
    for (org, email, language, choice) in members {
        if let Some(org) = org
            && choice.unwrap_or_else(|| email_by_default(kind))
        {
            by_org.entry(org).or_default().push((email, Lang::of_stored(&language)));
        }
    }
    Ok(by_org)
}

crate::endpoint! {
    /// The caller's channels per kind of notification (defaults filled in): `in_app` (the list)
    /// and `email`. The organization's webhook is set on the organization.
    get "/me/notification-preferences" => get_preferences, tag "me",
    ok 200 "Every kind with its channels" => Preferences,
    |user: AuthUser, state: State| -> ApiResult<web::Json<Preferences>> {
        let out = state.db.read(move |conn| of_user(conn, user.id())).await?;
        Ok(web::Json(out))
    }
}

crate::endpoint! {
    /// Sets the caller's channels for the kinds named (the others keep theirs) and, when given,
    /// the language of e-mails; answers every kind with its channels.
    put "/me/notification-preferences" => put_preferences, tag "me",
    body Preferences, ok 200 "Every kind with its channels" => Preferences,
    problems { 422: "An unknown kind, or a kind named twice" },
    |user: AuthUser, state: State, body: ValidJson<Preferences>| -> ApiResult<web::Json<Preferences>> {
        let body = body.into_inner();
        let language = body.language;
        let input = body.preferences;
        let mut seen = std::collections::HashSet::new();
        for (i, preference) in input.iter().enumerate() {
            if !seen.insert(preference.kind) {
                return Err(ApiError::field(&format!("preferences[{i}].kind"), "duplicate", "each kind once"));
            }
        }
        let out = state.db.write(move |conn| {
            let stamp = now();
            for preference in &input {
                diesel::delete(
                    notification_preferences::table
                        .filter(notification_preferences::user_id.eq(user.id()))
                        .filter(notification_preferences::kind.eq(preference.kind.as_str())),
                )
                .execute(conn)?;
                diesel::insert_into(notification_preferences::table)
                    .values((
                        notification_preferences::user_id.eq(user.id()),
                        notification_preferences::kind.eq(preference.kind.as_str()),
                        notification_preferences::in_app.eq(preference.in_app),
                        notification_preferences::email.eq(preference.email),
                        notification_preferences::updated_at.eq(stamp),
                    ))
                    .execute(conn)?;
            }
            if let Some(language) = language {
                diesel::update(users::table.find(user.id()))
                    .set(users::language.eq(language.tag()))
                    .execute(conn)?;
            }
            crate::audit::record(conn, &user.actor(), "user.notification_preferences", "user", user.id(),
                serde_json::json!({ "preferences": input, "language": language }))?;
            of_user(conn, user.id())
        }).await?;
        Ok(web::Json(out))
    }
}
