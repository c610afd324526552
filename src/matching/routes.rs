//! Matching endpoints: a demand's achievements, an achievement's open demands, ad hoc
//! matching, and feedback on matches.

use crate::http::endpoint::State;
use crate::listings::record::RecordLibrary;
use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::answer::{AchievementMatches, DemandMatches};
use super::engine::{self, MAX_LIMIT, MatchSubject, MatchingState, Offer};
use super::who_helps::{ExpertMatch, ServiceProviderMatch};
use crate::accounts::model::Role;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::match_feedback;
use crate::db::{DbConnection, new_id, now, to_utc};

use crate::error::{ApiError, ApiResult, MissingAs};
use crate::http::ValidJson;
use crate::listings::Library;
use crate::listings::access::{can_manage, ensure_visible};
use crate::organizations::dto::region_code;
use crate::search::SearchIndex;
use crate::state::AppState;
use crate::taxonomies::{CooperationMode, Maturity, TechnologyField};
use crate::validation::{self, Checker};

/// Registers the matching routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(demand_matches)
        .service(demand_experts)
        .service(demand_service_providers)
        .service(achievement_matches)
        .service(ad_hoc_matches)
        .service(record_match_feedback);
}

/// Query of the match lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// How many matches, 1–50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
    /// `true`: drop records that miss the maturity, budget or cooperation-mode constraints
    /// instead of scoring them lower.
    pub strict: Option<bool>,
}

fn limit(requested: Option<usize>) -> Result<usize, ApiError> {
    match requested.unwrap_or(10) {
        n @ 1..=MAX_LIMIT => Ok(n),
        _ => Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

fn is_matcher(user: &AuthUser) -> bool {
    matches!(user.role(), Role::Broker | Role::Admin)
}

/// A demand as a problem to match, after checking the caller may see its matches.
fn demand_problem(conn: &mut DbConnection, user: &AuthUser, id: &str) -> ApiResult<MatchSubject> {
    let (listing, row) = crate::demands::record::DemandRecords::find(conn, id)?;
    ensure_visible(Some(user), &listing)?;
    if !(can_manage(user, &listing) || is_matcher(user)) {
        return Err(ApiError::Forbidden(
            "a demand's matches are for its organization, brokers and administrators".into(),
        ));
    }
    let feedback = engine::feedback_for(conn, &listing.id)?;
    Ok(MatchSubject { feedback, ..MatchSubject::of_demand(&listing, &row) })
}

/// Runs a match on a read connection with the market's matching settings and search index.
async fn run_match<T: Send + 'static>(
    state: &AppState,
    find: impl FnOnce(&mut DbConnection, &MatchingState, &SearchIndex) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let matching = state.matching.clone();
    let index = state.search.clone();
    state.db.read(move |conn| find(conn, &matching, &index)).await
}

/// Runs a match for a demand the caller may see the matches of.
async fn for_demand<T: Send + 'static>(
    state: &AppState,
    user: AuthUser,
    demand_id: String,
    find: impl FnOnce(&mut DbConnection, &MatchingState, &SearchIndex, &MatchSubject) -> ApiResult<T>
    + Send
    + 'static,
) -> ApiResult<T> {
    run_match(state, move |conn, matching, index| {
        let problem = demand_problem(conn, &user, &demand_id)?;
        find(conn, matching, index, &problem)
    })
    .await
}

/// Experts for a demand.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExpertMatches {
    /// The matched experts, best score first.
    pub items: Vec<ExpertMatch>,
}

impl From<Vec<ExpertMatch>> for ExpertMatches {
    fn from(items: Vec<ExpertMatch>) -> ExpertMatches {
        ExpertMatches { items }
    }
}

/// Service organizations for a demand.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceProviderMatches {
    /// The matched service organizations, best score first.
    pub items: Vec<ServiceProviderMatch>,
}

impl From<Vec<ServiceProviderMatch>> for ServiceProviderMatches {
    fn from(items: Vec<ServiceProviderMatch>) -> ServiceProviderMatches {
        ServiceProviderMatches { items }
    }
}

