//! `GET /api/v1/me/access-requests`: every access request that concerns the caller in one list
//! — those waiting on the records of their organization (`side=owner`, the default; all of them
//! for administrators) or those they made (`side=requester`) — each with the record's title, so
//! nobody polls record by record.

use actix_web::{get, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access_requests::{AccessRequestOut, AccessRequestRow, AccessRequestStatus};
use crate::auth::AuthUser;
use crate::db::schema::{access_requests, listings};
use crate::error::ApiResult;
use crate::http::endpoint::State;
use crate::http::pagination::read_counted_page;
use crate::http::{Page, PageParams};

text_enum! {
    /// Which side of an access request the caller is on.
    pub enum AccessSide {
        /// Requests for the records of the caller's organization.
        Owner => "owner",
        /// The caller's own requests.
        Requester => "requester",
    }
}

/// The filters of the caller's access requests.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyAccessRequestFilter {
    /// `owner` (default): requests for the records of the caller's organization (every record
    /// for administrators); `requester`: the requests the caller made.
    pub side: Option<AccessSide>,
    /// Only requests in this status: `pending` (waiting for a decision), `granted`, `denied` or
    /// `revoked`.
    pub status: Option<AccessRequestStatus>,
}

/// An access request with the record it is about.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MyAccessRequest {
    /// The request.
    #[serde(flatten)]
    pub request: AccessRequestOut,
    /// The title of the record whose confidential details are asked for.
    pub listing_title: String,
    /// The record's library, e.g. `achievements`.
    pub library: String,
}

crate::endpoint! {
    /// The access requests that concern the caller, newest first: those waiting on the records
    /// of their organization (`side=owner`) or those they made (`side=requester`), with each
    /// record's title. Decide one at
    /// `POST /api/v1/achievements/{id}/access-requests/{request_id}/{decision}`.
    get "/me/access-requests" => list_my_access_requests, tag "me",
    params { MyAccessRequestFilter, PageParams },
    ok 200 "The requests, newest first" => Page<MyAccessRequest>,
    |user: AuthUser, state: State, filter: web::Query<MyAccessRequestFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<MyAccessRequest>>> {
        let filter = filter.into_inner();
        let page = read_counted_page(&state.db, &page, move |conn, request| {
            let selected = || {
                let mut query = access_requests::table
                    .inner_join(listings::table.on(listings::id.eq(access_requests::listing_id)))
                    .into_boxed();
                match filter.side.unwrap_or(AccessSide::Owner) {
                    AccessSide::Requester => {
                        query = query.filter(access_requests::requester_id.eq(user.id().to_string()));
                    }
                    AccessSide::Owner if user.is_admin() => {}
                    AccessSide::Owner => {
                        // A caller without an organization owns no record that takes requests.
                        let org = user.own_organization();
                        query = query.filter(listings::org_id.eq(org));
                    }
                }
                crate::narrow!(query, access_requests, filter; status);
                query
            };
            let total = selected().count().get_result(conn)?;
            let rows = crate::after_cursor!(selected(), access_requests::id, request, desc)
                .select((AccessRequestRow::as_select(), listings::title, listings::library))
                .load::<(AccessRequestRow, String, String)>(conn)?;
            Ok((rows, total))
        })
        .await?
        .keyed(|(r, _, _)| r.id.clone());
        Ok(web::Json(page.map(|(row, listing_title, library)| MyAccessRequest {
            request: AccessRequestOut::from(row),
            listing_title,
            library,
        })))
    }
}
