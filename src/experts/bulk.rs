//! Expert profiles in bulk: import lines (as unclaimed profiles of the importing
//! organization) and export rows.

use serde_json::Value;

use super::dto::{ExpertFilter, ExpertInput, ExpertOut, ValidExpert, Viewer};
use super::queries::{self, ExpertRow, Ownership};
use crate::achievements::bulk::decode_value;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::bulk::{FilterParts, ImportContext, RecordLibrary};
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use crate::validation::Checker;

/// The experts library in imports and exports.
pub struct ExpertBulk;

impl RecordLibrary for ExpertBulk {
    const LIBRARY: Library = Library::Experts;
    const OWNER_KINDS: &'static [OrgKind] = &[
        OrgKind::University,
        OrgKind::ResearchInstitute,
        OrgKind::Enterprise,
        OrgKind::ServiceProvider,
        OrgKind::Government,
    ];
    const LIST_FIELDS: &'static [&'static str] =
        &["technology_fields", "expertise_keywords", "services"];
    const INT_FIELDS: &'static [&'static str] = &[];
    const BOOL_FIELDS: &'static [&'static str] = &[];
    const JSON_FIELDS: &'static [&'static str] = &[];
    const EXPORT_COLUMNS: &'static [&'static str] = &[
        "id",
        "external_ref",
        "name",
        "title",
        "affiliation_org_id",
        "affiliation_name",
        "technology_fields",
        "expertise_keywords",
        "bio",
        "services",
        "availability",
        "region_code",
        "user_id",
        "valid_until",
        "status",
        "published_at",
        "contact.name",
        "contact.phone",
        "contact.email",
    ];
    const BY_USER: bool = true;
    type Valid = ValidExpert;
    type Filter = ExpertFilter;

    fn parse(value: Value) -> Result<ValidExpert, Vec<FieldError>> {
        let input: ExpertInput = decode_value(value)?;
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
        valid: &ValidExpert,
    ) -> ApiResult<SearchDoc> {
        let ownership = Ownership {
            created_by: ctx.created_by.clone(),
            owner_user_id: None,
            org_id: Some(ctx.org.id.clone()),
        };
        let (listing, row) = queries::insert(conn, &ctx.actor, &ownership, valid, ctx.status)?;
        Ok(queries::search_doc(&listing, &row))
    }

    fn load_texts(
        conn: &mut DbConnection,
        ids: Vec<String>,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, String)>> {
        queries::load_texts(conn, ids)
    }

    type Row = ExpertRow;
    type Out = ExpertOut;
    const PRICE_SORTS: bool = false;

    fn list_rows(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        _sort: SortOrder,
        window: &Window,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, Self::Row)>> {
        queries::list_rows(conn, filter, scope, hit_ids, window)
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
        ExpertOut::build(listing, row, viewer)
    }

    fn filter_parts(filter: &ExpertFilter) -> FilterParts {
        FilterParts {
            q: filter.q.clone(),
            status: filter.status,
            mine: filter.mine.unwrap_or(false),
            region: filter.region.clone(),
            sort: filter.sort,
        }
    }
}
