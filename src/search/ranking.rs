//! Ranking a problem against a library's records, as matching does: one plain BM25 over each
//! record's whole text, how rare each of the problem's words is, and which of them a record
//! holds.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED, TantivyError, Term,
};

use super::analyzer::tokens;
use super::index::MAX_QUERY_TOKENS;
use super::schema::{ORDER_HIGH_FIELD, ORDER_LOW_FIELD};
use super::{Hit, Library, SearchError, SearchIndex};
use crate::meaning::Vector;

impl SearchIndex {
    /// The records of a library that share a word with a problem, best first by one BM25 over
    /// each record's whole text (title, keywords and body together): how matching ranks. Unlike
    /// a person's search, no field is boosted — on problems written in an enterprise's own words
    /// a boosted title lets a common word such as 方法 or 系统 outrank the record's subject
    /// (`eval-matching`, BENCHMARKS.md).
    pub fn rank_problem(
        &self,
        library: Library,
        problem: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let searcher = self.inner.reader.searcher();
        if limit == 0 {
            return Ok(Vec::new());
        }
        let field = self.inner.fields.whole_text_of(library);
        let mut words = tokens(problem);
        words.truncate(MAX_QUERY_TOKENS);
        // A word said n times counts n times, as one boosted clause: the same BM25 sum, one
        // walk through its postings.
        let any_word: Vec<(Occur, Box<dyn Query>)> = counted(&words)
            .into_iter()
            .map(|(word, times)| {
                let term = Term::from_field_text(field, word);
                let once: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                let query: Box<dyn Query> =
                    if times == 1 { once } else { Box::new(BoostQuery::new(once, times as Score)) };
                (Occur::Should, query)
            })
            .collect();
        if any_word.is_empty() {
            return Ok(Vec::new());
        }
        let documents = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let collector = BestThenNewest { limit: limit.min(documents.max(1)) };
        let found = searcher.search(&BooleanQuery::new(any_word), &collector)?;
        self.hits(&searcher, found.into_iter().map(|best| (best.score, best.address)).collect())
    }

    /// How rare each of `tokens` is among the whole texts of a library's records: BM25's inverse
    /// document frequency, `ln(1 + (N − n + 0.5) / (n + 0.5))` (a word no record holds gets the
    /// highest weight).
    pub fn rarity(&self, library: Library, tokens: &[String]) -> Result<Vec<f64>, SearchError> {
        let searcher = self.inner.reader.searcher();
        let documents = searcher.num_docs() as f64;
        let field = self.inner.fields.whole_text_of(library);
        tokens
            .iter()
            .map(|token| {
                let term = Term::from_field_text(field, token);
                let holding = searcher.doc_freq(&term)? as f64;
                Ok((1.0 + (documents - holding + 0.5) / (holding + 0.5)).ln())
            })
            .collect()
    }

    /// Which of `words` each of the records `ids` of a library holds in its whole text, as the
    /// index analyzed it (title, keywords and body): one flag per word, per record (a record
    /// the index does not hold is left out). The same as looking the words up among the tokens
    /// of the record's text, without analyzing the text again.
    pub fn words_held(
        &self,
        library: Library,
        ids: &[&str],
        words: &[String],
    ) -> Result<FxHashMap<String, Vec<bool>>, SearchError> {
        let searcher = self.inner.reader.searcher();
        let fields = self.inner.fields;
        let text_field = fields.whole_text_of(library);
        let mut held = FxHashMap::default();
        for segment in searcher.segment_readers() {
            let docs = self.live_docs(segment, ids)?;
            if docs.is_empty() {
                continue;
            }
            let text_index = segment.inverted_index(text_field)?;
            let mut flags = vec![vec![false; words.len()]; docs.len()];
            for (at_word, word) in words.iter().enumerate() {
                if let Some(first) = words[..at_word].iter().position(|earlier| earlier == word) {
                    for flags in &mut flags {
                        flags[at_word] = flags[first];
                    }
                    continue;
                }
                let term = Term::from_field_text(text_field, word);
                let Some(mut postings) = text_index
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(TantivyError::from)?
                else {
                    continue;
                };
                for (at_doc, (doc, _)) in docs.iter().enumerate() {
                    // The documents are in order: the postings only move forward.
                    let current = postings.doc();
                    let found = if current >= *doc { current } else { postings.seek(*doc) };
                    flags[at_doc][at_word] = found == *doc;
                }
            }
            for ((_, id), flags) in docs.into_iter().zip(flags) {
                held.insert(id.to_string(), flags);
            }
        }
        Ok(held)
    }
}

impl SearchIndex {
    /// What the texts of the records `ids` mean, as kept when they were indexed (records of a
    /// library whose meaning is not kept, and records the index does not hold, are left out).
    pub fn meanings(&self, ids: &[&str]) -> FxHashMap<String, Vector> {
        self.inner.meanings.get(ids)
    }

    /// The cosine of `problem`'s meaning with the kept meaning of each of the records `ids`, in
    /// their order (`None` for a record whose meaning is not kept).
    pub fn meaning_cosines(&self, problem: &Vector, ids: &[&str]) -> Vec<Option<f64>> {
        self.inner.meanings.cosines(problem, ids)
    }

    /// The `most` records of `library` whose kept meaning is closest to `problem`'s, closest
    /// first, with their cosines: candidates a problem in other words than the records' own
    /// would not find by its words.
    pub fn nearest_meanings(
        &self,
        library: Library,
        problem: &Vector,
        most: usize,
    ) -> Vec<(String, f64)> {
        self.inner.meanings.nearest(library, problem, most)
    }

