//! Demands as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use super::dto::{DemandFilter, DemandInput, DemandOut, ValidDemand};
use super::queries::{self, DemandRow};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::listings::Library;
use crate::listings::bulk::RecordLibrary;
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::listings::record::Stored;
use crate::organizations::model::OrgKind;

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

    crate::record_output!(DemandOut);

    crate::organization_record_inserts!();

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
}
