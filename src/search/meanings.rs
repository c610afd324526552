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

use super::schema::{Fields, MEANING_FIELD};
use super::{Library, SearchError};
use crate::meaning::{Signs, Vector};

/// The vectors of the records whose meaning the index keeps, by record id.
#[derive(Default)]
pub(super) struct MeaningCopy {
    by_id: RwLock<FxHashMap<Box<str>, Kept>>,
}

/// A record's kept meaning, the signs of its dimensions and the library it belongs to.
struct Kept {
    library: Library,
    vector: Arc<Vector>,
    signs: Signs,
}

impl Kept {
    fn new(library: Library, vector: Vector) -> Kept {
        Kept { library, signs: vector.signs(), vector: Arc::new(vector) }
    }
}

/// How many records, per record asked for, a search by meaning compares in full after the
/// sieve on signs.
const SIEVED: usize = 20;

/// The `most` items with the smallest `distance` (in no particular order), without sorting
/// them all.
fn fewest<T>(items: impl Iterator<Item = T>, distance: impl Fn(&T) -> u32, most: usize) -> Vec<T> {
    if most == 0 {
        return Vec::new();
    }
    let mut kept: Vec<(u32, T)> = Vec::with_capacity(most.saturating_mul(2));
    let mut bar = u32::MAX;
    for item in items {
        let d = distance(&item);
        if d > bar {
            continue;
        }
        kept.push((d, item));
        if kept.len() >= most.saturating_mul(2) {
            kept.select_nth_unstable_by_key(most - 1, |(d, _)| *d);
            kept.truncate(most);
            bar = kept.iter().map(|(d, _)| *d).max().unwrap_or(u32::MAX);
        }
    }
    if kept.len() > most {
        kept.select_nth_unstable_by_key(most - 1, |(d, _)| *d);
        kept.truncate(most);
    }
    kept.into_iter().map(|(_, item)| item).collect()
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
            let libraries = libraries_of(segment, fields)?;
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
                let (Ok(id), Some(vector), Some(Some(library))) = (
                    std::str::from_utf8(terms.key()),
                    Vector::from_bytes(&bytes),
                    libraries.get(doc as usize),
                ) else {
                    continue;
                };
                by_id.insert(id.into(), Kept::new(*library, vector));
            }
        }
        Ok(MeaningCopy { by_id: RwLock::new(by_id) })
    }

    /// The vectors of `ids` that are kept (others are left out).
    pub(super) fn get(&self, ids: &[&str]) -> FxHashMap<String, Arc<Vector>> {
        let by_id = self.by_id.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        ids.iter()
            .filter_map(|id| Some((id.to_string(), Arc::clone(&by_id.get(*id)?.vector))))
            .collect()
    }

    /// The `most` records of `library` whose meaning is closest to `problem`, closest first,
    /// with their cosines (ties by id). Every record of the library is sieved on the signs of
    /// its dimensions ([`Vector::signs`]); the [`SIEVED`] times `most` that differ least are
    /// compared in full.
    pub(super) fn nearest(
        &self,
        library: Library,
        problem: &Vector,
        most: usize,
    ) -> Vec<(String, f64)> {
        if most == 0 {
            return Vec::new();
        }
        let by_id = self.by_id.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let signs = problem.signs();
        let sieved = fewest(
            by_id.iter().filter(|(_, kept)| kept.library == library),
            |(_, kept)| signs.differing(&kept.signs),
            most.saturating_mul(SIEVED),
        );
        let mut closest: Vec<(&str, f64)> =
            sieved.into_iter().map(|(id, kept)| (&**id, problem.cosine(&kept.vector))).collect();
        closest.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        closest.truncate(most);
        closest.into_iter().map(|(id, cosine)| (id.to_string(), cosine)).collect()
    }

    /// Records what a committed write did to the records `ids` of a library: each now means
    /// `meaning`, or nothing kept where it is `None`.
    pub(super) fn set<'a>(
        &self,
        changes: impl Iterator<Item = (&'a str, Library, Option<&'a Vector>)>,
    ) {
        let mut by_id = self.by_id.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (id, library, meaning) in changes {
            match meaning {
                Some(vector) => by_id.insert(id.into(), Kept::new(library, vector.clone())),
                None => by_id.remove(id),
            };
        }
    }

    /// Forgets a record's meaning (it was deleted from the index).
    pub(super) fn forget(&self, id: &str) {
        self.by_id.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
    }

    /// Forgets every vector (the index was cleared).
    pub(super) fn clear(&self) {
        self.by_id.write().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// The library of each document of a segment that belongs to a library whose meaning is kept,
/// by document id.
fn libraries_of(
    segment: &tantivy::SegmentReader,
    fields: &Fields,
) -> Result<Vec<Option<Library>>, SearchError> {
    let mut libraries = vec![None; segment.max_doc() as usize];
    let index = segment.inverted_index(fields.library)?;
    for library in Library::ALL.into_iter().filter(|library| library.keeps_meaning()) {
        let term = tantivy::Term::from_field_text(fields.library, library.as_str());
        let Some(mut postings) =
            index.read_postings(&term, IndexRecordOption::Basic).map_err(TantivyError::from)?
        else {
            continue;
        };
        let mut doc = postings.doc();
        while doc != tantivy::TERMINATED {
            if let Some(slot) = libraries.get_mut(doc as usize) {
                *slot = Some(library);
            }
            doc = postings.advance();
        }
    }
    Ok(libraries)
}

#[cfg(test)]
mod tests {
    use super::fewest;

    #[test]
    fn fewest_keeps_the_items_of_smallest_distance() {
        let items = [9u32, 3, 7, 1, 8, 2, 6, 5, 4, 0];
        let mut kept = fewest(items.iter().copied(), |d| *d, 3);
        kept.sort_unstable();
        assert_eq!(kept, [0, 1, 2]);
        assert_eq!(fewest(items.iter().copied(), |d| *d, 20).len(), 10);
        assert!(fewest(items.iter().copied(), |d| *d, 0).is_empty());
    }
}
