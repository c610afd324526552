//! Who may see and change a listing.
//!
//! Members of the owning organization manage its records (an expert profile: its claimed
//! user, or while unclaimed the broker or administrator who created it); administrators manage
//! everything; everyone else sees published, unexpired records only.

use super::Library;
use super::model::Listing;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::policy::{Carries, Managed, Policy, Visible};

/// Whether the user manages this record (edits it, sees its drafts and history).
pub fn can_manage(user: &AuthUser, listing: &Listing) -> bool {
    if user.is_admin() {
        return true;
    }
    match listing.library {
        Library::Experts => match listing.owner_user_id.as_deref() {
            Some(owner) => owner == user.id(),
            None => listing.created_by == user.id(),
        },
        _ => listing.org_id.as_deref().is_some_and(|org| user.belongs_to(org)),
    }
}

/// 404 unless the record is public or the caller manages it.
pub fn ensure_visible(user: Option<&AuthUser>, listing: &Listing) -> Result<(), ApiError> {
    Visible::check::<Listings>(user, listing).map(drop)
}

/// 404 if the caller cannot even see the record, 403 if they see it but may not change it.
pub fn ensure_manage(user: &AuthUser, listing: &Listing) -> Result<(), ApiError> {
    Managed::check::<Listings>(user, listing).map(drop)
}

/// The policy of the four libraries: the owning side and administrators manage a record; the
/// public sees published, unexpired records; anyone else gets the 404 of a missing one.
pub struct Listings;

impl Policy for Listings {
    type Subject = Listing;

    fn may_see(user: Option<&AuthUser>, listing: &Listing) -> bool {
        listing.is_public() || user.is_some_and(|u| can_manage(u, listing))
    }

    fn may_manage(user: &AuthUser, listing: &Listing) -> bool {
        can_manage(user, listing)
    }

    fn not_found(listing: &Listing) -> ApiError {
        not_found(listing.library)
    }

    fn forbidden(listing: &Listing) -> ApiError {
        ApiError::Forbidden(format!(
            "only the owner of this {} and administrators may do this",
            listing.library.entity().replace('_', " ")
        ))
    }
}

/// A listing loaded with its library row is judged by the listing.
impl<Row> Carries<Listing> for (Listing, Row) {
    fn subject(&self) -> &Listing {
        &self.0
    }
}

/// The 404 of a library record.
pub fn not_found(library: Library) -> ApiError {
    ApiError::NotFound(library.entity().replace('_', " "))
}

/// What a caller may see of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// Signed in (sees contacts).
    pub signed_in: bool,
    /// Manages the record (sees drafts' rejection reasons and the like).
    pub manages: bool,
}

impl Viewer {
    /// The view of whoever just created or changed the record.
    pub const MANAGER: Viewer = Viewer { signed_in: true, manages: true };

    /// The view of a caller (or the public) on a record.
    pub fn of(user: Option<&AuthUser>, listing: &Listing) -> Viewer {
        Viewer { signed_in: user.is_some(), manages: user.is_some_and(|u| can_manage(u, listing)) }
    }
}
