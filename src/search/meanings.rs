//! The meanings the index keeps, also held in memory: laid out flat per library (a search by
//! meaning scans a whole library) and found by record id. A match compares its problem with a
//! few hundred candidates; finding each of them in every segment's id terms and reading its
//! vector from the bytes column's dictionary cost more than the rest of the match
//! (BENCHMARKS.md). The copy is read from the index when it is opened and changed with every
//! write, under the writer's lock, after the commit.

use std::sync::RwLock;

use rustc_hash::FxHashMap;
use tantivy::schema::IndexRecordOption;
use tantivy::termdict::TermStreamer;
use tantivy::{DocSet, Searcher, TantivyError};

use super::schema::{Fields, MEANING_FIELD};
use super::{Library, SearchError};
use crate::meaning::{Signs, Vector};

/// The vectors of the records whose meaning the index keeps: where each record stands, and
/// per library its records side by side.
#[derive(Default)]
pub(super) struct MeaningCopy {
    kept: RwLock<Shelves>,
}

/// The kept meanings: each record's place, and one dense shelf a library (a search by meaning
/// scans a whole library's signs, which must lie next to each other in memory to be fast).
#[derive(Default)]
struct Shelves {
    /// Each record's library and its position on that library's shelf.
    places: FxHashMap<Box<str>, (Library, usize)>,
    /// The shelves, one a library that keeps meanings.
    shelves: Vec<(Library, Shelf)>,
}

/// One library's records: ids, the signs of their vectors and the vectors, at the same
/// positions, without gaps. A vector's dimensions lie in one run with the others' (`values`,
/// [`Vector::DIMENSIONS`] a record): the few hundred a match compares in full are each read
/// from one place instead of through two pointers (BENCHMARKS.md).
#[derive(Default)]
struct Shelf {
    ids: Vec<Box<str>>,
    heads: Vec<u128>,
    signs: Vec<Signs>,
    scales: Vec<f32>,
    values: Vec<i8>,
}

impl Shelf {
    /// The vector at position `at`, as its parts ([`Vector::parts`]).
    fn vector(&self, at: usize) -> Option<(f32, &[i8])> {
        let scale = *self.scales.get(at)?;
        let start = at * Vector::DIMENSIONS;
        Some((scale, self.values.get(start..start + Vector::DIMENSIONS)?))
    }

    /// Asks the processor to bring the vector at position `at` into its cache: the vectors a
    /// search compares lie far apart, and each would otherwise be waited for in turn.
    #[inline(always)]
    fn prefetch(&self, at: usize) {
        if let Some(values) =
            self.values.get(at * Vector::DIMENSIONS..(at + 1) * Vector::DIMENSIONS)
        {
            for line in values.chunks(64) {
                prefetch(&line[0]);
            }
        }
    }

    /// Adds a record at the end.
    fn push(&mut self, id: &str, vector: &Vector) {
        let signs = vector.signs();
        let (scale, values) = vector.parts();
        self.ids.push(id.into());
        self.heads.push(signs.head());
        self.signs.push(signs);
        self.scales.push(scale);
        self.values.extend_from_slice(values);
    }

    /// Puts `vector` at position `at`.
    fn replace(&mut self, at: usize, vector: &Vector) {
        let signs = vector.signs();
        let (scale, values) = vector.parts();
        self.heads[at] = signs.head();
        self.signs[at] = signs;
        self.scales[at] = scale;
        let start = at * Vector::DIMENSIONS;
        self.values[start..start + Vector::DIMENSIONS].copy_from_slice(values);
    }

    /// Removes the record at position `at`; the last record takes its place.
    fn swap_remove(&mut self, at: usize) {
        self.ids.swap_remove(at);
        self.heads.swap_remove(at);
        self.signs.swap_remove(at);
        self.scales.swap_remove(at);
        let last = self.values.len() - Vector::DIMENSIONS;
        let start = at * Vector::DIMENSIONS;
        if start != last {
            self.values.copy_within(last.., start);
        }
        self.values.truncate(last);
    }

    /// The positions of the `most` records whose signs differ least from `problem`'s: the
    /// heads of every record sieved first ([`HEAD_SIEVED`] times `most` kept), then their whole
    /// signs. Counted with the processor's population-count instruction where it has one
    /// (about twice as fast as the portable count).
    fn sieve(&self, problem: &Signs, most: usize) -> Vec<usize> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the processor was just found to have the instruction the function is
            // compiled for.
            return unsafe { self.sieve_with_popcnt(problem, most) };
        }
        self.sieve_portably(problem, most)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn sieve_with_popcnt(&self, problem: &Signs, most: usize) -> Vec<usize> {
        self.sieve_portably(problem, most)
    }

    #[inline(always)]
    fn sieve_portably(&self, problem: &Signs, most: usize) -> Vec<usize> {
        let head = problem.head();
        let heads: Vec<u16> =
            self.heads.iter().map(|record| (head ^ record).count_ones() as u16).collect();
        let first = fewest(&heads, most.saturating_mul(HEAD_SIEVED));
        let whole: Vec<u16> = first
            .iter()
            .enumerate()
            .map(|(nth, at)| {
                if let Some(ahead) = first.get(nth + PREFETCHED_AHEAD) {
                    prefetch(&self.signs[*ahead]);
                }
                problem.differing(&self.signs[*at]) as u16
            })
            .collect();
        fewest(&whole, most).into_iter().map(|nth| first[nth]).collect()
    }
}

