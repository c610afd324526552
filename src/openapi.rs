//! The OpenAPI document: assembled from the handlers' annotations by utoipa-actix-web, then
//! completed with the security scheme and the error responses every operation shares.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, PROBLEM_JSON, Problem};

/// The name of the bearer security scheme.
pub const BEARER: &str = "bearer";

/// The document's fixed parts; paths come from the registered handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "techmarket",
        description = "The API of a technology market (科技大市场): organizations and accounts, \
the four libraries (achievements, demands, experts, service providers), matching, deals and \
technology contracts. Errors are RFC 9457 `application/problem+json`. Lists are paginated with \
`limit` and an opaque `cursor`. Updates name the version they are based on (`If-Match` or \
`version`). Times are RFC 3339 UTC; money is integer fen (分). Human texts (problem titles, \
details and field messages, match explanations, notification lines) are Chinese (zh-CN) unless \
`Accept-Language` prefers English (`en`); every answer names its language in `Content-Language` \
and machine codes (`code`, field codes, enum values) are the same in both."
    ),
    components(schemas(
        Problem,
        FieldError,
        crate::listings::actions::ActionRequest,
        crate::listings::actions::ListingState,
        crate::listings::lifecycle::ListingStatus,
        crate::listings::my_access_requests::AccessSide,
        crate::listings::Library,
        crate::audit::AuditEntry,
        crate::listings::listing_search::SortOrder,
        crate::listings::bulk::ExportFormat,
        crate::search::WordMatch,
        crate::listings::access_requests::AccessDecision,
        crate::listings::access_requests::AccessRequestStatus,
        crate::accounts::model::Role,
        crate::accounts::model::UserStatus,
        crate::organizations::model::OrgKind,
        crate::taxonomies::TechnologyField,
        crate::taxonomies::Industry,
        crate::taxonomies::Maturity,
        crate::taxonomies::IpType,
        crate::taxonomies::PatentStatus,
        crate::taxonomies::CooperationMode,
        crate::taxonomies::ExpertTitle,
        crate::taxonomies::ExpertService,
        crate::taxonomies::ServiceType,
        crate::experts::dto::ExpertAvailability,
        crate::notifications::NotificationKind,
        crate::deals::model::DealStage,
        crate::deals::model::DealSource,
        crate::deals::model::LossReason,
        crate::responses::model::ResponseStatus,
        crate::deals::model::DeclineReason,
        crate::contracts::model::ContractStatus,
        crate::contracts::model::ContractType,
        crate::stats::contracts::ContractGroup,
        crate::stats::contracts::StatsRegionLevel,
        crate::stats::libraries::LibraryGroup,
        crate::stats::chart::ContractMetric,
        crate::vouchers::model::VoucherStatus,
        crate::vouchers::model::OrderStatus,
        crate::vouchers::model::ClaimStatus,
        crate::stats::vouchers::VoucherGroupBy,
        crate::http::csv_headers::CsvHeaders,
        crate::attachments::SubjectKind,
        crate::attachments::model::AttachmentOut,
        crate::attachments::routes::AttachInput,
        crate::attachments::upload::FileBytes
    )),
    modifiers(&SecurityAndErrors),
    tags(
        (name = "auth", description = "Registration, sign-in, token refresh and sign-out"),
        (name = "me", description = "The signed-in user"),
        (name = "organizations", description = "Organizations and invites"),
        (name = "admin", description = "Platform administration"),
        (name = "achievements", description = "成果库: technology achievements"),
        (name = "demands", description = "需求库: enterprises' technical problems"),
        (name = "experts", description = "专家库: experts"),
        (name = "service-providers", description = "服务机构库: service organizations"),
        (name = "matching", description = "Matching problems to results, with reasons"),
        (name = "notifications", description = "Notifications (matches, auction events) and webhooks"),
        (name = "responses", description = "院校答题: answers to enterprises' demands"),
        (name = "deals", description = "对接: the deal funnel, brokers and message threads"),
        (name = "events", description = "对接会: matchmaking events and their reports"),
        (name = "contracts", description = "技术合同: technology contracts, registration (认定登记) and performance"),
        (name = "stats", description = "The bureau's figures: overview, contracts, funnel, libraries and brokers, as JSON, CSV and SVG charts"),
        (name = "auctions", description = "拍卖与挂牌: auctions and listings of achievements, bidders, deposits and bids"),
        (name = "notices", description = "公示: public pricing notices of results and objections to them"),
        (name = "vouchers", description = "科技创新券: innovation-voucher programmes, vouchers, service orders, claims and settlements"),
        (name = "attachments", description = "Files (PDF, PNG, JPEG, OFD, DOCX, XLSX) uploaded once and attached to achievements, contracts, auctions and other records"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "taxonomies", description = "Canonical codes and their labels: technology fields, industries, maturity, IP, cooperation modes, experts, service types and GB/T 2260 regions"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer scheme and the shared error responses.
struct SecurityAndErrors;

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
        )
        .build()
}

