//! `POST /api/v1/admin/users/{id}/verify`: an administrator vouches for a user. Technology
//! brokers register themselves, but open, carry and read deals only once verified.

use crate::action_endpoint;
use actix_web::{HttpResponse, post};
use diesel::prelude::*;

use super::dto::UserOut;
use super::queries;
use crate::audit;
use crate::auth::AdminUser;
use crate::db::now;
use crate::db::schema::users;
use crate::error::ApiError;
use crate::http::version::Tagged;
use crate::organizations::dto::VerifyRequest;

action_endpoint! {
    /// Verifies a user, or withdraws the verification (administrators). A broker whose
    /// verification is withdrawn no longer sees or moves the deals they carry.
    post "/admin/users/{id}/verify" => verify_user, tag "admin", path { "id": "User id" },
    ok 200 "The user" => UserOut, problems { 403: "The caller is not an administrator", 404: "No such user" },
    |admin: AdminUser, state, path: String, body: Json<VerifyRequest>| -> HttpResponse {
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
}
