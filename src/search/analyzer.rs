//! The Chinese analyzer shared by indexing and querying: a jieba search-mode cut, lower-cased,
//! with punctuation, whitespace and single-character stop words dropped.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the analyzer is registered under in the index's tokenizer manager.
///
/// It is recorded in the schema, so changing the analysis in a way that makes old indexes
/// unusable only needs a new name here: `SearchIndex::open` then sees a different schema and
/// rebuilds.
pub(crate) const ANALYZER_NAME: &str = "jieba_search_v1";

/// Tokens longer than this (in bytes) are dropped: they are hashes, encoded blobs or runs of
/// digits, never words anyone searches for, and tantivy rejects over-long terms anyway.
const MAX_TOKEN_BYTES: usize = 100;

/// Single-character function words that carry no meaning for retrieval.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "在", "对", "等", "是", "或", "为", "以", "于", "之", "其", "而",
    "并", "且", "被", "把", "将", "由", "从", "也", "就", "都", "这", "那", "着", "过", "向", "给",
    "吗", "呢", "吧", "啊",
];

/// jieba with its bundled default dictionary, loaded once for the whole process.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Runs the analysis on `text`, keeping every occurrence (term frequencies matter when
/// indexing); positions count the kept tokens from 0.
pub(crate) fn analyze(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for word in JIEBA.cut_for_search(text, true) {
        if word.word.len() > MAX_TOKEN_BYTES || !word.word.chars().any(char::is_alphanumeric) {
            continue;
        }
        let lower = word.word.to_lowercase();
        if STOP_WORDS.contains(&lower.as_str()) {
            continue;
        }
        out.push(Token {
            offset_from: word.byte_start,
            offset_to: word.byte_end,
            position: out.len(),
            text: lower,
            position_length: 1,
        });
    }
    out
}

/// The analyzer's tokens for a text, each once, in order of first appearance.
///
/// This is a jieba search-mode cut (a long word also yields the shorter dictionary words inside
/// it), lower-cased, with punctuation and whitespace dropped and single-character Chinese stop
/// words such as 的 了 和 与 及 在 对 等 removed. The index analyzes its text fields the same
/// way, so these are exactly the terms a query built from `text` looks up.
pub fn tokens(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    analyze(text)
        .into_iter()
        .filter_map(|token| seen.insert(token.text.clone()).then_some(token.text))
        .collect()
}

/// The tantivy tokenizer wrapping [`analyze`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct JiebaTokenizer;

/// The token stream [`JiebaTokenizer`] hands to tantivy: the analyzed tokens, in order.
pub(crate) struct JiebaTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream {
        JiebaTokenStream { tokens: analyze(text).into_iter(), current: Token::default() }
    }
}

impl TokenStream for JiebaTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}
