//! One error type for every handler, answered as the contract's JSON error for the API and as a
//! friendly page for the web (see `web::error_pages`). Internal causes are logged, never shown.

use axum::{
    Json,
    extract::{FromRequest, FromRequestParts, Request},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use sea_orm::DbErr;
use serde::{Serialize, de::DeserializeOwned};

/// A problem with one field of what a client sent: answered 422 naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read at all (broken JSON, a bad query string).
    #[error("{0}")]
    Malformed(String),
    /// 422: a field is missing or wrong.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// 401: no valid session or token.
    #[error("sign in first")]
    Unauthenticated,
    /// 403: signed in, but the role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 409: the request conflicts with the current state; `code` names the conflict.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413: the body is larger than lendhub takes.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 429: too many failed sign-ins.
    #[error("{0}")]
    TooManyRequests(String),
    /// 503: the database cannot be reached just now; the request did nothing and can be tried
    /// again.
    #[error("lendhub cannot reach its database just now; try again in a minute")]
    Unavailable(#[source] DbErr),
    /// 500: our fault. The cause is logged and not shown.
    #[error("something went wrong on our side")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(FieldError::new(field, message))
    }

    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::Invalid(_) => "invalid",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } => code,
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if unreachable(&err) {
            Self::Unavailable(err)
        } else {
            Self::internal(err)
        }
    }
}

/// Whether `err` says the database could not be reached (rather than that a query was wrong).
fn unreachable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error as Sqlx};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => matches!(
            sqlx.as_ref(),
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Tls(_) | Sqlx::Protocol(_)
        ),
        _ => false,
    }
}

/// The most a request body may be, but for the uploads that set their own limit.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A 413 from the body limit (tower-http's, or an extractor's) in the contract's error shape
/// rather than plain text.
pub async fn too_large_in_shape(response: Response) -> Response {
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !json {
        AppError::PayloadTooLarge(format!(
            "the request is larger than {} MB: send a smaller one",
            BODY_LIMIT / (1024 * 1024)
        ))
        .into_response()
    } else {
        response
    }
}

/// The answer when a handler panics (tower-http's `CatchPanicLayer`): a 500 in the contract's
/// shape instead of a dropped connection. It is still a bug, and logged as one. (It takes the
/// payload by value because that is the handler `CatchPanicLayer::custom` calls.)
#[allow(clippy::needless_pass_by_value)]
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned());
    AppError::Internal(format!("a request handler panicked: {what}").into()).into_response()
}

/// The contract's error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Put on every error response so the web layer can render it as a page instead of JSON.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        // The cause's `Display` only: a database error's `Debug` carries the row's key values.
        match &self {
            Self::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unreachable"),
            _ => {}
        }
        let (message, field) = match &self {
            Self::Invalid(FieldError { field, message }) => (message.clone(), Some(field.clone())),
            other => (other.to_string(), None),
        };
        let info = ErrorInfo {
            status,
            message: message.clone(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
                field,
            },
        };
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(info);
        response
    }
}

/// JSON body extractor whose failures answer in the contract's shape: unreadable JSON is a 400,
/// a field of the wrong type is a 422 naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|err| AppError::Malformed(err.body_text()))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON request body, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|err| AppError::Malformed(format!("the body is not valid JSON: {err}")))?;
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        let field = match missing_field(&message) {
            Some(name) if path == "." => name.to_owned(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_owned(),
            None => path,
        };
        AppError::invalid(field, message)
    })
}

/// Applies a JSON merge patch (RFC 7386) over `current` and reads the result back: how PATCH
/// requests change a record, with the same field errors as a create.
pub fn merge_into<T: Serialize + DeserializeOwned>(
    current: &T,
    patch: &serde_json::Value,
) -> Result<T, AppError> {
    if !patch.is_object() {
        return Err(AppError::Malformed("the body must be a JSON object".into()));
    }
    let mut merged = serde_json::to_value(current).map_err(AppError::internal)?;
    merge_patch(&mut merged, patch);
    parse_json(merged.to_string().as_bytes())
}

fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(
                    target.entry(key.clone()).or_insert(serde_json::Value::Null),
                    value,
                );
            }
        }
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// Path extractor whose failures (a loan id that is not a number) are a 400 in the contract's
/// shape, as a page on the web side, instead of axum's plain-text rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|err| AppError::Malformed(err.body_text()))
    }
}

/// Query-string extractor whose failures are a 400 in the contract's shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

/// Parses a query string, naming the parameter at fault as a JSON body's field is named.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(pairs).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        let field = match missing_field(&message) {
            Some(name) => name.to_owned(),
            None if path == "." => "query".to_owned(),
            None => path,
        };
        AppError::invalid(field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        model: String,
        hub_id: i32,
        sim: Option<Sim>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Sim {
        allowance_gb: i32,
    }

    fn field_of(json: &str) -> (StatusCode, Option<String>) {
        match parse_json::<Body>(json.as_bytes()) {
            Ok(_) => (StatusCode::OK, None),
            Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e.field)),
            Err(e) => (e.status(), None),
        }
    }

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut target =
            serde_json::json!({"make": "Dell", "notes": "dent", "sim": {"iccid": "1", "network": "EE"}});
        merge_patch(
            &mut target,
            &serde_json::json!({"notes": null, "sim": {"network": "Three"}, "model": "5490"}),
        );
        assert_eq!(
            target,
            serde_json::json!({"make": "Dell", "sim": {"iccid": "1", "network": "Three"}, "model": "5490"})
        );
    }

    #[test]
    fn broken_json_is_malformed() {
        assert_eq!(field_of(r#"{"model": "#).0, StatusCode::BAD_REQUEST);
        assert_eq!(
            field_of(r#"{"model": "x", "hub_id": 1} trailing"#).0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(field_of("[1, 2").0, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(field_of(r#"{"hub_id": 1}"#).1.as_deref(), Some("model"));
    }

    #[test]
    fn a_wrong_type_names_the_nested_path() {
        assert_eq!(
            field_of(r#"{"model": "x", "hub_id": "one"}"#).1.as_deref(),
            Some("hub_id")
        );
        let nested = r#"{"model": "x", "hub_id": 1, "sim": {"allowance_gb": "lots"}}"#;
        assert_eq!(field_of(nested).1.as_deref(), Some("sim.allowance_gb"));
    }
}
