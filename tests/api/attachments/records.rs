//! Attachments on records: patent certificates on achievements (confidential), signed scans
//! on contracts, confirmations on auctions — who attaches, who lists, who downloads — and the
//! shared `attach` that records call inside their own transaction.

use serde_json::json;
use techmarket::attachments::{self, SubjectKind};
use techmarket::auth::AuthUser;
use techmarket::error::ApiError;

use super::{download, pdf, uploaded};
use crate::auctions::{announced, bid, bidder, english, until};
use crate::helpers::*;

fn ids_of(page: &serde_json::Value) -> Vec<String> {
    items_field(page, "id")
}

#[tokio::test]
async fn achievement_certificates_are_confidential_to_those_who_read_its_details() {
    let app = spawn_app().await;
    let m = MarketBuilder::new(&app)
        .admin(1)
        .university(1)
        .enterprise(2)
        .enterprise(3)
        .verified_orgs()
        .achievement(sample_achievement(1))
        .build()
        .await;
    let (owner, admin) = (m.university(), m.admin());
    let (buyer, stranger) = (&m.enterprises[0], &m.enterprises[1]);
    let id = m.achievement_id();
    let path = format!("/api/v1/achievements/{id}/attachments");
    let cert = uploaded(&app, owner, pdf(1), "专利证书.pdf").await;
    let cert_id = cert["id"].as_str().unwrap().to_string();

    // Only its managers attach: a stranger sees the public record (403), not a draft (404).
    let body = json!({"attachment_ids": [cert_id]});
    app.as_user(stranger).post(&path).json(body.clone()).problem(403).await;
    let draft = app
        .as_user(owner)
        .post("/api/v1/achievements")
        .json(sample_achievement(2))
        .expect(201)
        .await;
    let draft_path = format!("/api/v1/achievements/{}/attachments", draft["id"].as_str().unwrap());
    app.as_user(stranger).post(&draft_path).json(body.clone()).problem(404).await;
    app.as_user(stranger).get(&draft_path).problem(404).await;
    app.as_user(owner).post(&path).json(json!({"attachment_ids": []})).problem(422).await;
    let bad_role = json!({"attachment_ids": [cert_id], "role": "Not A Role"});
    app.as_user(owner).post(&path).json(bad_role).problem(422).await;

    let listed = app.as_user(owner).post(&path).json(body.clone()).expect(200).await;
    assert_eq!(ids_of(&listed), vec![cert_id.clone()]);
    assert_eq!(listed["items"][0]["role"], "patent_certificate");
    // Attaching again changes nothing.
    let again = app.as_user(owner).post(&path).json(body).expect(200).await;
    assert_eq!(ids_of(&again), vec![cert_id.clone()]);

    // Confidential: the public record's files are listed and read by its owners and
    // administrators only, until an access request is granted.
    for reader in [owner, admin] {
        assert_eq!(
            ids_of(&app.as_user(reader).get(&path).expect(200).await),
            vec![cert_id.clone()]
        );
        assert_eq!(download(&app, reader, &cert_id).await.status(), 200);
    }
    for outsider in [buyer, stranger] {
        assert!(ids_of(&app.as_user(outsider).get(&path).expect(200).await).is_empty());
        assert_problem(download(&app, outsider, &cert_id).await, reqwest::StatusCode::NOT_FOUND)
            .await;
    }
    app.anon().get(&path).problem(401).await;
    let requests = format!("/api/v1/achievements/{id}/access-requests");
    let request = app
        .as_user(buyer)
        .post(&requests)
        .json(json!({"message": "拟签保密协议"}))
        .expect(201)
        .await;
    let request_id = request["id"].as_str().unwrap();
    app.as_user(owner)
        .post(format!("{requests}/{request_id}/grant"))
        .json(json!({}))
        .expect(200)
        .await;
    assert_eq!(ids_of(&app.as_user(buyer).get(&path).expect(200).await), vec![cert_id.clone()]);
    assert_eq!(download(&app, buyer, &cert_id).await.status(), 200);
    assert_problem(download(&app, stranger, &cert_id).await, reqwest::StatusCode::NOT_FOUND).await;

    assert_eq!(
        app.audit_entries(admin, format!("action=attachment.attach&entity_id={cert_id}"))
            .await
            .len(),
        1
    );
    // Every download of a confidential certificate is audited, naming the reader.
    let reads = app
        .as_user(admin)
        .get(format!("/api/v1/admin/audit?action=attachment.read&entity_id={cert_id}"))
        .expect(200)
        .await;
    let readers = items_field(&reads, "actor_id");
    for reader in [owner, admin, buyer] {
        assert!(readers.contains(&reader.user_id), "{readers:?}");
    }
}

