//! What the four libraries (achievements, demands, experts, service providers) share: an
//! owner, a review lifecycle with a validity date, permissions, history and search indexing.
//! Each library keeps its own fields in a table of its own, keyed by the listing's id.

pub mod access;
pub mod access_requests;
pub mod action_docs;
pub mod actions;
pub mod bodies;
pub mod bulk;
pub mod codec;
pub mod confidential;
pub mod edit;
pub mod endpoints;
pub mod expiry;
pub mod facets;
pub mod fields;
pub mod handlers;
pub mod lifecycle;
pub mod listing_search;
pub mod merge_patch;
pub mod model;
pub mod my_access_requests;
pub mod output;
pub mod own_table;
pub mod queries;
pub mod record;
pub mod registry;
pub mod reindex;

text_enum! {
    /// The four libraries.
    pub enum Library {
        /// 成果库
        Achievements => "achievements",
        /// 需求库
        Demands => "demands",
        /// 专家库
        Experts => "experts",
        /// 服务机构库
        ServiceProviders => "service_providers",
    }
}

impl Library {
    /// The URL segment under `/api/v1/`.
    pub fn path_segment(self) -> &'static str {
        match self {
            Library::Achievements => "achievements",
            Library::Demands => "demands",
            Library::Experts => "experts",
            Library::ServiceProviders => "service-providers",
        }
    }

    /// The singular entity name used in audit entries (`achievement.submit`).
    pub fn entity(self) -> &'static str {
        match self {
            Library::Achievements => "achievement",
            Library::Demands => "demand",
            Library::Experts => "expert",
            Library::ServiceProviders => "service_provider",
        }
    }

    /// The search index's library.
    pub fn search_library(self) -> crate::search::Library {
        match self {
            Library::Achievements => crate::search::Library::Achievements,
            Library::Demands => crate::search::Library::Demands,
            Library::Experts => crate::search::Library::Experts,
            Library::ServiceProviders => crate::search::Library::ServiceProviders,
        }
    }
}

use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::organizations::model::{OrgKind, Organization};

/// The organization a new record belongs to: for administrators the `org_id` they name, for
/// everyone else their own; its kind must be one of `kinds`.
pub fn owner_org(
    conn: &mut DbConnection,
    user: &AuthUser,
    requested: Option<&str>,
    kinds: &[OrgKind],
) -> ApiResult<Organization> {
    let org_id = if user.is_admin() {
        requested.map(str::to_owned).or_else(|| user.user.organization_id.clone()).ok_or_else(
            || {
                ApiError::field(
                    "org_id",
                    "required",
                    "administrators name the organization the record belongs to",
                )
            },
        )?
    } else {
        if let Some(requested) = requested
            && !user.belongs_to(requested)
        {
            return Err(ApiError::Forbidden(
                "you can only create records for your own organization".into(),
            ));
        }
        user.user.organization_id.clone().ok_or_else(|| {
            ApiError::Forbidden("join an organization before listing records".into())
        })?
    };
    let org = crate::organizations::queries::find(conn, &org_id)
        .missing_as(|| ApiError::field("org_id", "not_found", "no such organization"))?;
    if !kinds.contains(&org.kind) {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        return Err(ApiError::Forbidden(format!(
            "records of this library belong to organizations of kind: {}",
            names.join(", ")
        )));
    }
    Ok(org)
}
