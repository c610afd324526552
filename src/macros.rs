//! Macros shared by the feature modules.

/// Declares an enum stored as TEXT and exchanged as a snake_case string: serde, OpenAPI schema,
/// (both derive the text from the variant name in snake_case; `$text` must be that same text,
/// which [`assert_text_enum`] checks in each enum's tests),
/// `as_str`, `FromStr`, `Display`, `ALL`, and the `String` conversions diesel's
/// `serialize_as` / `deserialize_as` use.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and exchanged text.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }

            /// The accepted texts, comma-separated (for error messages).
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $( $text => Ok($name::$variant), )+
                    other => Err(format!("`{other}` is not one of: {}", Self::expected())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_string()
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                text.parse()
            }
        }
    };
}

/// Checks that every variant's serde and OpenAPI name equals its declared text.
#[cfg(test)]
pub(crate) fn assert_text_enum<T>(all: &[T], as_str: impl Fn(&T) -> &'static str)
where
    T: serde::Serialize,
{
    for value in all {
        let json = serde_json::to_value(value).expect("serialize");
        assert_eq!(json, serde_json::Value::String(as_str(value).to_string()));
    }
}

/// `impl From<Row> for Out` for an output that shows a stored row field by field: the
/// `computed` fields are built first (from the row, which the caller names), the `same` fields
/// move over as they are, the `times` and `optional_times` turn from stored UTC
/// (`NaiveDateTime`) into `DateTime<Utc>`, and the `absent` ones (filled in later, when an
/// answer joins other records) start as `Default::default()`.
///
/// ```ignore
/// output_of_row! { row: EventRow => EventOut {
///     same { id, name, version } times { starts_at, created_at }
/// } }
/// ```
#[macro_export]
macro_rules! output_of_row {
    ($row:ident: $row_ty:ty => $out:ident {
        $(computed { $($computed:ident: $value:expr),* $(,)? })?
        same { $($same:ident),* $(,)? }
        $(times { $($time:ident),* $(,)? })?
        $(optional_times { $($optional_time:ident),* $(,)? })?
        $(absent { $($absent:ident),* $(,)? })?
    }) => {
        impl From<$row_ty> for $out {
            fn from($row: $row_ty) -> Self {
                $out {
                    $($($computed: $value,)*)?
                    $($($time: $crate::db::to_utc($row.$time),)*)?
                    $($($optional_time: $row.$optional_time.map($crate::db::to_utc),)*)?
                    $($($absent: Default::default(),)*)?
                    $($same: $row.$same,)*
                }
            }
        }
    };
}

/// Narrows a boxed query by each optional filter that is given: `narrow!(query, table, filter;
/// column, …)` keeps the rows whose TEXT column equals the filter's field of the same name (a
/// `String`, or a [`text_enum!`] by its text).
///
/// ```ignore
/// narrow!(query, vouchers, filter; program_id, status);
/// ```
#[macro_export]
macro_rules! narrow {
    ($query:ident, $table:ident, $filter:ident; $($column:ident),+ $(,)?) => {
        $(if let Some(value) = $filter.$column {
            $query = $query.filter($table::$column.eq(String::from(value)));
        })+
    };
}
