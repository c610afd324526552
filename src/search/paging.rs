//! Searching the index a page at a time: what a search asks ([`PageQuery`]), the page it gets
//! ([`SearchPage`]) and the tantivy queries and collectors behind it.

use std::ops::Bound;

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Order, Term};

use super::analyzer::tokens;
use super::facets::{IndexFilter, IndexOrder, order_key};
use super::index::MAX_QUERY_TOKENS;
use super::schema::{AMOUNT_FIELD, ORDER_HIGH_FIELD, ORDER_LOW_FIELD};
use super::{Hit, Library, SearchError, SearchIndex, WordMatch};

/// Field boosts: a match in the title counts most, then keywords, then the body.
const TITLE_BOOST: f32 = 3.0;
const KEYWORDS_BOOST: f32 = 2.0;
const BODY_BOOST: f32 = 1.0;

/// A page of a search: which hits, in which order, among which records.
#[derive(Clone, Copy, Debug)]
pub struct PageQuery<'a> {
    /// The library searched.
    pub library: Library,
    /// What was typed (`None`: every record of the library, as a plain list).
    pub text: Option<&'a str>,
    /// How its words combine.
    pub words: WordMatch,
    /// What the hits must also meet.
    pub filter: &'a IndexFilter,
    /// The order of the hits.
    pub order: IndexOrder,
    /// Hits to skip.
    pub offset: usize,
    /// Only hits whose id sorts before this one (a keyset page of a newest-first list); the
    /// total still counts every hit.
    pub before: Option<&'a str>,
    /// Most hits to return.
    pub limit: usize,
}

/// One page of a search's hits and how many hits there are in all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchPage {
    /// The page's hits, in the order asked for (scores only with [`IndexOrder::Relevance`]).
    pub hits: Vec<Hit>,
    /// Every hit the filter leaves, over all pages.
    pub total: usize,
}

impl SearchIndex {
    /// The ids of the documents of `library` that match `text` best, best first, at most
    /// `limit` of them.
    ///
    /// `text` is analyzed like the indexed text (see [`tokens`](super::tokens)); a word of it
    /// matches a document that contains any of the word's tokens in its title, keywords or
    /// body, and `words` says whether every word must match or any may. Text without any token
    /// (empty, only punctuation or stop words) matches nothing.
    pub fn search(
        &self,
        library: Library,
        text: &str,
        words: WordMatch,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let filter = IndexFilter::everything();
        let page = PageQuery {
            library,
            text: Some(text),
            words,
            filter: &filter,
            order: IndexOrder::Relevance,
            offset: 0,
            before: None,
            limit,
        };
        Ok(self.page(&page)?.hits)
    }

    /// One page of the documents matching a search (text as in [`SearchIndex::search`]) and
    /// its filter, in its order, and how many match in all: every hit can be paged to.
    pub fn page(&self, page: &PageQuery<'_>) -> Result<SearchPage, SearchError> {
        let searcher = self.inner.reader.searcher();
        let Some(mut clauses) = self.clauses(page.library, page.text, page.words) else {
            return Ok(SearchPage::default());
        };
        clauses.push((Occur::Must, self.inner.fields.facets.query(page.filter)));
        let (query, keyset_total) = match page.before {
            None => (BooleanQuery::new(clauses), None),
            Some(id) => {
                let every: Vec<(Occur, Box<dyn Query>)> =
                    clauses.iter().map(|(occur, query)| (*occur, query.box_clone())).collect();
                let total = searcher.search(&BooleanQuery::new(every), &Count)?;
                clauses.push((Occur::Must, self.before(id)));
                (BooleanQuery::new(clauses), Some(total))
            }
        };
        // The collector keeps offset + limit entries: neither needs to exceed the documents.
        let documents = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let top = TopDocs::with_limit(page.limit.clamp(1, documents.max(1)))
            .and_offset(page.offset.min(documents));
        let by_amount = |order| (SortByStaticFastValue::<i64>::for_field(AMOUNT_FIELD), order);
        let (found, total): (Vec<(f32, DocAddress)>, usize) = match page.order {
            IndexOrder::Relevance => {
                let collector =
                    top.order_by(((SortBySimilarityScore, Order::Desc), newest_first()));
                let (found, total) = searcher.search(&query, &(collector, Count))?;
                (found.into_iter().map(|((score, _), address)| (score, address)).collect(), total)
            }
            IndexOrder::Newest => {
                let (found, total) =
                    searcher.search(&query, &(top.order_by(newest_first()), Count))?;
                (found.into_iter().map(|(_, address)| (0.0, address)).collect(), total)
            }
            IndexOrder::AmountAscending | IndexOrder::AmountDescending => {
                let order = if page.order == IndexOrder::AmountAscending {
                    Order::Asc
                } else {
                    Order::Desc
                };
                let collector = top.order_by((by_amount(order), newest_first()));
                let (found, total) = searcher.search(&query, &(collector, Count))?;
                (found.into_iter().map(|(_, address)| (0.0, address)).collect(), total)
            }
        };
        let hits = if page.limit == 0 { Vec::new() } else { self.hits(&searcher, found)? };
        Ok(SearchPage { hits, total: keyset_total.unwrap_or(total) })
    }

