//! Account endpoints: `/auth/*`, `/me`, `/admin/users`.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};

use super::dto::{
    AdminCreateUserRequest, AdminUpdateUserRequest, ChangePasswordRequest, LoginRequest, MeOut,
    RefreshRequest, RegisterRequest, UpdateMeRequest, UserFilter, UserOut,
};
use super::model::{Role, UserStatus};
use super::queries::{self, UserDraft};
use crate::audit::{self, Actor};
use crate::auth::extractors::anonymous_actor;
use crate::auth::sessions::{self, RefreshOutcome, TokenPair};
use crate::auth::{AdminUser, AuthUser, password};
use crate::error::{ApiError, ApiResult};
use crate::http::version::{etag, expected_version};
use crate::http::{Page, PageParams, ValidJson};
use crate::organizations::dto::OrganizationOut;
use crate::organizations::model::{OrgKind, Organization};
use crate::organizations::queries as org_queries;
use crate::state::AppState;
use crate::validation::{self, Checker};

/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 100;

/// The client's address for rate limiting.
fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    req.peer_addr()
        .map_or(IpAddr::from([127, 0, 0, 1]), |addr| addr.ip())
}

fn check_org_kind(role: Role, kind: OrgKind, field: &str) -> Result<(), ApiError> {
    if role.allowed_org_kinds().contains(&kind) {
        Ok(())
    } else {
        let allowed: Vec<&str> = role
            .allowed_org_kinds()
            .iter()
            .map(|k| k.as_str())
            .collect();
        Err(ApiError::field(
            field,
            "kind_not_allowed_for_role",
            format!(
                "a `{role}` user can belong to organizations of kind: {}",
                allowed.join(", ")
            ),
        ))
    }
}

/// Hashes a password on a blocking thread under a hashing permit (argon2 is deliberately slow
/// and takes 19 MiB); 503 `password_hashing_busy` when no permit frees up in time.
async fn hash_password(state: &AppState, password: String) -> ApiResult<String> {
    state
        .password_hashing
        .run(move || password::hash(&password))
        .await?
}

/// Verifies a password like [`hash_password`] hashes one.
async fn verify_password(state: &AppState, password: String, stored: String) -> ApiResult<bool> {
    state
        .password_hashing
        .run(move || password::verify(&password, &stored))
        .await
}

/// How a registration obtains its organization.
enum Membership {
    None,
    New(crate::organizations::dto::ValidNewOrganization),
    Invite(String),
}

/// Registers a user, with a new organization or an invite code to an existing one.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = UserOut),
        (status = 403, description = "Administrators cannot self-register", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail or credit code already registered", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (including control characters)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this client (`Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Every password-hashing slot is busy (`password_hashing_busy`, `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    state
        .register_limiter
        .check(client_ip(&req, state.config.trust_forwarded_for))
        .await?;
    let body = body.into_inner();
    if body.role == Role::Admin {
        return Err(ApiError::Forbidden(
            "administrators cannot self-register; an administrator creates them".into(),
        ));
    }
    let mut checker = Checker::new();
    let email = checker.check("email", validation::email(&body.email));
    let display_name = checker.check(
        "display_name",
        validation::text(&body.display_name, 1, DISPLAY_NAME_MAX),
    );
    checker.check(
        "password",
        password::check_strength(&body.password, &[&body.email, &body.display_name]),
    );
    let invite_code = body
        .invite_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let membership = match (&body.organization, invite_code) {
        (Some(_), Some(_)) => {
            checker.fail(
                "invite_code",
                "conflicting_fields",
                "give either a new organization or an invite code, not both",
            );
            Membership::None
        }
        (Some(org), None) => {
            if !body.role.allowed_org_kinds().contains(&org.kind) {
                let allowed: Vec<&str> = body
                    .role
                    .allowed_org_kinds()
                    .iter()
                    .map(|k| k.as_str())
                    .collect();
                checker.fail(
                    "organization.kind",
                    "kind_not_allowed_for_role",
                    format!(
                        "a `{}` user can register an organization of kind: {}",
                        body.role,
                        allowed.join(", ")
                    ),
                );
            }
            org.check("organization.", &mut checker)
                .map_or(Membership::None, Membership::New)
        }
        (None, Some(code)) => Membership::Invite(code.to_string()),
        (None, None) => {
            if body.role.requires_organization() {
                checker.fail(
                    "organization",
                    "required",
                    format!(
                        "a `{}` user registers a new organization or joins one with an invite code",
                        body.role
                    ),
                );
            }
            Membership::None
        }
    };
    checker.finish()?;
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let password_hash = hash_password(&state, body.password).await?;
    let actor = anonymous_actor(&req);
    let role = body.role;
    let user = state
        .db
        .write(move |conn| {
            let organization_id = match membership {
                Membership::None => None,
                Membership::New(org) => Some(org_queries::insert(conn, &actor, &org)?.id),
                Membership::Invite(code) => {
                    let org = org_queries::redeem_invite(conn, &code)?;
                    check_org_kind(role, org.kind, "invite_code")?;
                    Some(org.id)
                }
            };
            let draft = UserDraft {
                email,
                password_hash,
                display_name,
                role,
                organization_id,
                verified: false,
            };
            queries::insert(conn, &actor, draft, "user.register")
        })
        .await?;
    Ok(HttpResponse::Created().json(UserOut::from(user)))
}

