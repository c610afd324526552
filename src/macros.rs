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
