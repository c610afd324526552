//! `POST /api/v1/vouchers/{id}/orders`, `GET /api/v1/voucher-orders[/{id}]`: services ordered
//! from the market's service organizations and paid in part with a voucher (使用).

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::{Orders, Vouchers};
use super::model::{OrderRow, OrderStatus, ProgramRow, VoucherRow, VoucherStatus};
use super::output::OrderOut;
use super::{ORDER_ENTITY, store};
use crate::action_endpoint;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::voucher_orders;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::show::show_visible;
use crate::http::version::Tagged;
use crate::http::{Page, PageParams};
use crate::listings::lifecycle::ListingStatus;
use crate::policy::Visible;
use crate::taxonomies::ServiceType;
use crate::validation::{self, Checker};

/// A service ordered with a voucher.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The service organization's profile (a published one that accepts vouchers, in a
    /// region the programme accepts, offering the service type).
    pub provider_id: String,
    /// The service, one of the programme's service types.
    pub service_type: ServiceType,
    /// What is ordered (1–2000 characters).
    pub description: String,
    /// The whole fee, in fen (> 0).
    pub fee_fen: i64,
    /// The voucher's share, in fen: > 0, at most the voucher's balance and at most the
    /// programme's coverage of the fee (all of it below `full_cover_below_fen`).
    pub voucher_fen: i64,
}

/// Where the provider is and who it is, once every rule on it holds.
struct Provider {
    org_id: String,
    region_code: String,
}

fn check_provider(
    conn: &mut DbConnection,
    program: &ProgramRow,
    voucher: &VoucherRow,
    input: &OrderInput,
    errors: &mut Vec<FieldError>,
) -> ApiResult<Option<Provider>> {
    let unknown = || FieldError::new("provider_id", "not_found", "no such service organization");
    let Ok(profile) = crate::service_providers::queries::find(conn, &input.provider_id) else {
        errors.push(unknown());
        return Ok(None);
    };
    if profile.listing.current_status() != ListingStatus::Published {
        errors.push(unknown());
        return Ok(None);
    }
    let Some(org_id) = profile.listing.org_id.clone() else {
        errors.push(unknown());
        return Ok(None);
    };
    if org_id == voucher.org_id {
        return Err(ApiError::Forbidden(
            "an enterprise never orders from its own organization".into(),
        ));
    }
    let provider = Provider { org_id, region_code: profile.listing.region_code.clone() };
    if !profile.row.accepts_vouchers {
        errors.push(FieldError::new(
            "provider_id",
            "no_vouchers",
            "the service organization does not accept innovation vouchers",
        ));
    }
    if !program.accepts_region(&provider.region_code) {
        errors.push(FieldError::new(
            "provider_id",
            "region_not_accepted",
            format!(
                "the programme accepts providers in regions {}; this one is in {}",
                program.accepted_regions().join(", "),
                provider.region_code
            ),
        ));
    }
    let offered: Vec<ServiceType> =
        crate::listings::codec::decode_codes(&profile.row.service_types);
    if !offered.contains(&input.service_type) {
        errors.push(FieldError::new(
            "service_type",
            "not_offered",
            "the service organization does not offer this service type",
        ));
    }
    Ok(Some(provider))
}

