//! Tests of the analyzer and the index, on the CSL abstracts shipped in `data/csl`.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use super::*;

mod meanings;
mod pages;

const CSL_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/csl/achievements.jsonl");

/// One CSL record, as in the file.
#[derive(serde::Deserialize)]
struct Record {
    external_ref: String,
    title: String,
    summary: String,
    keywords: Vec<String>,
}

impl Record {
    fn to_doc(&self, library: Library) -> SearchDoc {
        SearchDoc {
            id: self.external_ref.clone(),
            library,
            title: self.title.clone(),
            keywords: self.keywords.clone(),
            body: self.summary.clone(),
            facets: Facets::default(),
        }
    }
}

/// The CSL records and an in-memory index of all of them as achievements, built once.
fn csl() -> &'static (Vec<Record>, SearchIndex) {
    static CSL: OnceLock<(Vec<Record>, SearchIndex)> = OnceLock::new();
    CSL.get_or_init(|| {
        let text = std::fs::read_to_string(CSL_PATH)
            .unwrap_or_else(|err| panic!("the CSL test data must be present at {CSL_PATH}: {err}"));
        let records: Vec<Record> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
            .map(|(n, line)| {
                serde_json::from_str(line)
                    .unwrap_or_else(|err| panic!("{CSL_PATH} line {}: {err}", n + 1))
            })
            .collect();
        assert!(
            records.len() > 1000,
            "expected the 1,469 CSL records in {CSL_PATH}, found {}",
            records.len()
        );
        let index = SearchIndex::in_memory().expect("in-memory index");
        let docs: Vec<SearchDoc> =
            records.iter().map(|r| r.to_doc(Library::Achievements)).collect();
        let start = Instant::now();
        index.upsert_many(&docs).expect("index the CSL records");
        eprintln!("indexed {} CSL records in {:.2?}", docs.len(), start.elapsed());
        assert_eq!(index.doc_count(), records.len() as u64);
        (records, index)
    })
}

fn doc(id: &str, library: Library, title: &str, body: &str) -> SearchDoc {
    SearchDoc {
        id: id.to_owned(),
        library,
        title: title.to_owned(),
        keywords: Vec::new(),
        body: body.to_owned(),
        facets: Facets::default(),
    }
}

fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|hit| hit.id.as_str()).collect()
}

#[test]
fn tokens_cut_chinese_into_words() {
    let words = tokens("锂离子电池正极材料的制备方法");
    assert!(words.iter().any(|w| w == "锂离子" || w == "离子"), "{words:?}");
    for expected in ["电池", "正极", "材料", "制备"] {
        assert!(words.iter().any(|w| w == expected), "{expected} not in {words:?}");
    }
    assert!(!words.iter().any(|w| w == "的"), "{words:?}");
}

#[test]
fn tokens_drop_punctuation_and_stop_words_lowercase_and_deduplicate() {
    let words = tokens("基于 Lyapunov 函数的控制器设计，以及 LYAPUNOV 函数与控制器！  ");
    assert!(words.iter().all(|w| !w.trim().is_empty()), "{words:?}");
    for dropped in ["，", "！", " ", "的", "与", "Lyapunov"] {
        assert!(!words.iter().any(|w| w == dropped), "{dropped:?} in {words:?}");
    }
    assert_eq!(words.iter().filter(|w| *w == "lyapunov").count(), 1, "{words:?}");
    assert_eq!(words.iter().filter(|w| *w == "函数").count(), 1, "{words:?}");
    assert!(tokens("").is_empty());
    assert!(tokens("的了和与及在对等，。！？  ").is_empty());
}

#[test]
fn empty_or_stop_word_queries_find_nothing() {
    let (_, index) = csl();
    assert!(index.search(Library::Achievements, "", WordMatch::Any, 10).unwrap().is_empty());
    assert!(index.search(Library::Achievements, "的。", WordMatch::Any, 10).unwrap().is_empty());
    assert!(index.search(Library::Achievements, "电池", WordMatch::Any, 0).unwrap().is_empty());
}

