//! Demands in bulk: import lines and export rows.

use serde_json::Value;

use super::dto::{DemandFilter, DemandInput, DemandOut, ValidDemand, Viewer};
use super::queries;
use crate::achievements::bulk::decode_value;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::access::can_manage;
use crate::listings::bulk::{BulkLibrary, FilterParts, ImportContext};
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use crate::validation::Checker;

/// The demands library in imports and exports.
pub struct DemandBulk;

impl BulkLibrary for DemandBulk {
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
    type Valid = ValidDemand;
    type Filter = DemandFilter;

    fn parse(value: Value) -> Result<ValidDemand, Vec<FieldError>> {
        let input: DemandInput = decode_value(value)?;
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

    fn load_texts(
        conn: &mut DbConnection,
        ids: Vec<String>,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, String)>> {
        queries::load_texts(conn, ids)
    }

    fn filter_parts(filter: &DemandFilter) -> FilterParts {
        FilterParts {
            q: filter.q.clone(),
            status: filter.status,
            mine: filter.mine.unwrap_or(false),
            region: filter.region.clone(),
        }
    }

    fn export_batch(
        conn: &mut DbConnection,
        filter: &DemandFilter,
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
                let out = DemandOut::build(listing, row, viewer);
                (
                    out.id.clone(),
                    serde_json::to_value(out).unwrap_or_default(),
                )
            })
            .collect())
    }
}
