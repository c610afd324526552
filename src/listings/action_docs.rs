//! The OpenAPI documentation of the lifecycle, history and delete routes every library
//! registers as plain routes (utoipa cannot see them): one operation per library and action,
//! its text from the lifecycle table.

use super::actions::REGISTERED;
use super::lifecycle::{Action, LIFECYCLE};
use crate::audit::AuditEntry;
use crate::http::{Page, PageParams};

/// Adds the lifecycle, history and delete operations of the registered libraries to the
/// OpenAPI document (they are registered as plain routes, so utoipa cannot see them).
pub fn document(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{
        HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
    };
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, Type};
    use utoipa::{IntoParams, PartialSchema};

    let id_param = |entity: &str| {
        ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(format!("{entity} id")))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let if_match = ParameterBuilder::new()
        .name("If-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some("The version the action is based on; checked when given"))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    let json = |schema: utoipa::openapi::RefOr<utoipa::openapi::Schema>| {
        ContentBuilder::new().schema(Some(schema)).build()
    };
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(crate::error::PROBLEM_JSON, json(Ref::from_schema_name("Problem").into()))
            .build()
    };
    let bearer = || SecurityRequirement::new(crate::openapi::BEARER, Vec::<String>::new());
    for &library in REGISTERED {
        let segment = library.path_segment();
        let entity = library.entity().replace('_', " ");
        let tag = library.as_str().replace('_', "-");
        for &action in Action::ALL {
            let moves = LIFECYCLE.describe(action.as_str()).unwrap_or_default();
            let who = if action.admin_only() {
                "administrators"
            } else {
                "its owners and administrators"
            };
            let operation = OperationBuilder::new()
                .tag(tag.clone())
                .operation_id(Some(format!("{action}_{}", library.entity())))
                .summary(Some(format!("{action} a {entity}")))
                .description(Some(format!(
                    "{} ({who}). Any other status gets 409 naming the allowed actions.",
                    moves.trim_end_matches('.').replace("the record", &format!("the {entity}")),
                )))
                .parameter(id_param(&entity))
                .parameter(if_match.clone())
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .content(
                            "application/json",
                            json(Ref::from_schema_name("ActionRequest").into()),
                        )
                        .required(Some(Required::False))
                        .build(),
                ))
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("The new state")
                        .content(
                            "application/json",
                            json(Ref::from_schema_name("ListingState").into()),
                        )
                        .build(),
                )
                .response("409", problem("Illegal transition (see `allowed`) or stale version"))
                .security(bearer())
                .build();
            openapi.paths.paths.insert(
                format!("/api/v1/{segment}/{{id}}/{action}"),
                PathItem::new(HttpMethod::Post, operation),
            );
        }
        let mut history = OperationBuilder::new()
            .tag(tag.clone())
            .operation_id(Some(format!("history_{}", library.entity())))
            .summary(Some(format!("the {entity}'s history")))
            .description(Some(
                "The record's audit entries, oldest first (its owners and administrators).",
            ))
            .parameter(id_param(&entity))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("Audit entries, oldest first")
                    .content(
                        "application/json",
                        json(<Page<AuditEntry> as PartialSchema>::schema()),
                    )
                    .build(),
            )
            .security(bearer());
        for parameter in PageParams::into_params(|| Some(ParameterIn::Query)) {
            history = history.parameter(parameter);
        }
        openapi.paths.paths.insert(
            format!("/api/v1/{segment}/{{id}}/history"),
            PathItem::new(HttpMethod::Get, history.build()),
        );
        let delete = OperationBuilder::new()
            .tag(tag.clone())
            .operation_id(Some(format!("delete_{}", library.entity())))
            .summary(Some(format!("delete a draft {entity}")))
            .description(Some("Drafts only; other records are withdrawn or closed instead (409)."))
            .parameter(id_param(&entity))
            .response("204", ResponseBuilder::new().description("Deleted").build())
            .response("409", problem("Not a draft (see `allowed`)"))
            .security(bearer())
            .build();
        let path = format!("/api/v1/{segment}/{{id}}");
        match openapi.paths.paths.get_mut(&path) {
            Some(item) => item.delete = Some(delete),
            None => {
                openapi.paths.paths.insert(path, PathItem::new(HttpMethod::Delete, delete));
            }
        }
    }
}