#[test]
fn a_word_only_in_the_summary_finds_the_record() {
    let (records, index) = csl();
    // Words that occur in exactly one record's summary and in no title or keyword.
    let mut summary_df: HashMap<String, usize> = HashMap::new();
    let mut elsewhere = std::collections::HashSet::new();
    let per_record: Vec<Vec<String>> = records.iter().map(|r| tokens(&r.summary)).collect();
    for (record, words) in records.iter().zip(&per_record) {
        for word in words {
            *summary_df.entry(word.clone()).or_default() += 1;
        }
        elsewhere.extend(tokens(&record.title));
        elsewhere.extend(tokens(&record.keywords.join(" ")));
    }
    let mut checked = 0;
    for (record, words) in records.iter().zip(&per_record).step_by(37) {
        let Some(word) = words.iter().find(|w| {
            w.chars().count() >= 2
                && summary_df[*w] == 1
                && !elsewhere.contains(*w)
                // A word the analyzer keeps whole (search mode also emits the shorter words
                // inside a long one, and those are usually common).
                && tokens(w) == [w.as_str()]
        }) else {
            continue;
        };
        assert!(!record.title.contains(word.as_str()));
        let hits = index.search(Library::Achievements, word, WordMatch::Any, 5).unwrap();
        assert_eq!(
            ids(&hits),
            vec![record.external_ref.as_str()],
            "query {word:?} should find only {} ({})",
            record.external_ref,
            record.title
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} records had a summary-only word");
}

#[test]
fn an_exact_title_ranks_its_record_first() {
    let (records, index) = csl();
    let step = records.len() / 200;
    let sample: Vec<&Record> = records.iter().step_by(step).take(200).collect();
    assert_eq!(sample.len(), 200);
    let titles: HashMap<&str, &str> =
        records.iter().map(|r| (r.external_ref.as_str(), r.title.as_str())).collect();
    let mut misses = Vec::new();
    for record in &sample {
        let hits = index.search(Library::Achievements, &record.title, WordMatch::Any, 3).unwrap();
        // A record with the very same title is as good an answer.
        let first_title = hits.first().map(|hit| titles[hit.id.as_str()]);
        if first_title != Some(record.title.as_str()) {
            misses.push(format!("{} {:?} -> {:?}", record.external_ref, record.title, ids(&hits)));
        }
    }
    let rate = (sample.len() - misses.len()) as f64 / sample.len() as f64;
    eprintln!("exact title ranked first for {:.1}% of {} records", rate * 100.0, sample.len());
    assert!(
        rate >= 0.95,
        "exact title ranked its record first for only {:.1}% of {} records; misses: {misses:#?}",
        rate * 100.0,
        sample.len()
    );
}

#[test]
fn searches_stay_within_their_library() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert_many(&[
            doc("a1", Library::Achievements, "高效锂离子电池正极材料", "一种正极材料"),
            doc("d1", Library::Demands, "需要锂离子电池正极材料", "求购正极材料技术"),
            doc("e1", Library::Experts, "张三", "研究锂离子电池"),
        ])
        .unwrap();
    assert_eq!(
        ids(&index.search(Library::Achievements, "锂离子电池", WordMatch::Any, 10).unwrap()),
        ["a1"]
    );
    assert_eq!(
        ids(&index.search(Library::Demands, "锂离子电池", WordMatch::Any, 10).unwrap()),
        ["d1"]
    );
    assert_eq!(
        ids(&index.search(Library::Experts, "锂离子电池", WordMatch::Any, 10).unwrap()),
        ["e1"]
    );
    assert!(
        index
            .search(Library::ServiceProviders, "锂离子电池", WordMatch::Any, 10)
            .unwrap()
            .is_empty()
    );

    // The same holds in the big index: a demand is not an achievement.
    let (records, csl_index) = csl();
    let hits = csl_index.search(Library::Demands, &records[0].title, WordMatch::Any, 10).unwrap();
    assert!(hits.is_empty(), "{hits:?}");
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let index = SearchIndex::in_memory().unwrap();
    assert!(index.needs_rebuild());
    index.upsert(&doc("x", Library::Demands, "石墨烯散热膜", "")).unwrap();
    index.upsert(&doc("y", Library::Demands, "石墨烯导电油墨", "")).unwrap();
    assert_eq!(index.doc_count(), 2);

    // Replacing x: the old text no longer matches, the new one does, and x appears once.
    index.upsert(&doc("x", Library::Demands, "石墨烯导热涂料", "")).unwrap();
    assert_eq!(index.doc_count(), 2);
    assert!(index.search(Library::Demands, "散热膜", WordMatch::Any, 10).unwrap().is_empty());
    assert_eq!(
        ids(&index.search(Library::Demands, "导热涂料", WordMatch::Any, 10).unwrap()),
        ["x"]
    );
    let hits = index.search(Library::Demands, "石墨烯", WordMatch::Any, 10).unwrap();
    let mut all = ids(&hits);
    all.sort_unstable();
    assert_eq!(all, ["x", "y"]);

    // Moving a record to another library is an upsert too.
    index.upsert(&doc("y", Library::Achievements, "石墨烯导电油墨", "")).unwrap();
    assert_eq!(ids(&index.search(Library::Demands, "石墨烯", WordMatch::Any, 10).unwrap()), ["x"]);

    index.delete("x").unwrap();
    assert!(index.search(Library::Demands, "石墨烯", WordMatch::Any, 10).unwrap().is_empty());
    assert_eq!(index.doc_count(), 1);
    index.delete("no-such-id").unwrap();
    assert_eq!(index.doc_count(), 1);

    // Within a batch the last version wins; an empty id is refused and nothing is written.
    index
        .upsert_many(&[
            doc("z", Library::Experts, "旧名字", ""),
            doc("z", Library::Experts, "新名字", ""),
        ])
        .unwrap();
    assert!(index.search(Library::Experts, "旧", WordMatch::Any, 10).unwrap().is_empty());
    assert_eq!(ids(&index.search(Library::Experts, "名字", WordMatch::Any, 10).unwrap()), ["z"]);
    let err = index
        .upsert_many(&[
            doc("w", Library::Experts, "名字", ""),
            doc("", Library::Experts, "名字", ""),
        ])
        .unwrap_err();
    assert!(matches!(err, SearchError::EmptyId), "{err}");
    assert_eq!(index.doc_count(), 2);

    index.clear().unwrap();
    assert_eq!(index.doc_count(), 0);
    assert!(index.search(Library::Experts, "名字", WordMatch::Any, 10).unwrap().is_empty());
}

