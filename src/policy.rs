//! Authorization as a type. A handler that loads a record for a purpose gets it back wrapped
//! in a guard — [`Visible`] to show it, [`Managed`] to change it — and only a passed policy
//! check makes one, so code that needs the guard cannot reach the row without the check.
//!
//! The rules stay each kind's own ([`Policy`]): who sees, who manages, and the 404 that keeps
//! hidden records from revealing that they exist (visibility is checked before anything else).

use crate::auth::AuthUser;
use crate::error::ApiError;

/// Who may see and who may manage a kind of record.
pub trait Policy {
    /// The record the rules are about (a listing, a contract, a deal).
    type Subject;
    /// Whether the caller (or the public) may see the record.
    fn may_see(user: Option<&AuthUser>, record: &Self::Subject) -> bool;
    /// Whether the signed-in caller manages the record.
    fn may_manage(user: &AuthUser, record: &Self::Subject) -> bool;
    /// The 404 of a record the caller may not see (the same as for a missing one).
    fn not_found(record: &Self::Subject) -> ApiError;
    /// The 403 of a record the caller sees but may not change.
    fn forbidden(record: &Self::Subject) -> ApiError;
}

/// A loaded value that carries the subject `S` a policy judges: the subject itself, a
/// reference to it, or the subject with the rows loaded beside it.
pub trait Carries<S> {
    /// The subject.
    fn subject(&self) -> &S;
}

impl<S> Carries<S> for &S {
    fn subject(&self) -> &S {
        self
    }
}

/// A record the caller may see.
#[derive(Debug, Clone)]
pub struct Visible<R>(R);

impl<R> Visible<R> {
    /// 404 unless the policy lets the caller see the record.
    pub fn check<P: Policy>(user: Option<&AuthUser>, record: R) -> Result<Visible<R>, ApiError>
    where
        R: Carries<P::Subject>,
    {
        let subject = record.subject();
        if P::may_see(user, subject) { Ok(Visible(record)) } else { Err(P::not_found(subject)) }
    }

    /// The record.
    pub fn get(&self) -> &R {
        &self.0
    }

    /// The record, for building the answer.
    pub fn into_inner(self) -> R {
        self.0
    }
}

/// A record the caller manages (edits it, moves it through its lifecycle).
#[derive(Debug, Clone)]
pub struct Managed<R>(R);

impl<R> Managed<R> {
    /// 404 unless the caller may see the record, 403 unless they manage it.
    pub fn check<P: Policy>(user: &AuthUser, record: R) -> Result<Managed<R>, ApiError>
    where
        R: Carries<P::Subject>,
    {
        let subject = record.subject();
        if P::may_manage(user, subject) {
            Ok(Managed(record))
        } else if P::may_see(Some(user), subject) {
            Err(P::forbidden(subject))
        } else {
            Err(P::not_found(subject))
        }
    }

    /// The record.
    pub fn get(&self) -> &R {
        &self.0
    }

    /// The record, for building the answer.
    pub fn into_inner(self) -> R {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records numbered 0 (hidden), 1 (public) and 2 (managed by everyone signed in).
    struct Numbers;

    impl Carries<u8> for u8 {
        fn subject(&self) -> &u8 {
            self
        }
    }

    impl Policy for Numbers {
        type Subject = u8;

        fn may_see(user: Option<&AuthUser>, record: &u8) -> bool {
            *record == 1 || (*record == 2 && user.is_some())
        }
        fn may_manage(_: &AuthUser, record: &u8) -> bool {
            *record == 2
        }
        fn not_found(_: &u8) -> ApiError {
            ApiError::NotFound("number".into())
        }
        fn forbidden(_: &u8) -> ApiError {
            ApiError::Forbidden("not yours".into())
        }
    }

    #[test]
    fn hidden_records_answer_not_found_and_public_ones_forbidden() {
        assert!(matches!(Visible::check::<Numbers>(None, 0), Err(ApiError::NotFound(_))));
        assert_eq!(Visible::check::<Numbers>(None, 1).map(Visible::into_inner).ok(), Some(1));
        assert!(matches!(Visible::check::<Numbers>(None, 2), Err(ApiError::NotFound(_))));
    }
}
