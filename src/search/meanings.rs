//! The meanings the index keeps, also held in memory by record id. A match compares its problem
//! with a few hundred candidates; finding each of them in every segment's id terms and reading
//! its vector from the bytes column's dictionary cost more than the rest of the match
//! (BENCHMARKS.md). The copy is read from the index when it is opened and changed with every
//! write, under the writer's lock, after the commit.

use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;
use tantivy::schema::IndexRecordOption;
use tantivy::termdict::TermStreamer;
use tantivy::{DocSet, Searcher, TantivyError};

use super::SearchError;
use super::schema::{Fields, MEANING_FIELD};
use crate::meaning::Vector;

/// The vectors of the records whose meaning the index keeps, by record id.
#[derive(Default)]
pub(super) struct MeaningCopy {
    by_id: RwLock<FxHashMap<Box<str>, Arc<Vector>>>,
}

impl MeaningCopy {
    /// Reads every live document's vector from the index.
    pub(super) fn read(searcher: &Searcher, fields: &Fields) -> Result<MeaningCopy, SearchError> {
        let mut by_id = FxHashMap::default();
        let mut bytes = Vec::with_capacity(Vector::BYTES);
        for segment in searcher.segment_readers() {
            let Some(column) = segment.fast_fields().bytes(MEANING_FIELD)? else {
                continue;
            };
            let alive = segment.alive_bitset();
            let ids = segment.inverted_index(fields.id)?;
            let mut terms: TermStreamer<'_> = ids.terms().stream().map_err(TantivyError::from)?;
            while terms.advance() {
                let postings = ids
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                    .map_err(TantivyError::from)?;
                let doc = postings.doc();
                if alive.is_some_and(|alive| !alive.is_alive(doc)) {
                    continue;
                }
                let Some(ord) = column.term_ords(doc).next() else {
                    continue;
                };
                bytes.clear();
                if !column.ord_to_bytes(ord, &mut bytes).map_err(TantivyError::from)? {
                    continue;
                }
                let (Ok(id), Some(vector)) =
                    (std::str::from_utf8(terms.key()), Vector::from_bytes(&bytes))
                else {
                    continue;
                };
                by_id.insert(id.into(), Arc::new(vector));
            }
        }
        Ok(MeaningCopy { by_id: RwLock::new(by_id) })
    }

    /// The vectors of `ids` that are kept (others are left out).
    pub(super) fn get(&self, ids: &[&str]) -> FxHashMap<String, Arc<Vector>> {
        let by_id = self.by_id.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        ids.iter().filter_map(|id| Some((id.to_string(), Arc::clone(by_id.get(*id)?)))).collect()
    }

    /// Records what a committed write did to the records `ids`: each now means `meaning`, or
    /// nothing kept where it is `None`.
    pub(super) fn set<'a>(&self, changes: impl Iterator<Item = (&'a str, Option<&'a Vector>)>) {
        let mut by_id = self.by_id.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (id, meaning) in changes {
            match meaning {
                Some(vector) => by_id.insert(id.into(), Arc::new(vector.clone())),
                None => by_id.remove(id),
            };
        }
    }

    /// Forgets every vector (the index was cleared).
    pub(super) fn clear(&self) {
        self.by_id.write().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}
