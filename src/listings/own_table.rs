//! Records kept as the shared listing plus one row of their library's own table (achievements,
//! demands, experts): creating and editing them is the same story in every library — write the
//! listing, write the row, audit — so it is told once here, over a few hooks.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::edit::{EditAudit, ListingEdit, NewListing, audit_edit, save_edit};
use super::lifecycle::ListingStatus;
use super::record::{RecordLibrary, Stored};
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};

/// Who a new record belongs to.
#[derive(Debug, Clone)]
pub struct Owner {
    /// The creating user.
    pub created_by: String,
    /// The owning user (an expert's own profile), if any.
    pub owner_user_id: Option<String>,
    /// The owning organization, if any.
    pub org_id: Option<String>,
}

/// A checked body of a library kept in its own table: the shared listing fields and the
/// library's row as it will be stored (its `id` is the listing's, set by
/// [`OwnTable::row_of`] when the record is written).
#[derive(Debug, Clone)]
pub struct Checked<R> {
    /// Title, region, validity and the owner's reference.
    pub listing: ListingEdit,
    /// The library's own row.
    pub row: R,
}

/// A library whose record is its listing plus one row of its own table.
pub trait OwnTable: RecordLibrary<Row: Serialize + Clone> {
    /// The audit key of the listing's title (`title`, or `name` for people).
    const TITLE_KEY: &'static str = "title";
    /// Row fields an edit's audit logs only as set or unset, never their text.
    const REDACTED: &'static [&'static str] = &[];

    /// The library's own row of a checked body, for the record `id`.
    fn row_of(id: &str, valid: &Checked<Self::Row>) -> Self::Row;
    /// What a new record's audit entry names besides its title, status and owners.
    fn audit_facts(row: &Self::Row) -> Value;
    /// Inserts the library's row.
    fn insert_row(conn: &mut DbConnection, row: &Self::Row) -> ApiResult<()>;
    /// Overwrites the library's row.
    fn update_row(conn: &mut DbConnection, row: &Self::Row) -> ApiResult<()>;
}

/// Creates a record (listing + row + `{entity}.create` audit) in the caller's transaction.
pub fn insert_record<L: OwnTable>(
    conn: &mut DbConnection,
    actor: &Actor,
    owner: Owner,
    owner_region: Option<&str>,
    valid: &Checked<L::Row>,
    status: ListingStatus,
) -> ApiResult<Stored<L>> {
    let fields = valid.listing.clone();
    let region_code = fields
        .region_code
        .or_else(|| owner_region.map(str::to_string))
        .ok_or_else(|| ApiError::Internal("a new record without a region".into()))?;
    let listing = NewListing {
        library: L::LIBRARY,
        org_id: owner.org_id,
        owner_user_id: owner.owner_user_id,
        created_by: owner.created_by,
        status,
        title: fields.title,
        region_code,
        valid_until: fields.valid_until,
        external_ref: fields.external_ref,
    }
    .insert(conn)?;
    let row = L::row_of(&listing.id, valid);
    L::insert_row(conn, &row)?;
    let mut details = match L::audit_facts(&row) {
        Value::Object(facts) => facts,
        _ => Map::new(),
    };
    details.insert(L::TITLE_KEY.into(), listing.title.clone().into());
    details.insert("status".into(), json!(listing.status));
    details.insert("org_id".into(), json!(listing.org_id));
    if let Some(owner) = &listing.owner_user_id {
        details.insert("owner_user_id".into(), owner.clone().into());
    }
    let entity = L::LIBRARY.entity();
    let action = format!("{entity}.create");
    audit::record(conn, actor, &action, entity, &listing.id, Value::Object(details))?;
    Ok((listing, row))
}

/// Saves an edit (listing + row) if the version is still `expected`, and audits what changed.
pub fn update_record<L: OwnTable>(
    conn: &mut DbConnection,
    actor: &Actor,
    (listing, row): &Stored<L>,
    valid: &Checked<L::Row>,
    expected: i64,
) -> ApiResult<Stored<L>> {
    let saved = save_edit(conn, listing, valid.listing.clone(), expected)?;
    let new_row = L::row_of(&listing.id, valid);
    L::update_row(conn, &new_row)?;
    let how = EditAudit { title_key: L::TITLE_KEY, redacted: L::REDACTED };
    audit_edit(conn, actor, (listing, row), (&saved, &new_row), how)?;
    Ok((saved, new_row))
}

/// Implements [`OwnTable`]'s row and its writes over `$table` (a diesel `Insertable +
/// AsChangeset` row of type `$row`).
#[macro_export]
macro_rules! own_table_writes {
    ($table:ident, $row:ident) => {
        fn row_of(id: &str, valid: &$crate::listings::own_table::Checked<$row>) -> $row {
            $row { id: id.to_string(), ..valid.row.clone() }
        }

        fn insert_row(
            conn: &mut $crate::db::DbConnection,
            row: &Self::Row,
        ) -> $crate::error::ApiResult<()> {
            use diesel::prelude::*;
            diesel::insert_into($crate::db::schema::$table::table).values(row).execute(conn)?;
            Ok(())
        }

        fn update_row(
            conn: &mut $crate::db::DbConnection,
            row: &Self::Row,
        ) -> $crate::error::ApiResult<()> {
            use diesel::prelude::*;
            diesel::update($crate::db::schema::$table::table.find(&row.id))
                .set(row)
                .execute(conn)?;
            Ok(())
        }
    };
}

