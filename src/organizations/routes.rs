//! Organization endpoints: the public directory, members' edits, invites, verification.

use crate::action_endpoint;
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use actix_web::{HttpResponse, get, patch, post, web};

use super::dto::{
    CreateInviteRequest, InviteOut, OrganizationFilter, OrganizationOut, UpdateOrganizationRequest,
    VerifyRequest, region_code,
};
use super::queries;
use crate::audit;
use crate::auth::{AdminUser, AuthUser};
use crate::db::to_utc;
use crate::error::{ApiError, ApiResult};
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams, ValidJson};
use crate::organizations::dto::{ADDRESS_MAX, NAME_MAX};
use crate::organizations::model::Organization;
use crate::state::AppState;
use crate::validation::{self, Checker};

crate::endpoint! {
    /// The public directory of organizations.
    get "/organizations" => list_organizations, tag "organizations",
    public, params { OrganizationFilter, PageParams },
    ok 200 "Organizations, newest first" => Page<OrganizationOut>,
    |state: State, filter: web::Query<OrganizationFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<OrganizationOut>>> {
        let filter = filter.into_inner();
        crate::validation::check_region_prefix(filter.region.as_deref())?;
        let page = read_page(&state.db, &page, move |conn, request| queries::list(conn, &filter, request));
        Ok(web::Json(page.await?.keyed(|o| o.id.clone()).map(OrganizationOut::from)))
    }
}

crate::endpoint! {
    /// One organization.
    get "/organizations/{id}" => get_organization, tag "organizations",
    public, path { "id": "Organization id" }, ok 200 "The organization" => OrganizationOut,
    |state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let org = state.db.read(move |conn| queries::find(conn, &id)).await?;
        Ok(Tagged::ok(org.version, OrganizationOut::from(org)).into())
    }
}

/// 404 if the organization does not exist, 403 unless the user is a member or an administrator.
fn ensure_member(user: &AuthUser, organization_id: &str) -> Result<(), ApiError> {
    if user.is_admin() || user.belongs_to(organization_id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only members of this organization and administrators may do this".into(),
        ))
    }
}

crate::endpoint! {
    /// Edits an organization's name, region, address or website (its members and administrators).
    patch "/organizations/{id}" => update_organization, tag "organizations",
    path { "id": "Organization id" },
    params { ("If-Match" = Option<String>, Header, description = "The version the change is based on") },
    body UpdateOrganizationRequest, ok 200 "Updated" => OrganizationOut,
    problems { 403: "Not a member", 409: "Stale version", 428: "No version given" },
    |if_match: IfMatch, user: AuthUser, state: State, path: web::Path<String>, body: ValidJson<UpdateOrganizationRequest>|
        -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let body = body.into_inner();
        let lookup_id = id.clone();
        state.db.read(move |conn| queries::find(conn, &lookup_id)).await?;
        ensure_member(&user, &id)?;
        let expected = if_match.expected(body.version)?;
        let mut checker = Checker::new();
        let name =
            body.name.as_deref().and_then(|n| checker.check("name", validation::text(n, 2, NAME_MAX)));
        let region =
            body.region_code.as_deref().and_then(|r| checker.check("region_code", region_code(r)));
        let address = body
            .address
            .as_deref()
            .map(|a| checker.check("address", validation::optional_text(Some(a), ADDRESS_MAX)));
        let website = body.website.as_deref().map(|w| {
            checker.check(
                "website",
                if w.trim().is_empty() { Ok(None) } else { validation::website(w).map(Some) },
            )
        });
        checker.finish()?;
        let actor = user.actor();
        let saved = state
            .db
            .write(move |conn| {
                let current = queries::find(conn, &id)?;
                let mut next = current.clone();
                if let Some(name) = name {
                    next.name = name;
                }
                if let Some(region) = region {
                    next.region_code = region;
                }
                if let Some(Some(address)) = address {
                    next.address = address;
                }
                if let Some(Some(website)) = website {
                    next.website = website;
                }
                let saved = queries::save(conn, &next, expected)?;
                audit::record(
                    conn,
                    &actor,
                    "organization.update",
                    "organization",
                    &saved.id,
                    audit::diff(&[
                        ("name", current.name.clone().into(), saved.name.clone().into()),
                        (
                            "region_code",
                            current.region_code.clone().into(),
                            saved.region_code.clone().into(),
                        ),
                        ("address", current.address.clone().into(), saved.address.clone().into()),
                        ("website", current.website.clone().into(), saved.website.clone().into()),
                    ]),
                )?;
                Ok(saved)
            })
            .await?;
        changed(&state, saved).await
    }
}

