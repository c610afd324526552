//! Service-organization profiles in bulk: import lines and export rows.

use serde_json::Value;

use super::dto::{
    ServiceProviderFilter, ServiceProviderInput, ServiceProviderOut, ValidServiceProvider, Viewer,
};
use super::queries::{self, OrgFacts, Profile, ServiceProviderRow};
use crate::achievements::bulk::decode_value;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::bulk::{FilterParts, ImportContext, RecordLibrary};
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use crate::validation::Checker;

/// The service providers library in imports and exports.
pub struct ServiceProviderBulk;

impl RecordLibrary for ServiceProviderBulk {
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
            _ => Err(vec![FieldError::new("line", "invalid", "the record could not be read")]),
        }
    }

    fn insert(
        conn: &mut DbConnection,
        ctx: &ImportContext,
        valid: &ValidServiceProvider,
    ) -> ApiResult<SearchDoc> {
        let profile =
            queries::insert(conn, &ctx.actor, &ctx.created_by, &ctx.org, valid, ctx.status)?;
        Ok(queries::search_doc(&profile.listing, &profile.row))
    }

    fn load_texts(
        conn: &mut DbConnection,
        ids: Vec<String>,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, String)>> {
        queries::load_texts(conn, ids)
    }

    type Row = (ServiceProviderRow, OrgFacts);
    type Out = ServiceProviderOut;
    const PRICE_SORTS: bool = false;

    fn list_rows(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        _sort: SortOrder,
        window: &Window,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, Self::Row)>> {
        Ok(queries::list_rows(conn, filter, scope, hit_ids, window)?
            .into_iter()
            .map(|(l, r, o)| (l, (r, o)))
            .collect())
    }

    fn find(
        conn: &mut DbConnection,
        id: &str,
    ) -> ApiResult<(crate::listings::model::Listing, Self::Row)> {
        queries::find(conn, id).map(|p| (p.listing, (p.row, p.org)))
    }

    fn build_out(
        listing: crate::listings::model::Listing,
        row: Self::Row,
        viewer: Viewer,
    ) -> Self::Out {
        ServiceProviderOut::build(Profile::from((listing, row.0, row.1)), viewer)
    }

    fn filter_parts(filter: &ServiceProviderFilter) -> FilterParts {
        FilterParts {
            q: filter.q.clone(),
            status: filter.status,
            mine: filter.mine.unwrap_or(false),
            region: filter.region.clone(),
            sort: filter.sort,
        }
    }
}
