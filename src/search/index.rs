//! The tantivy index behind [`SearchIndex`].

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::merge_policy::LogMergePolicy;
use tantivy::schema::Value;
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher,
    TantivyDocument, Term,
};

use super::analyzer::{ANALYZER_NAME, JiebaTokenizer};
use super::meanings::MeaningCopy;
use super::schema::{Fields, meaning_text, schema, to_document};
use super::{Hit, SearchDoc, SearchError};
use crate::meaning::{Meaning, PIECES, Vector};

/// Memory budget of the index writer, shared by its worker threads.
const WRITER_MEMORY_BUDGET: usize = 50_000_000;
/// How many decompressed blocks of stored documents each segment's reader keeps (tantivy's
/// default is 100). Only ids are stored, some 350 to a 16 KiB block: 1,000 blocks hold a
/// segment of 350,000 records, so a match's 200 hits are read without decompressing a block
/// each (BENCHMARKS.md); the memory is at most the stored ids'.
const DOC_STORE_CACHE_BLOCKS: usize = 1_000;
/// Indexing threads: analysis (jieba) dominates indexing time and parallelizes well.
const WRITER_THREADS: usize = 2;
/// How many segments of about the same size are merged into one (tantivy's default is 8): every
/// query looks its words up in each segment, so fewer segments answer sooner. An import of
/// 100,000 records leaves 5 segments instead of 9; matching over 5 segments answers about 10 %
/// more requests a second than over 13 (BENCHMARKS.md).
const MERGE_AT_SEGMENTS: usize = 4;
/// A query keeps at most this many distinct tokens (the first ones): a pasted document as a
/// query should not turn into thousands of term lookups.
pub(super) const MAX_QUERY_TOKENS: usize = 256;

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
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
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
                self.inner
                    .meanings
                    .set(changes.map(|(doc, m)| (doc.id.as_str(), doc.library, m.as_ref())));
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
            || self.inner.meanings.forget(id),
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
