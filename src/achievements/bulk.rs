//! Achievements in bulk: import lines and export rows.

use serde_json::Value;

use super::dto::{AchievementFilter, AchievementInput, AchievementOut, ValidAchievement, Viewer};
use super::queries::{self, AchievementRow};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::bulk::FilterParts;
use crate::listings::bulk::{ImportContext, RecordLibrary};
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use crate::validation::Checker;

/// The achievements library in imports and exports.
pub struct AchievementBulk;

/// Reads a JSON value into a typed body, mapping failures to field errors.
pub fn decode_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Vec<FieldError>> {
    let bytes = serde_json::to_vec(&value)
        .map_err(|e| vec![FieldError::new("line", "invalid", e.to_string())])?;
    crate::http::json::decode(&bytes).map_err(|error| match error {
        ApiError::Validation(errors) => errors,
        other => vec![FieldError::new("line", "invalid", other.to_string())],
    })
}

impl RecordLibrary for AchievementBulk {
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
    type Valid = ValidAchievement;
    type Filter = AchievementFilter;

    fn load_texts(
        conn: &mut DbConnection,
        ids: Vec<String>,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, String)>> {
        queries::load_texts(conn, ids)
    }

    type Row = AchievementRow;
    type Out = AchievementOut;
    const PRICE_SORTS: bool = true;

    fn list_rows(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        sort: SortOrder,
        window: &Window,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, Self::Row)>> {
        queries::list_rows(conn, filter, scope, hit_ids, sort, window)
    }

    fn find(
        conn: &mut DbConnection,
        id: &str,
    ) -> ApiResult<(crate::listings::model::Listing, Self::Row)> {
        queries::find(conn, id)
    }

    fn build_out(
        listing: crate::listings::model::Listing,
        row: Self::Row,
        viewer: Viewer,
    ) -> Self::Out {
        AchievementOut::build(listing, row, viewer)
    }

    fn filter_parts(filter: &AchievementFilter) -> FilterParts {
        FilterParts {
            q: filter.q.clone(),
            status: filter.status,
            mine: filter.mine.unwrap_or(false),
            region: filter.region.clone(),
            sort: filter.sort,
        }
    }

    fn parse(value: Value) -> Result<ValidAchievement, Vec<FieldError>> {
        let input: AchievementInput = decode_value(value)?;
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
