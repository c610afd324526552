//! User administration: `/admin/users`.

use super::*;
use crate::error::MissingAs;
use crate::http::endpoint::State;
use crate::http::pagination::read_page;

crate::endpoint! {
    /// Lists users (administrators).
    get "/admin/users" => list_users, tag "admin",
    params { UserFilter, PageParams }, ok 200 "Users, newest first" => Page<UserOut>,
    |_admin: AdminUser, state: State, filter: web::Query<UserFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<UserOut>>> {
        let filter = filter.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| queries::list(conn, &filter, request));
        Ok(web::Json(page.await?.keyed(|u| u.id.clone()).map(UserOut::from)))
    }
}

crate::endpoint! {
    /// Creates a user of any role, administrators included (administrators).
    post "/admin/users" => create_user, tag "admin",
    body AdminCreateUserRequest, ok 201 "Created" => UserOut,
    problems { 409: "E-mail already registered" },
    |admin: AdminUser, state: State, body: ValidJson<AdminCreateUserRequest>|
        -> ApiResult<HttpResponse> {
        let body = body.into_inner();
        let mut checker = Checker::new();
        let (email, display_name) =
            check_new_user(&mut checker, &body.email, &body.display_name, &body.password);
        let organization_id = body
            .organization_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        if organization_id.is_none() && body.role.requires_organization() {
            checker.fail(
                "organization_id",
                "required",
                format!("a `{}` user must belong to an organization", body.role),
            );
        }
        checker.finish()?;
        let (Some(email), Some(display_name)) = (email, display_name) else {
            return Err(ApiError::Internal("validated fields missing".into()));
        };
        let password_hash = hash_password(&state, body.password).await?;
        let actor = admin.0.actor();
        let role = body.role;
        let user = state
            .db
            .write(move |conn| {
                if let Some(org_id) = organization_id.as_deref() {
                    let org = org_queries::find(conn, org_id).missing_as(|| {
                        ApiError::field("organization_id", "not_found", "no such organization")
                    })?;
                    check_org_kind(role, org.kind, "organization_id")?;
                }
                let draft = UserDraft {
                    email,
                    password_hash,
                    display_name,
                    role,
                    organization_id,
                    verified: true,
                    language: crate::i18n::Lang::Zh,
                };
                queries::insert(conn, &actor, draft, "user.create")
            })
            .await?;
        Ok(HttpResponse::Created().json(UserOut::from(user)))
    }
}

crate::endpoint! {
    /// Changes a user's role, status or name (administrators). Disabling ends every session at once.
    patch "/admin/users/{id}" => update_user, tag "admin",
    path { "id": "User id" },
    params { ("If-Match" = Option<String>, Header, description = "The version the change is based on") },
    body AdminUpdateUserRequest, ok 200 "Updated" => UserOut,
    problems { 409: "Stale version, or an administrator disabling or demoting themselves", 428: "No version given" },
    |if_match: IfMatch, admin: AdminUser, state: State, path: web::Path<String>, body: ValidJson<AdminUpdateUserRequest>|
        -> ApiResult<HttpResponse> {
        let user_id = path.into_inner();
        let body = body.into_inner();
        let expected = if_match.expected(body.version)?;
        let mut checker = Checker::new();
        let display_name = check_display_name(&mut checker, body.display_name.as_deref());
        checker.finish()?;
        let actor = admin.0.actor();
        let admin_id = admin.0.user.id.clone();
        let updated = state
            .db
            .write(move |conn| {
                let current = queries::find(conn, &user_id)?;
                let mut next = current.clone();
                if let Some(role) = body.role {
                    next.role = role;
                }
                if let Some(status) = body.status {
                    next.status = status;
                }
                if let Some(name) = display_name {
                    next.display_name = name;
                }
                if current.id == admin_id
                    && (next.role != Role::Admin || next.status != UserStatus::Active)
                {
                    return Err(ApiError::conflict(
                        "administrators cannot disable or demote themselves; ask another administrator",
                    ));
                }
                if next.role.requires_organization() && next.organization_id.is_none() {
                    return Err(ApiError::field(
                        "role",
                        "organization_required",
                        format!(
                            "a `{}` user must belong to an organization, and this user has none",
                            next.role
                        ),
                    ));
                }
                if next.role != current.role
                    && let Some(org_id) = next.organization_id.as_deref()
                {
                    let org = org_queries::find(conn, org_id)?;
                    check_org_kind(next.role, org.kind, "role")?;
                }
                let saved = queries::save(conn, &next, expected)?;
                if saved.status == UserStatus::Disabled {
                    sessions::revoke_all_for_user(conn, &saved.id, None, "disabled")?;
                }
                audit::record(
                    conn,
                    &actor,
                    "user.admin_update",
                    "user",
                    &saved.id,
                    audit::diff(&[
                        ("role", current.role.as_str().into(), saved.role.as_str().into()),
                        ("status", current.status.as_str().into(), saved.status.as_str().into()),
                        (
                            "display_name",
                            current.display_name.clone().into(),
                            saved.display_name.clone().into(),
                        ),
                    ]),
                )?;
                Ok(saved)
            })
            .await?;
        Ok(Tagged::ok(updated.version, UserOut::from(updated)).into())
    }
}
