//! `POST|GET /api/v1/notices`, `GET /api/v1/notices/{id}`; objections are registered here
//! from their own file.

use actix_web::{HttpResponse, get, post, web};
use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{NoticeKind, NoticeOut, NoticeRow, NoticeStatus};
use crate::auctions::model::{AuctionRow, AuctionType};
use crate::audit;
use crate::auth::{AuthUser, MaybeUser};
use crate::db::schema::{achievements, notice_objections, notices};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::version::Tagged;
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::Library;
use crate::listings::lifecycle::ListingStatus;
use crate::taxonomies::CooperationMode;
use crate::validation::{self, Checker};

/// The audit entity name of notices.
pub const ENTITY: &str = "notice";
/// The longest buyer name, in characters.
pub const BUYER_NAME_MAX: usize = 200;

/// Registers the notice routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_notice)
        .service(list_notices)
        .service(get_notice)
        .service(super::objections::raise_objection)
        .service(super::objections::list_objections)
        .service(super::objections::resolve_objection);
}

/// One notice (404 when missing; every notice is public).
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<NoticeRow> {
    notices::table
        .find(id)
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("notice".into()))
}

/// Whether the user speaks for the notice's seller (a member, or an administrator).
pub fn is_seller_side(user: Option<&AuthUser>, row: &NoticeRow) -> bool {
    user.is_some_and(|u| u.is_admin() || u.belongs_to(&row.seller_org_id))
}

