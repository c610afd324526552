//! The tantivy index behind [`SearchIndex`].

use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexWriter, Order, ReloadPolicy, Searcher,
    TantivyDocument, Term,
};

use tantivy::merge_policy::LogMergePolicy;

use super::analyzer::{ANALYZER_NAME, JiebaTokenizer, tokens};
use super::facets::{IndexFilter, IndexOrder, order_key};
use super::meanings::MeaningCopy;
use super::schema::{
    AMOUNT_FIELD, Fields, ORDER_HIGH_FIELD, ORDER_LOW_FIELD, meaning_text, schema, to_document,
};
use super::{Hit, Library, SearchDoc, SearchError, WordMatch};
use crate::meaning::{Meaning, PIECES, Vector};

/// Memory budget of the index writer, shared by its worker threads.
const WRITER_MEMORY_BUDGET: usize = 50_000_000;
/// Indexing threads: analysis (jieba) dominates indexing time and parallelizes well.
const WRITER_THREADS: usize = 2;
/// How many segments of about the same size are merged into one (tantivy's default is 8): every
/// query looks its words up in each segment, so fewer segments answer sooner. An import of
/// 100,000 records leaves 5 segments instead of 9; matching over 5 segments answers about 10 %
/// more requests a second than over 13 (BENCHMARKS.md).
const MERGE_AT_SEGMENTS: usize = 4;
/// Field boosts: a match in the title counts most, then keywords, then the body.
const TITLE_BOOST: f32 = 3.0;
const KEYWORDS_BOOST: f32 = 2.0;
const BODY_BOOST: f32 = 1.0;
/// A query keeps at most this many distinct tokens (the first ones): a pasted document as a
/// query should not turn into thousands of term lookups.
pub(super) const MAX_QUERY_TOKENS: usize = 256;

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

/// What the clones of a [`SearchIndex`] share.
pub(super) struct Inner {
    pub(super) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pub(super) fields: Fields,
    needs_rebuild: bool,
    /// The kept meanings, by record id, as of the last commit.
    pub(super) meanings: MeaningCopy,
}

/// What the texts of `docs` mean, where their library keeps it; a large batch (an import, a
/// rebuild) is encoded on every core.
fn meanings_of(docs: &[SearchDoc]) -> Result<Vec<Option<Vector>>, SearchError> {
    let encode = |part: &[SearchDoc]| -> Result<Vec<Option<Vector>>, SearchError> {
        let texts: Vec<Option<String>> = part.iter().map(meaning_text).collect();
        let kept: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
        if kept.is_empty() {
            return Ok(vec![None; part.len()]);
        }
        let mut vectors = Meaning::shared()?.embed_many(&kept, PIECES).into_iter();
        Ok(texts.iter().map(|text| text.as_ref().and_then(|_| vectors.next())).collect())
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = cores.min(docs.len() / 32).max(1);
    if threads == 1 {
        return encode(docs);
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = docs
            .chunks(docs.len().div_ceil(threads))
            .map(|part| scope.spawn(move || encode(part)))
            .collect();
        let mut meanings = Vec::with_capacity(docs.len());
        for part in parts {
            meanings.extend(part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?);
        }
        Ok(meanings)
    })
}

