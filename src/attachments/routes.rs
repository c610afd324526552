//! `POST|GET /api/v1/{achievements,contracts,auctions}/{id}/attachments`: a record's
//! managers attach their uploads; whoever may see the record lists the files they may read.

use actix_web::{get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::links;
use super::model::AttachmentOut;
use super::subjects::{self, SubjectKind};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::Page;
use crate::http::endpoint::State;

/// Uploads to attach to a record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachInput {
    /// Ids of uploads (`POST /api/v1/attachments`) of the caller or of a member of the
    /// caller's organization (1–20).
    pub attachment_ids: Vec<String>,
    /// What the files are to the record (`a-z`, `0-9`, `_`); absent → the kind's default:
    /// `patent_certificate` (achievements), `signed_contract` (contracts), `confirmation`
    /// (auctions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// Attaches in one transaction (the record's manager only), then answers the record's files.
async fn attach_to(
    state: &State,
    user: AuthUser,
    kind: SubjectKind,
    id: String,
    input: AttachInput,
) -> ApiResult<web::Json<Page<AttachmentOut>>> {
    state
        .db
        .write(move |conn| {
            subjects::ensure(conn, &user, kind, &id, subjects::Purpose::Manage)?;
            if input.attachment_ids.is_empty() {
                return Err(ApiError::field(links::FIELD, "required", "name at least one upload"));
            }
            let role = input.role.as_deref().unwrap_or(kind.default_role());
            links::attach(conn, &user, kind, &id, role, &input.attachment_ids)?;
            Ok(web::Json(Page {
                items: links::list(conn, kind, &id)?,
                next_cursor: None,
                total: None,
            }))
        })
        .await
}

/// The record's files the caller may read (none when the record is visible but its files
/// are not, e.g. a public achievement's confidential certificates).
async fn list_of(
    state: &State,
    user: AuthUser,
    kind: SubjectKind,
    id: String,
) -> ApiResult<web::Json<Page<AttachmentOut>>> {
    state
        .db
        .read(move |conn| {
            subjects::ensure(conn, &user, kind, &id, subjects::Purpose::See)?;
            let items = if subjects::may_read(conn, &user, kind, &id)? {
                links::list(conn, kind, &id)?
            } else {
                Vec::new()
            };
            Ok(web::Json(Page { items, next_cursor: None, total: None }))
        })
        .await
}

/// The two endpoints of one kind of record's files: its managers attach uploads (`post`);
/// whoever may see it lists the files they may read (`get`).
macro_rules! record_attachments {
    ($kind:expr, $path_doc:literal,
        $(#[doc = $attach_doc:literal])+ post $attach_route:literal => $attach:ident;
        $(#[doc = $list_doc:literal])+ get $list_route:literal => $list:ident;
    ) => {
        crate::action_endpoint! {
            $(#[doc = $attach_doc])+
            post $attach_route => $attach, tag "attachments",
            path { "id": $path_doc },
            ok 200 "The record's files" => Page<AttachmentOut>,
            problems { 403: "Sees the record but does not manage it", 404: "No such record, or hidden from the caller", 422: "An id naming no upload of the caller or their organization, too many ids, or a bad role" },
            |user: AuthUser, state, path: String, body: Json<AttachInput>| -> web::Json<Page<AttachmentOut>> {
                attach_to(&state, user, $kind, path.into_inner(), body.into_inner()).await
            }
        }

        crate::endpoint! {
            $(#[doc = $list_doc])+
            get $list_route => $list, tag "attachments",
            path { "id": $path_doc },
            ok 200 "The files, oldest first" => Page<AttachmentOut>,
            problems { 404: "No such record, or hidden from the caller" },
            |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<web::Json<Page<AttachmentOut>>> {
                list_of(&state, user, $kind, path.into_inner()).await
            }
        }
    };
}

record_attachments! {
    SubjectKind::Achievement, "Achievement id",
    /// Attaches uploads to an achievement (whoever manages it), in one transaction: every id is
    /// checked (422 `not_found` / `not_yours` per `attachment_ids[i]`) before any is linked.
    /// Answers the record's files.
    post "/achievements/{id}/attachments" => attach_to_achievement;
    /// The files attached to an achievement that the caller may read. Its organization, administrators, and those who may read its confidential details (granted requesters, participants of a deal the owner's side acted on) read them; others get an empty list.
    get "/achievements/{id}/attachments" => list_achievement_attachments;
}

record_attachments! {
    SubjectKind::Contract, "Contract id",
    /// Attaches uploads to a technology contract (whoever manages it), in one transaction: every id is
    /// checked (422 `not_found` / `not_yours` per `attachment_ids[i]`) before any is linked.
    /// Answers the record's files.
    post "/contracts/{id}/attachments" => attach_to_contract;
    /// The files attached to a technology contract that the caller may read. Whoever may see the contract reads them.
    get "/contracts/{id}/attachments" => list_contract_attachments;
}

record_attachments! {
    SubjectKind::Auction, "Auction id",
    /// Attaches uploads to an auction (whoever manages it), in one transaction: every id is
    /// checked (422 `not_found` / `not_yours` per `attachment_ids[i]`) before any is linked.
    /// Answers the record's files.
    post "/auctions/{id}/attachments" => attach_to_auction;
    /// The files attached to an auction that the caller may read. The seller's organization, the winner's organization and administrators read them; others get an empty list.
    get "/auctions/{id}/attachments" => list_auction_attachments;
}
