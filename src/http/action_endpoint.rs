//! [`action_endpoint!`](crate::action_endpoint): one lifecycle action (or any other signed-in
//! write on a record found by its path) as a documented actix handler. The macro writes the
//! OpenAPI annotation — tag, path parameters, request body, the success answer and the
//! problem answers, bearer security — and the signature (the signed-in user as the extractor
//! the caller names, `AuthUser` or `AdminUser`, the application
//! state, the path, optional further extractors, the JSON body); the caller writes only what
//! the action does. utoipa reads attributes before macros expand, so the annotation is built
//! here from literals rather than by a function.

/// Generates a signed-in write endpoint and its OpenAPI documentation.
///
/// ```ignore
/// action_endpoint! {
///     /// Completes a performing contract.
///     post "/contracts/{id}/complete" => complete_contract, tag "contracts",
///     path { "id": "Contract id" },
///     ok 200 "Completed" => ContractOut,
///     problems { 409: "Not performing, or a stale version" },
///     |user: AuthUser, state, path: String, body: Json<CompleteInput>| -> HttpResponse { /* … */ }
/// }
/// ```
///
/// The body is `ValidJson<T>` for `body: Json<T>` and `OptionalJson<T>` (documented as
/// optional) for `body: Option<T>`; further extractors (`extract { if_match: IfMatch },`) come between the
/// path and the body. The calling module imports the route attribute (`actix_web::post`, `put`) that
/// utoipa reads.
#[macro_export]
macro_rules! action_endpoint {
    (
        $(#[doc = $doc:literal])+
        $method:ident $route:literal => $name:ident, tag $tag:literal,
        path { $($param:literal: $param_doc:literal),+ $(,)? },
        ok $ok_status:literal $ok_doc:literal => $ok:ty,
        problems { $($status:literal: $problem_doc:literal),* $(,)? },
        $(extract { $($extra:ident: $extra_ty:ty),* $(,)? },)?
        |$user:ident: $user_ty:ty, $state:ident, $path:ident: $path_ty:ty,
            $body:ident: $kind:ident<$body_ty:ty>|
            -> $answer:ty $handler:block
    ) => {
        $crate::action_endpoint!(@body $kind $body_ty, [$(#[doc = $doc])+ $method $route => $name,
            tag $tag, path { $($param: $param_doc),+ },]
            [ok $ok_status $ok_doc => $ok, problems { $($status: $problem_doc),* },
            |$user: $user_ty, $state: $crate::http::endpoint::State,
            $path: ::actix_web::web::Path<$path_ty>, $($($extra: $extra_ty,)*)?]
            $body $answer $handler);
    };
    (@body Option $body_ty:ty, [$($head:tt)+] [$($tail:tt)+] $body:ident $answer:ty $handler:block) => {
        $crate::endpoint!($($head)+ optional_body $body_ty, $($tail)+
            $body: $crate::http::json::OptionalJson<$body_ty>| -> $crate::error::ApiResult<$answer> $handler);
    };
    (@body Json $body_ty:ty, [$($head:tt)+] [$($tail:tt)+] $body:ident $answer:ty $handler:block) => {
        $crate::endpoint!($($head)+ body $body_ty, $($tail)+
            $body: $crate::http::ValidJson<$body_ty>| -> $crate::error::ApiResult<$answer> $handler);
    };
}
