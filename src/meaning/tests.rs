//! The port against the reference encoder (the registry package's numpy forward pass and
//! pure-Python tokenizer): the same pieces, and vectors whose cosine is at least 0.999.

use super::*;

#[derive(serde::Deserialize)]
struct Reference {
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

fn references() -> Vec<Reference> {
    serde_json::from_str(include_str!("reference.json")).expect("reference vectors")
}

#[test]
fn pieces_and_vectors_agree_with_the_reference_encoder() {
    let meaning = Meaning::shared().expect("the model loads");
    for reference in references() {
        assert_eq!(
            meaning.pieces.encode(&reference.text, 10_000),
            reference.ids,
            "{}",
            reference.text
        );
        let exact = meaning.unit_vector(&reference.text, 10_000);
        let cosine: f32 = exact.iter().zip(&reference.vector).map(|(a, b)| a * b).sum();
        assert!(cosine > 0.999, "{}: cosine {cosine}", reference.text);
    }
}

#[test]
fn texts_about_the_same_thing_are_closer_than_unrelated_ones() {
    let meaning = Meaning::shared().expect("the model loads");
    let fog = meaning.embed("监控画面灰蒙蒙的，雾天看不清车牌", 96);
    let dehazing = meaning.embed("基于暗通道先验的图像去雾算法", 96);
    let fish = meaning.embed("罗非鱼链球菌病的防治技术", 96);
    assert!(fog.cosine(&dehazing) > fog.cosine(&fish) + 0.05);
}

#[test]
fn stored_vectors_read_back_and_keep_their_cosines() {
    let meaning = Meaning::shared().expect("the model loads");
    let a = meaning.unit_vector("印染废水深度处理", 96);
    let b = meaning.unit_vector("纺织厂排出的有颜色的污水怎么处理", 96);
    let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let stored = Vector::from_bytes(&Vector::quantize(&a).to_bytes()).expect("read back");
    assert!((stored.cosine(&Vector::quantize(&b)) - f64::from(exact)).abs() < 0.01);
    assert_eq!(Vector::from_bytes(&[0; 3]), None);
}

#[test]
fn a_long_text_is_cut_to_the_pieces_asked_for_and_keeps_its_end_mark() {
    let meaning = Meaning::shared().expect("the model loads");
    let ids = meaning.pieces.encode(&"一种印染废水深度处理工艺".repeat(20), 48);
    assert_eq!(ids.len(), 48);
    assert_eq!((ids[0], ids[47]), (pieces::START, pieces::END));
    assert_eq!(meaning.pieces.encode("", 48), vec![pieces::START, 0, pieces::END]);
}

#[test]
fn a_batch_encodes_each_text_as_if_it_were_alone() {
    let meaning = Meaning::shared().expect("the model loads");
    let texts: Vec<String> = references().into_iter().map(|r| r.text).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batch = meaning.embed_many(&texts, PIECES);
    assert_eq!(batch.len(), texts.len());
    for (text, vector) in texts.iter().zip(&batch) {
        assert!(vector.cosine(&meaning.embed(text, PIECES)) > 0.999, "{text}");
    }
}
