//! Text to pieces: SentencePiece's `nmt_nfkc` normalization (kept as the model's table of
//! characters that change) and its unigram segmentation (Viterbi over the pieces' scores).

use rustc_hash::FxHashMap;

use super::MeaningError;
use super::file::Reader;

/// The unknown piece.
const UNKNOWN: u32 = 0;
/// The start of a text.
pub(super) const START: u32 = 1;
/// The end of a text.
pub(super) const END: u32 = 2;
/// What stands for white space in the pieces.
const SPACE: char = '\u{2581}';
/// Marks a prefix that is not a piece itself but leads to longer ones.
const PREFIX_ONLY: u32 = u32::MAX;

/// The vocabulary and how to segment a text into it.
pub(super) struct Pieces {
    /// Every piece and every prefix of one: the piece's id, or [`PREFIX_ONLY`].
    lookup: FxHashMap<Box<str>, u32>,
    /// Each piece's log probability, by id.
    scores: Vec<f32>,
    /// The longest piece, in characters.
    longest: usize,
    /// The score an unknown character costs.
    unknown_score: f32,
    /// Characters that normalization replaces, and what with.
    normalized: FxHashMap<char, Box<str>>,
}

impl Pieces {
    /// Reads the pieces and the normalization table.
    pub(super) fn read(reader: &mut Reader<'_>) -> Result<Pieces, MeaningError> {
        let count = reader.count()?;
        let mut lookup: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut scores = Vec::with_capacity(count);
        let mut longest = 0;
        for id in 0..count {
            let score = reader.f32()?;
            let length = usize::from(reader.u16()?);
            let piece = reader.text(length)?;
            scores.push(score);
            let id =
                u32::try_from(id).map_err(|_| MeaningError::Format("too many pieces".into()))?;
            longest = longest.max(piece.chars().count());
            for (end, _) in piece.char_indices().skip(1) {
                lookup.entry(piece[..end].into()).or_insert(PREFIX_ONLY);
            }
            lookup.insert(piece.into(), id);
        }
        let unknown_score = scores.iter().copied().fold(f32::INFINITY, f32::min) - 10.0;
        let mut normalized = FxHashMap::default();
        for _ in 0..reader.count()? {
            let code = reader.u32()?;
            let length = usize::from(reader.u8()?);
            let replacement = reader.text(length)?;
            let character = char::from_u32(code)
                .ok_or_else(|| MeaningError::Format(format!("{code:#x} is no character")))?;
            normalized.insert(character, replacement.into());
        }
        Ok(Pieces { lookup, scores, longest, unknown_score, normalized })
    }

    /// How many pieces the vocabulary holds.
    pub(super) fn len(&self) -> usize {
        self.scores.len()
    }

    /// The pieces of `text` between the start and end marks, at most `most` ids in all (a
    /// longer text is cut, its end mark kept).
    pub(super) fn encode(&self, text: &str, most: usize) -> Vec<u32> {
        // No piece is longer than `longest` characters: the first `most` pieces lie within
        // that many characters of the start, and a long text is not segmented beyond them.
        let reach = most.saturating_mul(self.longest);
        let text = text.char_indices().nth(reach).map_or(text, |(at, _)| &text[..at]);
        let normalized = self.normalize(text);
        let mut ids = vec![START];
        if normalized.is_empty() {
            ids.push(UNKNOWN);
        } else {
            ids.extend(self.segment(&normalized));
        }
        ids.truncate(most.max(2) - 1);
        ids.push(END);
        ids
    }

    /// `nmt_nfkc`: replaced characters, runs of spaces folded, leading and trailing ones
    /// dropped, every space (and the start) written as U+2581.
    fn normalize(&self, text: &str) -> String {
        let mut replaced = String::with_capacity(text.len());
        for character in text.chars() {
            match self.normalized.get(&character) {
                Some(replacement) => replaced.push_str(replacement),
                None => replaced.push(character),
            }
        }
        let mut out = String::with_capacity(replaced.len() + 3);
        for word in replaced.split(' ').filter(|word| !word.is_empty()) {
            out.push(SPACE);
            out.push_str(word);
        }
        out
    }

    /// The most probable segmentation of a normalized text (ties to the earliest start, as
    /// SentencePiece breaks them); a character no piece starts with is the unknown piece.
    fn segment(&self, text: &str) -> Vec<u32> {
        let starts: Vec<usize> =
            text.char_indices().map(|(at, _)| at).chain(std::iter::once(text.len())).collect();
        let length = starts.len() - 1;
        let mut best = vec![f32::NEG_INFINITY; length + 1];
        best[0] = 0.0;
        let mut from = vec![0usize; length + 1];
        let mut piece = vec![UNKNOWN; length + 1];
        for i in 0..length {
            let base = best[i];
            let mut single = false;
            for j in i + 1..=(i + self.longest).min(length) {
                let Some(&id) = self.lookup.get(&text[starts[i]..starts[j]]) else {
                    break;
                };
                if id == PREFIX_ONLY {
                    continue;
                }
                let score = base + self.scores[id as usize];
                if score > best[j] {
                    (best[j], from[j], piece[j]) = (score, i, id);
                }
                single |= j == i + 1;
            }
            if !single && base + self.unknown_score > best[i + 1] {
                (best[i + 1], from[i + 1], piece[i + 1]) = (base + self.unknown_score, i, UNKNOWN);
            }
        }
        let mut ids = Vec::new();
        let mut at = length;
        while at > 0 {
            ids.push(piece[at]);
            at = from[at];
        }
        ids.reverse();
        ids
    }
}
