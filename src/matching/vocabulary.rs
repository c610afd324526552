//! The keyword vocabulary of a corpus: which records carry which author keywords, how rare each
//! keyword is, and which keywords a free text mentions.

use rustc_hash::FxHashMap;

/// Shortest keyword (in characters) recognized inside a free text.
pub const MIN_RECOGNIZED_CHARS: usize = 2;

/// Keywords and the records carrying them.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    /// keyword (normalized) → record ids.
    postings: FxHashMap<String, Vec<String>>,
    /// record id → its keywords (normalized).
    keywords_of: FxHashMap<String, Vec<String>>,
    /// Records in the corpus.
    records: usize,
    /// The first two characters of keywords → the most characters a keyword ever added that
    /// starts with them has (never lowered on removal): how long a stretch of a text starting
    /// there [`Vocabulary::recognize`] looks up, and whether it looks at all.
    longest_from: FxHashMap<(char, char), usize>,
}

/// The first two characters of a normalized text (`None` when it is shorter).
fn opening(text: &str) -> Option<(char, char)> {
    let mut chars = text.chars();
    Some((chars.next()?, chars.next()?))
}

/// Normalizes a keyword for matching: trimmed, lower-cased, inner whitespace removed.
pub fn normalize(keyword: &str) -> String {
    keyword.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

impl Vocabulary {
    /// An empty vocabulary.
    pub fn new() -> Vocabulary {
        Vocabulary::default()
    }

    /// Adds a record's keywords.
    pub fn add(&mut self, id: &str, keywords: &[String]) {
        let mut normalized: Vec<String> = keywords
            .iter()
            .map(|k| normalize(k))
            .filter(|k| k.chars().count() >= MIN_RECOGNIZED_CHARS)
            .collect();
        normalized.sort();
        normalized.dedup();
        for keyword in &normalized {
            if let Some(opening) = opening(keyword) {
                let longest = self.longest_from.entry(opening).or_default();
                *longest = (*longest).max(keyword.chars().count());
            }
            self.postings.entry(keyword.clone()).or_default().push(id.to_string());
        }
        self.keywords_of.insert(id.to_string(), normalized);
        self.records += 1;
    }

    /// Removes a record's keywords.
    pub fn remove(&mut self, id: &str) {
        if let Some(old) = self.keywords_of.remove(id) {
            for keyword in old {
                if let Some(ids) = self.postings.get_mut(&keyword) {
                    ids.retain(|other| other != id);
                    if ids.is_empty() {
                        self.postings.remove(&keyword);
                    }
                }
            }
            self.records = self.records.saturating_sub(1);
        }
    }

    /// Replaces a record's keywords.
    pub fn upsert(&mut self, id: &str, keywords: &[String]) {
        self.remove(id);
        self.add(id, keywords);
    }

    /// Records in the vocabulary.
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether no record was added.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The records carrying a keyword.
    pub fn records_with(&self, keyword: &str) -> &[String] {
        self.postings.get(keyword).map_or(&[], Vec::as_slice)
    }

    /// A record's keywords.
    pub fn keywords_of(&self, id: &str) -> &[String] {
        self.keywords_of.get(id).map_or(&[], Vec::as_slice)
    }

    /// Inverse document frequency of a keyword (0 when unknown).
    pub fn idf(&self, keyword: &str) -> f64 {
        let df = self.records_with(keyword).len();
        if df == 0 {
            return 0.0;
        }
        ((1.0 + self.records as f64) / df as f64).ln()
    }

    /// The corpus keywords a text mentions verbatim, longest first, without keywords contained
    /// in a longer one already found. Every stretch of the text that opens like a keyword, up to
    /// the longest keyword of that opening, is looked up (not every keyword searched in the
    /// text: the vocabulary of a large corpus holds hundreds of thousands of keywords).
    pub fn recognize(&self, text: &str) -> Vec<String> {
        let haystack = normalize(text);
        let bounds: Vec<usize> =
            haystack.char_indices().map(|(at, _)| at).chain([haystack.len()]).collect();
        let mut found: Vec<&str> = Vec::new();
        for (start, &from) in bounds.iter().enumerate() {
            let Some(longest) = opening(&haystack[from..]).and_then(|o| self.longest_from.get(&o))
            else {
                continue;
            };
            let longest_end = (start + longest).min(bounds.len() - 1);
            for &to in bounds.get(start + MIN_RECOGNIZED_CHARS..=longest_end).unwrap_or(&[]) {
                if let Some((keyword, _)) = self.postings.get_key_value(&haystack[from..to]) {
                    found.push(keyword);
                }
            }
        }
        found.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
        found.dedup();
        let mut kept: Vec<String> = Vec::new();
        for keyword in found {
            if !kept.iter().any(|longer| longer.contains(keyword)) {
                kept.push(keyword.to_string());
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_the_longest_keywords_in_a_text() {
        let mut vocabulary = Vocabulary::new();
        vocabulary.add("a", &["锂离子电池".into(), "电池".into(), "正极材料".into()]);
        vocabulary.add("b", &["电池".into(), "Lyapunov 函数".into()]);
        let found = vocabulary.recognize("寻求锂离子电池正极材料与lyapunov函数方面的方案");
        assert_eq!(found, vec!["lyapunov函数", "锂离子电池", "正极材料"]);
        assert_eq!(vocabulary.records_with("电池").len(), 2);
        assert!(vocabulary.idf("正极材料") > vocabulary.idf("电池"));
    }

    #[test]
    fn recognizes_what_a_scan_of_every_keyword_finds() {
        let mut vocabulary = Vocabulary::new();
        let keywords =
            ["电池", "锂电池", "池正", "a b", "ab c", "正极材料与", "料", "é聚合物", "聚合物"];
        vocabulary.add("a", &keywords.map(String::from));
        for text in ["锂电池正极材料与ab c", "É聚合物", "", "电", "ab", "正极材料与料电池"]
        {
            let haystack = normalize(text);
            let mut scanned: Vec<String> = vocabulary
                .postings
                .keys()
                .filter(|k| haystack.contains(k.as_str()))
                .cloned()
                .collect();
            scanned
                .sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
            let mut expected: Vec<String> = Vec::new();
            for keyword in scanned {
                if !expected.iter().any(|longer| longer.contains(keyword.as_str())) {
                    expected.push(keyword);
                }
            }
            assert_eq!(vocabulary.recognize(text), expected, "{text}");
        }
    }
}
