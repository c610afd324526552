//! Demand endpoints: create, list and search, read, edit, confidential details.

use crate::http::endpoint::State;
use actix_web::{get, patch, post, web};

use super::dto::{DemandConfidentialOut, DemandFilter, DemandInput, DemandOut, DemandPatch};
use super::record::DemandRecords;
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::http::Page;
use crate::listings::Library;
use crate::listings::confidential;

/// Registers the demand routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_demands)
        .service(export_demands)
        .service(get_demand)
        .service(create_demand)
        .service(list_demands)
        .service(update_demand)
        .service(read_demand_confidential);
    crate::listings::actions::configure(cfg, Library::Demands);
}

crate::library_endpoints! {
    records: DemandRecords,
    tag: "demands",
    id: "Demand id",
    paths: {
        list: "/demands",
        item: "/demands/{id}",
        import: "/demands/import",
        export: "/demands/export"
    },
    types: { input: DemandInput, patch: DemandPatch, out: DemandOut, filter: DemandFilter },
    create: {
        create_demand,
        [
            "Creates a demand (a draft; administrators may publish at once with `publish=true`).",
            "",
            "Demands are posted by enterprises for their own organization; administrators name `org_id`."
        ],
        forbidden: "Not the caller's organization, not an enterprise, or `publish=true` from a non-administrator",
        conflict: "`external_ref` already used in the organization (`existing_id`)"
    },
    list: {
        list_demands,
        [
            "Lists and searches demands.",
            "",
            "The public sees published, unexpired records; owners and administrators add `status` or `mine=true`."
        ],
        page: "A page of demands"
    },
    get: { get_demand, ["One demand (drafts and other unpublished records only for their owners and administrators)."], found: "The demand" },
    update: {
        update_demand,
        [
            "Edits a demand with a JSON merge patch (its owners and administrators).",
            "",
            "Closed records cannot be edited; `org_id` cannot be changed."
        ],
        conflict: "Stale version, a closed record, or a duplicate `external_ref`"
    },
    import: {
        import_demands,
        [
            "Imports demands: `application/x-ndjson` (one create body per line) or `text/csv`.",
            "",
            "A CSV has a header of field names; lists are joined with `;`, `contact.phone`-style columns reach into objects. Up to 10,000 records; if any line fails nothing is created unless `partial=true`. Enterprises import into their own organization; administrators pass `org_id` and may pass `publish=true`."
        ]
    },
    export: {
        export_demands,
        [
            "Exports the demands a list with the same filters would show, as a stream.",
            "",
            "Never confidential details; contacts only for signed-in callers."
        ]
    },
}

crate::endpoint! {
    /// Reads a demand's confidential details: its owners, administrators, users whose access
    /// request was granted, and the parties and broker of a live deal about it. Every read is
    /// written to the audit log.
    get "/demands/{id}/confidential" => read_demand_confidential, tag "demands",
    path { "id": "Demand id" }, ok 200 "The confidential details" => DemandConfidentialOut,
    |user: AuthUser, state: State, path: web::Path<String>|
        -> ApiResult<web::Json<DemandConfidentialOut>> {
        let (id, confidential_details) =
            confidential::read::<DemandRecords>(&state, user, path.into_inner(), |row| row.confidential_details)
                .await?;
        Ok(web::Json(DemandConfidentialOut { id, confidential_details }))
    }
}