impl Shelves {
    fn shelf(&self, library: Library) -> Option<&Shelf> {
        self.shelves.iter().find(|(of, _)| *of == library).map(|(_, shelf)| shelf)
    }

    fn shelf_mut(&mut self, library: Library) -> &mut Shelf {
        let at = match self.shelves.iter().position(|(of, _)| *of == library) {
            Some(at) => at,
            None => {
                self.shelves.push((library, Shelf::default()));
                self.shelves.len() - 1
            }
        };
        &mut self.shelves[at].1
    }

    fn vector(&self, id: &str) -> Option<(f32, &[i8])> {
        let (library, at) = self.places.get(id)?;
        self.shelf(*library)?.vector(*at)
    }

    /// Keeps `vector` as what record `id` of `library` means, in place of what it meant.
    fn insert(&mut self, id: &str, library: Library, vector: Vector) {
        if let Some((kept_in, at)) = self.places.get(id).copied() {
            if kept_in == library {
                self.shelf_mut(library).replace(at, &vector);
                return;
            }
            self.remove(id);
        }
        let shelf = self.shelf_mut(library);
        shelf.push(id, &vector);
        let at = shelf.ids.len() - 1;
        self.places.insert(id.into(), (library, at));
    }

    /// Forgets what record `id` means; the shelf's last record takes its position.
    fn remove(&mut self, id: &str) {
        let Some((library, at)) = self.places.remove(id) else {
            return;
        };
        let shelf = self.shelf_mut(library);
        shelf.swap_remove(at);
        let moved = shelf.ids.get(at).cloned();
        if let Some(place) = moved.and_then(|moved| self.places.get_mut(&moved)) {
            place.1 = at;
        }
    }
}

/// How many records, per record asked for, a search by meaning compares in full after the
/// sieve on signs.
const SIEVED: usize = 20;

/// Asks the processor to bring the cache line of `value` in, without waiting for it.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that reads nothing and cannot fault; the address is that of
    // a live reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// How many records ahead of the one being compared a search by meaning asks for from memory.
const PREFETCHED_AHEAD: usize = 8;

/// How many records, per record the sieve on whole signs keeps, the sieve on heads keeps.
const HEAD_SIEVED: usize = 8;

/// The positions of the `most` smallest of `distances`, in order of position; of those tied
/// at the largest distance taken, the first. Counted rather than sorted: a distance is a
/// number of differing bits (at most [`Vector::DIMENSIONS`]), so how many lie at each takes
/// one pass, and where the `most`th lies another — a running selection cut back over and over
/// cost more than the counting of every record's signs (BENCHMARKS.md).
fn fewest(distances: &[u16], most: usize) -> Vec<usize> {
    if most == 0 {
        return Vec::new();
    }
    if distances.len() <= most {
        return (0..distances.len()).collect();
    }
    let widest = Vector::DIMENSIONS;
    // Four tallies taken in turn, so that runs of equal distances do not wait on each other.
    let mut tallies = vec![0u32; 4 * (widest + 1)];
    for (nth, distance) in distances.iter().enumerate() {
        tallies[(nth & 3) * (widest + 1) + usize::from(*distance).min(widest)] += 1;
    }
    let (mut below, mut bar) = (0usize, widest);
    for distance in 0..=widest {
        let at =
            (0..4).map(|tally| tallies[tally * (widest + 1) + distance] as usize).sum::<usize>();
        if below + at >= most {
            bar = distance;
            break;
        }
        below += at;
    }
    let bar = u16::try_from(bar).unwrap_or(u16::MAX);
    // Exactly `below` lie under the bar: each position is written, and kept by moving on
    // only where it lies under (no branch to mispredict).
    let mut kept = vec![0usize; below + 1];
    let mut taken = 0;
    for (position, distance) in distances.iter().enumerate() {
        kept[taken.min(below)] = position;
        taken += usize::from(*distance < bar);
    }
    kept.truncate(below);
    // Then the first of those at the bar, until `most` are taken.
    kept.extend(
        distances
            .iter()
            .enumerate()
            .filter(|(_, distance)| **distance == bar)
            .map(|(position, _)| position)
            .take(most - below),
    );
    kept.sort_unstable();
    kept
}

