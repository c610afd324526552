//! `POST|GET /api/v1/demands/{id}/responses`, `GET /api/v1/demands/{id}/responses/{response_id}`,
//! the moves under it (`shortlist`, `decline`, `accept`, `withdraw`) and
//! `GET /api/v1/me/responses`.

use crate::action_endpoint;
use crate::http::endpoint::State;
use crate::http::pagination::{read_counted_page, read_page};
use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;

use super::access::{ensure_lists, find_visible};
use super::model::{
    AcceptInput, AcceptOut, DeclineInput, DeclineReason, MoveInput, MyResponseFilter,
    ResponseFilter, ResponseInput, ResponseMove, ResponseOut, ResponseRow,
};
use super::moves::{self, MoveDetails};
use super::queries::{self, NOTE_MAX};
use crate::auth::AuthUser;
use crate::db::schema::demand_responses;
use crate::deals::model::DealOut;
use crate::error::{ApiError, ApiResult};
use crate::http::json::OptionalJson;
use crate::http::{Page, PageParams};
use crate::listings::Library;
use crate::state::AppState;
use crate::validation;

/// Registers the routes of answers to demands.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_response)
        .service(list_responses)
        .service(get_response)
        .service(shortlist_response)
        .service(decline_response)
        .service(accept_response)
        .service(withdraw_response)
        .service(my_responses);
}

action_endpoint! {
    /// Answers a published, open demand (院校答题): university and research-institute users, and
    /// experts who belong to an organization (experts without one get 403: a deal needs a seller
    /// organization). One live answer (submitted, shortlisted or accepted) per organization and
    /// demand; the demand's own organization cannot answer it.
    post "/demands/{id}/responses" => create_response, tag "responses", path { "id": "Demand id" },
    ok 201 "Submitted" => ResponseOut, problems { 403: "Not a university, institute or expert user; no organization; or the demand's own organization", 409: "The organization already has a live answer (`existing_id`), the demand is not open (withdrawn, expired, closed, past its deadline), or the open call has named its winner" },
    |user: AuthUser, state, path: String, body: Json<ResponseInput>| -> HttpResponse {
        let org_id = queries::responder_org(&user)?;
        let valid = body.into_inner().check()?;
        let demand_id = path.into_inner();
        let row = state
            .db
            .write(move |conn| queries::create(conn, &user, &org_id, &demand_id, valid))
            .await?;
        Ok(HttpResponse::Created().json(ResponseOut::from(row)))
    }
}

crate::endpoint! {
    /// The answers to a demand, newest first (the demand's organization and administrators).
    get "/demands/{id}/responses" => list_responses, tag "responses",
    path { "id": "Demand id" }, params { ResponseFilter, PageParams },
    ok 200 "Answers, newest first" => Page<ResponseOut>,
    problems { 403: "Not the demand's organization" },
    |user: AuthUser, state: State, path: web::Path<String>, filter: web::Query<ResponseFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<ResponseOut>>> {
        let status = filter.into_inner().status;
        let demand_id = path.into_inner();
        let page = read_counted_page(&state.db, &page, move |conn, request| {
            let demand = crate::listings::queries::find(conn, Library::Demands, &demand_id)?;
            ensure_lists(&user, &demand)?;
            let selected = || {
                let mut query = demand_responses::table
                    .filter(demand_responses::demand_id.eq(demand.id.clone()))
                    .into_boxed();
                if let Some(status) = status {
                    query = query.filter(demand_responses::status.eq(status.as_str()));
                }
                query
            };
            let total = selected().count().get_result(conn)?;
            let rows = crate::after_cursor!(selected(), demand_responses::id, request, desc)
                .select(ResponseRow::as_select())
                .load(conn)?;
            Ok((super::names::response_outs(conn, rows)?, total))
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page))
    }
}

crate::endpoint! {
    /// One answer: for the demand's organization, administrators and the responder (its user and
    /// organization); 404 for everyone else.
    get "/demands/{id}/responses/{response_id}" => get_response, tag "responses",
    path { "id": "Demand id", "response_id": "Answer id" }, ok 200 "The answer" => ResponseOut,
    |user: AuthUser, state: State, path: web::Path<(String, String)>|
        -> ApiResult<web::Json<ResponseOut>> {
        let (demand_id, response_id) = path.into_inner();
        let row = state
            .db
            .read(move |conn| {
                let demand = crate::listings::queries::find(conn, Library::Demands, &demand_id)?;
                find_visible(conn, &user, &demand, &response_id)
            })
            .await?;
        Ok(web::Json(ResponseOut::from(row)))
    }
}

fn note(value: Option<&str>) -> ApiResult<Option<String>> {
    validation::optional_text(value, NOTE_MAX)
        .map_err(|(code, message)| ApiError::field("note", code, message))
}

async fn run(
    state: web::Data<AppState>,
    user: AuthUser,
    path: (String, String),
    action: ResponseMove,
    details: MoveDetails,
) -> ApiResult<moves::Moved> {
    let (demand_id, response_id) = path;
    state
        .db
        .write(move |conn| moves::apply(conn, &user, &demand_id, &response_id, action, details))
        .await
}

/// A move whose body is only the optional version and note.
async fn plain_move(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    body: OptionalJson<MoveInput>,
    action: ResponseMove,
) -> ApiResult<web::Json<ResponseOut>> {
    let body = body.0.unwrap_or_default();
    let details = MoveDetails {
        version: body.version,
        note: note(body.note.as_deref())?,
        ..MoveDetails::default()
    };
    let moved = run(state, user, path.into_inner(), action, details).await?;
    Ok(web::Json(ResponseOut::from(moved.response)))
}

