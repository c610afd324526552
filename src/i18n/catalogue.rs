//! The catalogue: `locales/messages.toml`, compiled in by rust-i18n (titles and terms by id)
//! and read once more here to recognize a text in one language and give it in the other, its
//! placeholders carried over (`the voucher's balance is 300 fen` ↔ `创新券余额为 300 分`).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::Lang;

/// The catalogue's source, as compiled in.
const SOURCE: &str = include_str!("../../locales/messages.toml");

/// One entry of the catalogue: its id and its text in each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's id, e.g. `problem.not_found` or `message.no_such_demand`.
    pub id: String,
    /// The Chinese text (`%{name}` marks a placeholder).
    pub zh: Option<String>,
    /// The English text.
    pub en: Option<String>,
}

/// Every entry of the catalogue, in the order of the file.
pub fn entries() -> Vec<Entry> {
    let Ok(toml::Value::Table(root)) = SOURCE.parse::<toml::Value>() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (section, value) in root {
        let toml::Value::Table(items) = value else { continue };
        for (key, texts) in items {
            let text = |tag: &str| texts.get(tag).and_then(|t| t.as_str()).map(str::to_string);
            found.push(Entry { id: format!("{section}.{key}"), zh: text("zh-CN"), en: text("en") });
        }
    }
    found
}

/// A text with placeholders, recognized by a pattern.
struct Template {
    /// The placeholders' names, in the order they occur.
    names: Vec<String>,
    /// Whether each placeholder stands in backticks: a machine value, never translated.
    verbatim: Vec<bool>,
    /// The text without its placeholders (the longest wins when several patterns match).
    literal_len: usize,
    pattern: Regex,
}

/// Recognizes the texts of one language.
struct Side {
    exact: HashMap<String, usize>,
    templates: Vec<(usize, Template)>,
    set: RegexSet,
}

struct Catalogue {
    entries: Vec<Entry>,
    from_en: Side,
    from_zh: Side,
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"%\{([^}]*)\}").expect("a valid pattern"));

fn template(text: &str) -> Option<Template> {
    let mut names = Vec::new();
    let mut verbatim = Vec::new();
    let mut pattern = String::from("(?s)^");
    let mut literal_len = 0;
    let mut last = 0;
    for found in PLACEHOLDER.captures_iter(text) {
        let whole = found.get(0)?;
        let literal = &text[last..whole.start()];
        literal_len += literal.chars().count();
        pattern.push_str(&regex::escape(literal));
        pattern.push_str("(.*?)");
        names.push(found[1].to_string());
        verbatim.push(literal.ends_with('`'));
        last = whole.end();
    }
    if names.is_empty() {
        return None;
    }
    let literal = &text[last..];
    literal_len += literal.chars().count();
    pattern.push_str(&regex::escape(literal));
    pattern.push('$');
    Some(Template { names, verbatim, literal_len, pattern: Regex::new(&pattern).ok()? })
}

fn side(entries: &[Entry], text_of: impl Fn(&Entry) -> Option<&String>) -> Side {
    let mut exact = HashMap::new();
    let mut templates = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let Some(text) = text_of(entry) else { continue };
        match template(text) {
            Some(found) => templates.push((index, found)),
            None => {
                exact.entry(text.clone()).or_insert(index);
            }
        }
    }
    let set = RegexSet::new(templates.iter().map(|(_, t)| t.pattern.as_str()))
        .unwrap_or_else(|_| RegexSet::empty());
    Side { exact, templates, set }
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let entries = entries();
    let from_en = side(&entries, |e| e.en.as_ref());
    let from_zh = side(&entries, |e| e.zh.as_ref());
    Catalogue { entries, from_en, from_zh }
});

impl Catalogue {
    fn text(&self, index: usize, lang: Lang) -> Option<&str> {
        let entry = self.entries.get(index)?;
        match lang {
            Lang::Zh => entry.zh.as_deref(),
            Lang::En => entry.en.as_deref(),
        }
    }

    /// `text` in `lang`, recognized in the other language; `depth` bounds the translation of
    /// placeholder values (a noun inside a sentence).
    fn translate(&self, text: &str, lang: Lang, depth: u8) -> Option<String> {
        let from = match lang {
            Lang::Zh => &self.from_en,
            Lang::En => &self.from_zh,
        };
        if let Some(index) = from.exact.get(text) {
            return self.text(*index, lang).map(str::to_string);
        }
        let (index, template) = from
            .set
            .matches(text)
            .into_iter()
            .filter_map(|i| from.templates.get(i))
            .max_by_key(|(_, t)| t.literal_len)?;
        let captures = template.pattern.captures(text)?;
        let target = self.text(*index, lang)?;
        let names: Vec<&str> = template.names.iter().map(String::as_str).collect();
        let values: Vec<String> = (1..=names.len())
            .map(|i| {
                let value = captures.get(i).map_or("", |m| m.as_str());
                match depth {
                    _ if template.verbatim.get(i - 1) == Some(&true) => value.to_string(),
                    0 => value.to_string(),
                    _ => {
                        self.translate(value, lang, depth - 1).unwrap_or_else(|| value.to_string())
                    }
                }
            })
            .collect();
        Some(rust_i18n::replace_patterns(target, &names, &values))
    }
}

/// `text` in `lang`: the catalogue's form of it when the catalogue knows it (in either
/// language), otherwise `text` unchanged.
pub fn localize(text: &str, lang: Lang) -> String {
    CATALOGUE.translate(text, lang, 3).unwrap_or_else(|| text.to_string())
}