/// A full-text index over the four libraries; cheap to clone, safe to share across threads.
///
/// Reads never block. Writes go through a single writer behind a mutex and block the calling
/// thread (call them from a blocking thread, e.g. actix's `web::block`); each write commits and
/// reloads the reader before returning, so its effect is visible to the next search.
#[derive(Clone)]
pub struct SearchIndex {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("doc_count", &self.doc_count())
            .field("needs_rebuild", &self.inner.needs_rebuild)
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index kept in `dir`, creating the folder and an empty index if there is none.
    ///
    /// The folder belongs to the index. If it holds an index this version cannot use (another
    /// schema, another index format, unreadable metadata), the files in it are deleted and a new,
    /// empty index is created. Whenever the index was created empty here, [`needs_rebuild`]
    /// is true: the caller should then reindex every record from the database.
    ///
    /// Only one `SearchIndex` may have a given folder open at a time, in this process or any
    /// other: a second `open` fails with a lock error.
    ///
    /// [`needs_rebuild`]: SearchIndex::needs_rebuild
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| SearchError::Io { path: dir.to_path_buf(), source })?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let existing = if Index::exists(&directory).map_err(tantivy::TantivyError::from)? {
            match Index::open(directory.clone()) {
                Ok(index) if index.schema() == schema => Some(index),
                Ok(_) => {
                    tracing::warn!(dir = %dir.display(), "search index has another schema: recreating it");
                    None
                }
                Err(
                    err @ (tantivy::TantivyError::IoError(_)
                    | tantivy::TantivyError::LockFailure(..)),
                ) => return Err(err.into()),
                Err(err) => {
                    tracing::warn!(dir = %dir.display(), error = %err, "search index unusable: recreating it");
                    None
                }
            }
        } else {
            None
        };
        match existing {
            Some(index) => SearchIndex::from_index(index, fields, false),
            None => {
                drop(directory);
                remove_files(dir)?;
                let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
                let index = Index::create(directory, schema, IndexSettings::default())?;
                SearchIndex::from_index(index, fields, true)
            }
        }
    }

    /// Creates an empty index held in memory (for tests, or when no folder is configured).
    ///
    /// Being empty, it reports [`needs_rebuild`](SearchIndex::needs_rebuild).
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        SearchIndex::from_index(Index::create_in_ram(schema), fields, true)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        needs_rebuild: bool,
    ) -> Result<SearchIndex, SearchError> {
        index.tokenizers().register(ANALYZER_NAME, JiebaTokenizer);
        let writer: IndexWriter =
            index.writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY_BUDGET)?;
        let mut merge_policy = LogMergePolicy::default();
        merge_policy.set_min_num_segments(MERGE_AT_SEGMENTS);
        writer.set_merge_policy(Box::new(merge_policy));
        let reader: IndexReader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let meanings = MeaningCopy::read(&reader.searcher(), &fields)?;
        Ok(SearchIndex {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                needs_rebuild,
                meanings,
            }),
        })
    }

    /// Whether the index was created empty when it was opened (there was none, or the one on
    /// disk was incompatible and has been wiped), so every record has to be indexed again.
    ///
    /// This tells the state at opening time; it does not change afterwards.
    pub fn needs_rebuild(&self) -> bool {
        self.inner.needs_rebuild
    }

    /// Indexes `doc`, replacing any document with the same id, and makes it searchable.
    pub fn upsert(&self, doc: &SearchDoc) -> Result<(), SearchError> {
        self.upsert_many(std::slice::from_ref(doc))
    }

    /// Indexes `docs` in one commit, each replacing any document with the same id (within the
    /// batch, the last one with a given id wins), and makes them searchable.
    ///
    /// Either the whole batch is committed or, on error, none of it.
    pub fn upsert_many(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        if docs.iter().any(|doc| doc.id.is_empty()) {
            return Err(SearchError::EmptyId);
        }
        if docs.is_empty() {
            return Ok(());
        }
        let fields = self.inner.fields;
        // Encoded before the writer is taken: the encoder is the slow part of indexing.
        let meanings = meanings_of(docs)?;
        self.write(
            |writer| {
                for (doc, meaning) in docs.iter().zip(&meanings) {
                    writer.delete_term(Term::from_field_text(fields.id, &doc.id));
                    writer.add_document(to_document(doc, meaning.as_ref(), &fields))?;
                }
                Ok(())
            },
            || {
                let changes = docs.iter().zip(&meanings);
                self.inner.meanings.set(changes.map(|(doc, m)| (doc.id.as_str(), m.as_ref())));
            },
        )
    }

    /// Removes the document with this id, if there is one.
    pub fn delete(&self, id: &str) -> Result<(), SearchError> {
        let term = Term::from_field_text(self.inner.fields.id, id);
        self.write(
            |writer| {
                writer.delete_term(term);
                Ok(())
            },
            || self.inner.meanings.set(std::iter::once((id, None))),
        )
    }

    /// Removes every document (before a full rebuild, say).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.write(
            |writer| {
                writer.delete_all_documents()?;
                Ok(())
            },
            || self.inner.meanings.clear(),
        )
    }

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

    /// The stored ids of found documents, with their scores.
    pub(super) fn hits(
        &self,
        searcher: &Searcher,
        found: Vec<(f32, DocAddress)>,
    ) -> Result<Vec<Hit>, SearchError> {
        let id_field = self.inner.fields.id;
        found
            .into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let id = doc
                    .get_first(id_field)
                    .and_then(|value| value.as_str())
                    .ok_or(SearchError::MissingId)?;
                Ok(Hit { id: id.to_owned(), score })
            })
            .collect()
    }

    /// The number of documents searchable now.
    pub fn doc_count(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Runs `ops` on the writer, commits, reloads the reader and runs `committed` (still under
    /// the writer's lock, so that copies kept beside the index change in the commits' order);
    /// on failure, rolls the uncommitted operations back so that a later commit does not pick
    /// them up.
    fn write(
        &self,
        ops: impl FnOnce(&mut IndexWriter) -> Result<(), SearchError>,
        committed: impl FnOnce(),
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer();
        let result = ops(&mut writer).and_then(|()| Ok(writer.commit().map(drop)?));
        if let Err(err) = result {
            if let Err(rollback) = writer.rollback() {
                tracing::error!(error = %rollback, "search index rollback failed");
            }
            return Err(err);
        }
        // The commit stands even if the reader could not be reloaded: the copies follow it.
        let reloaded = self.inner.reader.reload();
        committed();
        Ok(reloaded?)
    }

    /// Locks the writer; a writer left behind by a panicking thread is rolled back first.
    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.inner.writer.lock().unwrap_or_else(|poisoned| {
            let mut writer = poisoned.into_inner();
            if let Err(err) = writer.rollback() {
                tracing::error!(error = %err, "search index rollback after a panic failed");
            }
            self.inner.writer.clear_poison();
            writer
        })
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

/// Deletes the files (not the sub-folders) directly in `dir`: a tantivy index is flat.
fn remove_files(dir: &Path) -> Result<(), SearchError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SearchError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let path = entry.path();
        if entry.file_type().map_err(io_err(&path))?.is_file() {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    Ok(())
}
