//! The standard endpoints of a library, generated once per library by
//! [`library_endpoints!`](crate::library_endpoints): create, import, export, list and search,
//! read and edit. Each is a thin annotated wrapper (utoipa cannot document a generic
//! function) over the generic handler in [`super::handlers`] or [`super::bulk`].

use serde::Deserialize;
use utoipa::IntoParams;

use super::bulk::ExportFormat;
use crate::search::WordMatch;

/// Query of a library's create endpoint.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateOptions {
    /// Administrators: create directly as `published` (reviewed by themselves).
    pub publish: Option<bool>,
}

/// Query of a library's export endpoint.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportOptions {
    /// `csv` (default; UTF-8, a header of field names) or `ndjson` (one JSON record a line).
    pub format: Option<ExportFormat>,
    /// CSV: `codes` (default) names columns by their field codes, `zh` by their Chinese
    /// names. CSV starts with a UTF-8 byte-order mark.
    pub headers: Option<crate::http::csv_headers::CsvHeaders>,
}

/// How the words of a library's `q` combine (list and export).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchOptions {
    /// With `q`: `all` (default) lists only records that match every word of it (words are
    /// separated by spaces or `，、,;；`; e.g. `q=废水 处理` needs both), `any` widens to records
    /// matching any word, those matching more first.
    #[serde(rename = "match")]
    pub word_match: Option<WordMatch>,
}

