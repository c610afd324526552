//! `GET /api/v1/attachments/{id}` (the file) and `GET /api/v1/attachments/{id}/meta` (its
//! metadata): for whoever may read a record it is attached to, or its uploader while it is
//! attached to none; everyone else gets the 404 of a missing one.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use futures_util::TryStreamExt;

use super::ENTITY;
use super::links::{Reader, find_readable};
use super::model::AttachmentOut;
use super::storage_error;
use super::subjects::SubjectKind;
use super::upload::FileBytes;
use crate::audit;
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::http::endpoint::State;

crate::endpoint! {
    /// Downloads an attachment. The answer carries `Content-Disposition: attachment` with the
    /// file name (an ASCII `filename` and the exact `filename*` in UTF-8, RFC 6266),
    /// `X-Content-Type-Options: nosniff` and the SHA-256 as its `ETag`; `If-None-Match` with
    /// that tag answers 304.
    get "/attachments/{id}" => download_attachment, tag "attachments",
    path { "id": "Attachment id" },
    params { ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier download") },
    responses [
        (status = 200, description = "The file, of its sniffed type", content(
            (FileBytes = "application/pdf"), (FileBytes = "image/png"), (FileBytes = "image/jpeg"),
            (FileBytes = "application/ofd"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 304, description = "Unchanged since the download whose ETag was sent"),
        (status = 404, description = "No such attachment, or not readable by the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    ],
    |user: AuthUser, state: State, path: web::Path<String>, request: HttpRequest| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let reader = user.clone();
        let (row, why) = state.db.read(move |conn| find_readable(conn, &reader, &id)).await?;
        let etag = format!("\"{}\"", row.sha256);
        let unchanged = request
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == etag
            }));
        if unchanged {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .insert_header(("X-Content-Type-Options", "nosniff"))
                .finish());
        }
        let stream = state.storage.read(&row.sha256).await.map_err(storage_error)?;
        if let Reader::Subject(SubjectKind::Achievement, achievement) = why {
            // Patent certificates are confidential details: every read is audited.
            let id = row.id.clone();
            state.db.write(move |conn| {
                audit::record(conn, &user.actor(), "attachment.read", ENTITY, &id,
                    serde_json::json!({ "subject_kind": SubjectKind::Achievement, "subject_id": achievement }))
            }).await?;
        }
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, row.content_type.clone()))
            .insert_header((header::CONTENT_DISPOSITION, content_disposition(&row.filename)))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .no_chunking(u64::try_from(row.size).unwrap_or_default())
            .streaming(stream.map_err(|e| std::io::Error::other(e.to_string()))))
    }
}

crate::endpoint! {
    /// An attachment's metadata (the same readers as the file).
    get "/attachments/{id}/meta" => attachment_meta, tag "attachments",
    path { "id": "Attachment id" },
    ok 200 "The metadata" => AttachmentOut,
    problems { 404: "No such attachment, or not readable by the caller" },
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<web::Json<AttachmentOut>> {
        let id = path.into_inner();
        let (row, _) = state.db.read(move |conn| find_readable(conn, &user, &id)).await?;
        Ok(web::Json(AttachmentOut::from(row)))
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 with RFC 8187 encoding): the
/// plain name keeps printable ASCII other than quotes and backslashes (the rest becomes `_`),
/// the encoded one is exact.
pub fn content_disposition(filename: &str) -> String {
    let plain: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_are_encoded_and_quotes_cannot_escape() {
        assert_eq!(
            content_disposition("专利证书.pdf"),
            "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E4%B8%93%E5%88%A9%E8%AF%81%E4%B9%A6.pdf"
        );
        assert_eq!(
            content_disposition("a\"b; c.pdf"),
            "attachment; filename=\"a_b; c.pdf\"; filename*=UTF-8''a%22b%3B%20c.pdf"
        );
    }
}
