//! Request and response bodies of the account endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Role, User, UserStatus};
use crate::db::to_utc;
use crate::organizations::dto::{NewOrganization, OrganizationOut};

/// `POST /api/v1/auth/register`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// E-mail address; compared case-insensitively.
    #[schema(format = Email, example = "li.lei@example.com")]
    pub email: String,
    /// At least 10 characters; common passwords are refused.
    #[schema(format = Password, min_length = 10, max_length = 128)]
    pub password: String,
    /// The name others see.
    #[schema(example = "李雷")]
    pub display_name: String,
    /// Any role but `admin`.
    pub role: Role,
    /// A new organization to create and join (for roles that need one).
    pub organization: Option<NewOrganization>,
    /// An invite code to join an existing organization instead.
    pub invite_code: Option<String>,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E-mail address.
    #[schema(format = Email)]
    pub email: String,
    /// Password.
    #[schema(format = Password)]
    pub password: String,
}

/// `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the last sign-in or refresh.
    pub refresh_token: String,
}

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserOut {
    /// User id.
    pub id: String,
    /// E-mail address (normalized).
    pub email: String,
    /// The name shown to other users.
    pub display_name: String,
    /// What the user does in the market: `enterprise`, `university`, `expert`, `broker`,
    /// `service_provider` or `admin`.
    pub role: Role,
    /// Organization, if any.
    pub organization_id: Option<String>,
    /// `active` or `disabled`.
    pub status: UserStatus,
    /// Version for optimistic concurrency.
    pub version: i64,
    /// Created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Whether an administrator has verified the user (`POST /api/v1/admin/users/{id}/verify`).
    /// A technology broker opens, carries and reads deals only once verified.
    pub verified: bool,
    /// When the user was verified, if they are.
    pub verified_at: Option<DateTime<Utc>>,
    /// When the user confirmed their e-mail address (the link e-mailed at registration;
    /// `POST /api/v1/me/verify-email` sends a new one); null until then.
    pub email_verified_at: Option<DateTime<Utc>>,
}

impl From<User> for UserOut {
    fn from(user: User) -> Self {
        UserOut {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role: user.role,
            organization_id: user.organization_id,
            status: user.status,
            version: user.version,
            created_at: to_utc(user.created_at),
            updated_at: to_utc(user.updated_at),
            last_login_at: user.last_login_at.map(to_utc),
            verified: user.verified_at.is_some(),
            verified_at: user.verified_at.map(to_utc),
            email_verified_at: user.email_verified_at.map(to_utc),
        }
    }
}

/// `GET /api/v1/me`: the caller and their organization.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeOut {
    /// The signed-in user.
    pub user: UserOut,
    /// The user's organization, if any.
    pub organization: Option<OrganizationOut>,
}

/// `PATCH /api/v1/me`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// New display name.
    pub display_name: Option<String>,
    /// The version this change is based on (or send `If-Match`).
    pub version: Option<i64>,
}

/// `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password.
    #[schema(format = Password)]
    pub current_password: String,
    /// The new password (same rules as at registration).
    #[schema(format = Password)]
    pub new_password: String,
}

/// `POST /api/v1/admin/users`: an administrator creates a user of any role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminCreateUserRequest {
    /// E-mail address.
    #[schema(format = Email)]
    pub email: String,
    /// Initial password.
    #[schema(format = Password)]
    pub password: String,
    /// The name shown to other users (1–100 characters).
    pub display_name: String,
    /// Role, `admin` included.
    pub role: Role,
    /// An existing organization to attach the user to.
    pub organization_id: Option<String>,
}

/// `PATCH /api/v1/admin/users/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUpdateUserRequest {
    /// The user's new role.
    pub role: Option<Role>,
    /// `disabled` signs the user out everywhere at once.
    pub status: Option<UserStatus>,
    /// New display name.
    pub display_name: Option<String>,
    /// The version this change is based on (or send `If-Match`).
    pub version: Option<i64>,
}

/// Filters of `GET /api/v1/admin/users`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// E-mail contains this text.
    pub email: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Only members of this organization.
    pub organization_id: Option<String>,
}
