//! Lay-language query expansion: an enterprise writes 漏气 where the literature writes 密封 and
//! 泄漏, 画面灰蒙蒙 where it writes 去雾. A hand-written lexicon of symptom words
//! (`src/matching/lay_lexicon.txt`) adds the technical terms to a problem that uses the lay ones.

use std::sync::LazyLock;

/// The lexicon's source, as compiled in.
const SOURCE: &str = include_str!("lay_lexicon.txt");

/// One group: the lay phrases and the technical terms they stand for.
struct Group {
    lay: Vec<&'static str>,
    terms: &'static str,
}

static LEXICON: LazyLock<Vec<Group>> = LazyLock::new(|| {
    SOURCE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (lay, terms) = line.split_once('=')?;
            let lay: Vec<&str> = lay.split('|').map(str::trim).filter(|p| !p.is_empty()).collect();
            Some(Group { lay, terms: terms.trim() })
        })
        .collect()
});

/// The technical terms a problem's lay words stand for, space-separated (empty when it uses
/// none of the lexicon's phrases).
pub(super) fn expansion(text: &str) -> String {
    let mut terms: Vec<&str> = Vec::new();
    for group in LEXICON.iter() {
        if group.lay.iter().any(|phrase| text.contains(phrase)) {
            for term in group.terms.split_whitespace() {
                if !terms.contains(&term) && !text.contains(term) {
                    terms.push(term);
                }
            }
        }
    }
    terms.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lay_words_bring_their_technical_terms() {
        let added = expansion("阀门一直漏气，画面灰蒙蒙的，塘里的鱼天一热就浮头");
        for term in ["密封", "泄漏", "去雾", "图像增强", "溶解氧", "增氧"] {
            assert!(added.split(' ').any(|t| t == term), "{term} not in {added}");
        }
        assert_eq!(expansion("富锂锰基正极材料"), "");
        assert!(LEXICON.len() > 160);
    }
}
