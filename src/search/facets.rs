//! What a list filters and sorts on, kept in the index beside the text, so that a search pages
//! through every hit its filters leave without asking the database about each one.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

/// The filterable values of one record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    /// Exact values a filter may ask for, each written `name=value` (`status=published`,
    /// `region=33`, `technology_field=05`); a record may have several values of one name.
    pub terms: Vec<String>,
    /// The last day the record is valid, as days from 0001-01-01 (CE).
    pub valid_until: i64,
    /// A price, or the top of a budget, in fen (ranges and price orders); `None` when
    /// negotiable.
    pub amount: Option<i64>,
    /// The bottom of a budget in fen, when the record has one.
    pub amount_low: Option<i64>,
}

impl Facets {
    /// Adds the exact value `name=value`.
    pub fn term(&mut self, name: &str, value: impl std::fmt::Display) {
        self.terms.push(format!("{name}={value}"));
    }
}

/// A number of [`Facets`] a filter may bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Number {
    /// [`Facets::valid_until`].
    ValidUntil,
    /// [`Facets::amount`].
    Amount,
    /// [`Facets::amount_low`].
    AmountLow,
}

/// A condition on [`Facets`] a search's hits must meet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexFilter {
    /// The record has this `name=value` term.
    Term(String),
    /// Any of these holds (none: nothing matches).
    AnyOf(Vec<IndexFilter>),
    /// All of these hold (none: everything matches).
    AllOf(Vec<IndexFilter>),
    /// The record has the number, within these inclusive bounds.
    Within {
        /// Which number.
        number: Number,
        /// Lowest value.
        min: Option<i64>,
        /// Highest value.
        max: Option<i64>,
    },
}

impl IndexFilter {
    /// The exact value `name=value`.
    pub fn term(name: &str, value: impl std::fmt::Display) -> IndexFilter {
        IndexFilter::Term(format!("{name}={value}"))
    }

    /// A filter that lets everything through.
    pub fn everything() -> IndexFilter {
        IndexFilter::AllOf(Vec::new())
    }
}

/// The order a search's hits are paged in; ties go to the newest record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexOrder {
    /// Best text match first.
    Relevance,
    /// Newest record first.
    Newest,
    /// Lowest amount first, records without one last.
    AmountAscending,
    /// Highest amount first, records without one last.
    AmountDescending,
}

/// The index fields facets live in.
#[derive(Clone, Copy)]
pub(super) struct FacetFields {
    /// `name=value` terms.
    pub terms: Field,
    /// Validity (days).
    pub valid_until: Field,
    /// Price or budget top (fen).
    pub amount: Field,
    /// Budget bottom (fen).
    pub amount_low: Field,
}

impl FacetFields {
    /// The query selecting the documents that meet `filter`, scoring nothing.
    pub(super) fn query(&self, filter: &IndexFilter) -> Box<dyn Query> {
        let matched: Box<dyn Query> = match filter {
            IndexFilter::Term(value) => Box::new(TermQuery::new(
                Term::from_field_text(self.terms, value),
                IndexRecordOption::Basic,
            )),
            IndexFilter::AnyOf(parts) => Box::new(BooleanQuery::new(
                parts.iter().map(|part| (Occur::Should, self.query(part))).collect(),
            )),
            IndexFilter::AllOf(parts) if parts.is_empty() => Box::new(AllQuery),
            IndexFilter::AllOf(parts) => Box::new(BooleanQuery::new(
                parts.iter().map(|part| (Occur::Must, self.query(part))).collect(),
            )),
            IndexFilter::Within { number, min, max } => {
                let field = match number {
                    Number::ValidUntil => self.valid_until,
                    Number::Amount => self.amount,
                    Number::AmountLow => self.amount_low,
                };
                // Unbounded ends still require the number to be there.
                let low = Term::from_field_i64(field, min.unwrap_or(i64::MIN));
                let high = max
                    .map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(field, v)));
                Box::new(RangeQuery::new(Bound::Included(low), high))
            }
        };
        Box::new(ConstScoreQuery::new(matched, 0.0))
    }
}

/// The sort key that orders ids like their text, newest (greatest) first: a time-ordered id
/// (UUID v7: the creation millisecond, then a counter and random bits) read as a 128-bit number
/// in two halves; `(0, 0)` for an id of another shape.
pub(super) fn order_key(id: &str) -> (u64, u64) {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    match (hex.get(..16), hex.get(16..)) {
        (Some(high), Some(low)) if hex.len() == 32 => {
            (u64::from_str_radix(high, 16).unwrap_or(0), u64::from_str_radix(low, 16).unwrap_or(0))
        }
        _ => (0, 0),
    }
}
