//! Languages: every human text the API returns is Chinese (zh-CN) by default and English on
//! `Accept-Language: en`; machine codes never change. One catalogue, `locales/messages.toml`
//! (rust-i18n), holds each text in both languages; the code writes the English form, and the
//! edge of the service ([`middleware`]) turns it into the caller's language.

mod catalogue;
pub mod middleware;

use actix_web::HttpRequest;
use actix_web::http::header::{AcceptLanguage, Header, LanguageTag, Preference};
use serde::Serializer;
use utoipa::ToSchema;

pub use catalogue::{Entry, by_id, entries, fill, localize};

/// A language the API answers and e-mails in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, ToSchema,
)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The language's tag, as sent in `Content-Language` and used by the catalogue.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language stored as `tag` (Chinese for anything else).
    pub fn of_stored(tag: &str) -> Lang {
        if tag == Lang::En.tag() { Lang::En } else { Lang::Zh }
    }

    /// The language a request asks for: the most preferred of its `Accept-Language` that the
    /// API speaks (any `zh-*` or `en-*`), Chinese when it names neither.
    pub fn of(request: &HttpRequest) -> Lang {
        let Ok(accept) = AcceptLanguage::parse(request) else {
            return Lang::Zh;
        };
        accept
            .ranked()
            .into_iter()
            .find_map(|preference| match preference {
                Preference::Specific(tag) => Lang::of_tag(&tag),
                Preference::Any => Some(Lang::Zh),
            })
            .unwrap_or_default()
    }

    fn of_tag(tag: &LanguageTag) -> Option<Lang> {
        match tag.primary_language() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of the request being served (Chinese outside a request).
    pub fn current() -> Lang {
        middleware::CURRENT.try_with(|lang| *lang).unwrap_or_default()
    }
}

/// Serializes a human text in the language of the request being served (for output fields
/// whose text the code writes in English, e.g. a match factor's explanation).
pub fn serialize_localized<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&localize(text, Lang::current()))
}

/// [`serialize_localized`] for an optional text (null stays null).
pub fn serialize_optional_localized<S: Serializer>(
    text: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match text {
        Some(text) => serialize_localized(text, serializer),
        None => serializer.serialize_none(),
    }
}