fn add_if_absent(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| problem_response(description).into());
}

fn requires_bearer(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|requirements| {
        !requirements.is_empty()
            && requirements.iter().all(|requirement| {
                serde_json::to_value(requirement)
                    .ok()
                    .and_then(|v| v.as_object().map(|o| o.contains_key(BEARER)))
                    .unwrap_or(false)
            })
    })
}

fn complete_operation(path: &str, operation: &mut Operation) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_query = parameters.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let has_if_match = parameters
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Header) && p.name == "If-Match");
    if operation.request_body.is_some() {
        add_if_absent(operation, "400", "Malformed JSON");
        add_if_absent(operation, "413", "Request body too large");
        add_if_absent(operation, "415", "The body is not application/json");
        add_if_absent(
            operation,
            "422",
            "Invalid fields (see `errors`; `control_character` for NUL and other control characters)",
        );
    }
    if has_query {
        add_if_absent(
            operation,
            "422",
            "Invalid query parameters (see `errors`; `control_character` for NUL and other control characters)",
        );
    }
    if has_if_match {
        add_if_absent(operation, "409", "Stale version");
        add_if_absent(operation, "428", "No version given");
    }
    if path.contains('{') {
        add_if_absent(operation, "404", "No such record, or not visible to the caller");
    }
    if requires_bearer(operation) || operation.security.is_some() {
        add_if_absent(operation, "401", "Missing, invalid or expired access token");
    }
    if requires_bearer(operation) {
        add_if_absent(operation, "403", "The caller's role or organization may not do this");
    }
    add_if_absent(
        operation,
        "503",
        "The database is unavailable, or busy behind another write (`database_busy`, with `Retry-After`)",
    );
}

impl Modify for SecurityAndErrors {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::from(Http::new(HttpAuthScheme::Bearer))
                    .bearer_format("JWT")
                    .description(Some("An access token from `POST /api/v1/auth/login`"))
                    .build(),
            ),
        );
    }
}

/// Completes a generated document: shared error responses on every operation.
pub fn complete(mut openapi: OpenApiDoc) -> OpenApiDoc {
    crate::listings::action_docs::document(&mut openapi);
    use crate::{contracts::transitions as contracts, deals::queries as deals, responses::model};
    contracts::LIFECYCLE.document(&mut openapi, contracts::ACTIONS);
    deals::LIFECYCLE.document(&mut openapi, deals::ACTIONS);
    crate::auctions::lifecycle::LIFECYCLE
        .document(&mut openapi, crate::auctions::lifecycle::ACTIONS);
    crate::auctions::lifecycle::DEPOSITS
        .document(&mut openapi, crate::auctions::lifecycle::DEPOSIT_ACTIONS);
    model::DEMAND_SIDE.document(&mut openapi, model::ACTIONS);
    model::RESPONDER_SIDE.document(&mut openapi, model::ACTIONS);
    use crate::vouchers::lifecycle as vouchers;
    vouchers::VOUCHERS.document(&mut openapi, vouchers::VOUCHER_ACTIONS);
    vouchers::ORDERS.document(&mut openapi, vouchers::ORDER_ACTIONS);
    vouchers::CLAIMS.document(&mut openapi, vouchers::CLAIM_ACTIONS);
    for (path, item) in openapi.paths.paths.iter_mut() {
        for operation in [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(path, operation);
        }
    }
    openapi
}

/// The whole document, as served and committed.
pub fn spec() -> OpenApiDoc {
    use utoipa_actix_web::AppExt;
    let (_, openapi) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure_routes)
        .split_for_parts();
    complete(openapi)
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn spec_json() -> String {
    let mut json = spec().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_lifecycle_action_is_an_operation_of_the_document() {
        let spec = super::spec();
        let actions = [
            crate::contracts::transitions::ACTIONS,
            crate::deals::queries::ACTIONS,
            crate::responses::model::ACTIONS,
            crate::vouchers::lifecycle::VOUCHER_ACTIONS,
            crate::vouchers::lifecycle::ORDER_ACTIONS,
            crate::vouchers::lifecycle::CLAIM_ACTIONS,
        ];
        for action in actions.concat() {
            let item = spec.paths.paths.get(action.path);
            let operation = item.and_then(|item| item.post.as_ref());
            let description = operation.and_then(|o| o.description.as_deref()).unwrap_or_default();
            assert!(description.contains("Moves the record from"), "{} undocumented", action.path);
        }
    }
}
