//! Demands as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use super::dto::{DemandFilter, DemandInput, DemandOut, ValidDemand, Viewer};
use super::queries::{self, DemandRow};
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::listings::bulk::{ImportContext, RecordLibrary};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{ListScope, PossibleDuplicate, SortOrder, Window};
use crate::listings::model::Listing;
use crate::listings::output::ListingOut;
use crate::listings::record::Stored;
use crate::listings::{Library, owner_org};
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;

/// The demands library (需求库) in the record layer.
pub struct DemandRecords;

impl RecordLibrary for DemandRecords {
    const LIBRARY: Library = Library::Demands;
    const OWNER_KINDS: &'static [OrgKind] = &[OrgKind::Enterprise];
    const LIST_FIELDS: &'static [&'static str] = &["keywords", "cooperation_modes"];
    const INT_FIELDS: &'static [&'static str] = &["budget_min_fen", "budget_max_fen", "reward_fen"];
    const BOOL_FIELDS: &'static [&'static str] = &[];
    const JSON_FIELDS: &'static [&'static str] = &[];
    const EXPORT_COLUMNS: &'static [&'static str] = &[
        "id",
        "external_ref",
        "title",
        "description",
        "keywords",
        "technology_field",
        "industry",
        "required_maturity",
        "budget_min_fen",
        "budget_max_fen",
        "cooperation_modes",
        "region_code",
        "deadline",
        "reward_fen",
        "valid_until",
        "status",
        "org_id",
        "published_at",
        "contact.name",
        "contact.phone",
        "contact.email",
    ];
    type Input = DemandInput;
    type Valid = ValidDemand;
    type Filter = DemandFilter;
    type Row = DemandRow;
    type Out = DemandOut;

    crate::record_basics!(demands);

    crate::record_pair_queries!();

    fn create(
        conn: &mut DbConnection,
        user: &AuthUser,
        requested_org: Option<&str>,
        valid: &ValidDemand,
        status: ListingStatus,
    ) -> ApiResult<Stored<Self>> {
        let org = owner_org(conn, user, requested_org, Self::OWNER_KINDS)?;
        queries::insert(conn, &user.actor(), user.id(), &org.id, &org.region_code, valid, status)
    }

    fn main_text(row: &DemandRow) -> String {
        row.description.clone()
    }

    crate::common_filter_parts!(DemandFilter);

    fn list_rows(
        conn: &mut DbConnection,
        filter: &DemandFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        sort: SortOrder,
        window: &Window,
    ) -> ApiResult<Vec<Stored<Self>>> {
        queries::list_rows(conn, filter, scope, hit_ids, sort, window)
    }

    fn build_out(listing: Listing, row: DemandRow, viewer: Viewer) -> DemandOut {
        DemandOut::build(listing, row, viewer)
    }

    fn with_duplicates(out: DemandOut, duplicates: Vec<PossibleDuplicate>) -> DemandOut {
        DemandOut {
            listing: ListingOut { possible_duplicates: Some(duplicates), ..out.listing },
            ..out
        }
    }

    fn insert(
        conn: &mut DbConnection,
        ctx: &ImportContext,
        valid: &ValidDemand,
    ) -> ApiResult<SearchDoc> {
        let (listing, row) = queries::insert(
            conn,
            &ctx.actor,
            &ctx.created_by,
            &ctx.org.id,
            &ctx.org.region_code,
            valid,
            ctx.status,
        )?;
        Ok(queries::search_doc(&listing, &row))
    }
}
