//! `POST /api/v1/attachments`: a file streamed to storage in parts while it is hashed, its
//! size counted and its type sniffed — never held whole in memory. Too large (413) or of a
//! refused type (415): the partial upload is removed and nothing is recorded.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel::prelude::*;
use futures_util::StreamExt;
use object_store::buffered::BufWriter;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};

use super::model::{AttachmentOut, AttachmentRow};
use super::sniff::{self, SNIFF_BYTES};
use super::storage::Storage;
use super::{ENTITY, storage_error};
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::attachments;
use crate::db::{Db, new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::endpoint::State;

/// The longest file name, in characters.
pub const FILENAME_MAX: usize = 255;

/// The query of an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The file's name (up to 255 characters; folder parts are dropped); absent →
    /// `attachment.<extension of the sniffed type>`.
    pub filename: Option<String>,
}

/// A file's raw bytes (documented as a binary string).
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("A file's bytes"))
            .examples([serde_json::json!("%PDF-1.7\n%%EOF\n")])
            .into()
    }
}

impl ToSchema for FileBytes {}

/// What was received of an upload.
struct Received {
    size: u64,
    sha256: String,
    content_type: &'static str,
}

/// Uploads a file (signed in). The body is the file itself, streamed; its type is sniffed
/// from the bytes and must be PDF, PNG, JPEG, OFD, DOCX or XLSX (415 `unsupported_media_type`
/// otherwise). The declared `Content-Type` is not trusted: the stored and served type is
/// always the sniffed one. Files above `TECHMARKET_ATTACHMENT_MAX_BYTES` (20 MiB by default)
/// get 413 `payload_too_large`. The upload is the uploader's alone until it is attached to a
/// record (then the record's readers read it); unattached uploads are removed after a day.
#[utoipa::path(
    tag = "attachments",
    params(UploadParams),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "The file's bytes (any declared type; the sniffed one is kept)"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = AttachmentOut),
        (status = 413, description = "Larger than `TECHMARKET_ATTACHMENT_MAX_BYTES`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not PDF, PNG, JPEG, OFD, DOCX or XLSX", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty file or a bad file name", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/attachments")]
pub(crate) async fn upload_attachment(
    user: AuthUser,
    state: State,
    params: web::Query<UploadParams>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let max = state.config.attachment_max_bytes;
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > max) {
        return Err(too_large(max));
    }
    let filename = clean_filename(params.into_inner().filename.as_deref())?;
    let declared_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let id = new_id();
    let storage = state.storage.clone();
    let received = match receive(&storage, &id, payload, max).await {
        Ok(received) => received,
        Err(error) => {
            discard(&storage, &id).await;
            return Err(error);
        }
    };
    if let Err(error) = storage.publish(&id, &received.sha256).await {
        discard(&storage, &id).await;
        return Err(storage_error(error));
    }
    let row = AttachmentRow {
        id: id.clone(),
        filename: filename
            .unwrap_or_else(|| format!("attachment.{}", sniff::extension(received.content_type))),
        content_type: received.content_type.to_string(),
        size: i64::try_from(received.size).unwrap_or(i64::MAX),
        sha256: received.sha256.clone(),
        uploaded_by: user.id().to_string(),
        org_id: user.user.organization_id.clone(),
        created_at: now(),
    };
    let declared = declared_type.filter(|t| t != received.content_type);
    let stored = row.clone();
    let actor = user.actor();
    let inserted = state
        .db
        .write(move |conn| {
            diesel::insert_into(attachments::table).values(&stored).execute(conn)?;
            audit::record(
                conn,
                &actor,
                "attachment.upload",
                ENTITY,
                &stored.id,
                serde_json::json!({ "filename": stored.filename, "content_type": stored.content_type,
                    "size": stored.size, "sha256": stored.sha256, "declared_content_type": declared }),
            )
        })
        .await;
    if let Err(error) = inserted {
        discard(&storage, &id).await;
        release_if_unused(&state.db, &storage, &received.sha256).await;
        return Err(error);
    }
    // A sweep that released the same bytes just before this row was written may have taken
    // the blob: the staged copy is still here to put it back.
    let kept = match storage.has(&received.sha256).await {
        Ok(true) => Ok(()),
        Ok(false) => storage.publish(&id, &received.sha256).await,
        Err(error) => Err(error),
    };
    discard(&storage, &id).await;
    if let Err(error) = kept {
        tracing::error!(%error, attachment = %id, "blob missing after upload");
        return Err(storage_error(error));
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/attachments/{id}")))
        .json(AttachmentOut::from(row)))
}

