//! Service-organization profiles as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use super::dto::{
    ServiceProviderFilter, ServiceProviderInput, ServiceProviderOut, ValidServiceProvider, Viewer,
};
use super::queries::{self, OrgFacts, Profile, ServiceProviderRow};
use crate::audit::Actor;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::service_providers;
use crate::error::ApiResult;
use crate::listings::bulk::{ImportContext, RecordLibrary};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{ListScope, PossibleDuplicate, Window};
use crate::listings::model::Listing;
use crate::listings::output::ListingOut;
use crate::listings::record::Stored;
use crate::listings::{Library, owner_org};
use crate::organizations::model::OrgKind;
use crate::policy::Managed;
use crate::search::SearchDoc;
use crate::validation::Checker;
use diesel::prelude::*;

/// The service organizations library (服务机构库) in the record layer.
pub struct ServiceProviderRecords;

impl RecordLibrary for ServiceProviderRecords {
    const LIBRARY: Library = Library::ServiceProviders;
    const OWNER_KINDS: &'static [OrgKind] = &[OrgKind::ServiceProvider];
    const LIST_FIELDS: &'static [&'static str] =
        &["service_types", "technology_fields", "qualifications"];
    const INT_FIELDS: &'static [&'static str] = &[];
    const BOOL_FIELDS: &'static [&'static str] = &["accepts_vouchers"];
    const JSON_FIELDS: &'static [&'static str] = &["services"];
    const EXPORT_COLUMNS: &'static [&'static str] = &[
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
    ];
    const PRICE_SORTS: bool = false;
    type Input = ServiceProviderInput;
    type Valid = ValidServiceProvider;
    type Filter = ServiceProviderFilter;
    type Row = (ServiceProviderRow, OrgFacts);
    type Out = ServiceProviderOut;

    fn check(input: &ServiceProviderInput, checker: &mut Checker) -> Option<ValidServiceProvider> {
        input.check(checker)
    }

    fn requested_org(input: &ServiceProviderInput) -> Option<String> {
        input.org_id.clone()
    }

    fn load_texts(conn: &mut DbConnection, ids: Vec<String>) -> ApiResult<Vec<(Listing, String)>> {
        queries::load_texts(conn, ids)
    }

    fn all_search_docs(conn: &mut DbConnection) -> ApiResult<Vec<SearchDoc>> {
        queries::all_search_docs(conn)
    }

    fn delete_row(conn: &mut DbConnection, id: &str) -> ApiResult<()> {
        diesel::delete(service_providers::table.find(id)).execute(conn)?;
        Ok(())
    }

    fn create(
        conn: &mut DbConnection,
        user: &AuthUser,
        requested_org: Option<&str>,
        valid: &ValidServiceProvider,
        status: ListingStatus,
    ) -> ApiResult<Stored<Self>> {
        let org = owner_org(conn, user, requested_org, Self::OWNER_KINDS)?;
        let profile = queries::insert(conn, &user.actor(), user.id(), &org, valid, status)?;
        Ok(from_profile(profile))
    }

    fn save(
        conn: &mut DbConnection,
        actor: &Actor,
        current: &Managed<Stored<Self>>,
        valid: &ValidServiceProvider,
        expected: i64,
    ) -> ApiResult<Stored<Self>> {
        let (listing, (row, org)) = current.get().clone();
        let profile = Profile { listing, row, org };
        queries::update(conn, actor, &profile, valid, expected).map(from_profile)
    }

    fn to_input(listing: &Listing, row: &Self::Row) -> ApiResult<ServiceProviderInput> {
        let profile = Profile { listing: listing.clone(), row: row.0.clone(), org: row.1.clone() };
        Ok(queries::to_input(&profile))
    }

    fn search_doc(listing: &Listing, row: &Self::Row) -> SearchDoc {
        queries::search_doc(listing, &row.0, &row.1)
    }

    fn main_text(row: &Self::Row) -> String {
        queries::body_text(&row.0)
    }

    crate::common_filter_parts!(ServiceProviderFilter);

    crate::filter_queries!(ServiceProviderFilter);

    fn list_rows(
        conn: &mut DbConnection,
        filter: &ServiceProviderFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
    ) -> ApiResult<Vec<Stored<Self>>> {
        let rows = queries::list_rows(conn, filter, scope, hit_ids, window)?;
        Ok(rows.into_iter().map(|(listing, row, org)| (listing, (row, org))).collect())
    }

    fn find(conn: &mut DbConnection, id: &str) -> ApiResult<Stored<Self>> {
        queries::find(conn, id).map(from_profile)
    }

    fn build_out(listing: Listing, row: Self::Row, viewer: Viewer) -> ServiceProviderOut {
        ServiceProviderOut::build(Profile::from((listing, row.0, row.1)), viewer)
    }

    fn listing_mut(out: &mut ServiceProviderOut) -> &mut ListingOut {
        &mut out.listing
    }

    fn with_duplicates(
        out: ServiceProviderOut,
        duplicates: Vec<PossibleDuplicate>,
    ) -> ServiceProviderOut {
        ServiceProviderOut {
            listing: ListingOut { possible_duplicates: Some(duplicates), ..out.listing },
            ..out
        }
    }

    fn insert(
        conn: &mut DbConnection,
        ctx: &ImportContext,
        valid: &ValidServiceProvider,
    ) -> ApiResult<SearchDoc> {
        let profile =
            queries::insert(conn, &ctx.actor, &ctx.created_by, &ctx.org, valid, ctx.status)?;
        Ok(queries::search_doc(&profile.listing, &profile.row, &profile.org))
    }
}

/// A stored profile as the record layer's pair.
fn from_profile(profile: Profile) -> Stored<ServiceProviderRecords> {
    (profile.listing, (profile.row, profile.org))
}
