//! Demands in bulk: import lines and export rows.

use serde_json::Value;

use super::dto::{DemandFilter, DemandInput, DemandOut, ValidDemand, Viewer};
use super::queries::{self, DemandRow};
use crate::achievements::bulk::decode_value;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::bulk::{FilterParts, ImportContext, RecordLibrary};
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use crate::validation::Checker;

/// The demands library in imports and exports.
pub struct DemandBulk;

impl RecordLibrary for DemandBulk {
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
            _ => Err(vec![FieldError::new("line", "invalid", "the record could not be read")]),
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

    type Row = DemandRow;
    type Out = DemandOut;
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
        DemandOut::build(listing, row, viewer)
    }

    fn filter_parts(filter: &DemandFilter) -> FilterParts {
        FilterParts {
            q: filter.q.clone(),
            status: filter.status,
            mine: filter.mine.unwrap_or(false),
            region: filter.region.clone(),
            sort: filter.sort,
        }
    }
}
