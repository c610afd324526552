//! `POST /api/v1/admin/users/{id}/verify`: an administrator vouches for a user. Technology
//! brokers register themselves, but open, carry and read deals only once verified.

use actix_web::{HttpResponse, post, web};
use diesel::prelude::*;

use super::dto::UserOut;
use super::queries;
use crate::audit;
use crate::auth::AdminUser;
use crate::db::now;
use crate::db::schema::users;
use crate::error::{ApiError, ApiResult};
use crate::http::ValidJson;
use crate::http::version::Tagged;
use crate::organizations::dto::VerifyRequest;
use crate::state::AppState;

/// Verifies a user, or withdraws the verification (administrators). A broker whose
/// verification is withdrawn no longer sees or moves the deals they carry.
#[utoipa::path(
    tag = "admin",
    request_body = VerifyRequest,
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserOut),
        (status = 403, description = "The caller is not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/users/{id}/verify")]
pub(crate) async fn verify_user(
    admin: AdminUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let verified = body.into_inner().verified;
    let actor = admin.0.actor();
    let saved = state
        .db
        .write(move |conn| {
            let current = queries::find(conn, &id)?;
            if current.is_verified() == verified {
                return Ok(current);
            }
            let stamp = now();
            let changed = diesel::update(
                users::table
                    .filter(users::id.eq(&current.id))
                    .filter(users::version.eq(current.version)),
            )
            .set((
                users::verified_at.eq(verified.then_some(stamp)),
                users::version.eq(current.version + 1),
                users::updated_at.eq(stamp),
            ))
            .execute(conn)?;
            if changed == 0 {
                return Err(ApiError::stale_version(current.version, current.version + 1));
            }
            audit::record(
                conn,
                &actor,
                if verified { "user.verify" } else { "user.unverify" },
                "user",
                &current.id,
                audit::diff(&[("verified", (!verified).into(), verified.into())]),
            )?;
            queries::find(conn, &current.id)
        })
        .await?;
    Ok(Tagged::ok(saved.version, UserOut::from(saved)).into())
}