/// Implements the [`RecordLibrary`] reads of a library kept in `$table` with row type `$row`
/// and main text column `$text`: `find`, `load_texts`, `all_search_docs`, `delete_row`, and
/// `check` / `requested_org` over the input's own `check` and `org_id`; `create`, `save` and
/// `insert` through [`insert_record`] / [`update_record`] with `$owner(conn, user, org)`
/// naming the owner of a new record.
#[macro_export]
macro_rules! own_table_record {
    ($table:ident, $row:ty, $text:ident) => {
        fn check(
            input: &Self::Input,
            checker: &mut $crate::validation::Checker,
        ) -> Option<Self::Valid> {
            input.check(checker)
        }

        fn requested_org(input: &Self::Input) -> Option<String> {
            input.org_id.clone()
        }

        fn find(
            conn: &mut $crate::db::DbConnection,
            id: &str,
        ) -> $crate::error::ApiResult<$crate::listings::record::Stored<Self>> {
            use diesel::prelude::*;
            use $crate::db::schema::{listings, $table};
            // One query: the shared row and the library's own, joined.
            listings::table
                .inner_join($table::table.on($table::id.eq(listings::id)))
                .filter(listings::id.eq(id))
                .filter(listings::library.eq(Self::LIBRARY.as_str()))
                .select(($crate::listings::model::Listing::as_select(), <$row>::as_select()))
                .first(conn)
                .optional()?
                .ok_or_else(|| $crate::listings::access::not_found(Self::LIBRARY))
        }

        fn save(
            conn: &mut $crate::db::DbConnection,
            actor: &$crate::audit::Actor,
            current: &$crate::policy::Managed<$crate::listings::record::Stored<Self>>,
            valid: &Self::Valid,
            expected: i64,
        ) -> $crate::error::ApiResult<$crate::listings::record::Stored<Self>> {
            $crate::listings::own_table::update_record::<Self>(
                conn,
                actor,
                current.get(),
                valid,
                expected,
            )
        }

        fn load_texts(
            conn: &mut $crate::db::DbConnection,
            ids: Vec<String>,
        ) -> $crate::error::ApiResult<Vec<($crate::listings::model::Listing, String)>> {
            use diesel::prelude::*;
            use $crate::db::schema::{listings, $table};
            Ok(listings::table
                .inner_join($table::table)
                .filter(listings::id.eq_any(ids))
                .select(($crate::listings::model::Listing::as_select(), $table::$text))
                .load(conn)?)
        }

        fn main_text(row: &$row) -> String {
            row.$text.clone()
        }

        fn all_search_docs(
            conn: &mut $crate::db::DbConnection,
        ) -> $crate::error::ApiResult<Vec<$crate::search::SearchDoc>> {
            use diesel::prelude::*;
            use $crate::db::schema::{listings, $table};
            use $crate::listings::model::Listing;
            let rows: Vec<(Listing, $row)> = listings::table
                .inner_join($table::table)
                .select((Listing::as_select(), <$row>::as_select()))
                .load(conn)?;
            Ok(rows.iter().map(|(listing, row)| Self::search_doc(listing, row)).collect())
        }

        fn delete_row(
            conn: &mut $crate::db::DbConnection,
            id: &str,
        ) -> $crate::error::ApiResult<()> {
            use diesel::prelude::*;
            diesel::delete($crate::db::schema::$table::table.find(id)).execute(conn)?;
            Ok(())
        }
    };
}

/// Implements `create` and `insert` for a library whose records belong to an organization
/// (the caller's, or the one an administrator names).
#[macro_export]
macro_rules! organization_record_inserts {
    () => {
        fn create(
            conn: &mut $crate::db::DbConnection,
            user: &$crate::auth::AuthUser,
            requested_org: Option<&str>,
            valid: &Self::Valid,
            status: $crate::listings::lifecycle::ListingStatus,
        ) -> $crate::error::ApiResult<$crate::listings::record::Stored<Self>> {
            let org = $crate::listings::owner_org(conn, user, requested_org, Self::OWNER_KINDS)?;
            let owner = $crate::listings::own_table::Owner {
                created_by: user.id().to_string(),
                owner_user_id: None,
                org_id: Some(org.id.clone()),
            };
            let region = Some(org.region_code.as_str());
            $crate::listings::own_table::insert_record::<Self>(
                conn,
                &user.actor(),
                owner,
                region,
                valid,
                status,
            )
        }

        fn insert(
            conn: &mut $crate::db::DbConnection,
            ctx: &$crate::listings::bulk::ImportContext,
            valid: &Self::Valid,
        ) -> $crate::error::ApiResult<$crate::search::SearchDoc> {
            let owner = $crate::listings::own_table::Owner {
                created_by: ctx.created_by.clone(),
                owner_user_id: None,
                org_id: Some(ctx.org.id.clone()),
            };
            let region = Some(ctx.org.region_code.as_str());
            let (listing, row) = $crate::listings::own_table::insert_record::<Self>(
                conn, &ctx.actor, owner, region, valid, ctx.status,
            )?;
            Ok(Self::search_doc(&listing, &row))
        }
    };
}
