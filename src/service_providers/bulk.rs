//! Service-organization profiles in bulk: import lines and export rows.

use serde_json::Value;

use super::dto::{
    ServiceProviderFilter, ServiceProviderInput, ServiceProviderOut, ValidServiceProvider, Viewer,
};
use super::queries::{self, Profile};
use crate::achievements::bulk::decode_value;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::access::can_manage;
use crate::listings::bulk::{BulkLibrary, FilterParts, ImportContext};
use crate::listings::listing_search::{ListScope, Window};
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use crate::validation::Checker;

/// The service providers library in imports and exports.
pub struct ServiceProviderBulk;

impl BulkLibrary for ServiceProviderBulk {
    const LIBRARY: Library = Library::ServiceProviders;
    const OWNER_KINDS: &'static [OrgKind] = &[OrgKind::ServiceProvider];
    const LIST_FIELDS: &'static [&'static str] =
        &["service_types", "technology_fields", "qualifications"];
    const INT_FIELDS: &'static [&'static str] = &[];
    const BOOL_FIELDS: &'static [&'static str] = &["accepts_vouchers"];
    const JSON_FIELDS: &'static [&'static str] = &["services"];
    const EXPORT_COLUMNS: &'static [&'static str] = &[
        "id",
        "external_ref",
        "name",
        "organization_name",
        "organization_verified",
        "service_types",
        "technology_fields",
        "qualifications",
        "description",
        "accepts_vouchers",
        "services",
        "region_code",
        "valid_until",
        "status",
        "org_id",
        "published_at",
        "contact.name",
        "contact.phone",
        "contact.email",
    ];
    type Valid = ValidServiceProvider;
    type Filter = ServiceProviderFilter;

    fn parse(value: Value) -> Result<ValidServiceProvider, Vec<FieldError>> {
        let input: ServiceProviderInput = decode_value(value)?;
        let mut checker = Checker::new();
        let valid = input.check(&mut checker);
        match (checker.finish(), valid) {
            (Ok(()), Some(valid)) => Ok(valid),
            (Err(ApiError::Validation(errors)), _) => Err(errors),
            _ => Err(vec![FieldError::new(
                "line",
                "invalid",
                "the record could not be read",
            )]),
        }
    }

    fn insert(
        conn: &mut DbConnection,
        ctx: &ImportContext,
        valid: &ValidServiceProvider,
    ) -> ApiResult<SearchDoc> {
        let profile = queries::insert(
            conn,
            &ctx.actor,
            &ctx.created_by,
            &ctx.org,
            valid,
            ctx.status,
        )?;
        Ok(queries::search_doc(&profile.listing, &profile.row))
    }

    fn load_texts(
        conn: &mut DbConnection,
        ids: Vec<String>,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, String)>> {
        queries::load_texts(conn, ids)
    }

    fn filter_parts(filter: &ServiceProviderFilter) -> FilterParts {
        FilterParts {
            q: filter.q.clone(),
            status: filter.status,
            mine: filter.mine.unwrap_or(false),
            region: filter.region.clone(),
        }
    }

    fn export_batch(
        conn: &mut DbConnection,
        filter: &ServiceProviderFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
        caller: Option<&AuthUser>,
    ) -> ApiResult<Vec<(String, Value)>> {
        let rows = queries::list_rows(conn, filter, scope, hit_ids, window)?;
        Ok(rows
            .into_iter()
            .map(|record| {
                let profile = Profile::from(record);
                let viewer = Viewer {
                    signed_in: caller.is_some(),
                    manages: caller.is_some_and(|u| can_manage(u, &profile.listing)),
                };
                let out = ServiceProviderOut::build(profile, viewer);
                (
                    out.id.clone(),
                    serde_json::to_value(out).unwrap_or_default(),
                )
            })
            .collect())
    }
}