/// Streams the body to the staging key: counted, hashed and sniffed on the way.
async fn receive(
    storage: &Storage,
    id: &str,
    payload: web::Payload,
    max: u64,
) -> ApiResult<Received> {
    let mut writer = storage.stage(id);
    match stream_into(&mut writer, payload, max).await {
        Ok(received) => {
            writer.shutdown().await.map_err(|e| {
                ApiError::Unavailable(format!("attachment storage: finishing the upload: {e}"))
            })?;
            Ok(received)
        }
        Err(error) => {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(%abort, "aborting a refused upload");
            }
            Err(error)
        }
    }
}

async fn stream_into(
    writer: &mut BufWriter,
    mut payload: web::Payload,
    max: u64,
) -> ApiResult<Received> {
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut prefix: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut content_type = None;
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the upload broke off: {e}")))?;
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(max));
        }
        hasher.update(&chunk);
        if content_type.is_none() {
            let take = (SNIFF_BYTES - prefix.len()).min(chunk.len());
            prefix.extend_from_slice(&chunk[..take]);
            if prefix.len() >= SNIFF_BYTES {
                content_type = Some(sniff_or_refuse(&prefix)?);
            }
        }
        writer.put(chunk).await.map_err(storage_error)?;
    }
    if size == 0 {
        return Err(ApiError::field("body", "empty", "the file is empty"));
    }
    let content_type = match content_type {
        Some(known) => known,
        None => sniff_or_refuse(&prefix)?,
    };
    Ok(Received { size, sha256: hex(&hasher.finalize()), content_type })
}

fn sniff_or_refuse(prefix: &[u8]) -> ApiResult<&'static str> {
    sniff::sniff(prefix).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            "attachments are PDF, PNG, JPEG, OFD, DOCX or XLSX files (the type is read from the bytes)".into(),
        )
    })
}

fn too_large(max: u64) -> ApiError {
    ApiError::PayloadTooLarge(usize::try_from(max).unwrap_or(usize::MAX))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The file name kept: folder parts dropped, other control characters replaced, trimmed;
/// `None` when none was given (a default is made from the type).
pub fn clean_filename(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().map(|c| if c.is_control() { '_' } else { c }).collect::<String>();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return Err(ApiError::field("filename", "required", "name the file (e.g. 专利证书.pdf)"));
    }
    if cleaned.chars().count() > FILENAME_MAX {
        return Err(ApiError::field(
            "filename",
            "too_long",
            format!("at most {FILENAME_MAX} characters"),
        ));
    }
    Ok(Some(cleaned.to_string()))
}

/// Removes a staging object, logging a failure (the object is only an unused copy).
async fn discard(storage: &Storage, id: &str) {
    if let Err(error) = storage.discard(id).await {
        tracing::warn!(%error, attachment = %id, "removing a staged upload");
    }
}

/// Releases the blob of `sha256` unless an attachment row still names it; failures are
/// logged (a leftover blob wastes space, never loses data).
pub async fn release_if_unused(db: &Db, storage: &Storage, sha256: &str) -> bool {
    let db = db.clone();
    let hash = sha256.to_string();
    let still_used = move || async move {
        let count: i64 = db
            .read(move |conn| {
                Ok(attachments::table
                    .filter(attachments::sha256.eq(hash))
                    .count()
                    .get_result(conn)?)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(count > 0)
    };
    match storage.release(sha256, still_used).await {
        Ok(released) => released,
        Err(error) => {
            tracing::warn!(?error, sha256, "releasing an attachment blob");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_and_controls() {
        assert_eq!(
            clean_filename(Some("C:\\证书\\专利证书.pdf")).unwrap().unwrap(),
            "专利证书.pdf"
        );
        assert_eq!(clean_filename(Some("../../etc/passwd")).unwrap().unwrap(), "passwd");
        assert_eq!(clean_filename(Some("a\u{7f}b.pdf")).unwrap().unwrap(), "a_b.pdf");
        assert!(clean_filename(Some("dir/")).is_err());
        assert!(clean_filename(Some(&"长".repeat(256))).is_err());
        assert_eq!(clean_filename(None).unwrap(), None);
    }
}