#[test]
fn title_outweighs_keywords_outweighs_body() {
    let index = SearchIndex::in_memory().unwrap();
    let mut in_keywords = doc("k", Library::Achievements, "一种装置", "用于测量");
    in_keywords.keywords = vec!["光纤传感".to_owned()];
    index
        .upsert_many(&[
            doc("b", Library::Achievements, "一种装置", "用于测量 光纤传感"),
            in_keywords,
            doc("t", Library::Achievements, "光纤传感 装置", "用于测量"),
        ])
        .unwrap();
    assert_eq!(
        ids(&index.search(Library::Achievements, "光纤传感", WordMatch::Any, 10).unwrap()),
        ["t", "k", "b"]
    );
}

#[test]
fn an_index_on_disk_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let index = SearchIndex::open(&path).unwrap();
    assert!(index.needs_rebuild(), "a new index needs filling");
    index.upsert(&doc("p1", Library::ServiceProviders, "知识产权代理服务", "专利申请")).unwrap();
    drop(index);

    let index = SearchIndex::open(&path).unwrap();
    assert!(!index.needs_rebuild());
    assert_eq!(index.doc_count(), 1);
    assert_eq!(
        ids(&index.search(Library::ServiceProviders, "专利", WordMatch::Any, 10).unwrap()),
        ["p1"]
    );

    // A second handle on the same folder is refused (one writer per folder).
    assert!(SearchIndex::open(&path).is_err());
}

#[test]
fn an_incompatible_index_on_disk_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut builder = tantivy::schema::Schema::builder();
        builder.add_text_field("id", tantivy::schema::STRING | tantivy::schema::STORED);
        builder.add_text_field("text", tantivy::schema::TEXT);
        let old = tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let mut writer: tantivy::IndexWriter = old.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(tantivy::doc!(old.schema().get_field("id").unwrap() => "old")).unwrap();
        writer.commit().unwrap();
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.doc_count(), 0);
    index.upsert(&doc("n1", Library::Experts, "新的专家", "")).unwrap();
    assert_eq!(ids(&index.search(Library::Experts, "专家", WordMatch::Any, 10).unwrap()), ["n1"]);
    drop(index);
    assert!(!SearchIndex::open(dir.path()).unwrap().needs_rebuild());
}

#[test]
fn the_index_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    fn assert_clone<T: Clone>() {}
    assert_send_sync::<SearchIndex>();
    assert_clone::<SearchIndex>();
    assert_send_sync::<SearchError>();
}

#[test]
fn every_word_must_match_unless_any_word_may() {
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&doc("dye", Library::Achievements, "印染废水深度处理工艺", "")).unwrap();
    index.upsert(&doc("heart", Library::Achievements, "心肌缺血图像处理方法", "")).unwrap();
    index.upsert(&doc("mine", Library::Achievements, "矿井废水回用", "")).unwrap();
    let search = |text: &str, words: WordMatch| -> Vec<String> {
        let hits = index.search(Library::Achievements, text, words, 10).unwrap();
        ids(&hits).into_iter().map(str::to_owned).collect()
    };

    // Both words: only the record holding both; with `any`, every record holding either,
    // the one holding both first.
    assert_eq!(search("废水 处理", WordMatch::All), ["dye"]);
    let either = search("废水 处理", WordMatch::Any);
    assert_eq!(either.len(), 3);
    assert_eq!(either[0], "dye");
    // List punctuation separates words too; a word of stop words only asks for nothing.
    assert_eq!(search("废水，回用", WordMatch::All), ["mine"]);
    assert_eq!(search("回用 的", WordMatch::All), ["mine"]);
    // One word behaves alike either way.
    let mut alone = search("废水", WordMatch::All);
    alone.sort_unstable();
    assert_eq!(alone, ["dye", "mine"]);
}