    /// The live documents of a segment with one of the ids, in document order.
    fn live_docs<'a>(
        &self,
        segment: &SegmentReader,
        ids: &[&'a str],
    ) -> Result<Vec<(DocId, &'a str)>, SearchError> {
        let id_field = self.inner.fields.id;
        let alive = segment.alive_bitset();
        let id_index = segment.inverted_index(id_field)?;
        let mut docs: Vec<(DocId, &str)> = Vec::new();
        for id in ids {
            let term = Term::from_field_text(id_field, id);
            let Some(mut postings) = id_index
                .read_postings(&term, IndexRecordOption::Basic)
                .map_err(TantivyError::from)?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED && alive.is_some_and(|alive| !alive.is_alive(doc)) {
                doc = postings.advance();
            }
            if doc != TERMINATED {
                docs.push((doc, id));
            }
        }
        docs.sort_unstable();
        Ok(docs)
    }
}

/// Each distinct word once, in the order first said, with how many times it is said.
fn counted(words: &[String]) -> Vec<(&str, u32)> {
    let mut at: FxHashMap<&str, usize> = FxHashMap::default();
    let mut counted: Vec<(&str, u32)> = Vec::new();
    for word in words {
        match at.get(word.as_str()) {
            Some(&i) => counted[i].1 += 1,
            None => {
                at.insert(word, counted.len());
                counted.push((word, 1));
            }
        }
    }
    counted
}

/// Collects the `limit` best-scoring documents, equal scores newest first — what tantivy's
/// `TopDocs` ordered by score and then the order key does, without reading the order key of
/// every matching document: it is read only for documents that reach the running top, a few
/// hundred of the tens of thousands a problem's words hit. No Block-WAND either: with the
/// dozens of words of a problem it prunes little and costs more than it saves (BENCHMARKS.md).
struct BestThenNewest {
    limit: usize,
}

/// A collected document: its score, its order key (newest greatest) and its address.
#[derive(Debug, Clone, Copy)]
struct Best {
    score: Score,
    newest: (u64, u64),
    address: DocAddress,
}

/// Best score first, then newest first.
fn best_first(a: &Best, b: &Best) -> Ordering {
    b.score.total_cmp(&a.score).then_with(|| b.newest.cmp(&a.newest))
}

impl Collector for BestThenNewest {
    type Fruit = Vec<Best>;
    type Child = BestThenNewestInSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<BestThenNewestInSegment> {
        let fast = reader.fast_fields();
        Ok(BestThenNewestInSegment {
            segment,
            limit: self.limit,
            high: fast.u64(ORDER_HIGH_FIELD)?,
            low: fast.u64(ORDER_LOW_FIELD)?,
            pending: Vec::with_capacity(2 * self.limit),
            floor: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<Vec<Best>>) -> tantivy::Result<Vec<Best>> {
        let mut all: Vec<Best> = segments.into_iter().flatten().collect();
        all.sort_unstable_by(best_first);
        all.truncate(self.limit);
        Ok(all)
    }
}

/// A document of a segment with its score.
type Scored = (Score, DocId);

/// [`BestThenNewest`] within one segment: documents that may still enter the running top are
/// kept unordered until twice the limit, then cut back to the limit around the last one's
/// score (order keys are read only for documents tied at that score).
struct BestThenNewestInSegment {
    segment: SegmentOrdinal,
    limit: usize,
    high: Column<u64>,
    low: Column<u64>,
    pending: Vec<Scored>,
    /// Once the top is full, the score of its last document and the order key of the oldest
    /// document it holds at that score: a document scoring less, or as much but older, cannot
    /// enter.
    floor: Option<(Score, (u64, u64))>,
}

impl BestThenNewestInSegment {
    /// A document's order key (newest greatest).
    fn newest(&self, doc: DocId) -> (u64, u64) {
        (self.high.first(doc).unwrap_or(0), self.low.first(doc).unwrap_or(0))
    }

    /// Cuts the kept documents back to the limit and raises the floor.
    fn cut(&mut self) {
        let limit = self.limit.max(1);
        if self.pending.len() <= limit {
            return;
        }
        let by_score = |a: &Scored, b: &Scored| b.0.total_cmp(&a.0);
        self.pending.select_nth_unstable_by(limit - 1, by_score);
        let last = self.pending[limit - 1].0;
        // Those above the last score stay; those at it compete on their order key.
        let (mut kept, rest): (Vec<Scored>, Vec<Scored>) =
            self.pending.drain(..).partition(|(score, _)| *score > last);
        let mut tied: Vec<((u64, u64), DocId)> = rest
            .into_iter()
            .filter(|(score, _)| *score == last)
            .map(|(_, doc)| (self.newest(doc), doc))
            .collect();
        tied.sort_unstable_by_key(|(newest, _)| std::cmp::Reverse(*newest));
        tied.truncate(limit - kept.len());
        let oldest = tied.last().map(|(key, _)| *key).unwrap_or_default();
        kept.extend(tied.into_iter().map(|(_, doc)| (last, doc)));
        self.pending = kept;
        self.floor = Some((last, oldest));
    }
}

impl SegmentCollector for BestThenNewestInSegment {
    type Fruit = Vec<Best>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some((last, oldest)) = self.floor
            && (score < last || (score == last && self.newest(doc) < oldest))
        {
            return;
        }
        self.pending.push((score, doc));
        if self.pending.len() >= 2 * self.limit.max(1) {
            self.cut();
        }
    }

    fn harvest(mut self) -> Vec<Best> {
        self.cut();
        let segment = self.segment;
        self.pending
            .iter()
            .map(|&(score, doc)| Best {
                score,
                newest: self.newest(doc),
                address: DocAddress::new(segment, doc),
            })
            .collect()
    }
}