impl MeaningCopy {
    fn shelves(&self) -> std::sync::RwLockReadGuard<'_, Shelves> {
        self.kept.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn shelves_mut(&self) -> std::sync::RwLockWriteGuard<'_, Shelves> {
        self.kept.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads every live document's vector from the index.
    pub(super) fn read(searcher: &Searcher, fields: &Fields) -> Result<MeaningCopy, SearchError> {
        let mut kept = Shelves::default();
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
                kept.insert(id, *library, vector);
            }
        }
        Ok(MeaningCopy { kept: RwLock::new(kept) })
    }

    /// The vectors of `ids` that are kept (others are left out).
    pub(super) fn get(&self, ids: &[&str]) -> FxHashMap<String, Vector> {
        let kept = self.shelves();
        ids.iter()
            .filter_map(|id| {
                let (scale, values) = kept.vector(id)?;
                Some((id.to_string(), Vector::from_parts(scale, values)))
            })
            .collect()
    }

    /// The cosine of `problem` with the kept vector of each of `ids`, in their order (`None`
    /// where none is kept).
    pub(super) fn cosines(&self, problem: &Vector, ids: &[&str]) -> Vec<Option<f64>> {
        let kept = self.shelves();
        ids.iter().map(|id| Some(problem.cosine_with(kept.vector(id)?))).collect()
    }

    /// The `most` records of `library` whose meaning is closest to `problem`, closest first,
    /// with their cosines (ties by id). Every record of the library is sieved on the signs of
    /// its dimensions ([`Vector::signs`], [`Shelf::sieve`]); the [`SIEVED`] times `most` that
    /// differ least are compared in full.
    pub(super) fn nearest(
        &self,
        library: Library,
        problem: &Vector,
        most: usize,
    ) -> Vec<(String, f64)> {
        if most == 0 {
            return Vec::new();
        }
        let kept = self.shelves();
        let Some(shelf) = kept.shelf(library) else {
            return Vec::new();
        };
        let sieved = shelf.sieve(&problem.signs(), most.saturating_mul(SIEVED));
        let mut closest: Vec<(&str, f64)> = Vec::with_capacity(sieved.len());
        for (nth, at) in sieved.iter().enumerate() {
            if let Some(ahead) = sieved.get(nth + PREFETCHED_AHEAD) {
                shelf.prefetch(*ahead);
            }
            if let Some(vector) = shelf.vector(*at) {
                closest.push((&shelf.ids[*at], problem.cosine_with(vector)));
            }
        }
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
        let mut kept = self.shelves_mut();
        for (id, library, meaning) in changes {
            match meaning {
                Some(vector) => kept.insert(id, library, vector.clone()),
                None => kept.remove(id),
            }
        }
    }

    /// Forgets a record's meaning (it was deleted from the index).
    pub(super) fn forget(&self, id: &str) {
        self.shelves_mut().remove(id);
    }

    /// Forgets every vector (the index was cleared).
    pub(super) fn clear(&self) {
        *self.shelves_mut() = Shelves::default();
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
    use super::{Library, Shelves, Vector, fewest};

    /// A vector pointing along dimension `at`.
    fn along(at: usize) -> Vector {
        let mut unit = vec![0.0f32; 512];
        unit[at] = 1.0;
        Vector::quantize(&unit)
    }

    /// Whether the vector kept for `id` points along dimension `at`.
    fn same(kept: &Shelves, id: &str, at: usize) -> bool {
        kept.vector(id).is_some_and(|v| along(at).cosine_with(v) > 0.99)
    }

    #[test]
    fn a_shelf_stays_dense_and_every_record_keeps_its_own_vector() {
        let mut kept = Shelves::default();
        for (at, id) in ["a", "b", "c"].into_iter().enumerate() {
            kept.insert(id, Library::Achievements, along(at));
        }
        kept.remove("a");
        // `c` took `a`'s place on the shelf and is still found with its own vector.
        let shelf = kept.shelf(Library::Achievements).map(|shelf| shelf.ids.len());
        assert_eq!(shelf, Some(2));
        assert!(same(&kept, "c", 2));
        assert!(same(&kept, "b", 1));
        assert!(kept.vector("a").is_none());
        // A record moved to another library leaves the first one's shelf.
        kept.insert("b", Library::Demands, along(5));
        assert_eq!(kept.shelf(Library::Achievements).map(|shelf| shelf.ids.len()), Some(1));
        assert!(same(&kept, "b", 5));
        kept.insert("c", Library::Achievements, along(7));
        assert!(same(&kept, "c", 7));
    }

    #[test]
    fn fewest_keeps_the_positions_of_smallest_distance() {
        let distances = [9u16, 3, 7, 1, 8, 2, 6, 5, 4, 0];
        assert_eq!(fewest(&distances, 3), [3, 5, 9]);
        assert_eq!(fewest(&distances, 20).len(), 10);
        assert!(fewest(&distances, 0).is_empty());
        // Ties at the bar: as many as asked for, the first of them.
        assert_eq!(fewest(&[5u16; 100], 3), [0, 1, 2]);
        assert_eq!(fewest(&[7u16, 5, 5, 1, 5, 5], 3), [1, 2, 3]);
        // Distances as large as a vector is wide count too.
        assert_eq!(fewest(&[512u16, 512, 3], 2), [0, 2]);
    }
}