/// Signs in with e-mail and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong e-mail or password (the same answer for both)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is disabled", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this client or for this account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Every password-hashing slot is busy (`password_hashing_busy`, `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<LoginRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let body = body.into_inner();
    let email = body.email.trim().to_lowercase();
    state
        .login_limiter
        .check(client_ip(&req, state.config.trust_forwarded_for), &email)
        .await?;
    let db = state.db.clone();
    let dummy_hash = state.dummy_hash.clone();
    let lookup_email = email.clone();
    let password_text = body.password;
    // Unknown e-mail and wrong password cost the same argon2 verification and get the same answer.
    let user = db
        .read(move |conn| queries::find_by_email(conn, &lookup_email))
        .await?;
    let stored = user
        .as_ref()
        .map_or(dummy_hash, |u| u.password_hash.clone());
    let matches = verify_password(&state, password_text, stored).await?;
    let user = user.filter(|_| matches);
    let Some(user) = user else {
        return Err(ApiError::Unauthorized(
            "the e-mail address or the password is wrong".into(),
        ));
    };
    if user.status != UserStatus::Active {
        return Err(ApiError::Forbidden("this account is disabled".into()));
    }
    let tokens = state.tokens.clone();
    let refresh_ttl = i64::try_from(state.config.refresh_token_ttl_secs).unwrap_or(i64::MAX / 4);
    let actor = Actor {
        user_id: Some(user.id.clone()),
        request_id: anonymous_actor(&req).request_id,
    };
    let pair = state
        .db
        .write(move |conn| {
            let pair = sessions::open(conn, &tokens, &user, refresh_ttl)?;
            queries::touch_login(conn, &user.id)?;
            audit::record(
                conn,
                &actor,
                "user.login",
                "user",
                &user.id,
                serde_json::json!({}),
            )?;
            Ok(pair)
        })
        .await?;
    Ok(web::Json(pair))
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a
/// used one ends the whole session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let presented = body.into_inner().refresh_token;
    let tokens = state.tokens.clone();
    let refresh_ttl = i64::try_from(state.config.refresh_token_ttl_secs).unwrap_or(i64::MAX / 4);
    let actor = anonymous_actor(&req);
    let outcome = state
        .db
        .write(move |conn| sessions::rotate(conn, &tokens, &presented, refresh_ttl, &actor))
        .await?;
    match outcome {
        RefreshOutcome::Rotated(pair) => Ok(web::Json(pair)),
        RefreshOutcome::ReuseDetected => Err(ApiError::Unauthorized(
            "this refresh token was already used; the session has been ended, sign in again".into(),
        )),
    }
}

/// Signs out: ends the session of the refresh token (and every access token issued in it).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out (also for unknown tokens)"))
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = body.into_inner().refresh_token;
    let request_id = anonymous_actor(&req).request_id;
    state
        .db
        .write(move |conn| {
            if let Some((session_id, user_id)) = sessions::session_of(conn, &presented)? {
                sessions::revoke(conn, &session_id, "logout")?;
                let actor = Actor {
                    user_id: Some(user_id.clone()),
                    request_id,
                };
                audit::record(
                    conn,
                    &actor,
                    "user.logout",
                    "session",
                    &session_id,
                    serde_json::json!({}),
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller and their organization.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = MeOut))
)]
#[get("/me")]
pub async fn get_me(user: AuthUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let org_id = user.user.organization_id.clone();
    let organization: Option<Organization> = match org_id {
        None => None,
        Some(id) => Some(
            state
                .db
                .read(move |conn| org_queries::find(conn, &id))
                .await?,
        ),
    };
    let version = user.user.version;
    Ok(HttpResponse::Ok().insert_header(etag(version)).json(MeOut {
        user: UserOut::from(user.user),
        organization: organization.map(OrganizationOut::from),
    }))
}

