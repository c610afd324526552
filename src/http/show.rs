//! `GET` of one record: load it, let its kind's policy say whether the caller may see it (404
//! when not, the same answer as for a missing one), build the answer and send it with the
//! record's version as `ETag`.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::db::{Db, DbConnection};
use crate::error::ApiResult;
use crate::http::version::Tagged;
use crate::policy::{Carries, Policy, Visible};

/// An answer that names the version of the record it shows.
pub trait Versioned {
    /// The record's version, sent as `ETag`.
    fn version(&self) -> i64;
}

/// Implements [`Versioned`] for answers with a `version` field.
#[macro_export]
macro_rules! versioned {
    ($($out:ty),+ $(,)?) => {
        $(impl $crate::http::show::Versioned for $out {
            fn version(&self) -> i64 {
                self.version
            }
        })+
    };
}

/// Answers the record `load` finds to a caller who may see it under the policy `P`, as
/// `answer` builds it; 404 for a record the caller may not see.
pub async fn show_visible<P, R, O>(
    db: &Db,
    user: Option<AuthUser>,
    load: impl FnOnce(&mut DbConnection) -> ApiResult<R> + Send + 'static,
    answer: impl FnOnce(&mut DbConnection, R) -> ApiResult<O> + Send + 'static,
) -> ApiResult<HttpResponse>
where
    P: Policy + 'static,
    R: Carries<P::Subject> + Send + 'static,
    O: Versioned + Serialize + Send + 'static,
{
    let out = db
        .read(move |conn| {
            let record = Visible::check::<P>(user.as_ref(), load(conn)?)?.into_inner();
            answer(conn, record)
        })
        .await?;
    Ok(Tagged::ok(out.version(), out).into())
}