fn check_amounts(
    program: &ProgramRow,
    voucher: &VoucherRow,
    input: &OrderInput,
    errors: &mut Vec<FieldError>,
) {
    if !program.service_types().contains(&input.service_type) {
        errors.push(FieldError::new(
            "service_type",
            "not_covered",
            format!(
                "the programme's vouchers buy {}",
                program.service_types().iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if input.fee_fen <= 0 || input.fee_fen > crate::contracts::checks::MAX_FEN {
        errors.push(FieldError::new(
            "fee_fen",
            "out_of_range",
            format!("more than 0 and at most {} fen", crate::contracts::checks::MAX_FEN),
        ));
    }
    if input.voucher_fen <= 0 {
        errors.push(FieldError::new("voucher_fen", "not_positive", "must be more than 0"));
    } else if input.fee_fen > 0 && input.voucher_fen > program.coverage_of(input.fee_fen) {
        errors.push(FieldError::new(
            "voucher_fen",
            "over_coverage",
            format!(
                "the voucher pays at most {} fen of a fee of {} fen",
                program.coverage_of(input.fee_fen),
                input.fee_fen
            ),
        ));
    } else if input.voucher_fen > voucher.balance_fen {
        errors.push(FieldError::new(
            "voucher_fen",
            "over_balance",
            format!("the voucher's balance is {} fen", voucher.balance_fen),
        ));
    }
}

action_endpoint! {
    /// Orders a service with a voucher (the voucher's enterprise): the provider then accepts
    /// or declines it; accepting reserves the voucher share.
    post "/vouchers/{id}/orders" => create_order, tag "vouchers", path { "id": "Voucher id" },
    ok 201 "The order, pending" => OrderOut,
    problems { 403: "Not the voucher's enterprise, or ordering from its own organization", 404: "No such voucher", 409: "The voucher is not issued or past its use-by day (`voucher_not_usable`)", 422: "Invalid fields (provider, service type, amounts)" },
    |user: AuthUser, state, path: String, body: Json<OrderInput>| -> HttpResponse {
        let input = body.into_inner();
        let mut checker = Checker::new();
        let description = checker.check("description", validation::text(&input.description, 1, 2000));
        checker.finish()?;
        let id = path.into_inner();
        let out = state.db.write(move |conn| {
            let voucher = Visible::check::<Vouchers>(Some(&user), store::voucher(conn, &id)?)?.into_inner();
            if !user.belongs_to(&voucher.org_id) {
                return Err(ApiError::Forbidden("only the voucher's enterprise orders with it".into()));
            }
            ensure_usable(&voucher)?;
            let program = store::program(conn, &voucher.program_id)?;
            let mut errors = Vec::new();
            let provider = check_provider(conn, &program, &voucher, &input, &mut errors)?;
            check_amounts(&program, &voucher, &input, &mut errors);
            let Some(provider) = provider.filter(|_| errors.is_empty()) else {
                return Err(ApiError::Validation(errors));
            };
            let stamp = now();
            let row = OrderRow {
                id: new_id(),
                voucher_id: voucher.id.clone(),
                program_id: program.id.clone(),
                enterprise_org_id: voucher.org_id.clone(),
                provider_id: input.provider_id.clone(),
                provider_org_id: provider.org_id,
                provider_region_code: provider.region_code,
                service_type: input.service_type,
                description: description.clone().unwrap_or_default(),
                fee_fen: input.fee_fen,
                voucher_fen: input.voucher_fen,
                status: OrderStatus::Pending,
                note: None,
                claim_id: None,
                created_by: user.id().to_string(),
                accepted_at: None,
                delivered_at: None,
                confirmed_at: None,
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(voucher_orders::table).values(row.clone()).execute(conn)?;
            audit::record(conn, &user.actor(), "voucher_order.create", ORDER_ENTITY, &row.id,
                serde_json::to_value(&input)?)?;
            super::tidings::order_placed(conn, &row)?;
            Ok(OrderOut::from(row))
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

/// 409 unless the voucher is issued and within its use-by day.
pub fn ensure_usable(voucher: &VoucherRow) -> ApiResult<()> {
    if voucher.status != VoucherStatus::Issued {
        return Err(ApiError::refused(
            "voucher_not_usable",
            format!("the voucher is {}: only an issued voucher pays for services", voucher.status),
        ));
    }
    if crate::clock::today() > voucher.use_by {
        return Err(ApiError::refused(
            "voucher_not_usable",
            format!("the voucher was to be used by {}", voucher.use_by),
        ));
    }
    Ok(())
}

crate::endpoint! {
    /// One order (its enterprise, its provider and administrators; to everyone else it does
    /// not exist).
    get "/voucher-orders/{id}" => get_order, tag "vouchers", path { "id": "Order id" },
    ok 200 "The order" => OrderOut, problems { 404: "No such order" },
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let load = move |conn: &mut DbConnection| store::order(conn, &id);
        show_visible::<Orders, _, _>(&state.db, Some(user), load, OrderOut::one).await
    }
}

/// Filters of the order list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// Only orders of this voucher.
    pub voucher_id: Option<String>,
    /// Only orders of this programme.
    pub program_id: Option<String>,
    /// Only orders standing so.
    pub status: Option<OrderStatus>,
    /// Only orders from this service organization (its organization id).
    pub provider_org_id: Option<String>,
    /// Only confirmed orders not yet in a claim (`true`) or already claimed (`false`).
    pub claimable: Option<bool>,
}

crate::endpoint! {
    /// Orders, newest first: administrators all; an organization the orders it placed or
    /// received; anyone else none.
    get "/voucher-orders" => list_orders, tag "vouchers", params { OrderFilter, PageParams },
    ok 200 "Orders, newest first" => Page<OrderOut>,
    |user: AuthUser, state: State, filter: web::Query<OrderFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<OrderOut>>> {
        let filter = filter.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = voucher_orders::table.into_boxed();
            if !user.is_admin() {
                let own = user.own_organization();
                query = query.filter(voucher_orders::enterprise_org_id.eq(own.clone())
                    .or(voucher_orders::provider_org_id.eq(own)));
            }
            crate::narrow!(query, voucher_orders, filter; voucher_id, program_id, status, provider_org_id);
            match filter.claimable {
                Some(true) => query = query
                    .filter(voucher_orders::status.eq(OrderStatus::Confirmed.as_str()))
                    .filter(voucher_orders::claim_id.is_null()),
                Some(false) => query = query.filter(voucher_orders::claim_id.is_not_null()),
                None => {}
            }
            let rows: Vec<OrderRow> = crate::after_cursor!(query, voucher_orders::id, request, desc)
                .select(OrderRow::as_select())
                .load(conn)?;
            OrderOut::many(conn, rows)
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page))
    }
}