#[test]
fn a_problem_is_ranked_on_whole_texts_within_its_library() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert_many(&[
            // A common word in a short title: the field-boosted search ranks it first.
            doc("title", Library::Achievements, "一种控制方法", "涉及飞行器姿态的一般讨论"),
            // The problem's subject, in the body.
            doc(
                "body",
                Library::Achievements,
                "工艺研究",
                "印染废水经混凝和臭氧氧化处理，印染废水的色度和化学需氧量显著下降，可以控制排放",
            ),
            doc("demand", Library::Demands, "印染废水处理", "印染废水色度高，如何控制"),
        ])
        .unwrap();
    let problem = "厂里的印染废水颜色深，想控制排放";
    let ranked = index.rank_problem(Library::Achievements, problem, 10).unwrap();
    assert_eq!(ids(&ranked), ["body", "title"], "whole texts, and no demand among achievements");
    assert!(ranked[0].score > ranked[1].score);
    assert_eq!(ids(&index.rank_problem(Library::Demands, problem, 10).unwrap()), ["demand"]);
    assert!(index.rank_problem(Library::Achievements, "的。", 10).unwrap().is_empty());
    assert!(index.rank_problem(Library::Achievements, problem, 0).unwrap().is_empty());

    // Rarity is BM25's idf among the library's records: a word two achievements hold weighs
    // less than one a single achievement holds, and a word none holds weighs most.
    let words = ["控制".to_string(), "印染".to_string(), "不存在的词".to_string()];
    let rarity = index.rarity(Library::Achievements, &words).unwrap();
    assert!(rarity[0] < rarity[1] && rarity[1] < rarity[2], "{rarity:?}");
}

#[test]
fn a_problems_best_records_are_cut_exactly_with_equal_scores_newest_first() {
    let index = SearchIndex::in_memory().unwrap();
    let id = |n: usize| format!("00000000-0000-7000-8000-{n:012x}");
    let same = |n: usize| doc(&id(n), Library::Achievements, "工艺研究", "印染废水处理");
    // Three commits, three segments: equal scores in each, and two better records.
    index.upsert_many(&(0..25).map(same).collect::<Vec<_>>()).unwrap();
    index.upsert_many(&(25..50).map(same).collect::<Vec<_>>()).unwrap();
    index
        .upsert_many(&[
            doc(&id(50), Library::Achievements, "印染废水", "印染废水处理与印染废水回用"),
            doc(&id(51), Library::Achievements, "印染", "印染废水"),
        ])
        .unwrap();
    let problem = "印染废水怎么处理";
    let all = index.rank_problem(Library::Achievements, problem, 1000).unwrap();
    assert_eq!(all.len(), 52);
    for pair in all.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.score > b.score || (a.score == b.score && a.id > b.id), "{a:?} before {b:?}");
    }
    let equal: Vec<&str> = ids(&all).into_iter().filter(|i| *i <= id(49).as_str()).collect();
    let newest_first: Vec<String> = (0..50).rev().map(id).collect();
    assert_eq!(equal, newest_first, "the equal ones newest first");
    for limit in [1, 2, 3, 5, 24, 26, 51] {
        let cut = index.rank_problem(Library::Achievements, problem, limit).unwrap();
        assert_eq!(ids(&cut), ids(&all[..limit]), "limit {limit}");
    }
}

#[test]
fn the_words_a_record_holds_are_its_texts_tokens() {
    let (records, index) = csl();
    let problem = "印染废水深度处理，希望降低COD与色度，寻求膜分离或高级氧化技术，也关注锂离子电池";
    let words = tokens(problem);
    let chosen: Vec<&Record> = records.iter().step_by(97).collect();
    let ids: Vec<&str> = chosen.iter().map(|r| r.external_ref.as_str()).collect();
    let mut asked = ids.clone();
    asked.push("not-in-the-index");
    let held = index.words_held(Library::Achievements, &asked, &words).unwrap();
    assert_eq!(held.len(), ids.len(), "a record the index does not hold is left out");
    let mut any = 0;
    for record in chosen {
        let text = format!("{} {} {}", record.title, record.keywords.join(" "), record.summary);
        let own: std::collections::HashSet<String> = tokens(&text).into_iter().collect();
        let expected: Vec<bool> = words.iter().map(|w| own.contains(w)).collect();
        assert_eq!(held[&record.external_ref], expected, "{}", record.external_ref);
        any += expected.iter().filter(|h| **h).count();
    }
    assert!(any > 5, "the sample holds some of the words");
    let as_demands = index.words_held(Library::Demands, &ids, &words).unwrap();
    assert!(as_demands.values().flatten().all(|h| !h), "another library's text holds nothing");
}
