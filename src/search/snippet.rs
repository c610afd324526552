//! Highlighted snippets: the passage of a record's public text around the first word of a
//! search, with every word of the search in it wrapped in `<mark>`…`</mark>` and the rest
//! HTML-escaped, so a list shows why a record was found.

use crate::http::html::escape_into;

/// Characters of context on each side of the first match.
const CONTEXT: usize = 40;

/// The words of a search, as the index splits them (spaces and `，、,;；`).
fn words(q: &str) -> Vec<Vec<char>> {
    q.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().collect())
        .collect()
}

/// The snippet of `text` for the search `q`, or `None` when no word of it occurs literally.
pub fn snippet(text: &str, q: &str) -> Option<String> {
    let words = words(q);
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    if lower.len() != chars.len() {
        return None;
    }
    let matches_at =
        |i: usize| words.iter().filter(|w| lower[i..].starts_with(w)).map(Vec::len).max();
    let first = (0..chars.len()).find(|i| matches_at(*i).is_some())?;
    let start = first.saturating_sub(CONTEXT);
    let end = (first + CONTEXT * 2).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    while i < end {
        if let Some(len) = matches_at(i) {
            out.push_str("<mark>");
            for c in &chars[i..(i + len).min(chars.len())] {
                escape_into(&mut out, *c);
            }
            out.push_str("</mark>");
            i += len;
        } else {
            escape_into(&mut out, chars[i]);
            i += 1;
        }
    }
    if end < chars.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_marked_in_their_context_and_the_rest_escaped() {
        let text = "本成果针对印染废水色度高、难降解的问题，提出一种<高效>催化氧化处理工艺。";
        let out = snippet(text, "废水 处理").unwrap();
        assert_eq!(
            out,
            "本成果针对印染<mark>废水</mark>色度高、难降解的问题，提出一种&lt;高效&gt;催化氧化<mark>处理</mark>工艺。"
        );
        assert_eq!(snippet(text, "心肌"), None);
        let long = format!("{}废水{}", "甲".repeat(60), "乙".repeat(100));
        let cut = snippet(&long, "废水").unwrap();
        assert!(cut.starts_with('…') && cut.ends_with('…'));
        assert_eq!(cut.chars().filter(|c| *c == '甲').count(), 40);
        assert_eq!(snippet("PVDF membrane", "pvdf").unwrap(), "<mark>PVDF</mark> membrane");
    }
}