/// Generates a library's standard endpoints and their OpenAPI documentation. The calling
/// module imports `actix_web::{get, patch, post}` (the route attributes utoipa reads).
#[macro_export]
macro_rules! library_endpoints {
    (
        records: $records:ty,
        tag: $tag:literal,
        id: $id_doc:literal,
        paths: { list: $list_path:literal, item: $item_path:literal, import: $import_path:literal, export: $export_path:literal $(,)? },
        types: { input: $input:ty, patch: $patch:ty, out: $out:ty, filter: $filter:ty },
        create: { $create:ident, [$($create_doc:literal),+ $(,)?], forbidden: $create_403:literal, conflict: $create_409:literal $(,)? },
        list: { $list:ident, [$($list_doc:literal),+ $(,)?], page: $page_doc:literal },
        get: { $get:ident, [$($get_doc:literal),+ $(,)?], found: $found_doc:literal },
        update: { $update:ident, [$($update_doc:literal),+ $(,)?], conflict: $update_409:literal $(,)? },
        import: { $import:ident, [$($import_doc:literal),+ $(,)?] },
        export: { $export:ident, [$($export_doc:literal),+ $(,)?] },
    ) => {
        $(#[doc = $create_doc])+
        #[utoipa::path(
            tag = $tag,
            request_body = $input,
            params($crate::listings::endpoints::CreateOptions),
            security(("bearer" = [])),
            responses(
                (status = 201, description = "Created; `possible_duplicates` lists look-alikes", body = $out),
                (status = 403, description = $create_403, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = $create_409, body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($list_path)]
        pub(crate) async fn $create(
            user: $crate::auth::AuthUser,
            state: ::actix_web::web::Data<$crate::state::AppState>,
            options: ::actix_web::web::Query<$crate::listings::endpoints::CreateOptions>,
            body: $crate::http::ValidJson<$input>,
        ) -> $crate::error::ApiResult<::actix_web::HttpResponse> {
            let publish = options.publish.unwrap_or(false);
            $crate::listings::handlers::create::<$records>(user, state, publish, body.into_inner())
                .await
        }

        $(#[doc = $import_doc])+
        #[utoipa::path(
            tag = $tag,
            params($crate::listings::bulk::ImportOptions),
            request_body(content((String = "application/x-ndjson"), (String = "text/csv")), description = "One record per line"),
            security(("bearer" = [])),
            responses(
                (status = 201, description = "Created (with `partial=true`, failed lines are listed)", body = $crate::listings::bulk::ImportReport),
                (status = 413, description = "More than 64 MiB", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = "Neither NDJSON nor CSV", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "Failing lines (`errors[].line`); nothing was created", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($import_path)]
        pub(crate) async fn $import(
            req: ::actix_web::HttpRequest,
            user: $crate::auth::AuthUser,
            state: ::actix_web::web::Data<$crate::state::AppState>,
            options: ::actix_web::web::Query<$crate::listings::bulk::ImportOptions>,
            payload: ::actix_web::web::Payload,
        ) -> $crate::error::ApiResult<::actix_web::HttpResponse> {
            $crate::listings::bulk::import::<$records>(req, user, state, options.into_inner(), payload)
                .await
        }

        $(#[doc = $export_doc])+
        #[utoipa::path(
            tag = $tag,
            params($filter, $crate::listings::endpoints::SearchOptions, $crate::listings::endpoints::ExportOptions),
            security((), ("bearer" = [])),
            responses(
                (status = 200, description = "The rows", content((String = "text/csv"), (String = "application/x-ndjson"))),
                (status = 422, description = "An invalid filter (e.g. a control character, `control_character`), answered before any row is sent", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($export_path)]
        pub(crate) async fn $export(
            user: $crate::auth::MaybeUser,
            state: ::actix_web::web::Data<$crate::state::AppState>,
            filter: ::actix_web::web::Query<$filter>,
            search: ::actix_web::web::Query<$crate::listings::endpoints::SearchOptions>,
            options: ::actix_web::web::Query<$crate::listings::endpoints::ExportOptions>,
        ) -> $crate::error::ApiResult<::actix_web::HttpResponse> {
            let format = options.format.unwrap_or_default();
            let words = search.word_match.unwrap_or_default();
            let shape = $crate::listings::bulk::ExportShape { format, headers: options.headers.unwrap_or_default() };
            $crate::listings::bulk::export::<$records>(user.0, state, filter.into_inner(), words, shape)
                .await
        }

        $(#[doc = $list_doc])+
        #[utoipa::path(
            tag = $tag,
            params($filter, $crate::listings::endpoints::SearchOptions, $crate::http::PageParams),
            security((), ("bearer" = [])),
            responses((status = 200, description = $page_doc, body = $crate::http::Page<$out>))
        )]
        #[get($list_path)]
        pub(crate) async fn $list(
            user: $crate::auth::MaybeUser,
            state: ::actix_web::web::Data<$crate::state::AppState>,
            filter: ::actix_web::web::Query<$filter>,
            search: ::actix_web::web::Query<$crate::listings::endpoints::SearchOptions>,
            page: ::actix_web::web::Query<$crate::http::PageParams>,
        ) -> $crate::error::ApiResult<::actix_web::web::Json<$crate::http::Page<$out>>> {
            $crate::listings::handlers::list::<$records>(
                user.0,
                state,
                filter.into_inner(),
                search.word_match.unwrap_or_default(),
                page.into_inner(),
            )
            .await
        }

        $(#[doc = $get_doc])+
        #[utoipa::path(
            tag = $tag,
            params(("id" = String, Path, description = $id_doc)),
            security((), ("bearer" = [])),
            responses(
                (status = 200, description = $found_doc, body = $out),
                (status = 404, description = "No such record, or one the caller may not see", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($item_path)]
        pub(crate) async fn $get(
            user: $crate::auth::MaybeUser,
            state: ::actix_web::web::Data<$crate::state::AppState>,
            path: ::actix_web::web::Path<String>,
        ) -> $crate::error::ApiResult<::actix_web::HttpResponse> {
            $crate::listings::handlers::get::<$records>(user.0, state, path.into_inner()).await
        }

        $(#[doc = $update_doc])+
        #[utoipa::path(
            tag = $tag,
            request_body = $patch,
            params(
                ("id" = String, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, description = "The version the change is based on (or `version` in the body)"),
            ),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Updated", body = $out),
                (status = 409, description = $update_409, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 428, description = "No version given", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[patch($item_path)]
        pub(crate) async fn $update(
            if_match: $crate::http::version::IfMatch,
            user: $crate::auth::AuthUser,
            state: ::actix_web::web::Data<$crate::state::AppState>,
            path: ::actix_web::web::Path<String>,
            body: $crate::http::ValidJson<serde_json::Value>,
        ) -> $crate::error::ApiResult<::actix_web::HttpResponse> {
            let id = path.into_inner();
            $crate::listings::handlers::update::<$records>(if_match, user, state, id, body.into_inner())
                .await
        }
    };
}
