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
    assert_eq!(*now["a3"], *battery, "the same text means the same");
    drop(index);

    let reopened = SearchIndex::open(&path).unwrap();
    let read = reopened.meanings(&all);
    assert_eq!(read.len(), 2);
    for id in ["a1", "a3"] {
        assert_eq!(*read[id], *now[id], "{id} read back from the index's segments");
    }
    reopened.clear().unwrap();
    assert!(reopened.meanings(&all).is_empty());
}
