//! Achievement endpoints: create, list and search, read, edit, confidential details.

use crate::http::endpoint::State;
use actix_web::{HttpResponse, get, patch, post, web};

use super::dto::{
    AchievementFilter, AchievementInput, AchievementOut, AchievementPatch, ConfidentialOut,
};
use super::record::AchievementRecords;
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::http::json::OptionalJson;
use crate::http::{Page, PageParams};
use crate::listings::Library;
use crate::listings::access_requests::{
    self, AccessDecision, AccessDecisionInput, AccessRequestInput, AccessRequestOut,
};
use crate::listings::confidential;

/// Registers the achievement routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_achievement)
        .service(import_achievements)
        .service(export_achievements)
        .service(list_achievements)
        .service(get_achievement)
        .service(update_achievement)
        .service(read_confidential)
        .service(request_access)
        .service(list_access_requests)
        .service(decide_access_request);
    crate::listings::actions::configure(cfg, Library::Achievements);
}

crate::library_endpoints! {
    records: AchievementRecords,
    tag: "achievements",
    id: "Achievement id",
    paths: {
        list: "/achievements",
        item: "/achievements/{id}",
        import: "/achievements/import",
        export: "/achievements/export"
    },
    types: { input: AchievementInput, patch: AchievementPatch, out: AchievementOut, filter: AchievementFilter },
    create: {
        create_achievement,
        [
            "Creates an achievement (a draft; administrators may publish at once with `publish=true`).",
            "",
            "Universities, research institutes and enterprises list achievements for their own organization; administrators name `org_id`."
        ],
        forbidden: "Not the caller's organization, an organization that does not list achievements, or `publish=true` from a non-administrator",
        conflict: "`external_ref` already used in the organization (`existing_id`)"
    },
    list: {
        list_achievements,
        [
            "Lists and searches achievements.",
            "",
            "The public sees published, unexpired records; owners and administrators add `status` or `mine=true`."
        ],
        page: "A page of achievements"
    },
    get: { get_achievement, ["One achievement (drafts and other unpublished records only for their owners and administrators)."], found: "The achievement" },
    update: {
        update_achievement,
        [
            "Edits an achievement with a JSON merge patch (its owners and administrators).",
            "",
            "Closed records cannot be edited; `org_id` cannot be changed."
        ],
        conflict: "Stale version, a closed record, or a duplicate `external_ref`"
    },
    import: {
        import_achievements,
        [
            "Imports achievements: `application/x-ndjson` (one create body per line) or `text/csv`.",
            "",
            "A CSV has a header of field names; lists are joined with `;`, `patents` is JSON, `contact.phone`-style columns reach into objects. Up to 10,000 records; every line is checked, and if any fails nothing is created unless `partial=true`. Members import into their own organization; administrators pass `org_id` and may pass `publish=true`."
        ]
    },
    export: {
        export_achievements,
        [
            "Exports the achievements a list with the same filters would show, as a stream.",
            "",
            "Never confidential details; contacts only for signed-in callers."
        ]
    },
}

crate::endpoint! {
    /// Reads an achievement's confidential details: its owners, administrators, users whose
    /// access request was granted, and the parties and broker of a live deal about it. Every read
    /// is written to the audit log.
    get "/achievements/{id}/confidential" => read_confidential, tag "achievements",
    path { "id": "Achievement id" }, ok 200 "The confidential details" => ConfidentialOut,
    |user: AuthUser, state: State, path: web::Path<String>|
        -> ApiResult<web::Json<ConfidentialOut>> {
        let (id, confidential_details) =
            confidential::read::<AchievementRecords>(&state, user, path.into_inner(), |row| row.confidential_details)
                .await?;
        Ok(web::Json(ConfidentialOut { id, confidential_details }))
    }
}

crate::endpoint! {
    /// Asks for access to an achievement's confidential details (signed-in members of verified
    /// organizations; one pending or granted request per user).
    post "/achievements/{id}/access-requests" => request_access, tag "achievements",
    path { "id": "Achievement id" }, body AccessRequestInput,
    ok 201 "Requested" => AccessRequestOut,
    problems { 403: "The caller's organization is not verified", 409: "A live request exists, or the caller manages the record" },
    |user: AuthUser, state: State, path: web::Path<String>, body: OptionalJson<AccessRequestInput>|
        -> ApiResult<HttpResponse> {
        access_requests::create(user, state, path, body, Library::Achievements).await
    }
}

crate::endpoint! {
    /// Access requests of an achievement: all for its owners and administrators, one's own for others.
    get "/achievements/{id}/access-requests" => list_access_requests, tag "achievements",
    path { "id": "Achievement id" }, params { PageParams },
    ok 200 "Access requests, newest first" => Page<AccessRequestOut>,
    |user: AuthUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<AccessRequestOut>>> {
        access_requests::list(user, state, path, page, Library::Achievements).await
    }
}

crate::endpoint! {
    /// Grants or denies a pending request, or revokes a grant (the achievement's owners and administrators).
    post "/achievements/{id}/access-requests/{request_id}/{decision}" => decide_access_request, tag "achievements",
    path { "id": "Achievement id", "request_id": "Access request id" },
    params { ("decision" = AccessDecision, Path, description = "grant, deny or revoke") },
    body AccessDecisionInput, ok 200 "Decided" => AccessRequestOut,
    problems { 409: "Not possible from the request's status (see `allowed`)" },
    |user: AuthUser, state: State, path: web::Path<(String, String, AccessDecision)>, body: OptionalJson<AccessDecisionInput>|
        -> ApiResult<web::Json<AccessRequestOut>> {
        let (id, request_id, decision) = path.into_inner();
        access_requests::decide(
            user,
            state,
            web::Path::from((id, request_id)),
            body,
            Library::Achievements,
            decision,
        )
        .await
    }
}
