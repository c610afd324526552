//! Achievements in bulk: import lines and export rows.

use serde_json::Value;

use super::dto::{AchievementFilter, AchievementInput, AchievementOut, ValidAchievement, Viewer};
use super::queries;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::access::can_manage;
use crate::listings::bulk::FilterParts;
use crate::listings::bulk::{BulkLibrary, ImportContext};
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

impl BulkLibrary for AchievementBulk {
    const LIBRARY: Library = Library::Achievements;
    const OWNER_KINDS: &'static [OrgKind] = &[
        OrgKind::University,
        OrgKind::ResearchInstitute,
        OrgKind::Enterprise,
    ];
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

    fn filter_parts(filter: &AchievementFilter) -> FilterParts {
        FilterParts {
            q: filter.q.clone(),
            status: filter.status,
            mine: filter.mine.unwrap_or(false),
            region: filter.region.clone(),
        }
    }

    fn export_batch(
        conn: &mut DbConnection,
        filter: &AchievementFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
        caller: Option<&AuthUser>,
    ) -> ApiResult<Vec<(String, Value)>> {
        let rows = queries::list_rows(conn, filter, scope, hit_ids, SortOrder::Newest, window)?;
        Ok(rows
            .into_iter()
            .map(|(listing, row)| {
                let viewer = Viewer {
                    signed_in: caller.is_some(),
                    manages: caller.is_some_and(|u| can_manage(u, &listing)),
                };
                let out = AchievementOut::build(listing, row, viewer);
                (
                    out.id.clone(),
                    serde_json::to_value(out).unwrap_or_default(),
                )
            })
            .collect())
    }

    fn parse(value: Value) -> Result<ValidAchievement, Vec<FieldError>> {
        let input: AchievementInput = decode_value(value)?;
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