/// A match run for a demand whose matches the caller may see: `$find` (over the read
/// connection, the matching settings, the index, the demand and the checked `(limit,
/// strict)` options) gives the items of `$out`.
macro_rules! demand_match_endpoint {
    ($(#[doc = $doc:literal])+ $route:literal => $name:ident, $what:literal => $out:ident,
        |$conn:ident, $matching:ident, $index:ident, $problem:ident, $options:pat_param| $find:expr) => {
        crate::endpoint! {
            $(#[doc = $doc])+
            get $route => $name, tag "matching",
            path { "id": "Demand id" }, params { MatchQuery }, ok 200 $what => $out,
            |user: AuthUser, state: State, path: web::Path<String>, query: web::Query<MatchQuery>|
                -> ApiResult<web::Json<$out>> {
                let $options = (limit(query.limit)?, query.strict.unwrap_or(false));
                let found = for_demand(&state, user, path.into_inner(),
                    move |$conn, $matching, $index, $problem| $find).await?;
                Ok(web::Json($out::from(found)))
            }
        }
    };
}

demand_match_endpoint! {
    /// The experts who can help with a demand (technology diagnosis, evaluation, consulting):
    /// seen by the demand's organization, brokers and administrators.
    "/demands/{id}/experts" => demand_experts, "Experts, best first" => ExpertMatches,
    |conn, matching, index, problem, (limit, _)|
        super::who_helps::match_experts(conn, matching, index, problem, limit)
}

demand_match_endpoint! {
    /// The service organizations that can help with a demand (technology transfer, IP, testing,
    /// finance…): seen by the demand's organization, brokers and administrators.
    "/demands/{id}/service-providers" => demand_service_providers,
    "Service organizations, best first" => ServiceProviderMatches,
    |conn, matching, index, problem, (limit, _)|
        super::who_helps::match_service_providers(conn, matching, index, problem, limit)
}

demand_match_endpoint! {
    /// The achievements most likely to solve a demand, with reasons. Seen by the demand's
    /// organization, brokers and administrators; only published, unexpired achievements.
    "/demands/{id}/matches" => demand_matches, "Matches, best first" => AchievementMatches,
    |conn, matching, index, problem, (limit, strict)|
        engine::match_achievements(conn, matching, index, problem, limit, strict)
}

crate::endpoint! {
    /// The open demands an achievement may solve, with reasons. Seen by the achievement's
    /// organization, brokers and administrators.
    get "/achievements/{id}/matches" => achievement_matches, tag "matching",
    path { "id": "Achievement id" }, params { MatchQuery },
    ok 200 "Matches, best first" => DemandMatches,
    |user: AuthUser, state: State, path: web::Path<String>, query: web::Query<MatchQuery>|
        -> ApiResult<web::Json<DemandMatches>> {
        let limit = limit(query.limit)?;
        let id = path.into_inner();
        let found = run_match(&state, move |conn, matching, index| {
            let (listing, row) = crate::achievements::record::AchievementRecords::find(conn, &id)?;
            ensure_visible(Some(&user), &listing)?;
            if !(can_manage(&user, &listing) || is_matcher(&user)) {
                return Err(ApiError::Forbidden(
                    "an achievement's matches are for its organization, brokers and administrators"
                        .into(),
                ));
            }
            let offer = Offer::of_achievement(&listing, &row)?;
            engine::match_demands(conn, matching, index, &offer, limit)
        })
        .await?;
        Ok(web::Json(DemandMatches::from(found)))
    }
}

/// An ad hoc problem to match.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdHocMatchRequest {
    /// The problem in the enterprise's own words (2–5,000 characters).
    pub text: String,
    /// Extra keywords.
    pub keywords: Option<Vec<String>>,
    /// The field asked for.
    pub technology_field: Option<TechnologyField>,
    /// The minimum maturity.
    pub required_maturity: Option<Maturity>,
    /// The highest budget, in fen.
    pub budget_max_fen: Option<i64>,
    /// Cooperation modes wanted.
    pub cooperation_modes: Option<Vec<CooperationMode>>,
    /// The problem's region (GB/T 2260).
    pub region_code: Option<String>,
    /// How many matches, 1–50 (default 10).
    pub limit: Option<usize>,
    /// Drop records missing a constraint instead of scoring them lower.
    pub strict: Option<bool>,
}

crate::endpoint! {
    /// Matches a problem that is not (yet) a demand: for brokers, enterprises and administrators.
    post "/matching/achievements" => ad_hoc_matches, tag "matching",
    body AdHocMatchRequest, ok 200 "Matches, best first" => AchievementMatches,
    |user: AuthUser, state: State, body: ValidJson<AdHocMatchRequest>|
        -> ApiResult<web::Json<AchievementMatches>> {
        user.require_role(&[Role::Broker, Role::Enterprise, Role::Admin])?;
        let body = body.into_inner();
        let mut checker = Checker::new();
        let text = checker.check("text", validation::text(&body.text, 2, 5000));
        let keywords = crate::listings::fields::keywords(
            "keywords",
            body.keywords.as_deref().unwrap_or_default(),
            0,
            &mut checker,
        );
        let budget = crate::listings::fields::optional_money(
            "budget_max_fen",
            body.budget_max_fen,
            &mut checker,
        );
        let region = checker.check_optional("region_code", body.region_code.as_deref(), region_code);
        let limit = match limit(body.limit) {
            Ok(limit) => limit,
            Err(_) => {
                checker.fail("limit", "out_of_range", format!("must be between 1 and {MAX_LIMIT}"));
                10
            }
        };
        checker.finish()?;
        let (Some(text), Some(keywords), Some(budget), Some(region)) = (text, keywords, budget, region)
        else {
            return Err(ApiError::Internal("validated fields missing".into()));
        };
        let problem = MatchSubject {
            text: format!("{text} {}", keywords.join(" ")),
            technology_field: body.technology_field,
            required_maturity: body.required_maturity,
            budget_max_fen: budget,
            cooperation_modes: body.cooperation_modes.unwrap_or_default(),
            region_code: region,
            feedback: Default::default(),
            record_id: None,
        };
        let strict = body.strict.unwrap_or(false);
        let found = run_match(&state, move |conn, matching, index| {
            engine::match_achievements(conn, matching, index, &problem, limit, strict)
        })
        .await?;
        Ok(web::Json(AchievementMatches::from(found)))
    }
}

/// Feedback on one match.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The demand.
    pub demand_id: String,
    /// The matched achievement.
    pub achievement_id: String,
    /// Whether the achievement is relevant to the demand.
    pub relevant: bool,
    /// Why (e.g. a decline reason such as `too_early`, `benefit_unclear`, `price_gap`).
    pub reason: Option<String>,
}

