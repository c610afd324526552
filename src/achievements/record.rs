//! Achievements as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use serde_json::{Value, json};

use super::dto::{AchievementFilter, AchievementInput, AchievementOut};
use super::queries::{self, AchievementRow};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::bulk::RecordLibrary;
use crate::listings::codec::{decode_codes, from_json};
use crate::listings::listing_search::{ListScope, Window};
use crate::listings::model::Listing;
use crate::listings::own_table::{Checked, OwnTable};
use crate::listings::record::Stored;
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;

/// The achievements library (成果库) in the record layer.
pub struct AchievementRecords;

impl RecordLibrary for AchievementRecords {
    const LIBRARY: Library = Library::Achievements;
    const OWNER_KINDS: &'static [OrgKind] =
        &[OrgKind::University, OrgKind::ResearchInstitute, OrgKind::Enterprise];
    const LIST_FIELDS: &'static [&'static str] = &["keywords", "cooperation_modes"];
    const INT_FIELDS: &'static [&'static str] = &["trl", "asking_price_fen"];
    const BOOL_FIELDS: &'static [&'static str] = &["international"];
    const JSON_FIELDS: &'static [&'static str] = &["patents"];
    const EXPORT_COLUMNS: &'static [&'static str] = &[
        "title",
        "summary",
        "keywords",
        "technology_field",
        "industry",
        "maturity",
        "trl",
        "ip_type",
        "patents",
        "cooperation_modes",
        "asking_price_fen",
        "region_code",
        "team",
        "international",
    ];
    type Input = AchievementInput;
    type Valid = Checked<AchievementRow>;
    type Filter = AchievementFilter;
    type Row = AchievementRow;
    type Out = AchievementOut;

    crate::own_table_record!(achievements, AchievementRow, summary);

    crate::record_output!(AchievementOut);

    crate::organization_record_inserts!();

    crate::common_filter_parts!(AchievementFilter);

    fn to_input(listing: &Listing, row: &AchievementRow) -> ApiResult<AchievementInput> {
        Ok(AchievementInput {
            title: listing.title.clone(),
            summary: row.summary.clone(),
            keywords: from_json(&row.keywords),
            technology_field: row.technology_field.parse().map_err(ApiError::Internal)?,
            industry: row.industry.as_deref().and_then(|i| i.parse().ok()),
            maturity: Some(row.maturity.parse().map_err(ApiError::Internal)?),
            trl: row.trl,
            ip_type: row.ip_type.parse().ok(),
            patents: from_json(&row.patents),
            cooperation_modes: decode_codes(&row.cooperation_modes),
            asking_price_fen: row.asking_price_fen,
            region_code: Some(listing.region_code.clone()),
            team: row.team.clone(),
            contact: row.contact.as_deref().and_then(|c| serde_json::from_str(c).ok()),
            international: row.international,
            external_ref: listing.external_ref.clone(),
            valid_until: Some(listing.valid_until),
            confidential_details: row.confidential_details.clone(),
            org_id: listing.org_id.clone(),
        })
    }

    fn search_doc(listing: &Listing, row: &AchievementRow) -> SearchDoc {
        SearchDoc {
            id: listing.id.clone(),
            library: crate::search::Library::Achievements,
            title: listing.title.clone(),
            keywords: from_json(&row.keywords),
            body: row.summary.clone(),
            facets: queries::facets(listing, row),
        }
    }

    crate::filter_queries!(AchievementFilter);

    fn list_rows(
        conn: &mut DbConnection,
        filter: &AchievementFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
    ) -> ApiResult<Vec<Stored<Self>>> {
        queries::list_rows(conn, filter, scope, hit_ids, window)
    }
}

impl OwnTable for AchievementRecords {
    const REDACTED: &'static [&'static str] = &["confidential_details"];

    fn audit_facts(row: &AchievementRow) -> Value {
        json!({
            "technology_field": row.technology_field, "maturity": row.maturity,
            "asking_price_fen": row.asking_price_fen,
        })
    }

    crate::own_table_writes!(achievements, AchievementRow);
}
