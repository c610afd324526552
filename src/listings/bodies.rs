//! [`input_and_patch!`](crate::input_and_patch): a library's write body and the documented
//! shape of its `PATCH` from one field list. The patch is a JSON merge patch (RFC 7396) over
//! the input, so each of its fields is the input's field made optional (a field the input
//! already takes as optional, written `?T`, stays `Option<T>`: `null` clears it), with the
//! input's documentation, plus the version the change is based on.

/// Declares a library's input struct and its patch struct from one list of fields.
///
/// ```ignore
/// input_and_patch! {
///     /// An achievement as written by its owner.
///     input AchievementInput;
///     /// The documented shape of `PATCH /api/v1/achievements/{id}`.
///     patch AchievementPatch;
///     {
///         /// Title.
///         title: String,
///         /// Industry (null clears).
///         #[serde(default)]
///         industry: ?Industry,
///     }
///     input only {
///         /// Administrators: the owning organization.
///         #[serde(default)]
///         pub org_id: Option<String>,
///     }
/// }
/// ```
#[macro_export]
macro_rules! input_and_patch {
    (
        $(#[doc = $input_doc:literal])+
        input $input:ident;
        $(#[doc = $patch_doc:literal])+
        patch $patch:ident;
        { $($fields:tt)* }
        input only { $($only:tt)* }
    ) => {
        $crate::input_and_patch!(@field [$(#[doc = $input_doc])+ $input]
            [$(#[doc = $patch_doc])+ $patch] [$($only)*] [] [] $($fields)*);
    };
    (@field $input:tt $patch:tt $only:tt [$($in:tt)*] [$($pa:tt)*]
        $(#[$meta:meta])* $name:ident: ?$ty:ty, $($rest:tt)*
    ) => {
        $crate::input_and_patch!(@field $input $patch $only
            [$($in)* $(#[$meta])* pub $name: Option<$ty>,]
            [$($pa)* $(#[$meta])* pub $name: Option<$ty>,] $($rest)*);
    };
    (@field $input:tt $patch:tt $only:tt [$($in:tt)*] [$($pa:tt)*]
        $(#[$meta:meta])* $name:ident: $ty:ty, $($rest:tt)*
    ) => {
        $crate::input_and_patch!(@field $input $patch $only
            [$($in)* $(#[$meta])* pub $name: $ty,]
            [$($pa)* $(#[$meta])* pub $name: Option<$ty>,] $($rest)*);
    };
    (@field [$(#[doc = $input_doc:literal])+ $input:ident]
        [$(#[doc = $patch_doc:literal])+ $patch:ident] [$($only:tt)*] [$($in:tt)*] [$($pa:tt)*]
    ) => {
        $(#[doc = $input_doc])+
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $input {
            $($in)*
            $($only)*
        }

        $(#[doc = $patch_doc])+
        #[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
        pub struct $patch {
            $($pa)*
            /// The version this change is based on (or send `If-Match`).
            pub version: Option<i64>,
        }
    };
}
