//! Attachments end to end: uploads sniffed, size-limited and streamed to storage, downloads
//! with safe headers and ETags, the uploader-only rule of unattached uploads and their sweep.
//! Runs on the data folder, or on S3-compatible storage when `TEST_STORAGE_URL` is set.

use reqwest::{Method, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use techmarket::attachments::storage::StorageUrl;

use crate::helpers::*;

mod records;

/// A small PDF, different for each `n`.
pub(crate) fn pdf(n: u32) -> Vec<u8> {
    format!("%PDF-1.7\n%\u{e2}\u{e3}\n1 0 obj << /Title (专利证书 {n}) >> endobj\ntrailer\n%%EOF\n")
        .into_bytes()
}

/// A zip local file header for `name` with no data.
fn zip_entry(name: &str) -> Vec<u8> {
    let mut header = b"PK\x03\x04".to_vec();
    header.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.extend_from_slice(&[0; 12]);
    header.extend_from_slice(&(name.len() as u16).to_le_bytes());
    header.extend_from_slice(&[0, 0]);
    header.extend_from_slice(name.as_bytes());
    header
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Uploads `bytes` as `who` with a declared type and an optional file name.
pub(crate) async fn upload_as(
    app: &TestApp,
    who: Option<&Session>,
    bytes: Vec<u8>,
    content_type: &str,
    filename: Option<&str>,
) -> Response {
    let mut request = app.client.request(Method::POST, app.url("/api/v1/attachments"));
    if let Some(name) = filename {
        request = request.query(&[("filename", name)]);
    }
    if let Some(who) = who {
        request = request.bearer_auth(&who.access_token);
    }
    request.header("content-type", content_type).body(bytes).send().await.expect("upload")
}

/// Uploads a PDF as `who` and returns its metadata.
pub(crate) async fn uploaded(app: &TestApp, who: &Session, bytes: Vec<u8>, name: &str) -> Value {
    assert_status(upload_as(app, Some(who), bytes, "application/pdf", Some(name)).await, code(201))
        .await
}

/// Downloads an attachment as `who`.
pub(crate) async fn download(app: &TestApp, who: &Session, id: &str) -> Response {
    app.as_user(who).get(format!("/api/v1/attachments/{id}")).send().await
}

fn code(status: u16) -> reqwest::StatusCode {
    reqwest::StatusCode::from_u16(status).expect("status")
}

/// Whether staging objects remain in a data-folder store (always false on S3, whose
/// aborted multipart uploads leave no object).
fn staged_leftovers(app: &TestApp) -> usize {
    match &app.state.config.storage {
        StorageUrl::Folder(dir) => {
            std::fs::read_dir(dir.join("staging")).map(|d| d.count()).unwrap_or(0)
        }
        StorageUrl::S3 { .. } => 0,
    }
}

#[tokio::test]
async fn uploads_are_sniffed_stored_and_downloaded_with_safe_headers() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let bytes = pdf(1);
    let meta = uploaded(&app, &owner, bytes.clone(), "专利证书 ZL2023.pdf").await;
    assert_eq!(meta["filename"], "专利证书 ZL2023.pdf");
    assert_eq!(meta["content_type"], "application/pdf");
    assert_eq!(meta["size"], bytes.len());
    assert_eq!(meta["sha256"], sha256_hex(&bytes));
    let id = meta["id"].as_str().unwrap();

    let response = download(&app, &owner, id).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E4%B8%93%E5%88%A9%E8%AF%81%E4%B9%A6%20ZL2023.pdf"),
        "{disposition}"
    );
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", sha256_hex(&bytes)));
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let again = app
        .as_user(&owner)
        .get(format!("/api/v1/attachments/{id}"))
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let stale = app
        .as_user(&owner)
        .get(format!("/api/v1/attachments/{id}"))
        .header("if-none-match", "\"0000\"")
        .send()
        .await;
    assert_eq!(stale.status(), 200);

    let read = app.as_user(&owner).get(format!("/api/v1/attachments/{id}/meta")).expect(200).await;
    assert_eq!(read["sha256"], meta["sha256"]);

    // The declared type is not trusted: PNG bytes declared as PDF are stored as PNG.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec();
    let as_png =
        assert_status(upload_as(&app, Some(&owner), png, "application/pdf", None).await, code(201))
            .await;
    assert_eq!(as_png["content_type"], "image/png");
    assert_eq!(as_png["filename"], "attachment.png");
    let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01".to_vec();
    let ofd = [zip_entry("Doc_0/Document.xml"), zip_entry("OFD.xml")].concat();
    let docx = [zip_entry("[Content_Types].xml"), zip_entry("word/document.xml")].concat();
    let xlsx = [zip_entry("[Content_Types].xml"), zip_entry("xl/workbook.xml")].concat();
    for (bytes, expected) in [
        (jpeg, "image/jpeg"),
        (ofd, "application/ofd"),
        (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ] {
        let response = upload_as(&app, Some(&owner), bytes, "application/octet-stream", None).await;
        assert_eq!(assert_status(response, code(201)).await["content_type"], expected);
    }
    assert_eq!(staged_leftovers(&app), 0);
}

#[tokio::test]
async fn refused_types_empty_files_and_bad_names_leave_nothing_behind() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    for (bytes, declared) in [
        (b"<html><script>alert(1)</script></html>".to_vec(), "application/pdf"),
        (b"GIF89a\x01\0\x01\0".to_vec(), "image/gif"),
        (zip_entry("notes.txt"), "application/zip"),
    ] {
        let response = upload_as(&app, Some(&owner), bytes, declared, Some("x.pdf")).await;
        let problem = assert_problem(response, code(415)).await;
        assert_eq!(problem["code"], "unsupported_media_type");
    }
    let empty = assert_problem(
        upload_as(&app, Some(&owner), Vec::new(), "application/pdf", Some("x.pdf")).await,
        code(422),
    )
    .await;
    assert_eq!(error_fields(&empty), vec!["body"]);
    let nameless = assert_problem(
        upload_as(&app, Some(&owner), pdf(1), "application/pdf", Some("../")).await,
        code(422),
    )
    .await;
    assert_eq!(error_fields(&nameless), vec!["filename"]);
    assert_problem(upload_as(&app, None, pdf(1), "application/pdf", None).await, code(401)).await;
    assert_eq!(staged_leftovers(&app), 0);
    let admin = app.admin(1).await;
    let audit =
        app.as_user(&admin).get("/api/v1/admin/audit?action=attachment.upload").expect(200).await;
    assert!(audit["items"].as_array().unwrap().is_empty());
}

