//! The names an answer is read by in a list — the demand's and the offered achievement's
//! titles and the responding organization's name — loaded for a whole page at once (two
//! queries, whatever its length).

use std::collections::HashMap;

use super::model::{ResponseOut, ResponseRow};
use crate::db::DbConnection;
use crate::error::ApiResult;

/// The answers as a list shows them, with their names.
pub fn response_outs(
    conn: &mut DbConnection,
    rows: Vec<ResponseRow>,
) -> ApiResult<Vec<ResponseOut>> {
    let listing_ids: Vec<&String> = rows
        .iter()
        .flat_map(|r| [Some(&r.demand_id), r.achievement_id.as_ref()])
        .flatten()
        .collect();
    let titles = crate::listings::queries::titles(conn, &listing_ids)?;
    let org_ids: Vec<&String> = rows.iter().filter_map(|r| r.responder_org_id.as_ref()).collect();
    let orgs = crate::organizations::queries::names(conn, &org_ids)?;
    let name =
        |map: &HashMap<String, String>, id: Option<&String>| id.and_then(|id| map.get(id)).cloned();
    Ok(rows
        .into_iter()
        .map(|row| ResponseOut {
            demand_title: name(&titles, Some(&row.demand_id)),
            achievement_title: name(&titles, row.achievement_id.as_ref()),
            responder_org_name: name(&orgs, row.responder_org_id.as_ref()),
            ..ResponseOut::from(row)
        })
        .collect())
}
