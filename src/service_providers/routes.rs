//! Service-provider endpoints: create, list and search, read, edit.

use actix_web::{get, patch, post};

use super::dto::{
    ServiceProviderFilter, ServiceProviderInput, ServiceProviderOut, ServiceProviderPatch,
};
use super::record::ServiceProviderRecords;
use crate::http::Page;
use crate::listings::Library;

/// Registers the service-provider routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_service_provider)
        .service(import_service_providers)
        .service(export_service_providers)
        .service(list_service_providers)
        .service(get_service_provider)
        .service(update_service_provider);
    crate::listings::actions::configure(cfg, Library::ServiceProviders);
}

crate::library_endpoints! {
    records: ServiceProviderRecords,
    tag: "service-providers",
    id: "Service provider id",
    paths: {
        list: "/service-providers",
        item: "/service-providers/{id}",
        import: "/service-providers/import",
        export: "/service-providers/export"
    },
    types: { input: ServiceProviderInput, patch: ServiceProviderPatch, out: ServiceProviderOut, filter: ServiceProviderFilter },
    create: {
        create_service_provider,
        [
            "Creates the profile of the caller's service organization (a draft).",
            "",
            "Administrators name `org_id` and may publish at once with `publish=true`. An organization has one profile that is not closed."
        ],
        forbidden: "Not the caller's organization, not a service organization, or `publish=true` from a non-administrator",
        conflict: "The organization already has a profile (`existing_id`), or `external_ref` is already used"
    },
    list: {
        list_service_providers,
        [
            "Lists and searches service organizations.",
            "",
            "The public sees published, unexpired profiles; owners and administrators add `status` or `mine=true`."
        ],
        page: "A page of service organizations"
    },
    get: { get_service_provider, ["One service organization's profile (unpublished ones only for their owners and administrators)."], found: "The profile" },
    update: {
        update_service_provider,
        [
            "Edits a profile with a JSON merge patch (its organization's staff and administrators).",
            "",
            "Closed profiles cannot be edited; `org_id` cannot be changed."
        ],
        conflict: "Stale version, a closed profile, or a duplicate `external_ref`"
    },
    import: {
        import_service_providers,
        [
            "Imports service-organization profiles: `application/x-ndjson` or `text/csv`.",
            "",
            "Lists are joined with `;`, `services` is JSON. Administrators pass `org_id`; one live profile per organization still applies."
        ]
    },
    export: {
        export_service_providers,
        [
            "Exports the profiles a list with the same filters would show, as a stream.",
            "",
            "Contacts only for signed-in callers."
        ]
    },
}
