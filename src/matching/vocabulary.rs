//! The keyword vocabulary of a corpus: which records carry which author keywords, how rare each
//! keyword is, and which keywords a free text mentions.

use rustc_hash::FxHashMap;

/// Shortest keyword (in characters) recognized inside a free text.
pub const MIN_RECOGNIZED_CHARS: usize = 2;

/// A record's place in a vocabulary: a small number that stands for its id, so that rankers
/// can count per record without hashing and comparing id strings.
pub type Slot = u32;

/// Keywords and the records carrying them.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    /// keyword (normalized) → the slots of the records carrying it, in the order they were added.
    postings: FxHashMap<String, Vec<Slot>>,
    /// record id → its slot (kept when the record is removed, and taken again when it returns).
    slot_of: FxHashMap<String, Slot>,
    /// slot → the record in it.
    records_at: Vec<SlotRecord>,
    /// Records in the corpus.
    records: usize,
    /// The first two characters of keywords → the most characters a keyword ever added that
    /// starts with them has (never lowered on removal): how long a stretch of a text starting
    /// there [`Vocabulary::recognize`] looks up, and whether it looks at all.
    longest_from: FxHashMap<(char, char), usize>,
}

/// The record in a slot.
#[derive(Debug, Default, Clone)]
struct SlotRecord {
    /// Its id.
    id: String,
    /// Its keywords, normalized.
    keywords: Vec<String>,
    /// Whether it is in the corpus (added and not removed since).
    present: bool,
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

    /// Adds a record's keywords (a record already present is [`Vocabulary::upsert`]ed).
    pub fn add(&mut self, id: &str, keywords: &[String]) {
        self.remove(id);
        let mut normalized: Vec<String> = keywords
            .iter()
            .map(|k| normalize(k))
            .filter(|k| k.chars().count() >= MIN_RECOGNIZED_CHARS)
            .collect();
        normalized.sort();
        normalized.dedup();
        let slot = match self.slot_of.get(id) {
            Some(&slot) => slot,
            None => {
                let slot = Slot::try_from(self.records_at.len()).unwrap_or(Slot::MAX);
                self.slot_of.insert(id.to_string(), slot);
                self.records_at.push(SlotRecord { id: id.to_string(), ..SlotRecord::default() });
                slot
            }
        };
        for keyword in &normalized {
            if let Some(opening) = opening(keyword) {
                let longest = self.longest_from.entry(opening).or_default();
                *longest = (*longest).max(keyword.chars().count());
            }
            self.postings.entry(keyword.clone()).or_default().push(slot);
        }
        if let Some(record) = self.records_at.get_mut(slot as usize) {
            record.keywords = normalized;
            record.present = true;
            self.records += 1;
        }
    }

    /// Removes a record's keywords.
    pub fn remove(&mut self, id: &str) {
        let Some(&slot) = self.slot_of.get(id) else {
            return;
        };
        let Some(record) = self.records_at.get_mut(slot as usize).filter(|r| r.present) else {
            return;
        };
        record.present = false;
        for keyword in std::mem::take(&mut record.keywords) {
            if let Some(slots) = self.postings.get_mut(&keyword) {
                slots.retain(|other| *other != slot);
                if slots.is_empty() {
                    self.postings.remove(&keyword);
                }
            }
        }
        self.records = self.records.saturating_sub(1);
    }

    /// Replaces a record's keywords.
    pub fn upsert(&mut self, id: &str, keywords: &[String]) {
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

    /// The slot of a record (`None` for a record never added).
    pub fn slot(&self, id: &str) -> Option<Slot> {
        self.slot_of.get(id).copied()
    }

    /// How many slots there are: every slot is below this.
    pub fn slots(&self) -> Slot {
        Slot::try_from(self.records_at.len()).unwrap_or(Slot::MAX)
    }

    /// The id of the record in a slot (empty for a slot not given out).
    pub fn id_at(&self, slot: Slot) -> &str {
        self.records_at.get(slot as usize).map_or("", |record| record.id.as_str())
    }

    /// The slots of the records carrying a keyword, in the order they were added.
    pub fn records_with(&self, keyword: &str) -> &[Slot] {
        self.postings.get(keyword).map_or(&[], Vec::as_slice)
    }

    /// The keywords of the record in a slot.
    pub fn keywords_at(&self, slot: Slot) -> &[String] {
        self.records_at.get(slot as usize).map_or(&[], |record| record.keywords.as_slice())
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
    fn a_record_keeps_its_slot_through_removal_and_return() {
        let mut vocabulary = Vocabulary::new();
        vocabulary.add("a", &["电池".into()]);
        vocabulary.add("b", &["电池".into(), "正极".into()]);
        let (a, b) = (vocabulary.slot("a"), vocabulary.slot("b"));
        assert!(a.is_some() && b.is_some() && a != b);
        vocabulary.remove("b");
        vocabulary.remove("b");
        assert_eq!(vocabulary.len(), 1);
        assert_eq!(vocabulary.records_with("电池"), a.as_slice());
        assert!(vocabulary.records_with("正极").is_empty() && vocabulary.idf("正极") == 0.0);
        vocabulary.upsert("b", &["正极".into()]);
        vocabulary.upsert("a", &[]);
        assert_eq!((vocabulary.slot("b"), vocabulary.len(), vocabulary.slots()), (b, 2, 2));
        let b = b.unwrap_or_default();
        assert_eq!(
            (vocabulary.id_at(b), vocabulary.keywords_at(b)),
            ("b", &["正极".to_string()][..])
        );
        assert!(vocabulary.records_with("电池").is_empty());
        assert_eq!(vocabulary.id_at(7), "");
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