/// Changes the caller's display name.
#[utoipa::path(
    tag = "me",
    request_body = UpdateMeRequest,
    security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, description = "The version the change is based on, e.g. \"3\"")),
    responses(
        (status = 200, description = "Updated", body = UserOut),
        (status = 409, description = "Stale version", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
pub async fn patch_me(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    body: ValidJson<UpdateMeRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let expected = expected_version(&req, body.version)?;
    let mut checker = Checker::new();
    let display_name = match body.display_name.as_deref() {
        Some(name) => checker.check("display_name", validation::text(name, 1, DISPLAY_NAME_MAX)),
        None => None,
    };
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
    Ok(HttpResponse::Ok()
        .insert_header(etag(updated.version))
        .json(UserOut::from(updated)))
}

/// Changes the caller's password; every other session of the user ends.
#[utoipa::path(
    tag = "me",
    request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses((status = 204, description = "Password changed; other sessions ended"))
)]
#[post("/me/password")]
pub async fn change_password(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ValidJson<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let stored = user.user.password_hash.clone();
    let current_password = body.current_password;
    let current_ok = verify_password(&state, current_password, stored).await?;
    let mut checker = Checker::new();
    if !current_ok {
        checker.fail(
            "current_password",
            "incorrect",
            "is not the current password",
        );
    }
    checker.check(
        "new_password",
        password::check_strength(
            &body.new_password,
            &[&user.user.email, &user.user.display_name],
        ),
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

/// Lists users (administrators).
#[utoipa::path(
    tag = "admin",
    params(UserFilter, PageParams),
    security(("bearer" = [])),
    responses((status = 200, description = "Users, newest first", body = Page<UserOut>))
)]
#[get("/admin/users")]
pub async fn list_users(
    _admin: AdminUser,
    state: web::Data<AppState>,
    filter: web::Query<UserFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<UserOut>>> {
    let request = page.parse()?;
    let filter = filter.into_inner();
    let page_request = request.clone();
    let rows = state
        .db
        .read(move |conn| queries::list(conn, &filter, &page_request))
        .await?;
    Ok(web::Json(
        Page::from_rows(rows, &request, |u| u.id.clone()).map(UserOut::from),
    ))
}

/// Creates a user of any role, administrators included (administrators).
#[utoipa::path(
    tag = "admin",
    request_body = AdminCreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserOut),
        (status = 409, description = "E-mail already registered", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/users")]
pub async fn create_user(
    admin: AdminUser,
    state: web::Data<AppState>,
    body: ValidJson<AdminCreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut checker = Checker::new();
    let email = checker.check("email", validation::email(&body.email));
    let display_name = checker.check(
        "display_name",
        validation::text(&body.display_name, 1, DISPLAY_NAME_MAX),
    );
    checker.check(
        "password",
        password::check_strength(&body.password, &[&body.email, &body.display_name]),
    );
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
                let org = org_queries::find(conn, org_id).map_err(|_| {
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
            };
            queries::insert(conn, &actor, draft, "user.create")
        })
        .await?;
    Ok(HttpResponse::Created().json(UserOut::from(user)))
}

/// Changes a user's role, status or name (administrators). Disabling ends every session at once.
#[utoipa::path(
    tag = "admin",
    request_body = AdminUpdateUserRequest,
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "The version the change is based on"),
    ),
    responses(
        (status = 200, description = "Updated", body = UserOut),
        (status = 409, description = "Stale version, or an administrator disabling or demoting themselves", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/admin/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    admin: AdminUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<AdminUpdateUserRequest>,
) -> ApiResult<HttpResponse> {
    let user_id = path.into_inner();
    let body = body.into_inner();
    let expected = expected_version(&req, body.version)?;
    let mut checker = Checker::new();
    let display_name = match body.display_name.as_deref() {
        Some(name) => checker.check("display_name", validation::text(name, 1, DISPLAY_NAME_MAX)),
        None => None,
    };
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
                    (
                        "role",
                        current.role.as_str().into(),
                        saved.role.as_str().into(),
                    ),
                    (
                        "status",
                        current.status.as_str().into(),
                        saved.status.as_str().into(),
                    ),
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
    Ok(HttpResponse::Ok()
        .insert_header(etag(updated.version))
        .json(UserOut::from(updated)))
}