    /// The clauses every match must meet: the library, and the words of `text` as `words`
    /// combines them (`None` when the text has no token, so matches nothing; no text: every
    /// record of the library).
    fn clauses(
        &self,
        library: Library,
        text: Option<&str>,
        words: WordMatch,
    ) -> Option<Vec<(Occur, Box<dyn Query>)>> {
        let groups = text.map(|text| token_groups(text, words)).unwrap_or_default();
        if text.is_some() && groups.is_empty() {
            return None;
        }
        let fields = self.inner.fields;
        let word_queries = groups.iter().map(|group| {
            let mut any_token: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(group.len() * 3);
            for token in group {
                for (field, boost) in [
                    (fields.title, TITLE_BOOST),
                    (fields.keywords, KEYWORDS_BOOST),
                    (fields.body, BODY_BOOST),
                ] {
                    let term = TermQuery::new(
                        Term::from_field_text(field, token),
                        IndexRecordOption::WithFreqs,
                    );
                    let boosted: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(term), boost));
                    any_token.push((Occur::Should, boosted));
                }
            }
            let word: Box<dyn Query> = Box::new(BooleanQuery::new(any_token));
            (Occur::Must, word)
        });
        let in_library = TermQuery::new(
            Term::from_field_text(fields.library, library.as_str()),
            IndexRecordOption::Basic,
        );
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(ConstScoreQuery::new(Box::new(in_library), 0.0)))];
        clauses.extend(word_queries);
        Some(clauses)
    }

    /// The documents whose id sorts before `id` (see [`order_key`]).
    fn before(&self, id: &str) -> Box<dyn Query> {
        let (high, low) = order_key(id);
        let fields = self.inner.fields;
        let range = |field, low: Bound<u64>, high: Bound<u64>| -> Box<dyn Query> {
            let term = |value| Term::from_field_u64(field, value);
            Box::new(RangeQuery::new(low.map(term), high.map(term)))
        };
        let earlier_high = range(fields.order_high, Bound::Unbounded, Bound::Excluded(high));
        let same_high = range(fields.order_high, Bound::Included(high), Bound::Included(high));
        let earlier_low = range(fields.order_low, Bound::Unbounded, Bound::Excluded(low));
        let same_high_earlier_low: Box<dyn Query> =
            Box::new(BooleanQuery::new(vec![(Occur::Must, same_high), (Occur::Must, earlier_low)]));
        let before = BooleanQuery::new(vec![
            (Occur::Should, earlier_high),
            (Occur::Should, same_high_earlier_low),
        ]);
        Box::new(ConstScoreQuery::new(Box::new(before), 0.0))
    }
}

/// The tokens of a query grouped by the words that must each match (one group when any word
/// may), at most [`MAX_QUERY_TOKENS`] tokens in all; words without a token are left out.
fn token_groups(text: &str, words: WordMatch) -> Vec<Vec<String>> {
    let groups = match words {
        WordMatch::Any => vec![tokens(text)],
        WordMatch::All => text
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
            .map(tokens)
            .collect(),
    };
    let mut budget = MAX_QUERY_TOKENS;
    groups
        .into_iter()
        .map(|mut group| {
            group.truncate(budget);
            budget -= group.len();
            group
        })
        .filter(|group| !group.is_empty())
        .collect()
}

/// The sort key ordering documents newest first (ties among equal scores).
fn newest_first() -> ((SortByStaticFastValue<u64>, Order), (SortByStaticFastValue<u64>, Order)) {
    (
        (SortByStaticFastValue::<u64>::for_field(ORDER_HIGH_FIELD), Order::Desc),
        (SortByStaticFastValue::<u64>::for_field(ORDER_LOW_FIELD), Order::Desc),
    )
}
