//! Full-text search over the market's four libraries: achievements (成果), demands (需求),
//! experts (专家) and service providers (服务机构).
//!
//! The index is a tantivy index whose text fields are analyzed with jieba (see [`tokens`]).
//! Each document carries the library it belongs to, and a search only ever returns documents of
//! the library it names. Queries are built directly from the analyzer's tokens — one term query
//! per token on each of title (boost 3), keywords (boost 2) and body (boost 1) — so unspaced
//! Chinese text works as a query, scored with BM25. How the words a person typed combine is a
//! [`WordMatch`]: every word (a run between spaces or list punctuation) must match, or any.
//!
//! The database stays the source of truth: the index can always be rebuilt from it, and
//! [`SearchIndex::needs_rebuild`] says when it must be.

mod analyzer;
mod facets;
mod index;
mod meanings;
mod paging;
mod ranking;
mod schema;
pub mod snippet;
#[cfg(test)]
mod tests;

pub use analyzer::tokens;
pub use facets::{Facets, IndexFilter, IndexOrder, Number};
pub use index::SearchIndex;
pub use paging::{PageQuery, SearchPage};

text_enum! {
    /// How the words of a query combine. A word is what stands between spaces or list
    /// punctuation (`，、,;；`); it matches a record that holds any of its tokens.
    #[derive(Default)]
    pub enum WordMatch {
        /// Every word must match (what a person searching a library expects; the default).
        #[default]
        All => "all",
        /// Any word may match, the more the better (matching problems to records).
        Any => "any",
    }
}

/// The library a searchable document belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Library {
    /// Technology achievements (成果).
    Achievements,
    /// Enterprises' technical demands (需求).
    Demands,
    /// Experts (专家).
    Experts,
    /// Technology service providers (服务机构).
    ServiceProviders,
}

impl Library {
    /// Every library, in a fixed order.
    pub const ALL: [Library; 4] =
        [Library::Achievements, Library::Demands, Library::Experts, Library::ServiceProviders];

    /// The library's name as stored in the index: `achievements`, `demands`, `experts` or
    /// `service_providers`.
    pub fn as_str(self) -> &'static str {
        match self {
            Library::Achievements => "achievements",
            Library::Demands => "demands",
            Library::Experts => "experts",
            Library::ServiceProviders => "service_providers",
        }
    }
}

impl Library {
    /// Whether the index keeps what its records' texts mean (the libraries matching ranks:
    /// achievements and demands).
    pub fn keeps_meaning(self) -> bool {
        matches!(self, Library::Achievements | Library::Demands)
    }
}

impl std::fmt::Display for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record as the index sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchDoc {
    /// The record's id; unique across all libraries (upserts and deletes go by it alone).
    pub id: String,
    /// The library the record belongs to.
    pub library: Library,
    /// The title or name: weighed highest.
    pub title: String,
    /// Keywords, each analyzed on its own: weighed in between.
    pub keywords: Vec<String>,
    /// The rest of the searchable text (summary, description, fields of expertise…).
    pub body: String,
    /// What lists filter and sort the record by.
    pub facets: Facets,
}

/// One search result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The id of the matching record.
    pub id: String,
    /// Its relevance score (BM25, boosted by field); only comparable within one search.
    pub score: f32,
}

/// What can go wrong with the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A file-system operation on the index folder failed.
    #[error("search index I/O error at {path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The search engine (tantivy) failed.
    #[error("search engine error: {0}")]
    Engine(#[from] tantivy::TantivyError),
    /// A document to index had an empty id.
    #[error("a search document needs a non-empty id")]
    EmptyId,
    /// A document in the index has no stored id (a corrupt index: rebuild it).
    #[error("a document in the search index has no stored id")]
    MissingId,
    /// The sentence encoder could not be loaded.
    #[error(transparent)]
    Meaning(#[from] crate::meaning::MeaningError),
}
