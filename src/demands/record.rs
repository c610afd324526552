//! Demands as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use super::dto::{DemandFilter, DemandInput, DemandOut};
use super::queries::{self, DemandRow};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::listings::Library;
use crate::listings::bulk::RecordLibrary;
use crate::listings::codec::{decode_codes, from_json};
use crate::listings::listing_search::{ListScope, Window};
use crate::listings::model::Listing;
use crate::listings::own_table::{Checked, OwnTable};
use crate::listings::record::Stored;
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use serde_json::{Value, json};

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
    ];
    type Input = DemandInput;
    type Valid = Checked<DemandRow>;
    type Filter = DemandFilter;
    type Row = DemandRow;
    type Out = DemandOut;

    crate::own_table_record!(demands, DemandRow, description);

    crate::record_output!(DemandOut);

    crate::organization_record_inserts!();

    crate::common_filter_parts!(DemandFilter);

    fn to_input(listing: &Listing, row: &DemandRow) -> ApiResult<DemandInput> {
        Ok(DemandInput {
            title: listing.title.clone(),
            description: row.description.clone(),
            keywords: from_json(&row.keywords),
            technology_field: row.technology_field.parse().map_err(ApiError::Internal)?,
            industry: row.industry.as_deref().and_then(|i| i.parse().ok()),
            required_maturity: row.required_maturity.as_deref().and_then(|m| m.parse().ok()),
            budget_min_fen: row.budget_min_fen,
            budget_max_fen: row.budget_max_fen,
            cooperation_modes: decode_codes(&row.cooperation_modes),
            region_code: Some(listing.region_code.clone()),
            deadline: row.deadline,
            reward_fen: row.reward_fen,
            contact: row.contact.as_deref().and_then(|c| serde_json::from_str(c).ok()),
            external_ref: listing.external_ref.clone(),
            valid_until: Some(listing.valid_until),
            confidential_details: row.confidential_details.clone(),
            org_id: listing.org_id.clone(),
        })
    }

    fn search_doc(listing: &Listing, row: &DemandRow) -> SearchDoc {
        SearchDoc {
            id: listing.id.clone(),
            library: crate::search::Library::Demands,
            title: listing.title.clone(),
            keywords: from_json(&row.keywords),
            body: row.description.clone(),
            facets: queries::facets(listing, row),
        }
    }

    crate::filter_queries!(DemandFilter);

    fn list_rows(
        conn: &mut DbConnection,
        filter: &DemandFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
    ) -> ApiResult<Vec<Stored<Self>>> {
        queries::list_rows(conn, filter, scope, hit_ids, window)
    }
}

impl OwnTable for DemandRecords {
    const REDACTED: &'static [&'static str] = &["confidential_details"];

    fn audit_facts(row: &DemandRow) -> Value {
        json!({
            "technology_field": row.technology_field,
            "required_maturity": row.required_maturity,
            "budget_min_fen": row.budget_min_fen, "budget_max_fen": row.budget_max_fen,
            "reward_fen": row.reward_fen,
        })
    }

    crate::own_table_writes!(demands, DemandRow);
}