/// Recorded feedback.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackOut {
    /// Id.
    pub id: String,
    /// The demand.
    pub demand_id: String,
    /// The achievement.
    pub achievement_id: String,
    /// Relevant or not.
    pub relevant: bool,
    /// Why.
    pub reason: Option<String>,
    /// Who.
    pub user_id: String,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

crate::endpoint! {
    /// Marks a match relevant or not (the demand's organization, brokers and administrators). A
    /// match marked not relevant leaves the demand's list; the feedback is kept as labelled data.
    post "/matches/feedback" => record_match_feedback, tag "matching",
    body FeedbackRequest, ok 201 "Recorded" => FeedbackOut,
    |user: AuthUser, state: State, body: ValidJson<FeedbackRequest>| -> ApiResult<HttpResponse> {
        let body = body.into_inner();
        let reason = validation::optional_text(body.reason.as_deref(), 500)
            .map_err(|(code, message)| ApiError::field("reason", code, message))?;
        let saved = state
            .db
            .write(move |conn| {
                let demand = crate::listings::queries::find(conn, Library::Demands, &body.demand_id)
                    .missing_as(|| ApiError::field("demand_id", "not_found", "no such demand"))?;
                ensure_visible(Some(&user), &demand)?;
                if !(can_manage(&user, &demand) || is_matcher(&user)) {
                    return Err(ApiError::Forbidden(
                        "feedback on a demand's matches comes from its organization, brokers and administrators".into(),
                    ));
                }
                crate::listings::queries::find(conn, Library::Achievements, &body.achievement_id)
                    .missing_as(|| ApiError::field("achievement_id", "not_found", "no such achievement"))?;
                let out = FeedbackOut {
                    id: new_id(),
                    demand_id: body.demand_id.clone(),
                    achievement_id: body.achievement_id.clone(),
                    relevant: body.relevant,
                    reason,
                    user_id: user.id().to_string(),
                    created_at: to_utc(now()),
                };
                diesel::insert_into(match_feedback::table)
                    .values((
                        match_feedback::id.eq(&out.id),
                        match_feedback::demand_id.eq(&out.demand_id),
                        match_feedback::achievement_id.eq(&out.achievement_id),
                        match_feedback::user_id.eq(&out.user_id),
                        match_feedback::relevant.eq(out.relevant),
                        match_feedback::reason.eq(&out.reason),
                        match_feedback::created_at.eq(out.created_at.naive_utc()),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    &user.actor(),
                    "demand.match_feedback",
                    "demand",
                    &out.demand_id,
                    serde_json::json!({"achievement_id": out.achievement_id, "relevant": out.relevant, "reason": out.reason}),
                )?;
                Ok(out)
            })
            .await?;
        Ok(HttpResponse::Created().json(saved))
    }
}
