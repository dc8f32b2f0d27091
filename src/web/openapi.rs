//! The errors every call can answer, added to the OpenAPI description once rather than repeated
//! in each route's annotation: a client (and a contract checker) reads from the document which
//! statuses to expect, and each is the contract's `ErrorBody`.

use utoipa::openapi::{
    Ref, RefOr, ResponseBuilder,
    path::{Operation, PathItem},
};

/// Adds, where a route has not already described it:
/// - 400 (unreadable JSON, or a path or query value of the wrong type) to calls with a body,
///   path parameters or query parameters;
/// - 422 (a field or parameter that breaks a rule, named in `error.field`) to calls with a body or
///   query parameters;
/// - 401 (no token, or one revoked or expired) and 403 (the role may not) to calls that need a
///   token;
/// - 404 (no such row, or one outside the caller's hubs) to calls on a path with an id;
/// - 413 (a body over the limit) to calls with a body.
pub struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            let has_id = path.contains('{');
            for operation in operations(item) {
                describe_errors(operation, has_id);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn describe_errors(operation: &mut Operation, has_id: bool) {
    let body = operation.request_body.is_some();
    let query = operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
    });
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut add = |status: &str, description: &str, when: bool| {
        if when {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| error_response(description));
        }
    };
    add(
        "400",
        "The request cannot be read: the body is not JSON, or a path or query value has the wrong type.",
        body || query || has_id,
    );
    add("401", "No token was given, or it is revoked or expired.", secured);
    add("403", "The caller's role may not do this.", secured);
    add(
        "404",
        "There is no such record, or it is outside the caller's hubs.",
        has_id,
    );
    add("413", "The body is larger than the server takes.", body);
    add(
        "422",
        "A field or parameter breaks a rule; `error.field` names it.",
        body || query,
    );
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::content::ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}
