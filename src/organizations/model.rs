//! Organizations as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{invites, organizations};

text_enum! {
    /// The kind of an organization.
    pub enum OrgKind {
        /// 企业
        Enterprise => "enterprise",
        /// 高校
        University => "university",
        /// 科研院所
        ResearchInstitute => "research_institute",
        /// 服务机构
        ServiceProvider => "service_provider",
        /// 政府部门 (the bureau)
        Government => "government",
    }
}

/// An organization row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub struct Organization {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: OrgKind,
    /// Unified social credit code (validated, upper-case).
    pub credit_code: String,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// Postal address.
    pub address: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Verified by an administrator.
    pub verified: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// An invite row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invites)]
pub struct Invite {
    /// Id.
    pub id: String,
    /// The organization joined with it.
    pub organization_id: String,
    /// SHA-256 of the code.
    pub code_hash: String,
    /// Who created it.
    pub created_by: String,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Unusable after.
    pub expires_at: NaiveDateTime,
    /// Uses allowed.
    pub max_uses: i32,
    /// Uses so far.
    pub uses: i32,
}
