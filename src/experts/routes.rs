//! Expert endpoints: create, list and search, read, edit, and claim a profile a broker or
//! administrator created.

use crate::http::endpoint::State;
use crate::listings::record::RecordLibrary;
use actix_web::{HttpResponse, get, patch, post, web};

use super::dto::{ExpertFilter, ExpertInput, ExpertOut, ExpertPatch, Viewer};
use super::queries::{self};
use super::record::ExpertRecords;
use crate::accounts::model::Role;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::Page;
use crate::http::version::Tagged;
use crate::listings::Library;
use crate::listings::access::ensure_visible;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{self};

/// Registers the expert routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_expert)
        .service(import_experts)
        .service(export_experts)
        .service(list_experts)
        .service(get_expert)
        .service(update_expert)
        .service(claim_expert);
    crate::listings::actions::configure(cfg, Library::Experts);
}

crate::library_endpoints! {
    records: ExpertRecords,
    tag: "experts",
    id: "Expert profile id",
    paths: {
        list: "/experts",
        item: "/experts/{id}",
        import: "/experts/import",
        export: "/experts/export"
    },
    types: { input: ExpertInput, patch: ExpertPatch, out: ExpertOut, filter: ExpertFilter },
    create: {
        create_expert,
        [
            "Creates an expert profile (a draft; administrators may publish at once with `publish=true`).",
            "",
            "Experts create their own one profile; brokers and administrators create unclaimed profiles that the expert later claims."
        ],
        forbidden: "The caller's role does not create expert profiles, names another organization, or asks `publish=true` without being an administrator",
        conflict: "The expert already has a profile (`existing_id`), or `external_ref` is already used"
    },
    list: {
        list_experts,
        [
            "Lists and searches expert profiles.",
            "",
            "The public sees published, unexpired profiles; managers and administrators add `status` or `mine=true`."
        ],
        page: "A page of expert profiles"
    },
    get: { get_expert, ["One expert profile (unpublished ones only for their managers and administrators)."], found: "The expert profile" },
    update: {
        update_expert,
        [
            "Edits an expert profile with a JSON merge patch.",
            "",
            "The expert who owns it, while unclaimed the broker or administrator who created it, and administrators edit it. Closed profiles cannot be edited."
        ],
        conflict: "Stale version or a closed profile"
    },
    import: {
        import_experts,
        [
            "Imports expert profiles as unclaimed profiles of the importing organization.",
            "",
            "`application/x-ndjson` or `text/csv` (lists joined with `;`). The people claim them with `POST /api/v1/experts/{id}/claim`."
        ]
    },
    export: {
        export_experts,
        [
            "Exports the expert profiles a list with the same filters would show, as a stream.",
            "",
            "Contacts only for signed-in callers."
        ]
    },
}

crate::endpoint! {
    /// Claims a profile a broker or administrator created: an expert user who has no profile yet
    /// takes over an unclaimed profile whose contact e-mail is their own (compared
    /// case-insensitively). From then on the expert manages it and its creator no longer does.
    post "/experts/{id}/claim" => claim_expert, tag "experts",
    path { "id": "Expert profile id" },
    ok 200 "Claimed; the caller now owns the profile" => ExpertOut,
    problems { 403: "Not an expert user, or the profile's contact e-mail is not the caller's", 409: "Already claimed, closed, or the caller already has a profile (`existing_id`)" },
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        if user.role() != Role::Expert {
            return Err(ApiError::Forbidden("only expert users claim expert profiles".into()));
        }
        let id = path.into_inner();
        let actor = user.actor();
        let claimed = state
            .db
            .write(move |conn| {
                let (listing, row) = ExpertRecords::find(conn, &id)?;
                let contact_email = row.contact_email();
                let matches = contact_email
                    .as_deref()
                    .is_some_and(|email| email.to_lowercase() == user.user.email.to_lowercase());
                if !matches {
                    // Unpublished profiles stay hidden from everyone but the expert they name.
                    ensure_visible(Some(&user), &listing)?;
                }
                if let Some(owner) = listing.owner_user_id.as_deref() {
                    let detail = if owner == user.id() {
                        "this profile is already yours"
                    } else {
                        "this profile has already been claimed by its expert"
                    };
                    return Err(ApiError::conflict(detail));
                }
                if !matches {
                    return Err(ApiError::Forbidden(match contact_email {
                        Some(_) => "the profile's contact e-mail is not yours; ask the broker or administrator who created it to correct the contact e-mail, then claim it again".into(),
                        None => "the profile has no contact e-mail; ask the broker or administrator who created it to enter yours, then claim it again".into(),
                    }));
                }
                if listing.status == ListingStatus::Closed {
                    return Err(ApiError::conflict_allowing("closed profiles cannot be claimed", Vec::new()));
                }
                queries::ensure_no_profile(conn, user.id())?;
                let saved = queries::set_owner(conn, &actor, &listing, user.id())?;
                Ok((saved, row))
            })
            .await?;
        listing_search::index(&state, ExpertRecords::search_doc(&claimed.0, &claimed.1)).await;
        let out = ExpertOut::build(claimed.0, claimed.1, Viewer::MANAGER);
        Ok(Tagged::ok(out.listing.version, out).into())
    }
}
