//! The names a deal is read by — its demand's and achievement's titles, the parties' and the
//! broker's names — loaded for a whole page at once (three queries, whatever its length).

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{DealOut, DealRow};
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::ApiResult;

/// The deals as the API shows them, with their contracts and names.
pub fn deal_outs(conn: &mut DbConnection, rows: Vec<DealRow>) -> ApiResult<Vec<DealOut>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut contracts = super::routes::contracts_of(conn, &ids)?;
    let listing_ids: Vec<&String> = rows
        .iter()
        .flat_map(|r| [r.demand_id.as_ref(), r.achievement_id.as_ref()])
        .flatten()
        .collect();
    let titles = crate::listings::queries::titles(conn, &listing_ids)?;
    let org_ids: Vec<&String> =
        rows.iter().flat_map(|r| [&r.buyer_org_id, &r.seller_org_id]).collect();
    let orgs = crate::organizations::queries::names(conn, &org_ids)?;
    let broker_ids: Vec<&String> = rows.iter().filter_map(|r| r.broker_id.as_ref()).collect();
    let brokers: HashMap<String, String> = users::table
        .filter(users::id.eq_any(broker_ids))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let name =
        |map: &HashMap<String, String>, id: Option<&String>| id.and_then(|id| map.get(id)).cloned();
    Ok(rows
        .into_iter()
        .map(|row| DealOut {
            contracts: contracts.remove(&row.id).unwrap_or_default(),
            demand_title: name(&titles, row.demand_id.as_ref()),
            achievement_title: name(&titles, row.achievement_id.as_ref()),
            buyer_name: name(&orgs, Some(&row.buyer_org_id)),
            seller_name: name(&orgs, Some(&row.seller_org_id)),
            broker_name: name(&brokers, row.broker_id.as_ref()),
            ..DealOut::from(row)
        })
        .collect())
}
