//! The generic handlers every library's endpoints call: create, list and search, read, edit.
//! Each reads as the story of the request; what differs between libraries is behind
//! [`RecordLibrary`].

use actix_web::{HttpResponse, web};

use super::access::{Listings, Viewer};
use super::lifecycle::ListingStatus;
use super::listing_search::{self, ListCursor, ListScope, SearchRequest, SortOrder, Window};
use super::merge_patch;
use super::record::{RecordLibrary, validate};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams};
use crate::policy::{Managed, Visible};
use crate::search::WordMatch;
use crate::state::AppState;

/// `POST /api/v1/{library}`: creates a record (a draft; administrators may publish at once),
/// answers 201 with the look-alikes the library already holds.
pub async fn create<L: RecordLibrary + 'static>(
    user: AuthUser,
    state: web::Data<AppState>,
    publish: bool,
    input: L::Input,
) -> ApiResult<HttpResponse> {
    L::may_create(&user, &input)?;
    if publish && !user.is_admin() {
        return Err(ApiError::Forbidden("only administrators create records as published".into()));
    }
    let (input, valid) = validate::<L>(&state, input).await?;
    let status = if publish { ListingStatus::Published } else { ListingStatus::Draft };
    let requested_org = L::requested_org(&input);
    let creator = user.clone();
    let (listing, row) = state
        .db
        .write(move |conn| L::create(conn, &creator, requested_org.as_deref(), &valid, status))
        .await?;
    let duplicates = listing_search::possible_duplicates(
        &state,
        L::LIBRARY,
        &listing.id,
        &listing.title,
        &L::main_text(&row),
        Some(&user),
        L::load_texts,
    )
    .await?;
    listing_search::index(&state, L::search_doc(&listing, &row)).await;
    if listing.status == ListingStatus::Published {
        crate::notifications::spawn_on_published(
            state.db.clone(),
            state.matching.clone(),
            state.search.clone(),
            L::LIBRARY,
            vec![listing.id.clone()],
        );
    }
    let version = listing.version;
    let out = L::with_duplicates(L::build_out(listing, row, Viewer::MANAGER), duplicates);
    Ok(Tagged::created(version, out).into())
}

/// `PATCH /api/v1/{library}/{id}`: edits a record with a JSON merge patch (its managers), if
/// the version given (`If-Match` or `version`) is still the stored one.
pub async fn update<L: RecordLibrary + 'static>(
    if_match: IfMatch,
    user: AuthUser,
    state: web::Data<AppState>,
    id: String,
    body: serde_json::Value,
) -> ApiResult<HttpResponse> {
    let (patch, body_version) = merge_patch::split_version(body)?;
    let lookup = id.clone();
    let current = state.db.read(move |conn| L::find(conn, &lookup)).await?;
    let current = Managed::check::<Listings>(&user, current)?;
    let expected = if_match.expected(body_version)?;
    let (listing, row) = current.get();
    merge_patch::ensure_editable(listing)?;
    let base = L::to_input(listing, row)?;
    let merged: L::Input = merge_patch::apply(&base, patch, &["org_id"])?;
    let (_, valid) = validate::<L>(&state, merged).await?;
    let actor = user.actor();
    let (listing, row) = state
        .db
        .write(move |conn| {
            // The record may have changed hands or been closed since it was read.
            let fresh = Managed::check::<Listings>(&user, L::find(conn, &id)?)?;
            merge_patch::ensure_editable(&fresh.get().0)?;
            L::save(conn, &actor, &fresh, &valid, expected)
        })
        .await?;
    listing_search::index(&state, L::search_doc(&listing, &row)).await;
    let version = listing.version;
    Ok(Tagged::ok(version, L::build_out(listing, row, Viewer::MANAGER)).into())
}

/// `GET /api/v1/{library}`: lists and searches a library. The public sees published, unexpired
/// records; owners and administrators add `status` or `mine=true`.
pub async fn list<L: RecordLibrary + 'static>(
    caller: Option<AuthUser>,
    state: web::Data<AppState>,
    filter: L::Filter,
    words: WordMatch,
    page: PageParams,
) -> ApiResult<web::Json<Page<L::Out>>> {
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
    let text = listing_search::query_text(parts.q.as_deref())?;
    let sort = SortOrder::resolve(parts.sort, text.is_some());
    let cursor = ListCursor::parse(&request, sort)?;
    // The index holds every filter: it finds the page's records (searched or not) and counts
    // the list; the database loads the page's rows and re-checks them against the same filters.
    let search = SearchRequest {
        library: L::LIBRARY,
        text,
        words,
        filter: L::index_filter(&filter, &scope),
        sort,
    };
    let limit = usize::try_from(request.limit).unwrap_or(0);
    let hits = listing_search::search(&state, search, &cursor, limit).await?;
    let (ids, window) = (hits.ids(), Window::keyset(None, request.limit));
    let rows = if ids.is_empty() {
        Vec::new()
    } else {
        state.db.read(move |conn| L::list_rows(conn, &filter, &scope, Some(ids), &window)).await?
    };
    let page = hits.page(rows, |(listing, _)| listing.id.as_str());
    let q = parts.q.clone();
    Ok(web::Json(page.map(|(listing, row)| {
        let viewer = Viewer::of(caller.as_ref(), &listing);
        let snippet =
            q.as_deref().and_then(|q| crate::search::snippet::snippet(&L::main_text(&row), q));
        let mut out = L::build_out(listing, row, viewer);
        L::listing_mut(&mut out).snippet = snippet;
        out
    })))
}

/// `GET /api/v1/{library}/{id}`: one record (unpublished ones only for their managers), with
/// its version as `ETag`.
pub async fn get<L: RecordLibrary + 'static>(
    caller: Option<AuthUser>,
    state: web::Data<AppState>,
    id: String,
) -> ApiResult<HttpResponse> {
    let record = state.db.read(move |conn| L::find(conn, &id)).await?;
    let (listing, row) = Visible::check::<Listings>(caller.as_ref(), record)?.into_inner();
    let version = listing.version;
    let viewer = Viewer::of(caller.as_ref(), &listing);
    Ok(Tagged::ok(version, L::build_out(listing, row, viewer)).into())
}
