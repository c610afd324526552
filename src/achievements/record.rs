//! Achievements as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use super::dto::{AchievementFilter, AchievementInput, AchievementOut, ValidAchievement};
use super::queries::{self, AchievementRow};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::listings::Library;
use crate::listings::bulk::RecordLibrary;
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::listings::record::Stored;
use crate::organizations::model::OrgKind;

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
        "id",
        "external_ref",
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
        "valid_until",
        "status",
        "org_id",
        "published_at",
        "contact.name",
        "contact.phone",
        "contact.email",
    ];
    type Input = AchievementInput;
    type Valid = ValidAchievement;
    type Filter = AchievementFilter;
    type Row = AchievementRow;
    type Out = AchievementOut;

    crate::record_basics!(achievements);

    crate::record_pair_queries!();

    crate::record_output!(AchievementOut);

    crate::organization_record_inserts!();

    fn main_text(row: &AchievementRow) -> String {
        row.summary.clone()
    }

    crate::common_filter_parts!(AchievementFilter);

    fn list_rows(
        conn: &mut DbConnection,
        filter: &AchievementFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        sort: SortOrder,
        window: &Window,
    ) -> ApiResult<Vec<Stored<Self>>> {
        queries::list_rows(conn, filter, scope, hit_ids, sort, window)
    }
}