/// The catalogue's text for an id (a problem title: `problem.not_found`).
pub fn by_id(id: &str, lang: Lang) -> Option<String> {
    let text = rust_i18n::t!(id, locale = lang.tag());
    (text != id).then(|| text.into_owned())
}

/// The catalogue's text for an id in `lang`, its placeholders filled (`("name", "张三")`); the
/// id itself when the catalogue lacks it.
pub fn fill(id: &str, lang: Lang, values: &[(&str, &str)]) -> String {
    let Some(text) = by_id(id, lang) else { return id.to_string() };
    let names: Vec<&str> = values.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = values.iter().map(|(_, value)| (*value).to_string()).collect();
    rust_i18n::replace_patterns(&text, &names, &values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_both_languages_and_the_same_placeholders() {
        let entries = entries();
        assert!(entries.len() > 300, "{} entries", entries.len());
        for entry in &entries {
            let (Some(zh), Some(en)) = (&entry.zh, &entry.en) else {
                panic!("{} lacks a language", entry.id);
            };
            let names = |text: &str| {
                let mut names: Vec<String> =
                    PLACEHOLDER.captures_iter(text).map(|c| c[1].to_string()).collect();
                names.sort();
                names.dedup();
                names
            };
            assert_eq!(names(zh), names(en), "{}", entry.id);
        }
    }

    /// The arguments of every call in `source` that makes a problem a client reads (after
    /// `marker`, up to the balanced closing bracket).
    fn calls<'a>(source: &'a str, marker: &Regex) -> Vec<&'a str> {
        let mut found = Vec::new();
        for start in marker.find_iter(source) {
            let rest = &source[start.end()..];
            let Some(open) = rest.find(['(', '{']) else { continue };
            let mut depth = 0;
            for (i, c) in rest[open..].char_indices() {
                match c {
                    '(' | '{' => depth += 1,
                    ')' | '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    found.push(&rest[open..open + i]);
                    break;
                }
            }
        }
        found
    }

    /// Every English sentence the code gives a client as a problem's detail or a field's
    /// message has its Chinese form: the source is scanned for the constructors of client
    /// errors, each literal's `format!` placeholders filled with a sample value.
    #[test]
    fn every_problem_text_in_the_code_has_a_chinese_form() {
        let marker = Regex::new(
            r"ApiError::(NotFound|Forbidden|Unauthorized|BadRequest|Conflict|PreconditionRequired|field|conflict|conflict_allowing|duplicate|refused)\b|FieldError::new\b|checker\.fail\b",
        )
        .expect("a pattern");
        let literal = Regex::new(r#""((?:[^"\\]|\\.)*)""#).expect("a pattern");
        let phrase = Regex::new(r"[a-z]{2,} [a-z]{2,}").expect("a pattern");
        let placeholder = Regex::new(r"\{[^{}]*\}").expect("a pattern");
        let mut missing = Vec::new();
        let mut checked = 0;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut folders = vec![root];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("a source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let source = std::fs::read_to_string(&path).expect("a source file");
                let source = source.split("#[cfg(test)]").next().unwrap_or_default();
                for call in calls(source, &marker) {
                    for found in literal.captures_iter(call) {
                        let text = placeholder.replace_all(&found[1], "7").replace("\\\"", "\"");
                        if !phrase.is_match(&text) {
                            continue;
                        }
                        checked += 1;
                        if localize(&text, Lang::Zh) == text {
                            missing.push(format!("{}: {text}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(checked > 300, "only {checked} texts found");
        assert!(missing.is_empty(), "texts without a Chinese form:\n{}", missing.join("\n"));
    }

    #[test]
    fn texts_are_given_in_either_language_with_their_values() {
        assert_eq!(localize("no such demand", Lang::Zh), "需求不存在");
        assert_eq!(localize("需求不存在", Lang::En), "no such demand");
        assert_eq!(
            localize("the voucher's balance is 300 fen; the order needs 500 fen", Lang::Zh),
            "创新券余额为 300 分；该订单需要 500 fen"
        );
        assert_eq!(localize("at most 12 keywords", Lang::Zh), "最多 12 个关键词");
        assert_eq!(localize("deal not found", Lang::Zh), "对接不存在");
        assert_eq!(
            localize("keywords: at most 12 keywords", Lang::Zh),
            "keywords：最多 12 个关键词"
        );
        assert_eq!(localize("something new", Lang::Zh), "something new");
        assert_eq!(
            localize("invalid type: integer `5`, expected a string", Lang::Zh),
            "类型错误：整数 `5`，应为 字符串"
        );
        assert_eq!(
            localize("malformed JSON: EOF while parsing a value at line 1 column 10", Lang::Zh),
            "JSON 格式错误：解析值时内容意外结束（第 1 行第 10 列）"
        );
        assert_eq!(by_id("problem.not_found", Lang::Zh).as_deref(), Some("未找到"));
        assert_eq!(by_id("problem.not_found", Lang::En).as_deref(), Some("Not found"));
        assert_eq!(by_id("problem.nothing_like_this", Lang::En), None);
        assert_eq!(
            fill("mail.notification_subject", Lang::En, &[("title", "X")]),
            "[Techmarket] X"
        );
        assert_eq!(
            fill("mail.notification_subject", Lang::Zh, &[("title", "X")]),
            "【科技大市场】X"
        );
    }
}
