//! Achievements as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use super::dto::{AchievementFilter, AchievementInput, AchievementOut, ValidAchievement, Viewer};
use super::queries::{self, AchievementRow};
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

    fn create(
        conn: &mut DbConnection,
        user: &AuthUser,
        requested_org: Option<&str>,
        valid: &ValidAchievement,
        status: ListingStatus,
    ) -> ApiResult<Stored<Self>> {
        let org = owner_org(conn, user, requested_org, Self::OWNER_KINDS)?;
        queries::insert(conn, &user.actor(), user.id(), &org.id, &org.region_code, valid, status)
    }

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

    fn build_out(listing: Listing, row: AchievementRow, viewer: Viewer) -> AchievementOut {
        AchievementOut::build(listing, row, viewer)
    }

    fn with_duplicates(out: AchievementOut, duplicates: Vec<PossibleDuplicate>) -> AchievementOut {
        AchievementOut {
            listing: ListingOut { possible_duplicates: Some(duplicates), ..out.listing },
            ..out
        }
    }

    fn insert(
        conn: &mut DbConnection,
        ctx: &ImportContext,
        valid: &ValidAchievement,
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
