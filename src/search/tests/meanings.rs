//! The in-memory copy of the kept meanings follows every write and is read back from disk.

use super::*;

fn achievement(id: &str, title: &str, body: &str) -> SearchDoc {
    doc(id, Library::Achievements, title, body)
}

#[test]
fn the_kept_meanings_follow_writes_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let index = SearchIndex::open(&path).unwrap();
    // Separate commits: separate segments, so a replaced record leaves a deleted document behind.
    index.upsert(&achievement("a1", "锂离子电池正极材料", "高镍三元正极的包覆改性")).unwrap();
    index.upsert(&achievement("a2", "印染废水深度处理", "臭氧催化氧化脱色")).unwrap();
    index.upsert(&doc("e1", Library::Experts, "电池材料专家", "正极")).unwrap();
    let all = ["a1", "a2", "a3", "e1"];
    let first = index.meanings(&all);
    assert_eq!(first.len(), 2, "experts' meaning is not kept: {:?}", first.keys());
    let battery = first["a1"].clone();
    assert!(battery.cosine(&first["a2"]) < 0.9);

    index.upsert(&achievement("a1", "猕猴桃保鲜技术", "采后冷藏与气调")).unwrap();
    index.delete("a2").unwrap();
    index
        .upsert_many(&[achievement("a3", "锂离子电池正极材料", "高镍三元正极的包覆改性")])
        .unwrap();
    let now = index.meanings(&all);
    assert_eq!(
        now.keys().map(String::as_str).collect::<std::collections::BTreeSet<_>>(),
        ["a1", "a3"].into()
    );
    assert!(now["a1"].cosine(&battery) < 0.9, "a1's new text means something else");
    assert_eq!(now["a3"], battery, "the same text means the same");
    drop(index);

    let reopened = SearchIndex::open(&path).unwrap();
    let read = reopened.meanings(&all);
    assert_eq!(read.len(), 2);
    for id in ["a1", "a3"] {
        assert_eq!(read[id], now[id], "{id} read back from the index's segments");
    }
    reopened.clear().unwrap();
    assert!(reopened.meanings(&all).is_empty());
}

#[test]
fn the_nearest_meanings_are_found_in_the_library_asked_for_and_follow_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let index = SearchIndex::open(&path).unwrap();
    index
        .upsert_many(&[
            achievement("a1", "锂离子电池正极材料", "高镍三元正极的包覆改性，提高循环寿命"),
            achievement("a2", "印染废水深度处理", "臭氧催化氧化脱色，出水达标排放"),
            achievement("a3", "猕猴桃保鲜技术", "采后冷藏与气调贮藏"),
            doc("d1", Library::Demands, "动力电池正极材料寿命", "三元正极循环衰减快"),
        ])
        .unwrap();
    let problem = crate::meaning::Meaning::shared()
        .unwrap()
        .embed("电池用久了容量掉得厉害，充不满电", crate::meaning::PIECES);
    let nearest = |index: &SearchIndex, most| -> Vec<String> {
        let found = index.nearest_meanings(Library::Achievements, &problem, most);
        assert!(found.windows(2).all(|pair| pair[0].1 >= pair[1].1), "closest first: {found:?}");
        found.into_iter().map(|(id, _)| id).collect()
    };
    assert_eq!(nearest(&index, 1), ["a1"], "the battery result, not the demand about batteries");
    assert_eq!(nearest(&index, 10).len(), 3, "achievements only");
    assert!(nearest(&index, 0).is_empty());

    index.delete("a1").unwrap();
    assert!(!nearest(&index, 10).contains(&"a1".to_string()), "a deleted record is forgotten");
    drop(index);
    let reopened = SearchIndex::open(&path).unwrap();
    let found = reopened.nearest_meanings(Library::Demands, &problem, 10);
    assert_eq!(found.len(), 1, "read back with its library: {found:?}");
    assert_eq!(found[0].0, "d1");
    assert_eq!(nearest(&reopened, 10).len(), 2);
}
