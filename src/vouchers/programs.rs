//! `POST|GET /api/v1/voucher-programs`, `GET /api/v1/voucher-programs/{id}`: the bureau's
//! voucher programmes, public to read.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{ProgramRow, VoucherMode};
use super::output::ProgramOut;
use super::{PROGRAM_ENTITY, store};
use crate::audit;
use crate::auth::AdminUser;
use crate::contracts::checks::MAX_FEN;
use crate::db::schema::voucher_programs;
use crate::db::{new_id, now};
use crate::domain::regions;
use crate::error::ApiResult;
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::version::Tagged;
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::codec::encode_codes;
use crate::taxonomies::ServiceType;
use crate::validation::{self, Checker};

/// A new programme.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramInput {
    /// The programme's name (1–200 characters).
    pub name: String,
    /// The issuing bureau's region (a GB/T 2260 code); its enterprises apply.
    pub region_code: String,
    /// The budget year (2000–2100).
    pub year: i64,
    /// The budget in fen (> 0).
    pub budget_fen: i64,
    /// The most one application is issued, in fen (> 0, at most the yearly cap).
    pub application_cap_fen: i64,
    /// The most one enterprise spends in the year, in fen (> 0, at most the budget).
    pub enterprise_year_cap_fen: i64,
    /// The share of a fee a voucher pays, in basis points (1–10000).
    pub coverage_bp: i64,
    /// Fees below this (in fen, ≥ 0) are paid in full.
    pub full_cover_below_fen: i64,
    /// The service types vouchers buy (at least one), e.g. `technology_transfer`,
    /// `testing_certification`, `rd_design`, `pilot_trial`.
    pub service_types: Vec<ServiceType>,
    /// `reimburse` (通用) or `direct` (通兑).
    pub mode: VoucherMode,
    /// The last China day vouchers are spent (not before today).
    pub use_by: NaiveDate,
    /// The last China day claims are filed (not before `use_by`).
    pub claim_by: NaiveDate,
    /// Region code prefixes (2, 4 or 6 digits: province, city, county) where providers may
    /// be; absent or empty: the programme's own region.
    #[serde(default)]
    pub accepted_regions: Vec<String>,
}

impl ProgramInput {
    fn check(&self) -> ApiResult<(String, Vec<String>)> {
        let mut checker = Checker::new();
        let name = checker.check("name", validation::text(&self.name, 1, 200));
        if !regions::is_valid(&self.region_code) {
            checker.fail("region_code", "unknown_region", "not a GB/T 2260 division code");
        }
        if !(2000..=2100).contains(&self.year) {
            checker.fail("year", "out_of_range", "a year from 2000 to 2100");
        }
        for (field, value) in [
            ("budget_fen", self.budget_fen),
            ("application_cap_fen", self.application_cap_fen),
            ("enterprise_year_cap_fen", self.enterprise_year_cap_fen),
        ] {
            if value <= 0 {
                checker.fail(field, "not_positive", "must be more than 0");
            } else if value > MAX_FEN {
                checker.fail(field, "too_large", format!("at most {MAX_FEN} fen"));
            }
        }
        if self.application_cap_fen > self.enterprise_year_cap_fen {
            checker.fail("application_cap_fen", "over_cap", "at most the enterprise's yearly cap");
        }
        if self.enterprise_year_cap_fen > self.budget_fen {
            checker.fail("enterprise_year_cap_fen", "over_budget", "at most the budget");
        }
        if !(1..=10_000).contains(&self.coverage_bp) {
            checker.fail("coverage_bp", "out_of_range", "1 to 10000 basis points");
        }
        if !(0..=MAX_FEN).contains(&self.full_cover_below_fen) {
            checker.fail("full_cover_below_fen", "out_of_range", format!("0 to {MAX_FEN} fen"));
        }
        if self.service_types.is_empty() {
            checker.fail("service_types", "too_few", "name at least one service type");
        }
        if self.use_by < crate::clock::today() {
            checker.fail("use_by", "in_the_past", "vouchers are spent from today on");
        }
        if self.claim_by < self.use_by {
            checker.fail(
                "claim_by",
                "before_use_by",
                "claims are filed until after the use-by day",
            );
        }
        let mut accepted: Vec<String> =
            self.accepted_regions.iter().map(|r| r.trim().to_string()).collect();
        if accepted.is_empty() && regions::is_valid(&self.region_code) {
            accepted.push(regions::prefix_of(&self.region_code).to_string());
        }
        for (i, prefix) in accepted.iter().enumerate() {
            if !regions::is_valid_prefix(prefix) {
                checker.fail(
                    &format!("accepted_regions[{i}]"),
                    "unknown_region",
                    "a region code prefix: 2 digits (province), 4 (city) or 6 (county)",
                );
            }
        }
        accepted.sort();
        accepted.dedup();
        checker.finish()?;
        Ok((name.unwrap_or_default(), accepted))
    }
}

