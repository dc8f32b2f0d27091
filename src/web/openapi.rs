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

/// The rule every text field of a request obeys (`validate::optional_text`): no control character
/// but line breaks and tabs.
pub const TEXT: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
/// A field that must be filled in: as [`TEXT`], with at least one character that is not a space
/// (the server trims what it is sent).
pub const FILLED_TEXT: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";

/// One line (`validate::one_line`, names and titles): no control character at all.
pub const LINE: &str = r"^[^\x00-\x1F\x7F-\x9F]*$";
/// One line that must be filled in.
pub const FILLED_LINE: &str = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";

/// Writes the text rule into every string field of a request body (and the schemas it names),
/// where the field has no format, list of values or pattern of its own: a field marked
/// `min_length = 1` must be filled in ([`FILLED_TEXT`]), any other may be empty ([`TEXT`]). A
/// field marked `format = "line"` is held to one line ([`LINE`], [`FILLED_LINE`]) instead; the
/// mark becomes the pattern.
/// Said once here rather than on each of a hundred fields, as the rule is applied once, in
/// `validate`.
pub struct TextRules;

impl utoipa::Modify for TextRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Ok(mut doc) = serde_json::to_value(&*openapi) else {
            return;
        };
        let mut pending: Vec<String> = Vec::new();
        for item in doc["paths"].as_object().into_iter().flat_map(|p| p.values()) {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                let body = &operation["requestBody"]["content"]["application/json"]["schema"];
                refs(body, &mut pending);
            }
        }
        let mut done = std::collections::HashSet::new();
        while let Some(name) = pending.pop() {
            if !done.insert(name.clone()) {
                continue;
            }
            let schema = &mut doc["components"]["schemas"][&name];
            refs(schema, &mut pending);
            text_rules(schema);
        }
        if let Ok(rewritten) = serde_json::from_value(doc) {
            *openapi = rewritten;
        }
    }
}

/// The component names a schema refers to, anywhere inside it.
fn refs(schema: &serde_json::Value, found: &mut Vec<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(serde_json::Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_owned());
            }
            map.values().for_each(|v| refs(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

fn text_rules(schema: &mut serde_json::Value) {
    if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        for property in properties.values_mut() {
            text_rule(property);
            if let Some(items) = property.get_mut("items") {
                text_rule(items);
            }
        }
    }
}

fn text_rule(schema: &mut serde_json::Value) {
    let is_string = match &schema["type"] {
        serde_json::Value::String(t) => t == "string",
        serde_json::Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    let Some(map) = schema.as_object_mut() else { return };
    let line = map.get("format").is_some_and(|f| f == "line");
    if line {
        map.remove("format");
    }
    if !is_string || ["format", "enum", "pattern"].iter().any(|k| map.contains_key(*k)) {
        return;
    }
    let filled = map
        .get("minLength")
        .and_then(serde_json::Value::as_u64)
        .is_some_and(|m| m >= 1);
    let pattern = match (line, filled) {
        (true, true) => FILLED_LINE,
        (true, false) => LINE,
        (false, true) => FILLED_TEXT,
        (false, false) => TEXT,
    };
    map.insert("pattern".into(), pattern.into());
}