#[tokio::test]
async fn someone_elses_or_unknown_uploads_are_refused_per_field_and_nothing_is_linked() {
    let app = spawn_app().await;
    let m = MarketBuilder::new(&app)
        .admin(1)
        .university(1)
        .enterprise(2)
        .achievement(sample_achievement(1))
        .build()
        .await;
    let owner = m.university();
    let mine = uploaded(&app, owner, pdf(1), "mine.pdf").await;
    let theirs = uploaded(&app, m.enterprise(), pdf(2), "theirs.pdf").await;
    let path = format!("/api/v1/achievements/{}/attachments", m.achievement_id());
    let problem = app
        .as_user(owner)
        .post(&path)
        .json(json!({"attachment_ids": [mine["id"], theirs["id"], "no-such-upload"]}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&problem), vec!["attachment_ids[1]", "attachment_ids[2]"]);
    let codes = error_codes(&problem);
    assert_eq!(codes, vec!["not_yours", "not_found"]);
    assert!(ids_of(&app.as_user(owner).get(&path).expect(200).await).is_empty());
    // Still unattached: still the uploader's only.
    let theirs_id = theirs["id"].as_str().unwrap();
    assert_problem(download(&app, owner, theirs_id).await, reqwest::StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_record_and_its_attachments_are_written_in_one_transaction() {
    let app = spawn_app().await;
    let m = MarketBuilder::new(&app)
        .admin(1)
        .university(1)
        .achievement(sample_achievement(1))
        .build()
        .await;
    let owner = m.university();
    let file = uploaded(&app, owner, pdf(1), "scan.pdf").await;
    let file_id = file["id"].as_str().unwrap().to_string();
    let (user_id, subject) = (owner.user_id.clone(), m.achievement_id());
    // A record whose own write fails after its files were linked leaves no link behind.
    let (ids, target) = (vec![file_id.clone()], subject.clone());
    let failed = app
        .state
        .db
        .write(move |conn| {
            let user = techmarket::accounts::queries::find(conn, &user_id)?;
            let user = AuthUser { user, session_id: String::new(), request_id: None };
            attachments::attach(conn, &user, SubjectKind::Achievement, &target, "scan", &ids)?;
            Err::<(), _>(ApiError::conflict("the record's own write failed"))
        })
        .await;
    assert!(matches!(failed, Err(ApiError::Conflict { .. })));
    let path = format!("/api/v1/achievements/{subject}/attachments");
    assert!(ids_of(&app.as_user(owner).get(&path).expect(200).await).is_empty());
    // A refused id fails the whole write: the record is not written either.
    let (user_id, ids) = (owner.user_id.clone(), vec![file_id.clone(), "missing".to_string()]);
    let refused = app
        .state
        .db
        .write(move |conn| {
            let user = techmarket::accounts::queries::find(conn, &user_id)?;
            let user = AuthUser { user, session_id: String::new(), request_id: None };
            attachments::attach(conn, &user, SubjectKind::Achievement, &subject, "scan", &ids)
        })
        .await;
    match refused {
        Err(ApiError::Validation(errors)) => {
            assert_eq!(errors[0].field, "attachment_ids[1]");
            assert_eq!(errors[0].code, "not_found");
        }
        other => panic!("expected 422, got {other:?}"),
    }
    assert!(ids_of(&app.as_user(owner).get(&path).expect(200).await).is_empty());
}

#[tokio::test]
async fn contract_scans_are_read_by_whoever_sees_the_contract() {
    let app = spawn_app().await;
    let m = MarketBuilder::new(&app).admin(1).university(1).enterprise(2).build().await;
    let outsider = app.enterprise(3).await;
    let (seller, buyer) = (m.university(), m.enterprise());
    let today = techmarket::clock::today();
    let contract = app
        .as_user(seller)
        .post("/api/v1/contracts")
        .json(json!({
            "name": "富锂锰基正极材料制备技术专利实施许可合同",
            "contract_type": "license", "subtype": "patent",
            "buyer": {"org_id": buyer.organization_id}, "seller": {"org_id": seller.organization_id},
            "technology_field": "new_energy", "ip_type": "invention_patent",
            "plan_category": "provincial",
            "signed_on": (today - chrono::Duration::days(5)).to_string(),
            "valid_from": (today - chrono::Duration::days(5)).to_string(),
            "valid_to": (today + chrono::Duration::days(300)).to_string(),
            "amount_fen": 100_000_000,
        }))
        .expect(201)
        .await;
    let path = format!("/api/v1/contracts/{}/attachments", contract["id"].as_str().unwrap());
    let scan = uploaded(&app, seller, pdf(1), "合同扫描件.pdf").await;
    let scan_id = scan["id"].as_str().unwrap();
    let body = json!({"attachment_ids": [scan_id]});
    app.as_user(&outsider).post(&path).json(body.clone()).problem(404).await;
    app.as_user(buyer).post(&path).json(body.clone()).problem(403).await;
    let listed = app.as_user(seller).post(&path).json(body).expect(200).await;
    assert_eq!(listed["items"][0]["role"], "signed_contract");
    for reader in [seller, buyer, m.admin()] {
        assert_eq!(ids_of(&app.as_user(reader).get(&path).expect(200).await), vec![scan_id]);
        assert_eq!(download(&app, reader, scan_id).await.status(), 200);
    }
    app.as_user(&outsider).get(&path).problem(404).await;
    assert_problem(download(&app, &outsider, scan_id).await, reqwest::StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn auction_confirmations_are_read_by_the_seller_the_winner_and_administrators() {
    let app = spawn_app().await;
    let m = MarketBuilder::new(&app)
        .admin(1)
        .university(100)
        .enterprise(1)
        .enterprise(2)
        .enterprise(3)
        .verified_orgs()
        .achievement(sample_achievement(1))
        .build()
        .await;
    let (winner, loser, stranger) = (&m.enterprises[0], &m.enterprises[1], &m.enterprises[2]);
    let id = announced(&app, &m, english(1_500, 1_500)).await;
    bidder(&app, &m, &id, winner).await;
    bidder(&app, &m, &id, loser).await;
    until(&app, &id, "open").await;
    bid(&app, winner, &id, json!({"amount_fen": 10_000})).expect(201).await;
    until(&app, &id, "closed").await;

    let path = format!("/api/v1/auctions/{id}/attachments");
    let confirmation = uploaded(&app, m.university(), pdf(1), "成交确认书.pdf").await;
    let confirmation_id = confirmation["id"].as_str().unwrap();
    let body = json!({"attachment_ids": [confirmation_id]});
    app.as_user(winner).post(&path).json(body.clone()).problem(403).await;
    let listed = app.as_user(m.university()).post(&path).json(body).expect(200).await;
    assert_eq!(listed["items"][0]["role"], "confirmation");
    for reader in [m.university(), winner, m.admin()] {
        assert_eq!(
            ids_of(&app.as_user(reader).get(&path).expect(200).await),
            vec![confirmation_id]
        );
        assert_eq!(download(&app, reader, confirmation_id).await.status(), 200);
    }
    for outsider in [loser, stranger] {
        assert!(ids_of(&app.as_user(outsider).get(&path).expect(200).await).is_empty());
        assert_problem(
            download(&app, outsider, confirmation_id).await,
            reqwest::StatusCode::NOT_FOUND,
        )
        .await;
    }
}