action_endpoint! {
    /// Creates an invite code with which others join the organization (its members and
    /// administrators). The code is shown once.
    post "/organizations/{id}/invites" => create_invite, tag "organizations", path { "id": "Organization id" },
    ok 201 "The invite, with its code" => InviteOut, problems { 403: "Not a member" },
    |user: AuthUser, state, path: String, body: Json<CreateInviteRequest>| -> HttpResponse {
        let id = path.into_inner();
        let body = body.into_inner();
        let lookup_id = id.clone();
        state.db.read(move |conn| queries::find(conn, &lookup_id)).await?;
        ensure_member(&user, &id)?;
        let mut checker = Checker::new();
        let max_uses = body.max_uses.unwrap_or(10);
        if !(1..=100).contains(&max_uses) {
            checker.fail("max_uses", "out_of_range", "must be between 1 and 100");
        }
        let days = body.expires_in_days.unwrap_or(7);
        if !(1..=30).contains(&days) {
            checker.fail("expires_in_days", "out_of_range", "must be between 1 and 30");
        }
        checker.finish()?;
        let actor = user.actor();
        let (invite, code) = state
            .db
            .write(move |conn| queries::create_invite(conn, &actor, &id, max_uses, days))
            .await?;
        Ok(HttpResponse::Created().json(InviteOut {
            id: invite.id,
            code,
            organization_id: invite.organization_id,
            expires_at: to_utc(invite.expires_at),
            max_uses: invite.max_uses,
        }))
    }
}

action_endpoint! {
    /// Verifies an organization, or withdraws its verification (administrators).
    post "/admin/organizations/{id}/verify" => verify_organization, tag "admin", path { "id": "Organization id" },
    ok 200 "The organization" => OrganizationOut, problems {  },
    |admin: AdminUser, state, path: String, body: Json<VerifyRequest>| -> HttpResponse {
        let id = path.into_inner();
        let verified = body.into_inner().verified;
        let actor = admin.0.actor();
        let saved = state
            .db
            .write(move |conn| {
                let current = queries::find(conn, &id)?;
                if current.verified == verified {
                    return Ok(current);
                }
                let mut next = current.clone();
                next.verified = verified;
                let saved = queries::save(conn, &next, current.version)?;
                audit::record(
                    conn,
                    &actor,
                    if verified { "organization.verify" } else { "organization.unverify" },
                    "organization",
                    &saved.id,
                    audit::diff(&[("verified", current.verified.into(), saved.verified.into())]),
                )?;
                Ok(saved)
            })
            .await?;
        changed(&state, saved).await
    }
}

/// The answer to a change of an organization, once the service-provider profiles of its
/// members are re-indexed (lists filter them by their organization's name and verification).
async fn changed(state: &AppState, saved: Organization) -> ApiResult<HttpResponse> {
    let org_id = saved.id.clone();
    let profiles = state
        .db
        .read(move |conn| crate::listings::reindex::provider_profiles(conn, &org_id))
        .await?;
    crate::listings::listing_search::refresh(state, profiles).await;
    Ok(Tagged::ok(saved.version, OrganizationOut::from(saved)).into())
}