crate::endpoint! {
    /// Opens a voucher programme (administrators, for the issuing bureau): budget, caps per
    /// application and per enterprise and year, the share of a fee covered (all of it below
    /// `full_cover_below_fen`), the service types bought, how the voucher share is paid, the
    /// use-by and claim-by days and where providers may be.
    post "/voucher-programs" => create_program, tag "vouchers",
    body ProgramInput, ok 201 "The programme" => ProgramOut,
    problems { 403: "Not an administrator", 422: "Invalid fields" },
    |admin: AdminUser, state: State, body: ValidJson<ProgramInput>| -> ApiResult<HttpResponse> {
        let admin = admin.0;
        let input = body.into_inner();
        let (name, accepted) = input.check()?;
        let out = state.db.write(move |conn| {
            let stamp = now();
            let mut types: Vec<&str> = input.service_types.iter().map(|t| t.as_str()).collect();
            types.sort_unstable();
            types.dedup();
            let row = ProgramRow {
                id: new_id(),
                name,
                region_code: input.region_code.clone(),
                year: input.year,
                budget_fen: input.budget_fen,
                application_cap_fen: input.application_cap_fen,
                enterprise_year_cap_fen: input.enterprise_year_cap_fen,
                coverage_bp: input.coverage_bp,
                full_cover_below_fen: input.full_cover_below_fen,
                service_types: encode_codes(&types),
                mode: input.mode,
                use_by: input.use_by,
                claim_by: input.claim_by,
                accepted_regions: encode_codes(&accepted),
                committed_fen: 0,
                issued_count: 0,
                created_by: admin.id().to_string(),
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(voucher_programs::table).values(row.clone()).execute(conn)?;
            audit::record(conn, &admin.actor(), "voucher_program.create", PROGRAM_ENTITY, &row.id,
                serde_json::to_value(&input)?)?;
            Ok(ProgramOut::from(row))
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

/// Filters of the programme list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgramFilter {
    /// Only programmes of this region or below it (a code prefix: 2, 4 or 6 digits).
    pub region: Option<String>,
    /// Only programmes of this budget year.
    pub year: Option<i64>,
}

crate::endpoint! {
    /// Voucher programmes, newest first, for everyone (no sign-in needed).
    get "/voucher-programs" => list_programs, tag "vouchers",
    public, params { ProgramFilter, PageParams },
    ok 200 "Programmes, newest first" => Page<ProgramOut>,
    problems { 422: "Invalid filters" },
    |state: State, filter: web::Query<ProgramFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<ProgramOut>>> {
        let filter = filter.into_inner();
        validation::check_region_prefix(filter.region.as_deref())?;
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = voucher_programs::table.into_boxed();
            if let Some(region) = filter.region {
                query = query.filter(voucher_programs::region_code.like(format!("{region}%")));
            }
            if let Some(year) = filter.year {
                query = query.filter(voucher_programs::year.eq(year));
            }
            Ok(crate::after_cursor!(query, voucher_programs::id, request, desc)
                .select(ProgramRow::as_select())
                .load(conn)?)
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page.map(ProgramOut::from)))
    }
}

crate::endpoint! {
    /// One voucher programme, with what is left of its budget.
    get "/voucher-programs/{id}" => get_program, tag "vouchers",
    public, path { "id": "Programme id" },
    ok 200 "The programme" => ProgramOut, problems { 404: "No such programme" },
    |state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let out = state.db.read(move |conn| store::program(conn, &id).map(ProgramOut::from)).await?;
        Ok(Tagged::ok(out.version, out).into())
    }
}