/// Sends an upload with a chunked body (no `Content-Length`), so only the streaming count
/// can stop it; returns the status line's code.
async fn chunked_upload(app: &TestApp, who: &Session, chunks: usize, chunk: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /api/v1/attachments?filename=big.pdf HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        who.access_token
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let mut first = pdf(9);
    first.extend_from_slice(chunk);
    for index in 0..chunks {
        let body = if index == 0 { first.as_slice() } else { chunk };
        let frame = [format!("{:x}\r\n", body.len()).as_bytes(), body, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break; // the server answered and closed early
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn uploads_above_the_limit_answer_413_while_streaming_and_are_removed() {
    let app = spawn_app_with(|s| s.attachment_max_bytes = 100_000).await;
    let owner = app.university(1).await;
    // Declared too large: refused before reading.
    let mut big = pdf(1);
    big.resize(100_001, b' ');
    let problem = assert_problem(
        upload_as(&app, Some(&owner), big, "application/pdf", Some("big.pdf")).await,
        code(413),
    )
    .await;
    assert_eq!(problem["code"], "payload_too_large");
    // Streamed without a length: refused once the count passes the limit.
    assert_eq!(chunked_upload(&app, &owner, 40, &[b' '; 8192]).await, 413);
    assert_eq!(staged_leftovers(&app), 0);
    // At the limit it is accepted.
    let mut exact = pdf(2);
    exact.resize(100_000, b' ');
    uploaded(&app, &owner, exact, "exact.pdf").await;
    assert_eq!(chunked_upload(&app, &owner, 3, &[b' '; 8192]).await, 201);
}

#[tokio::test]
async fn unattached_uploads_are_their_uploaders_only() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let stranger = app.enterprise(2).await;
    let admin = app.admin(1).await;
    let meta = uploaded(&app, &owner, pdf(1), "a.pdf").await;
    let id = meta["id"].as_str().unwrap();
    for who in [&stranger, &admin] {
        assert_problem(download(&app, who, id).await, code(404)).await;
        app.as_user(who).get(format!("/api/v1/attachments/{id}/meta")).problem(404).await;
    }
    app.anon().get(format!("/api/v1/attachments/{id}")).problem(401).await;
    app.as_user(&owner).get("/api/v1/attachments/nope").problem(404).await;
}

#[tokio::test]
async fn unattached_uploads_are_swept_after_a_day_without_losing_shared_bytes() {
    let app = spawn_app().await;
    let m = MarketBuilder::new(&app)
        .admin(1)
        .university(1)
        .achievement(sample_achievement(1))
        .build()
        .await;
    let owner = m.university();
    let shared = pdf(1);
    let a = uploaded(&app, owner, shared.clone(), "a.pdf").await;
    let b = uploaded(&app, owner, shared.clone(), "b.pdf").await;
    let c = uploaded(&app, owner, pdf(2), "c.pdf").await;
    let d = uploaded(&app, owner, pdf(2), "d.pdf").await;
    assert_eq!(a["sha256"], b["sha256"]);
    let path = format!("/api/v1/achievements/{}/attachments", m.achievement_id());
    app.as_user(owner).post(&path).json(json!({"attachment_ids": [b["id"]]})).expect(200).await;

    let state = app.state.clone();
    let now = chrono::Utc::now().naive_utc();
    // Not yet a day old: nothing goes.
    let none = techmarket::attachments::sweep::sweep_once(&state.db, &state.storage, now).await;
    assert_eq!(none.unwrap(), 0);
    let later = now + chrono::Duration::hours(25);
    let (first, second) = tokio::join!(
        techmarket::attachments::sweep::sweep_once(&state.db, &state.storage, later),
        techmarket::attachments::sweep::sweep_once(&state.db, &state.storage, later),
    );
    assert_eq!(first.unwrap() + second.unwrap(), 3, "each upload is removed once");
    for gone in [&a, &c, &d] {
        let id = gone["id"].as_str().unwrap();
        assert_problem(download(&app, owner, id).await, code(404)).await;
    }
    let kept = download(&app, owner, b["id"].as_str().unwrap()).await;
    assert_eq!(kept.status(), 200);
    assert_eq!(kept.bytes().await.unwrap().as_ref(), shared.as_slice());
    assert!(state.storage.has(b["sha256"].as_str().unwrap()).await.unwrap());
    assert!(!state.storage.has(c["sha256"].as_str().unwrap()).await.unwrap());
    assert_eq!(app.audit_entries(m.admin(), "action=attachment.expire").await.len(), 3);
}

#[tokio::test]
async fn unfinished_uploads_left_in_staging_are_swept_after_a_day() {
    let app = spawn_app().await;
    let StorageUrl::Folder(dir) = app.state.config.storage.clone() else {
        eprintln!("skipped on S3: object times cannot be set back there");
        return;
    };
    let staging = dir.join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let stale = staging.join("01a0-crashed-upload");
    let fresh = staging.join("01a0-running-upload");
    for path in [&stale, &fresh] {
        std::fs::write(path, pdf(1)).unwrap();
    }
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options().write(true).open(&stale).unwrap().set_modified(old).unwrap();
    let state = app.state.clone();
    let now = chrono::Utc::now().naive_utc();
    techmarket::attachments::sweep::sweep_once(&state.db, &state.storage, now).await.unwrap();
    assert!(!stale.exists());
    assert!(fresh.exists());
}

#[tokio::test]
async fn the_s3_storage_is_used_when_test_storage_url_is_set() {
    let Some(url) = std::env::var("TEST_STORAGE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "skipped: TEST_STORAGE_URL is not set (the attachment tests ran on the data folder)"
        );
        return;
    };
    let app = spawn_app().await;
    assert!(matches!(app.state.config.storage, StorageUrl::S3 { .. }), "{url}");
    let owner = app.university(1).await;
    let bytes = pdf(7);
    let meta = uploaded(&app, &owner, bytes.clone(), "s3.pdf").await;
    let response = download(&app, &owner, meta["id"].as_str().unwrap()).await;
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn large_uploads_go_in_parts_and_come_back_whole() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    // Over S3's 5 MiB part size: a multipart upload there, many parts in the data folder.
    let mut bytes = pdf(1);
    bytes.extend(
        (0..6 * 1024 * 1024 + 123).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8),
    );
    let meta = uploaded(&app, &owner, bytes.clone(), "large.pdf").await;
    assert_eq!(meta["size"], bytes.len());
    assert_eq!(meta["sha256"], sha256_hex(&bytes));
    let response = download(&app, &owner, meta["id"].as_str().unwrap()).await;
    assert_eq!(response.headers()["content-length"], bytes.len().to_string().as_str());
    let body = response.bytes().await.unwrap();
    assert_eq!(sha256_hex(&body), sha256_hex(&bytes));
    assert_eq!(staged_leftovers(&app), 0);
}
