//! What every page shares: the layout's navigation, form errors, error pages, PDF answers, the
//! embedded assets and the security headers.

pub mod form;
pub mod metrics;
pub mod openapi;
pub mod proxy;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    auth::{Action, Staff},
    error::{ErrorInfo, FieldError},
    state::AppState,
};

/// The layout's view of who is signed in and where they are.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub staff: Option<Staff>,
    pub current: &'static str,
}

impl Nav {
    pub fn new(staff: &Staff, current: &'static str) -> Self {
        Self {
            staff: Some(staff.clone()),
            current,
        }
    }

    pub fn signed_out() -> Self {
        Self::default()
    }

    pub fn can(&self, action: Action) -> bool {
        self.staff.as_ref().is_some_and(|s| s.can(action))
    }
}

/// The problems with a submitted form: summarised at the top, and shown beside each field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| anchor(&e.field) == field)
            .map(|e| e.message.as_str())
    }

    /// `(id of the field, message)` pairs for the summary's links.
    pub fn summary(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|e| (anchor(&e.field), capitalise(&e.message)))
            .collect()
    }
}

impl From<Vec<FieldError>> for FormErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        Self(errors)
    }
}

/// The form field id for an error's field name: `sim.iccid` is the input `sim_iccid`.
fn anchor(field: &str) -> String {
    match field {
        "purchase_cost_pence" => "purchase_cost".to_owned(),
        other => other.replace('.', "_"),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A PDF answer: shown in the browser (`inline`) or saved (`attachment`), named for saving.
pub fn pdf_response(bytes: Vec<u8>, filename: &str, disposition: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    title: String,
    message: String,
}

/// Turns error responses of the web pages into pages: a missing sign-in becomes a redirect to the
/// sign-in page that comes back here afterwards; anything else a page with a way back.
pub async fn error_pages(State(app): State<AppState>, request: Request, next: Next) -> Response {
    // A routed request always has a path; the default only means "come back to the start".
    let target = request
        .uri()
        .path_and_query()
        .map(ToString::to_string)
        .unwrap_or_default();
    // Kept to draw the navigation of whoever is signed in, should the answer be an error.
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    if info.status == StatusCode::UNAUTHORIZED {
        return Redirect::to(&format!("/login?next={}", urlencode(&target))).into_response();
    }
    let title = match info.status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "You cannot do that",
        StatusCode::CONFLICT => "That cannot be done now",
        StatusCode::TOO_MANY_REQUESTS => "Please wait",
        StatusCode::INTERNAL_SERVER_ERROR => "Sorry, something went wrong",
        _ => "There is a problem",
    };
    let message = if info.status == StatusCode::INTERNAL_SERVER_ERROR {
        "Something went wrong on our side. Please try again; if it keeps happening, tell your coordinator."
            .to_owned()
    } else {
        capitalise(&info.message) + "."
    };
    let nav = signed_in(&app, headers)
        .await
        .map_or_else(Nav::signed_out, |staff| Nav::new(&staff, ""));
    let page = ErrorPage {
        nav,
        title: title.to_owned(),
        message,
    };
    (info.status, page).into_response()
}

/// "Are you sure?": a change that cannot be undone (closing a stocktake, reporting devices lost,
/// marking letters posted) is posted once more from this page, with `confirmed=yes`.
#[derive(Template, WebTemplate)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub nav: Nav,
    pub title: String,
    pub message: String,
    pub action: String,
    /// The form's fields, posted again as they came.
    pub fields: Vec<(String, String)>,
    pub button: String,
    pub back: String,
    pub destructive: bool,
}

/// Whether a form was posted from its confirmation page.
pub fn confirmed(form: &form::FormData) -> bool {
    form.get("confirmed") == Some("yes")
}

/// Who sent these headers, if anyone is signed in: one more look-up, made only for an error page.
async fn signed_in(app: &AppState, headers: axum::http::HeaderMap) -> Option<Staff> {
    use axum::extract::FromRequestParts;
    let mut request = Request::new(axum::body::Body::empty());
    *request.headers_mut() = headers;
    let (mut parts, _) = request.into_parts();
    crate::auth::extract::MaybeStaff::from_request_parts(&mut parts, app)
        .await
        .ok()
        .and_then(|found| found.0)
}

