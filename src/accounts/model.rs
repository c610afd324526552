//! Users as stored, and their roles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::i18n::Lang;
use crate::organizations::model::OrgKind;

text_enum! {
    /// What a user does on the market.
    pub enum Role {
        /// Posts demands for an enterprise.
        Enterprise => "enterprise",
        /// Lists achievements and answers demands for a university or research institute.
        University => "university",
        /// A technology broker (技术经纪人) who matches and closes deals.
        Broker => "broker",
        /// An expert (专家).
        Expert => "expert",
        /// Staff of a service organization (服务机构).
        ServiceProvider => "service_provider",
        /// A platform administrator (the bureau).
        Admin => "admin",
    }
}

impl Role {
    /// Whether a user of this role must belong to an organization.
    pub fn requires_organization(self) -> bool {
        matches!(self, Role::Enterprise | Role::University | Role::ServiceProvider)
    }

    /// The organization kinds a user of this role may belong to.
    pub fn allowed_org_kinds(self) -> &'static [OrgKind] {
        match self {
            Role::Enterprise => &[OrgKind::Enterprise],
            Role::University => &[OrgKind::University, OrgKind::ResearchInstitute],
            Role::ServiceProvider => &[OrgKind::ServiceProvider],
            Role::Broker => &[
                OrgKind::ServiceProvider,
                OrgKind::Enterprise,
                OrgKind::University,
                OrgKind::ResearchInstitute,
            ],
            Role::Expert => &[
                OrgKind::University,
                OrgKind::ResearchInstitute,
                OrgKind::Enterprise,
                OrgKind::ServiceProvider,
            ],
            Role::Admin => &[OrgKind::Government],
        }
    }
}

text_enum! {
    /// Whether a user may sign in.
    pub enum UserStatus {
        /// May sign in.
        Active => "active",
        /// Signed out everywhere and refused at sign-in.
        Disabled => "disabled",
    }
}

/// A user row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    /// Id.
    pub id: String,
    /// Normalized (lower-case) e-mail.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    #[diesel(deserialize_as = String)]
    pub role: Role,
    /// Organization, if any.
    pub organization_id: Option<String>,
    /// Status.
    #[diesel(deserialize_as = String)]
    pub status: UserStatus,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// Last successful sign-in.
    pub last_login_at: Option<NaiveDateTime>,
    /// When an administrator verified the user (technology brokers carry deals only then).
    pub verified_at: Option<NaiveDateTime>,
    /// When the user confirmed their e-mail address (the link e-mailed at registration).
    pub email_verified_at: Option<NaiveDateTime>,
    /// The language the user reads e-mails in (`zh-CN` or `en`).
    pub language: String,
}

impl User {
    /// The language the user reads e-mails in.
    pub fn lang(&self) -> Lang {
        Lang::of_stored(&self.language)
    }

    /// Whether an administrator has verified the user.
    pub fn is_verified(&self) -> bool {
        self.verified_at.is_some()
    }
}

/// A user to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    /// Id.
    pub id: String,
    /// Normalized e-mail.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    #[diesel(serialize_as = String)]
    pub role: Role,
    /// Organization.
    pub organization_id: Option<String>,
    /// Status.
    #[diesel(serialize_as = String)]
    pub status: UserStatus,
    /// Version (1).
    pub version: i64,
    /// Verified at creation (users an administrator creates).
    pub verified_at: Option<NaiveDateTime>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Created.
    pub updated_at: NaiveDateTime,
    /// The language the user reads e-mails in (`zh-CN` or `en`).
    pub language: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_texts_match_their_serde_names() {
        crate::macros::assert_text_enum(Role::ALL, |r| r.as_str());
        crate::macros::assert_text_enum(UserStatus::ALL, |s| s.as_str());
        crate::macros::assert_text_enum(OrgKind::ALL, |k| k.as_str());
    }
}
