//! Registration, sign-in, token refresh and sign-out: `/auth/*`.

use super::*;
use crate::http::endpoint::State;

/// How a registration obtains its organization.
enum Membership {
    None,
    New(crate::organizations::dto::ValidNewOrganization),
    Invite(String),
}

crate::endpoint! {
    /// Registers a user, with a new organization or an invite code to an existing one.
    post "/auth/register" => register, tag "auth",
    public, body RegisterRequest, ok 201 "Registered" => UserOut,
    problems { 403: "Administrators cannot self-register", 409: "E-mail or credit code already registered", 422: "Invalid fields (including control characters)", 429: "Too many registrations from this client (`Retry-After`)", 503: "Every password-hashing slot is busy (`password_hashing_busy`, `Retry-After`)" },
    |req: HttpRequest, state: State, body: ValidJson<RegisterRequest>| -> ApiResult<HttpResponse> {
        state.register_limiter.check(client_ip(&req, state.config.trust_forwarded_for)).await?;
        let body = body.into_inner();
        if body.role == Role::Admin {
            return Err(ApiError::Forbidden(
                "administrators cannot self-register; an administrator creates them".into(),
            ));
        }
        let mut checker = Checker::new();
        let (email, display_name) =
            check_new_user(&mut checker, &body.email, &body.display_name, &body.password);
        let invite_code = body.invite_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
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
                    let allowed: Vec<&str> =
                        body.role.allowed_org_kinds().iter().map(|k| k.as_str()).collect();
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
                org.check("organization.", &mut checker).map_or(Membership::None, Membership::New)
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
        let language = crate::i18n::Lang::of(&req);
        let role = body.role;
        let public_url = state.config.mail.public_url.clone();
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
                    language,
                };
                let user = queries::insert(conn, &actor, draft, "user.register")?;
                super::reset::send_verification(conn, &user, &public_url)?;
                Ok(user)
            })
            .await?;
        Ok(HttpResponse::Created().json(UserOut::from(user)))
    }
}

crate::endpoint! {
    /// Signs in with e-mail and password.
    post "/auth/login" => login, tag "auth",
    public, body LoginRequest, ok 200 "Signed in" => TokenPair,
    problems { 401: "Wrong e-mail or password (the same answer for both)", 403: "The account is disabled", 429: "Too many attempts from this client or for this account", 503: "Every password-hashing slot is busy (`password_hashing_busy`, `Retry-After`)" },
    |req: HttpRequest, state: State, body: ValidJson<LoginRequest>|
        -> ApiResult<web::Json<TokenPair>> {
        let body = body.into_inner();
        let email = body.email.trim().to_lowercase();
        state.login_limiter.check(client_ip(&req, state.config.trust_forwarded_for), &email).await?;
        let db = state.db.clone();
        let dummy_hash = state.dummy_hash.clone();
        let lookup_email = email.clone();
        let password_text = body.password;
        // Unknown e-mail and wrong password cost the same argon2 verification and get the same answer.
        let user = db.read(move |conn| queries::find_by_email(conn, &lookup_email)).await?;
        let stored = user.as_ref().map_or(dummy_hash, |u| u.password_hash.clone());
        let matches = verify_password(&state, password_text, stored).await?;
        let user = user.filter(|_| matches);
        let Some(user) = user else {
            return Err(ApiError::Unauthorized("the e-mail address or the password is wrong".into()));
        };
        if user.status != UserStatus::Active {
            return Err(ApiError::Forbidden("this account is disabled".into()));
        }
        let tokens = state.tokens.clone();
        let refresh_ttl = i64::try_from(state.config.refresh_token_ttl_secs).unwrap_or(i64::MAX / 4);
        let actor =
            Actor { user_id: Some(user.id.clone()), request_id: anonymous_actor(&req).request_id };
        let pair = state
            .db
            .write(move |conn| {
                let pair = sessions::open(conn, &tokens, &user, refresh_ttl)?;
                queries::touch_login(conn, &user.id)?;
                audit::record(conn, &actor, "user.login", "user", &user.id, serde_json::json!({}))?;
                Ok(pair)
            })
            .await?;
        Ok(web::Json(pair))
    }
}

crate::endpoint! {
    /// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a
    /// used one ends the whole session.
    post "/auth/refresh" => refresh, tag "auth",
    public, body RefreshRequest, ok 200 "A new token pair" => TokenPair,
    problems { 401: "Unknown, expired, revoked or reused refresh token" },
    |req: HttpRequest, state: State, body: ValidJson<RefreshRequest>|
        -> ApiResult<web::Json<TokenPair>> {
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
}

crate::endpoint! {
    /// Signs out: ends the session of the refresh token (and every access token issued in it).
    post "/auth/logout" => logout, tag "auth",
    public, body RefreshRequest, ok 204 "Signed out (also for unknown tokens)",
    |req: HttpRequest, state: State, body: ValidJson<RefreshRequest>| -> ApiResult<HttpResponse> {
        let presented = body.into_inner().refresh_token;
        let request_id = anonymous_actor(&req).request_id;
        state
            .db
            .write(move |conn| {
                if let Some((session_id, user_id)) = sessions::session_of(conn, &presented)? {
                    sessions::revoke(conn, &session_id, "logout")?;
                    let actor = Actor { user_id: Some(user_id.clone()), request_id };
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
}
