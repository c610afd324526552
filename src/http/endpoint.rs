//! [`endpoint!`](crate::endpoint): one documented actix handler from its route, its OpenAPI
//! facts and its code. The annotation utoipa reads (tag, path and query parameters, request
//! body, answers, bearer security) is written from a few short clauses, the handler's
//! signature from a closure-like parameter list; utoipa reads attributes before macros
//! expand, so the annotation is built here from literals rather than by a function.

/// Generates an actix handler and its OpenAPI documentation.
///
/// ```ignore
/// endpoint! {
///     /// The messages of a deal, oldest first.
///     get "/deals/{id}/messages" => list_messages, tag "deals",
///     path { "id": "Deal id" }, params { PageParams },
///     ok 200 "Messages, oldest first" => Page<DealMessage>,
///     problems { 404: "No such deal, or not a participant" },
///     |user: AuthUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
///         -> ApiResult<web::Json<Page<DealMessage>>> { /* … */ }
/// }
/// ```
///
/// Clauses, in this order, each optional: `public,` (no bearer security); `path { "name":
/// "doc" }`; `params { … }` (further parameters in utoipa's syntax: query types, headers);
/// `body Type,` (the request body) or `optional_body Type,`; then either `ok STATUS "doc"
/// [=> Type],` with `problems { STATUS: "doc" }` (answered as problem+json), or a raw
/// `responses [ … ]` list in utoipa's own syntax. The parameter list is the handler's own;
/// [`State`](crate::http::endpoint::State) names the application state. The calling module
/// imports the route attribute (`actix_web::get`, `post`, …) that utoipa reads.
#[macro_export]
macro_rules! endpoint {
    (@main [$($security:tt)*] [$($doc:tt)+] $method:ident $route:literal $name:ident $tag:literal
        $(path { $($param:literal: $param_doc:literal),+ $(,)? },)?
        $(params { $($params:tt)+ },)?
        $(body $body:ty,)?
        $(optional_body $optional_body:ty,)?
        $(ok $ok_status:literal $ok_doc:literal $(=> $ok:ty)?,)?
        $(problems { $($status:literal: $problem_doc:literal),* $(,)? },)?
        $(responses [$($raw:tt)*],)?
        $(|$($arg:ident: $arg_ty:ty),* $(,)?|)? $(||)? -> $answer:ty $handler:block
    ) => {
        $($doc)+
        #[utoipa::path(
            tag = $tag,
            $(request_body = $body,)?
            $(request_body(content = Option<$optional_body>, description = "Optional"),)?
            params($($(($param = String, Path, description = $param_doc),)+)? $($($params)+)?),
            $($security)*
            responses(
                $((status = $ok_status, description = $ok_doc $(, body = $ok)?),)?
                $($((status = $status, description = $problem_doc, body = $crate::error::Problem, content_type = "application/problem+json"),)*)?
                $($($raw)*)?
            )
        )]
        #[$method($route)]
        pub(crate) async fn $name($($($arg: $arg_ty),*)?) -> $answer $handler
    };
    ($(#[doc = $doc:literal])+ $method:ident $route:literal => $name:ident, tag $tag:literal,
        public, $($rest:tt)+) => {
        $crate::endpoint!(@main [] [$(#[doc = $doc])+] $method $route $name $tag $($rest)+);
    };
    ($(#[doc = $doc:literal])+ $method:ident $route:literal => $name:ident, tag $tag:literal,
        $($rest:tt)+) => {
        $crate::endpoint!(@main [security(("bearer" = [])),] [$(#[doc = $doc])+] $method $route
            $name $tag $($rest)+);
    };
}

/// The application state as a handler receives it.
pub type State = actix_web::web::Data<crate::state::AppState>;