action_endpoint! {
    /// Shortlists a submitted answer (the demand's organization and administrators).
    post "/demands/{id}/responses/{response_id}/shortlist" => shortlist_response, tag "responses", path { "id": "Demand id", "response_id": "Answer id" },
    ok 200 "Shortlisted" => ResponseOut, problems { 403: "The responder, not the demand's organization", 409: "Not possible from the answer's status (see `allowed`), or a stale `version`" },
    |user: AuthUser, state, path: (String, String), body: Option<MoveInput>| -> web::Json<ResponseOut> {
        plain_move(state, user, path, body, ResponseMove::Shortlist).await
    }
}

action_endpoint! {
    /// Declines a submitted or shortlisted answer with a coded reason (the demand's organization
    /// and administrators); `note` is required for `other`.
    post "/demands/{id}/responses/{response_id}/decline" => decline_response, tag "responses", path { "id": "Demand id", "response_id": "Answer id" },
    ok 200 "Declined" => ResponseOut, problems { 403: "The responder, not the demand's organization", 409: "Not possible from the answer's status (see `allowed`), or a stale `version`" },
    |user: AuthUser, state, path: (String, String), body: Json<DeclineInput>| -> web::Json<ResponseOut> {
        let body = body.into_inner();
        let note = note(body.note.as_deref())?;
        if body.reason == DeclineReason::Other && note.is_none() {
            return Err(ApiError::field(
                "note",
                "required",
                "explain the decline when the reason is `other`",
            ));
        }
        let details = MoveDetails {
            version: body.version,
            reason: Some(body.reason.into()),
            note,
            broker_id: None,
        };
        let moved = run(state, user, path.into_inner(), ResponseMove::Decline, details).await?;
        Ok(web::Json(ResponseOut::from(moved.response)))
    }
}

action_endpoint! {
    /// Accepts a submitted or shortlisted answer (the demand's organization and administrators):
    /// opens a deal at `intention` (source `response`; buyer = the demand's organization, seller =
    /// the responder's, with the offered achievement) in the same transaction. For an open call
    /// (揭榜挂帅, a demand with a reward) this names the winner: the other live answers are declined
    /// with `another_solution_chosen`, and a second acceptance gets 409.
    post "/demands/{id}/responses/{response_id}/accept" => accept_response, tag "responses", path { "id": "Demand id", "response_id": "Answer id" },
    ok 200 "Accepted; the deal opened at `intention`" => AcceptOut, problems { 403: "The responder, not the demand's organization", 409: "Not possible from the answer's status (see `allowed`), the open call already has a winner, an open deal on the same demand and achievement exists, or a stale `version`" },
    |user: AuthUser, state, path: (String, String), body: Option<AcceptInput>| -> web::Json<AcceptOut> {
        let body = body.0.unwrap_or_default();
        let details = MoveDetails {
            version: body.version,
            reason: None,
            note: note(body.note.as_deref())?,
            broker_id: body.broker_id.map(|b| b.trim().to_string()).filter(|b| !b.is_empty()),
        };
        let moved = run(state, user, path.into_inner(), ResponseMove::Accept, details).await?;
        let deal = moved.deal.ok_or_else(|| ApiError::Internal("accepting opened no deal".into()))?;
        Ok(web::Json(AcceptOut {
            response: ResponseOut::from(moved.response),
            deal: DealOut::from(deal),
            auto_declined: moved.auto_declined,
        }))
    }
}

action_endpoint! {
    /// Withdraws one's own submitted or shortlisted answer (the responder: the answering user and
    /// its organization's members).
    post "/demands/{id}/responses/{response_id}/withdraw" => withdraw_response, tag "responses", path { "id": "Demand id", "response_id": "Answer id" },
    ok 200 "Withdrawn" => ResponseOut, problems { 403: "The demand's organization, not the responder", 409: "Already accepted, declined or withdrawn (see `allowed`), or a stale `version`" },
    |user: AuthUser, state, path: (String, String), body: Option<MoveInput>| -> web::Json<ResponseOut> {
        plain_move(state, user, path, body, ResponseMove::Withdraw).await
    }
}

crate::endpoint! {
    /// The caller's answers and their status, newest first: an organization's members see all of
    /// their organization's answers; a user without one sees their own.
    get "/me/responses" => my_responses, tag "responses",
    params { MyResponseFilter, PageParams }, ok 200 "Answers, newest first" => Page<ResponseOut>,
    |user: AuthUser, state: State, filter: web::Query<MyResponseFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<ResponseOut>>> {
        let filter = filter.into_inner();
        let page = read_page(&state.db, &page, move |conn, request| {
            let mut query = demand_responses::table.into_boxed();
            query = match user.user.organization_id.clone() {
                Some(org) => query.filter(demand_responses::responder_org_id.eq(org)),
                None => query.filter(demand_responses::responder_id.eq(user.id().to_string())),
            };
            crate::narrow!(query, demand_responses, filter; status, demand_id);
            let rows = crate::after_cursor!(query, demand_responses::id, request, desc)
                .select(ResponseRow::as_select())
                .load(conn)?;
            super::names::response_outs(conn, rows)
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page))
    }
}
