//! The generic list and get handlers of every library.

use actix_web::{HttpResponse, web};

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::listings::access::Viewer;
use crate::listings::listing_search::{ListScope, SortOrder};
use crate::state::AppState;

use super::RecordLibrary;

/// `GET /api/v1/{library}`: lists and searches a library. The public sees published, unexpired
/// records; owners and administrators add `status` or `mine=true`.
pub async fn list<L: RecordLibrary + 'static>(
    caller: Option<AuthUser>,
    state: web::Data<AppState>,
    filter: L::Filter,
    page: crate::http::PageParams,
) -> ApiResult<crate::http::Page<L::Out>> {
    let parts = L::filter_parts(&filter);
    let request = page.parse()?;
    crate::validation::check_region_prefix(parts.region.as_deref())?;
    if !L::PRICE_SORTS && matches!(parts.sort, Some(SortOrder::PriceAsc | SortOrder::PriceDesc)) {
        return Err(ApiError::field(
            "sort",
            "unsupported",
            "this library sorts by `relevance` or `newest`",
        ));
    }
    let scope = ListScope::resolve(caller.as_ref(), parts.status, parts.mine, L::BY_USER)?;
    let hits =
        crate::listings::listing_search::hits(&state, L::LIBRARY, parts.q.as_deref()).await?;
    let sort = SortOrder::resolve(parts.sort, hits.is_some());
    let hit_ids = hits.as_ref().map(|h| h.ids());
    let window = crate::listings::listing_search::window(&request, hits.is_some(), sort)?;
    let db_window = window.clone();
    let rows = state
        .db
        .read(move |conn| L::list_rows(conn, &filter, &scope, hit_ids, sort, &db_window))
        .await?;
    let page = crate::listings::listing_search::paginate(
        rows,
        &request,
        &window,
        sort,
        hits.as_ref(),
        |(l, _)| l.id.clone(),
    );
    Ok(page.map(|(listing, row)| {
        let viewer = Viewer::of(caller.as_ref(), &listing);
        L::build_out(listing, row, viewer)
    }))
}

/// `GET /api/v1/{library}/{id}`: one record (unpublished ones only for their managers), with
/// its version as `ETag`.
pub async fn get<L: RecordLibrary + 'static>(
    caller: Option<AuthUser>,
    state: web::Data<AppState>,
    id: String,
) -> ApiResult<HttpResponse> {
    let (listing, row) = state.db.read(move |conn| L::find(conn, &id)).await?;
    crate::listings::access::ensure_visible(caller.as_ref(), &listing)?;
    let version = listing.version;
    let viewer = Viewer::of(caller.as_ref(), &listing);
    Ok(HttpResponse::Ok()
        .insert_header(crate::http::version::etag(version))
        .json(L::build_out(listing, row, viewer)))
}
