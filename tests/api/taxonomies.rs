//! `GET /api/v1/taxonomies/{name}`: public lists of canonical codes with labels.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_status, error_fields, spawn_app};

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().expect("items")
}

#[tokio::test]
async fn technology_fields_are_the_eleven_fields() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/taxonomies/technology-fields", None).await;
    assert!(
        response
            .headers()
            .get("cache-control")
            .is_some_and(|v| v.to_str().unwrap().starts_with("public"))
    );
    let body = assert_status(response, StatusCode::OK).await;
    assert_eq!(body["name"], "technology-fields");
    let items = items(&body);
    assert_eq!(items.len(), 11);
    let biomedicine = items.iter().find(|i| i["code"] == "biomedicine").expect("biomedicine");
    assert_eq!(biomedicine["zh"], "生物医药和医疗器械");
    assert!(biomedicine["en"].is_string());
    // Fields that do not apply are present as null.
    for field in ["trl_min", "trl_max", "level", "parent"] {
        assert_eq!(biomedicine[field], Value::Null, "{field}");
        assert!(biomedicine.as_object().unwrap().contains_key(field));
    }
}

#[tokio::test]
async fn every_taxonomy_is_served() {
    let app = spawn_app().await;
    for (name, count) in [
        ("industries", 9),
        ("maturity", 4),
        ("ip-types", 9),
        ("patent-statuses", 3),
        ("cooperation-modes", 7),
        ("expert-titles", 7),
        ("expert-services", 4),
        ("service-types", 10),
        ("contract-types", 5),
        ("contract-subtypes", 12),
        ("plan-categories", 5),
        ("refusal-reasons", 6),
        ("loss-reasons", 6),
        ("decline-reasons", 5),
        ("deal-stages", 5),
        ("deal-sources", 5),
        ("auction-types", 4),
        ("auction-statuses", 6),
        ("listing-statuses", 7),
        ("contract-statuses", 8),
        ("voucher-modes", 2),
        ("voucher-statuses", 4),
        ("voucher-order-statuses", 6),
        ("voucher-claim-statuses", 5),
        ("organization-kinds", 5),
        ("roles", 6),
    ] {
        let body = app.anon().get(format!("/api/v1/taxonomies/{name}")).expect(200).await;
        assert_eq!(body["name"], name);
        assert_eq!(items(&body).len(), count, "{name}");
        for item in items(&body) {
            assert!(!item["zh"].as_str().unwrap().is_empty() && item["en"].is_string(), "{item}");
        }
    }
    let stages = app.anon().get("/api/v1/taxonomies/deal-stages").expect(200).await;
    assert_eq!(stages["items"][2]["code"], "agreement");
    assert_eq!(stages["items"][2]["zh"], "达成意向");
}

#[tokio::test]
async fn maturity_items_carry_trl_ranges() {
    let app = spawn_app().await;
    let body = app.anon().get("/api/v1/taxonomies/maturity").expect(200).await;
    let ranges: Vec<Value> = items(&body)
        .iter()
        .map(|i| json!([i["code"], i["zh"], i["trl_min"], i["trl_max"]]))
        .collect();
    assert_eq!(
        ranges,
        [
            json!(["lab", "实验室", 1, 3]),
            json!(["small_scale", "小试", 4, 5]),
            json!(["pilot", "中试", 6, 7]),
            json!(["industrialization", "产业化", 8, 9]),
        ]
    );
}

#[tokio::test]
async fn regions_without_parent_are_the_provinces() {
    let app = spawn_app().await;
    let body = app.anon().get("/api/v1/taxonomies/regions").expect(200).await;
    let items = items(&body);
    assert_eq!(items.len(), 34);
    assert!(
        items
            .iter()
            .all(|i| i["level"] == "province" && i["parent"].is_null() && i["en"].is_null())
    );
    assert!(items.iter().any(|i| i["code"] == "330000" && i["zh"] == "浙江省"));
}

#[tokio::test]
async fn regions_under_a_parent() {
    let app = spawn_app().await;
    let body = app.anon().get("/api/v1/taxonomies/regions?parent=330000").expect(200).await;
    let hangzhou = items(&body).iter().find(|i| i["code"] == "330100").expect("杭州市");
    assert_eq!(hangzhou["zh"], "杭州市");
    assert_eq!(hangzhou["level"], "city");
    assert_eq!(hangzhou["parent"], "330000");
    assert!(items(&body).iter().all(|i| i["parent"] == "330000"));

    let districts = app.anon().get("/api/v1/taxonomies/regions?parent=330100").expect(200).await;
    assert!(items(&districts).iter().any(|i| i["code"] == "330106" && i["level"] == "district"));
}

#[tokio::test]
async fn unknown_region_parent_is_404_and_malformed_is_422() {
    let app = spawn_app().await;
    let problem = app.anon().get("/api/v1/taxonomies/regions?parent=999999").problem(404).await;
    assert!(problem["detail"].as_str().unwrap().contains("999999"));

    let problem = app.anon().get("/api/v1/taxonomies/regions?parent=33").problem(422).await;
    assert_eq!(error_fields(&problem), ["parent"]);
    assert_eq!(problem["errors"][0]["code"], "invalid_region");
}

#[tokio::test]
async fn empty_or_padded_parent_is_422_for_every_taxonomy() {
    let app = spawn_app().await;
    for query in [
        "regions?parent=",
        "regions?parent=%20330000",
        "technology-fields?parent=",
        "industries?parent=abc",
    ] {
        let problem = app.anon().get(format!("/api/v1/taxonomies/{query}")).problem(422).await;
        assert_eq!(error_fields(&problem), ["parent"], "{query}");
        assert_eq!(problem["errors"][0]["code"], "invalid_region", "{query}");
    }
    // A well-formed parent is still ignored by the taxonomies that are not regions.
    app.anon().get("/api/v1/taxonomies/technology-fields?parent=330000").expect(200).await;
}

#[tokio::test]
async fn unknown_taxonomy_is_404_naming_the_known_ones() {
    let app = spawn_app().await;
    let problem = app.anon().get("/api/v1/taxonomies/colours").problem(404).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("colours"), "{detail}");
    assert!(detail.contains("technology-fields") && detail.contains("regions"), "{detail}");
}

#[tokio::test]
async fn contract_subtypes_sit_under_their_types_with_the_certificates_labels() {
    let app = spawn_app().await;
    let body = app.anon().get("/api/v1/taxonomies/contract-subtypes").expect(200).await;
    let under = |parent: &str| -> Vec<Value> {
        items(&body)
            .iter()
            .filter(|i| i["parent"] == parent)
            .map(|i| json!([i["code"], i["zh"]]))
            .collect()
    };
    assert_eq!(
        under("license"),
        [
            json!(["patent", "技术许可（专利实施许可）"]),
            json!(["technical_secret", "技术许可（技术秘密使用许可）"]),
            json!(["other", "技术许可（其他技术许可）"]),
        ]
    );
    assert!(under("consulting").is_empty());
    let reasons = app.anon().get("/api/v1/taxonomies/refusal-reasons").expect(200).await;
    assert_eq!(items(&reasons)[4]["code"], "public_domain");
    assert_eq!(items(&reasons)[4]["zh"], "标的属于公知技术");
    assert_eq!(items(&reasons)[4]["en"], "Public domain");
}
