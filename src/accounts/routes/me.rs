//! The signed-in user's own account: `/me`.

use super::*;
use crate::http::endpoint::State;

crate::endpoint! {
    /// The caller and their organization.
    get "/me" => get_me, tag "me",
    ok 200 "The signed-in user" => MeOut,
    |user: AuthUser, state: State| -> ApiResult<HttpResponse> {
        let org_id = user.user.organization_id.clone();
        let organization: Option<Organization> = match org_id {
            None => None,
            Some(id) => Some(state.db.read(move |conn| org_queries::find(conn, &id)).await?),
        };
        let version = user.user.version;
        Ok(Tagged::ok(
            version,
            MeOut {
                user: UserOut::from(user.user),
                organization: organization.map(OrganizationOut::from),
            },
        )
        .into())
    }
}

crate::endpoint! {
    /// Changes the caller's display name.
    patch "/me" => patch_me, tag "me",
    params { ("If-Match" = Option<String>, Header, description = "The version the change is based on, e.g. \"3\"") },
    body UpdateMeRequest, ok 200 "Updated" => UserOut,
    problems { 409: "Stale version", 428: "No version given" },
    |if_match: IfMatch, user: AuthUser, state: State, body: ValidJson<UpdateMeRequest>|
        -> ApiResult<HttpResponse> {
        let body = body.into_inner();
        let expected = if_match.expected(body.version)?;
        let mut checker = Checker::new();
        let display_name = check_display_name(&mut checker, body.display_name.as_deref());
        checker.finish()?;
        let actor = user.actor();
        let current = user.user;
        let updated = state
            .db
            .write(move |conn| {
                let mut next = current.clone();
                if let Some(name) = display_name {
                    next.display_name = name;
                }
                let saved = queries::save(conn, &next, expected)?;
                audit::record(
                    conn,
                    &actor,
                    "user.update",
                    "user",
                    &saved.id,
                    audit::diff(&[(
                        "display_name",
                        current.display_name.clone().into(),
                        saved.display_name.clone().into(),
                    )]),
                )?;
                Ok(saved)
            })
            .await?;
        Ok(Tagged::ok(updated.version, UserOut::from(updated)).into())
    }
}

crate::endpoint! {
    /// Changes the caller's password; every other session of the user ends.
    post "/me/password" => change_password, tag "me",
    body ChangePasswordRequest, ok 204 "Password changed; other sessions ended",
    |user: AuthUser, state: State, body: ValidJson<ChangePasswordRequest>|
        -> ApiResult<HttpResponse> {
        let body = body.into_inner();
        let stored = user.user.password_hash.clone();
        let current_password = body.current_password;
        let current_ok = verify_password(&state, current_password, stored).await?;
        let mut checker = Checker::new();
        if !current_ok {
            checker.fail("current_password", "incorrect", "is not the current password");
        }
        checker.check(
            "new_password",
            password::check_strength(&body.new_password, &[&user.user.email, &user.user.display_name]),
        );
        checker.finish()?;
        let password_hash = hash_password(&state, body.new_password).await?;
        let actor = user.actor();
        let user_id = user.user.id.clone();
        let session_id = user.session_id.clone();
        state
            .db
            .write(move |conn| {
                queries::set_password(conn, &user_id, &password_hash)?;
                let ended = sessions::revoke_all_for_user(
                    conn,
                    &user_id,
                    Some(&session_id),
                    "password_changed",
                )?;
                audit::record(
                    conn,
                    &actor,
                    "user.password_change",
                    "user",
                    &user_id,
                    serde_json::json!({ "other_sessions_ended": ended }),
                )
            })
            .await?;
        Ok(HttpResponse::NoContent().finish())
    }
}
