//! Expert profiles as a kind of record: how the shared handlers create, edit, list, import and
//! export them.

use super::dto::{ExpertFilter, ExpertInput, ExpertOut};
use super::queries::{self, ExpertRow};
use crate::accounts::model::Role;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::bulk::{ImportContext, RecordLibrary};
use crate::listings::codec::{decode_codes, from_json};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{ListScope, Window};
use crate::listings::model::Listing;
use crate::listings::own_table::{Checked, OwnTable, Owner, insert_record};
use crate::listings::record::Stored;
use crate::organizations::model::OrgKind;
use crate::search::SearchDoc;
use crate::validation::Checker;
use serde_json::{Value, json};

/// The experts library (专家库) in the record layer.
pub struct ExpertRecords;

impl RecordLibrary for ExpertRecords {
    const LIBRARY: Library = Library::Experts;
    const OWNER_KINDS: &'static [OrgKind] = &[
        OrgKind::University,
        OrgKind::ResearchInstitute,
        OrgKind::Enterprise,
        OrgKind::ServiceProvider,
        OrgKind::Government,
    ];
    const LIST_FIELDS: &'static [&'static str] =
        &["technology_fields", "expertise_keywords", "services"];
    const INT_FIELDS: &'static [&'static str] = &[];
    const BOOL_FIELDS: &'static [&'static str] = &[];
    const JSON_FIELDS: &'static [&'static str] = &[];
    const EXPORT_COLUMNS: &'static [&'static str] = &[
        "name",
        "title",
        "affiliation_org_id",
        "affiliation_name",
        "technology_fields",
        "expertise_keywords",
        "bio",
        "services",
        "availability",
        "region_code",
        "user_id",
    ];
    const BY_USER: bool = true;
    const PRICE_SORTS: bool = false;
    const CHECKS_REFERENCES: bool = true;
    type Input = ExpertInput;
    type Valid = Checked<ExpertRow>;
    type Filter = ExpertFilter;
    type Row = ExpertRow;
    type Out = ExpertOut;

    crate::own_table_record!(experts, ExpertRow, bio);

    crate::record_output!(ExpertOut);

    fn check_references(
        conn: &mut DbConnection,
        input: &ExpertInput,
        checker: &mut Checker,
    ) -> ApiResult<()> {
        if let Some(org) = input.affiliation_org()
            && !queries::org_exists(conn, &org)?
        {
            checker.fail(
                "affiliation_org_id",
                "not_found",
                "no such organization; give `affiliation_name` for an organization not registered here",
            );
        }
        Ok(())
    }

    fn may_create(user: &AuthUser, input: &ExpertInput) -> ApiResult<()> {
        ownership_for(user, input.org_id.as_deref()).map(drop)
    }

    fn create(
        conn: &mut DbConnection,
        user: &AuthUser,
        requested_org: Option<&str>,
        valid: &Checked<ExpertRow>,
        status: ListingStatus,
    ) -> ApiResult<Stored<Self>> {
        let ownership = ownership_for(user, requested_org)?;
        if let Some(owner) = ownership.owner_user_id.as_deref() {
            queries::ensure_no_profile(conn, owner)?;
        }
        if user.is_admin()
            && let Some(org) = ownership.org_id.as_deref()
            && !queries::org_exists(conn, org)?
        {
            return Err(ApiError::field("org_id", "not_found", "no such organization"));
        }
        insert_record::<Self>(conn, &user.actor(), ownership, None, valid, status)
    }

    crate::common_filter_parts!(ExpertFilter);

    fn to_input(listing: &Listing, row: &ExpertRow) -> ApiResult<ExpertInput> {
        Ok(ExpertInput {
            name: listing.title.clone(),
            title: row.professional_title.parse().map_err(ApiError::Internal)?,
            affiliation_org_id: row.affiliation_org_id.clone(),
            affiliation_name: row.affiliation_name.clone(),
            technology_fields: decode_codes(&row.technology_fields),
            expertise_keywords: from_json(&row.expertise_keywords),
            bio: row.bio.clone(),
            region_code: listing.region_code.clone(),
            services: decode_codes(&row.services),
            availability: row.availability.parse().ok(),
            contact: row.contact.as_deref().and_then(|c| serde_json::from_str(c).ok()),
            external_ref: listing.external_ref.clone(),
            valid_until: Some(listing.valid_until),
            org_id: listing.org_id.clone(),
        })
    }

    fn search_doc(listing: &Listing, row: &ExpertRow) -> SearchDoc {
        let body = match row.affiliation_name.as_deref() {
            Some(affiliation) => format!("{}\n{affiliation}", row.bio),
            None => row.bio.clone(),
        };
        SearchDoc {
            id: listing.id.clone(),
            library: crate::search::Library::Experts,
            title: listing.title.clone(),
            keywords: from_json(&row.expertise_keywords),
            body,
            facets: queries::facets(listing, row),
        }
    }

    crate::filter_queries!(ExpertFilter);

    fn list_rows(
        conn: &mut DbConnection,
        filter: &ExpertFilter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
    ) -> ApiResult<Vec<Stored<Self>>> {
        queries::list_rows(conn, filter, scope, hit_ids, window)
    }

    fn insert(
        conn: &mut DbConnection,
        ctx: &ImportContext,
        valid: &Checked<ExpertRow>,
    ) -> ApiResult<SearchDoc> {
        let ownership = Owner {
            created_by: ctx.created_by.clone(),
            owner_user_id: None,
            org_id: Some(ctx.org.id.clone()),
        };
        let (listing, row) =
            insert_record::<Self>(conn, &ctx.actor, ownership, None, valid, ctx.status)?;
        Ok(Self::search_doc(&listing, &row))
    }
}

/// Who a new profile belongs to, by the creator's role: experts own their profile (and bring
/// their organization); brokers and administrators create unclaimed profiles.
fn ownership_for(user: &AuthUser, requested_org: Option<&str>) -> ApiResult<Owner> {
    let requested_org = requested_org.map(str::trim).filter(|o| !o.is_empty());
    let created_by = user.id().to_string();
    match user.role() {
        Role::Expert => {
            if let Some(org) = requested_org
                && !user.belongs_to(org)
            {
                return Err(ApiError::Forbidden(
                    "you can only create a profile for your own organization".into(),
                ));
            }
            Ok(Owner {
                created_by,
                owner_user_id: Some(user.id().to_string()),
                org_id: user.user.organization_id.clone(),
            })
        }
        Role::Broker => {
            if requested_org.is_some() {
                return Err(ApiError::Forbidden(
                    "profiles created by brokers belong to no organization; only administrators set `org_id`"
                        .into(),
                ));
            }
            Ok(Owner { created_by, owner_user_id: None, org_id: None })
        }
        Role::Admin => {
            Ok(Owner { created_by, owner_user_id: None, org_id: requested_org.map(str::to_owned) })
        }
        Role::Enterprise | Role::University | Role::ServiceProvider => Err(ApiError::Forbidden(
            "expert profiles are created by experts themselves, by brokers and by administrators"
                .into(),
        )),
    }
}

impl OwnTable for ExpertRecords {
    const TITLE_KEY: &'static str = "name";

    fn audit_facts(row: &ExpertRow) -> Value {
        json!({
            "title": row.professional_title, "technology_fields": row.technology_fields,
            "services": row.services,
        })
    }

    crate::own_table_writes!(experts, ExpertRow);
}
