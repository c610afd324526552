//! Reading and changing deals inside a transaction; every change is audited.

use diesel::prelude::*;

use super::consent::Sides;
use super::model::{DealRow, DealSource, DealStage, LossReason};
use crate::accounts::model::Role;
use crate::audit::{self, Actor};
use crate::auth::AuthUser;
use crate::db::schema::{deals, events, users};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::lifecycle::{Lifecycle, Move};
use crate::listings::Library;
use crate::listings::lifecycle::ListingStatus;

/// The audit entity name of deals.
pub const ENTITY: &str = "deal";

/// One deal by id.
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<DealRow> {
    deals::table
        .find(id)
        .select(DealRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(super::access::not_found)
}

/// The open deal on a (demand, achievement) pair, if any.
pub fn open_for_pair(
    conn: &mut DbConnection,
    demand_id: &str,
    achievement_id: &str,
) -> ApiResult<Option<String>> {
    let stages: Vec<&str> = DealStage::OPEN.iter().map(|s| s.as_str()).collect();
    Ok(deals::table
        .filter(deals::demand_id.eq(demand_id))
        .filter(deals::achievement_id.eq(achievement_id))
        .filter(deals::stage.eq_any(stages))
        .select(deals::id)
        .first(conn)
        .optional()?)
}

/// What opening a deal needs.
#[derive(Debug, Clone)]
pub struct NewDeal {
    /// The buyer's demand.
    pub demand_id: Option<String>,
    /// The seller's achievement.
    pub achievement_id: Option<String>,
    /// Buyer organization.
    pub buyer_org_id: String,
    /// Seller organization.
    pub seller_org_id: String,
    /// Broker (a user with the broker role).
    pub broker_id: Option<String>,
    /// Matchmaking event.
    pub event_id: Option<String>,
    /// The accepted answer it comes from.
    pub response_id: Option<String>,
    /// How it came about.
    pub source: DealSource,
    /// `connected`, `intention` for an accepted answer, `agreement` for a sold lot.
    pub stage: DealStage,
    /// Commission in basis points.
    pub commission_rate_bp: Option<i64>,
    /// Commission in fen.
    pub commission_fen: Option<i64>,
    /// Which sides the opening is an act of (the opener's organization; both for an
    /// accepted answer).
    pub acting: Sides,
}

/// A deal's party as given, or inferred from its record: the organization owning the listing
/// `id` of `library`, when the caller may see it. Field errors when neither is there: the record
/// unknown or hidden from the caller (`not_found`, as `open_checked` says of it), or nothing
/// given at all (`required`). Returns "" with the errors.
pub fn party(
    conn: &mut DbConnection,
    viewer: &AuthUser,
    (org_field, given): (&str, Option<&str>),
    (record_field, library, record): (&str, Library, Option<&str>),
    errors: &mut crate::validation::Checker,
) -> ApiResult<String> {
    if let Some(org) = given {
        return Ok(org.to_string());
    }
    let Some(id) = record else {
        errors.fail(
            org_field,
            "required",
            format!("give {org_field}, or {record_field} to take its organization"),
        );
        return Ok(String::new());
    };
    let owner = crate::listings::queries::find(conn, library, id)
        .if_found()?
        .filter(|listing| crate::listings::access::ensure_visible(Some(viewer), listing).is_ok())
        .and_then(|listing| listing.org_id);
    Ok(owner.unwrap_or_else(|| {
        errors.fail(record_field, "not_found", format!("no such {}", library.entity()));
        String::new()
    }))
}

/// Checks a record named by a deal. A record the caller (`viewer`; `None` for the system)
/// may not see answers `not_found` exactly like an unknown id, so that other organizations'
/// drafts cannot be probed.
fn check_listing(
    conn: &mut DbConnection,
    viewer: Option<&AuthUser>,
    library: Library,
    field: &str,
    id: &str,
    org_id: &str,
    side: &str,
) -> ApiResult<()> {
    let unknown = || ApiError::field(field, "not_found", format!("no such {}", library.entity()));
    let listing = crate::listings::queries::find(conn, library, id).missing_as(unknown)?;
    if let Some(viewer) = viewer
        && crate::listings::access::ensure_visible(Some(viewer), &listing).is_err()
    {
        return Err(unknown());
    }
    if listing.status != ListingStatus::Published {
        return Err(ApiError::field(
            field,
            "not_published",
            format!("the {} is not published", library.entity()),
        ));
    }
    if listing.org_id.as_deref() != Some(org_id) {
        return Err(ApiError::field(
            field,
            "wrong_party",
            format!("the {} does not belong to the {side} organization", library.entity()),
        ));
    }
    Ok(())
}

/// Checks that a user exists and is a technology broker an administrator has verified.
pub fn check_broker(conn: &mut DbConnection, field: &str, broker_id: &str) -> ApiResult<()> {
    let found: Option<(String, Option<chrono::NaiveDateTime>)> = users::table
        .find(broker_id)
        .select((users::role, users::verified_at))
        .first(conn)
        .optional()?;
    match found {
        Some((role, Some(_))) if role == Role::Broker.as_str() => Ok(()),
        Some((role, None)) if role == Role::Broker.as_str() => Err(ApiError::field(
            field,
            "not_verified",
            "the broker is not verified yet: brokers carry deals once an administrator has verified them",
        )),
        Some(_) => {
            Err(ApiError::field(field, "not_a_broker", "the user is not a technology broker"))
        }
        None => Err(ApiError::field(field, "not_found", "no such user")),
    }
}

fn check_org(conn: &mut DbConnection, field: &str, org_id: &str) -> ApiResult<()> {
    crate::organizations::queries::find(conn, org_id)
        .map(|_| ())
        .missing_as(|| ApiError::field(field, "not_found", "no such organization"))
}

/// Opens a deal after checking its parties, records and uniqueness (at most one open deal
/// per demand and achievement: a second gets 409 naming the first).
pub fn open(conn: &mut DbConnection, actor: &Actor, new: NewDeal) -> ApiResult<DealRow> {
    open_checked(conn, actor, None, new, Vec::new())
}

/// [`open`], answering the field errors found before (in the request body) together with
/// the ones found in the database, so that a client sees every failure at once. With a
/// `viewer`, records that caller may not see answer like unknown ids.
pub fn open_checked(
    conn: &mut DbConnection,
    actor: &Actor,
    viewer: Option<&AuthUser>,
    new: NewDeal,
    mut errors: Vec<crate::error::FieldError>,
) -> ApiResult<DealRow> {
    if new.buyer_org_id == new.seller_org_id {
        errors.push(crate::error::FieldError::new(
            "seller_org_id",
            "same_as_buyer",
            "buyer and seller must be different organizations",
        ));
    }
    for (field, org) in [("buyer_org_id", &new.buyer_org_id), ("seller_org_id", &new.seller_org_id)]
    {
        if let Err(ApiError::Validation(mut e)) = check_org(conn, field, org) {
            errors.append(&mut e);
        }
    }
    let mut checks = Vec::new();
    if let Some(id) = &new.demand_id {
        checks.push(check_listing(
            conn,
            viewer,
            Library::Demands,
            "demand_id",
            id,
            &new.buyer_org_id,
            "buyer",
        ));
    }
    if let Some(id) = &new.achievement_id {
        checks.push(check_listing(
            conn,
            viewer,
            Library::Achievements,
            "achievement_id",
            id,
            &new.seller_org_id,
            "seller",
        ));
    }
    if let Some(broker) = &new.broker_id {
        checks.push(check_broker(conn, "broker_id", broker));
    }
    if let Some(event) = &new.event_id {
        let found: Option<String> =
            events::table.find(event).select(events::id).first(conn).optional()?;
        if found.is_none() {
            checks.push(Err(ApiError::field("event_id", "not_found", "no such event")));
        }
    }
    for check in checks {
        match check {
            Ok(()) => {}
            Err(ApiError::Validation(mut e)) => errors.append(&mut e),
            Err(other) => return Err(other),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let (Some(demand), Some(achievement)) = (&new.demand_id, &new.achievement_id)
        && let Some(existing) = open_for_pair(conn, demand, achievement)?
    {
        return Err(ApiError::duplicate(
            "an open deal for this demand and achievement already exists",
            existing,
        ));
    }
    let stamp = now();
    let row = DealRow {
        id: new_id(),
        demand_id: new.demand_id,
        achievement_id: new.achievement_id,
        buyer_org_id: new.buyer_org_id,
        seller_org_id: new.seller_org_id,
        broker_id: new.broker_id,
        event_id: new.event_id,
        response_id: new.response_id,
        source: new.source,
        stage: new.stage,
        furthest_stage: new.stage,
        lost_reason: None,
        lost_note: None,
        commission_rate_bp: new.commission_rate_bp,
        commission_fen: new.commission_fen,
        connected_at: stamp,
        intention_at: (new.stage != DealStage::Connected).then_some(stamp),
        agreement_at: (new.stage == DealStage::Agreement).then_some(stamp),
        signed_at: None,
        lost_at: None,
        created_by: actor.user_id.clone().unwrap_or_default(),
        version: 1,
        created_at: stamp,
        updated_at: stamp,
        buyer_acted_at: new.acting.buyer.then_some(stamp),
        seller_acted_at: new.acting.seller.then_some(stamp),
    };
    diesel::insert_into(deals::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        actor,
        "deal.create",
        ENTITY,
        &row.id,
        serde_json::json!({
            "stage": row.stage, "source": row.source, "demand_id": row.demand_id,
            "achievement_id": row.achievement_id, "buyer_org_id": row.buyer_org_id,
            "seller_org_id": row.seller_org_id, "broker_id": row.broker_id,
            "event_id": row.event_id, "response_id": row.response_id,
        }),
    )?;
    Ok(row)
}

/// The endpoints that make the moves of [`LIFECYCLE`] (documented from the table).
pub const ACTIONS: &[crate::lifecycle::Action] = &[
    crate::lifecycle::Action {
        path: "/api/v1/deals/{id}/advance",
        moves: &["intention", "agreement", "signed"],
    },
    crate::lifecycle::Action { path: "/api/v1/deals/{id}/lose", moves: &["lost"] },
];

/// Every stage move of a deal, one step at a time; a 409 lists the stages allowed next.
pub const LIFECYCLE: Lifecycle<DealStage> = Lifecycle {
    moves: &[
        Move { label: "intention", from: &[DealStage::Connected], to: DealStage::Intention },
        Move { label: "agreement", from: &[DealStage::Intention], to: DealStage::Agreement },
        Move { label: "signed", from: &[DealStage::Agreement], to: DealStage::Signed },
        Move { label: "lost", from: &DealStage::OPEN, to: DealStage::Lost },
    ],
    name: DealStage::as_str,
};

/// The moves allowed from a stage (for 409 answers).
pub fn allowed_moves(stage: DealStage) -> Vec<String> {
    LIFECYCLE.allowed(stage)
}

fn check_version(deal: &DealRow, expected: Option<i64>) -> ApiResult<()> {
    match expected {
        Some(expected) if expected != deal.version => {
            Err(ApiError::stale_version(expected, deal.version))
        }
        _ => Ok(()),
    }
}

/// Moves a deal one stage forward (no skipping); `signed` is reserved to contract
/// registration, which calls this with `to = Signed`.
pub fn advance(
    conn: &mut DbConnection,
    actor: &Actor,
    deal: &DealRow,
    to: DealStage,
    note: Option<&str>,
    expected_version: Option<i64>,
) -> ApiResult<DealRow> {
    check_version(deal, expected_version)?;
    if to == DealStage::Lost {
        return Err(LIFECYCLE.refuse(deal.stage, to.as_str()));
    }
    LIFECYCLE.check_to(deal.stage, to)?;
    let stamp = now();
    let updated =
        diesel::update(deals::table.find(&deal.id).filter(deals::version.eq(deal.version)));
    // The stage's own stamp is set; the others keep what the loaded row holds (the version
    // filter makes sure nothing changed in between).
    let stamped = |stage: DealStage, kept: Option<chrono::NaiveDateTime>| {
        if to == stage { Some(stamp) } else { kept }
    };
    let count = updated
        .set((
            deals::stage.eq(to.as_str()),
            deals::furthest_stage.eq(to.as_str()),
            deals::intention_at.eq(stamped(DealStage::Intention, deal.intention_at)),
            deals::agreement_at.eq(stamped(DealStage::Agreement, deal.agreement_at)),
            deals::signed_at.eq(stamped(DealStage::Signed, deal.signed_at)),
            deals::version.eq(deal.version + 1),
            deals::updated_at.eq(stamp),
        ))
        .execute(conn)?;
    let details = serde_json::json!({ "stage": { "from": deal.stage, "to": to }, "note": note });
    moved(conn, actor, deal, count, "deal.advance", details)
}

/// Marks an open deal lost with a coded reason.
pub fn lose(
    conn: &mut DbConnection,
    actor: &Actor,
    deal: &DealRow,
    reason: LossReason,
    note: Option<&str>,
    expected_version: Option<i64>,
) -> ApiResult<DealRow> {
    check_version(deal, expected_version)?;
    LIFECYCLE.check(deal.stage, DealStage::Lost.as_str())?;
    let stamp = now();
    let count = diesel::update(deals::table.find(&deal.id).filter(deals::version.eq(deal.version)))
        .set((
            deals::stage.eq(DealStage::Lost.as_str()),
            deals::lost_reason.eq(reason.as_str()),
            deals::lost_note.eq(note),
            deals::lost_at.eq(stamp),
            deals::version.eq(deal.version + 1),
            deals::updated_at.eq(stamp),
        ))
        .execute(conn)?;
    let details = serde_json::json!({ "stage": { "from": deal.stage, "to": DealStage::Lost },
                                       "reason": reason, "note": note });
    moved(conn, actor, deal, count, "deal.lose", details)
}

/// After a move's versioned update of `count` rows: 409 when the deal changed meanwhile, else
/// the move's audit entry and the deal as saved.
fn moved(
    conn: &mut DbConnection,
    actor: &Actor,
    deal: &DealRow,
    count: usize,
    action: &str,
    details: serde_json::Value,
) -> ApiResult<DealRow> {
    if count == 0 {
        let current = find(conn, &deal.id)?;
        return Err(ApiError::stale_version(deal.version, current.version));
    }
    audit::record(conn, actor, action, ENTITY, &deal.id, details)?;
    let saved = find(conn, &deal.id)?;
    crate::notifications::events::deal_moved(conn, actor, &saved)?;
    Ok(saved)
}
