//! The stored rows of attachments and their links, and what the API answers about them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{attachment_links, attachments};
use crate::db::to_utc;

/// One upload.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    /// Id.
    pub id: String,
    /// The file name the uploader gave (path parts removed).
    pub filename: String,
    /// The sniffed media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex (also the blob's key and the ETag).
    pub sha256: String,
    /// The uploading user.
    pub uploaded_by: String,
    /// The uploader's organization at upload time (its members may attach the upload too).
    pub org_id: Option<String>,
    /// Uploaded.
    pub created_at: NaiveDateTime,
}

/// One attachment's place on a record.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachment_links)]
pub struct LinkRow {
    /// The attachment.
    pub attachment_id: String,
    /// The kind of record (`achievement`, `contract`, …).
    pub subject_kind: String,
    /// The record.
    pub subject_id: String,
    /// What the file is to the record (`patent_certificate`, `signed_contract`, …).
    pub role: String,
    /// Who attached it.
    pub created_by: String,
    /// Attached.
    pub created_at: NaiveDateTime,
}

/// An uploaded file's metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentOut {
    /// Id (download it at `/api/v1/attachments/{id}`).
    pub id: String,
    /// The file name it is downloaded under.
    pub filename: String,
    /// The media type, sniffed from the bytes.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex (the download's ETag).
    pub sha256: String,
    /// The uploading user.
    pub uploaded_by: String,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
    /// In a record's list: what the file is to the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// In a record's list: when it was attached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached_at: Option<DateTime<Utc>>,
}

crate::output_of_row! { row: AttachmentRow => AttachmentOut {
    same { id, filename, content_type, size, sha256, uploaded_by }
    times { created_at }
    absent { role, attached_at }
} }

impl AttachmentOut {
    /// The metadata as listed on a record.
    pub fn linked(row: AttachmentRow, link: &LinkRow) -> Self {
        AttachmentOut {
            role: Some(link.role.clone()),
            attached_at: Some(to_utc(link.created_at)),
            ..AttachmentOut::from(row)
        }
    }
}