fn outputs(
    conn: &mut DbConnection,
    user: Option<&AuthUser>,
    rows: Vec<NoticeRow>,
) -> ApiResult<Vec<NoticeOut>> {
    let ids: Vec<&String> = rows.iter().map(|r| &r.id).collect();
    let counts: std::collections::HashMap<String, i64> = notice_objections::table
        .filter(notice_objections::notice_id.eq_any(ids))
        .group_by(notice_objections::notice_id)
        .select((notice_objections::notice_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let today = crate::clock::today();
    Ok(rows
        .into_iter()
        .map(|row| {
            let count = counts.get(&row.id).copied().unwrap_or(0);
            let seller = is_seller_side(user, &row);
            NoticeOut::new(row, today, count, seller)
        })
        .collect())
}

fn output(
    conn: &mut DbConnection,
    user: Option<&AuthUser>,
    row: NoticeRow,
) -> ApiResult<NoticeOut> {
    outputs(conn, user, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::Internal("notice output missing".into()))
}

fn summary_of(conn: &mut DbConnection, achievement_id: &str) -> ApiResult<String> {
    Ok(achievements::table.find(achievement_id).select(achievements::summary).first(conn)?)
}

/// Posts the notice of an announced lot: from the announcement's day to its start, at the
/// starting price (a transfer, as lots are).
pub fn post_for_lot(
    conn: &mut DbConnection,
    lot: &AuctionRow,
    actor: &audit::Actor,
) -> ApiResult<()> {
    let listing = crate::listings::queries::find(conn, Library::Achievements, &lot.achievement_id)?;
    let starts_on = crate::clock::today();
    let ends_on = lot.starts_at.and_utc().with_timezone(&crate::clock::china()).date_naive();
    let kind = if lot.auction_type == AuctionType::Listing {
        NoticeKind::Listing
    } else {
        NoticeKind::Auction
    };
    let stamp = now();
    let row = NoticeRow {
        id: new_id(),
        achievement_id: lot.achievement_id.clone(),
        seller_org_id: lot.seller_org_id.clone(),
        kind,
        title: listing.title,
        summary: summary_of(conn, &lot.achievement_id)?,
        price_fen: lot.starting_price_fen,
        transfer_mode: CooperationMode::Transfer,
        buyer_org_id: None,
        buyer_name: None,
        related_party: false,
        days: (ends_on - starts_on).num_days().max(0),
        starts_on,
        ends_on: ends_on.max(starts_on),
        deal_id: None,
        auction_id: Some(lot.id.clone()),
        halted_at: None,
        created_by: lot.created_by.clone(),
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    };
    diesel::insert_into(notices::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        actor,
        "notice.create",
        ENTITY,
        &row.id,
        serde_json::json!({ "kind": row.kind, "auction_id": row.auction_id, "price_fen": row.price_fen }),
    )?;
    Ok(())
}

/// A new notice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// The published achievement priced; the caller's organization must own it.
    pub achievement_id: String,
    /// `agreement_pricing` (协议定价), `listing` or `auction`.
    pub kind: NoticeKind,
    /// The proposed price in fen (> 0).
    pub price_fen: i64,
    /// How it changes hands: `transfer`, `license`, `equity`, ….
    pub transfer_mode: CooperationMode,
    /// The proposed buyer's organization on the market (agreement pricing names a buyer:
    /// this or `buyer_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_org_id: Option<String>,
    /// The proposed buyer's name, for a buyer not on the market (1–200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_name: Option<String>,
    /// Whether buyer and seller are related parties (关联交易).
    #[serde(default)]
    pub related_party: bool,
    /// The period in China days (at least `TECHMARKET_NOTICE_MIN_DAYS`, 15 by default, which
    /// is also what is taken when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// The deal the price concludes (a deal about this achievement the caller takes part in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<String>,
}

struct CheckedNotice {
    input: NoticeInput,
    buyer_name: Option<String>,
    days: i64,
}

impl NoticeInput {
    fn check(self, min_days: i64) -> ApiResult<CheckedNotice> {
        let mut checker = Checker::new();
        if self.price_fen <= 0 {
            checker.fail("price_fen", "not_positive", "must be more than 0");
        }
        let days = self.days.unwrap_or(min_days);
        if days < min_days || days > 366 {
            checker.fail(
                "days",
                "out_of_range",
                format!("a notice runs {min_days} to 366 China days"),
            );
        }
        let buyer_name = self.buyer_name.as_deref().and_then(|name| {
            checker.check("buyer_name", validation::text(name, 1, BUYER_NAME_MAX))
        });
        if self.kind == NoticeKind::AgreementPricing
            && self.buyer_org_id.is_none()
            && self.buyer_name.is_none()
        {
            checker.fail(
                "buyer_org_id",
                "required",
                "a price agreed with a buyer names the buyer (buyer_org_id or buyer_name)",
            );
        }
        checker.finish()?;
        Ok(CheckedNotice { input: self, buyer_name, days })
    }
}

fn check_references(
    conn: &mut DbConnection,
    user: &AuthUser,
    input: &NoticeInput,
) -> ApiResult<(String, String)> {
    let unknown = || ApiError::field("achievement_id", "not_found", "no such achievement");
    let listing =
        crate::listings::queries::find(conn, Library::Achievements, &input.achievement_id)
            .missing_as(unknown)?;
    crate::listings::access::ensure_visible(Some(user), &listing).map_err(|_| unknown())?;
    let Some(org) = listing.org_id.clone() else {
        return Err(ApiError::field(
            "achievement_id",
            "no_organization",
            "the achievement has no organization",
        ));
    };
    if !user.is_admin() && !user.belongs_to(&org) {
        return Err(ApiError::Forbidden(
            "only the achievement's organization (or an administrator) notices its price".into(),
        ));
    }
    let mut errors = Vec::new();
    if listing.status != ListingStatus::Published {
        errors.push(crate::error::FieldError::new(
            "achievement_id",
            "not_published",
            "the achievement is not published",
        ));
    }
    if let Some(buyer) = &input.buyer_org_id
        && crate::organizations::queries::find(conn, buyer).if_found()?.is_none()
    {
        errors.push(crate::error::FieldError::new(
            "buyer_org_id",
            "not_found",
            "no such organization",
        ));
    }
    if let Some(deal_id) = &input.deal_id {
        let deal = crate::deals::queries::find(conn, deal_id)
            .ok()
            .filter(|d| crate::deals::access::is_participant(user, d));
        match deal {
            None => {
                errors.push(crate::error::FieldError::new("deal_id", "not_found", "no such deal"))
            }
            Some(deal) if deal.achievement_id.as_deref() != Some(input.achievement_id.as_str()) => {
                errors.push(crate::error::FieldError::new(
                    "deal_id",
                    "wrong_record",
                    "the deal is about another achievement",
                ))
            }
            Some(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok((org, listing.title))
}

crate::endpoint! {
    /// Posts a public pricing notice of an achievement (its organization, or an
    /// administrator): name, summary, transfer mode, proposed price and buyer, for at least
    /// the configured number of China days starting today.
    post "/notices" => create_notice, tag "notices",
    body NoticeInput, ok 201 "The notice, running" => NoticeOut,
    problems { 403: "Not the achievement's organization", 422: "Invalid fields (price, period, buyer, an unknown or unpublished achievement, a deal about another record)" },
    |user: AuthUser, state: State, body: ValidJson<NoticeInput>| -> ApiResult<HttpResponse> {
        let checked = body.into_inner().check(state.config.trading.notice_min_days)?;
        let out = state.db.write(move |conn| {
            let input = &checked.input;
            let (seller_org_id, title) = check_references(conn, &user, input)?;
            let starts_on = crate::clock::today();
            let ends_on = starts_on
                .checked_add_days(Days::new(checked.days.unsigned_abs()))
                .unwrap_or(NaiveDate::MAX);
            let stamp = now();
            let row = NoticeRow {
                id: new_id(),
                achievement_id: input.achievement_id.clone(),
                seller_org_id,
                kind: input.kind,
                title,
                summary: summary_of(conn, &input.achievement_id)?,
                price_fen: input.price_fen,
                transfer_mode: input.transfer_mode,
                buyer_org_id: input.buyer_org_id.clone(),
                buyer_name: checked.buyer_name.clone(),
                related_party: input.related_party,
                days: checked.days,
                starts_on,
                ends_on,
                deal_id: input.deal_id.clone(),
                auction_id: None,
                halted_at: None,
                created_by: user.id().to_string(),
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(notices::table).values(row.clone()).execute(conn)?;
            audit::record(conn, &user.actor(), "notice.create", ENTITY, &row.id, serde_json::to_value(input)?)?;
            output(conn, Some(&user), row)
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

/// Filters of the notice list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeFilter {
    /// Only notices of this kind.
    pub kind: Option<NoticeKind>,
    /// Only notices standing so today (`noticed`, `halted`, `completed`).
    pub status: Option<NoticeStatus>,
    /// Only notices of this achievement.
    pub achievement_id: Option<String>,
    /// Only notices of this selling organization.
    pub seller_org_id: Option<String>,
}

crate::endpoint! {
    /// Public pricing notices, newest first, for everyone (no sign-in needed).
    get "/notices" => list_notices, tag "notices",
    public, params { NoticeFilter, PageParams },
    ok 200 "Notices, newest first" => Page<NoticeOut>,
    |user: MaybeUser, state: State, filter: web::Query<NoticeFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<NoticeOut>>> {
        let filter = filter.into_inner();
        let user = user.0;
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = notices::table.into_boxed();
            crate::narrow!(query, notices, filter; kind, achievement_id, seller_org_id);
            let today = crate::clock::today();
            query = match filter.status {
                Some(NoticeStatus::Halted) => query.filter(notices::halted_at.is_not_null()),
                Some(NoticeStatus::Completed) => query.filter(notices::halted_at.is_null()).filter(notices::ends_on.lt(today)),
                Some(NoticeStatus::Noticed) => query.filter(notices::halted_at.is_null()).filter(notices::ends_on.ge(today)),
                None => query,
            };
            let rows: Vec<NoticeRow> = crate::after_cursor!(query, notices::id, request, desc)
                .select(NoticeRow::as_select())
                .load(conn)?;
            outputs(conn, user.as_ref(), rows)
        })
        .await?
        .keyed(|n| n.id.clone());
        Ok(web::Json(page))
    }
}

crate::endpoint! {
    /// One public pricing notice.
    get "/notices/{id}" => get_notice, tag "notices",
    public, path { "id": "Notice id" },
    ok 200 "The notice" => NoticeOut, problems { 404: "No such notice" },
    |user: MaybeUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let out = state.db.read(move |conn| {
            let row = find(conn, &id)?;
            output(conn, user.0.as_ref(), row)
        }).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}