/// The cookie that carries "what just happened" from a form's redirect to the next page.
const FLASH_COOKIE: &str = "lendhub_flash";
/// Where the layout shows that message.
const FLASH_MARK: &str = "<!--flash-->";

/// After a change, on to `to` with a message for the page there ("TCH-00042 lent to Margaret
/// Ellis, due back 3 March 2027"). The message travels in a short-lived cookie, never in the
/// address, so names stay out of URLs, logs and browser history.
pub fn done(to: &str, message: &str) -> Response {
    let cookie = format!(
        "{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=120",
        urlencode(message)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
}

/// Shows the message `done` left, once: on the next page drawn with the layout it goes where the
/// layout marks, as a status panel a screen reader announces, and the cookie is cleared.
pub async fn flash(request: Request, next: Next) -> Response {
    let message = crate::auth::extract::cookie(request.headers(), FLASH_COOKIE)
        .and_then(|value| serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("m={value}")).ok())
        .and_then(|mut pairs| pairs.pop())
        .map(|(_, message)| message)
        .filter(|message| !message.trim().is_empty());
    let response = next.run(request).await;
    let Some(message) = message else {
        return response;
    };
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !response.status().is_success() || !is_page {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 8 * 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = String::from_utf8_lossy(&bytes);
    let panel = format!(
        "<div class=\"panel panel--done\" role=\"status\"><p>{}</p></div>",
        askama::filters::escape(&message, askama::filters::Html)
            .map_or_else(|_| String::new(), |m| m.to_string())
    );
    let html = html.replacen(FLASH_MARK, &panel, 1);
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Ok(clear) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    )) {
        parts.headers.append(header::SET_COOKIE, clear);
    }
    Response::from_parts(parts, axum::body::Body::from(html))
}

/// Percent-encodes a value for a query string.
pub fn urlencode(value: &str) -> String {
    // Encoding one pair of strings cannot fail.
    serde_urlencoded::to_string([("", value)])
        .map(|s| s[1..].to_owned())
        .unwrap_or_default()
}

/// The query of a page that lists by hub, a page at a time (`?hub_id=3&cursor=…`). A hub that
/// is not a number shows every hub, as the "All hubs" choice does.
#[derive(Debug, Default, serde::Deserialize)]
pub struct HubPageFilter {
    pub hub_id: Option<String>,
    /// Where this page starts.
    pub cursor: Option<String>,
}

impl HubPageFilter {
    pub fn hub_id(&self) -> Option<i32> {
        self.hub_id.as_deref().and_then(|h| h.trim().parse().ok())
    }
}

/// The address of the page after this one: `path`, still at the hub, from `cursor`.
pub fn next_page(path: &str, hub_id: Option<i32>, cursor: &str) -> String {
    let hub = hub_id.map(|id| format!("hub_id={id}&")).unwrap_or_default();
    format!("{path}?{hub}cursor={}", urlencode(cursor))
}

/// A path on this site to go back to after signing in; anything else is dropped. Only a plain
/// path is taken (`/devices?status=on_loan`): browsers ignore tabs and newlines and read a backslash as
/// `/`, so `/\t/evil.example` would leave the site, and a control character cannot go in a
/// `Location` header at all.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path
        }
        _ => "/",
    }
}

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// The embedded stylesheet, scripts and fonts.
pub async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_str(file.metadata.mimetype())
                        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ),
            ],
            file.data,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/d/TCH-00001")), "/d/TCH-00001");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        for hostile in [
            "/\t/evil.example",
            "/\\evil.example",
            "/\n/x",
            "/ /evil.example",
            "/\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
    }

    #[test]
    fn form_errors_link_to_their_fields() {
        let errors = FormErrors(vec![FieldError::new("sim.iccid", "the ICCID is wrong")]);
        assert_eq!(errors.get("sim_iccid"), Some("the ICCID is wrong"));
        assert_eq!(
            errors.summary(),
            [("sim_iccid".to_owned(), "The ICCID is wrong".to_owned())]
        );
    }
}
