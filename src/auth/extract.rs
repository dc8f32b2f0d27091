//! Who is asking: a bearer token (the API) or the session cookie (the web pages).

use std::{convert::Infallible, sync::Arc};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};
use chrono::Utc;

use super::{
    model::{Credential, Staff},
    service,
};
use crate::{config::Config, db::Db, error::AppError, web::proxy::Origin};

pub const SESSION_COOKIE: &str = "lendhub_session";

impl<S> FromRequestParts<S> for Staff
where
    S: Send + Sync,
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(staff) = parts.extensions.get::<Staff>() {
            return Ok(staff.clone());
        }
        let db = Db::from_ref(state);
        let now = Utc::now();
        let staff = if let Some(token) = bearer_token(&parts.headers) {
            service::staff_for_token(&db.read, token, now).await?
        } else if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) {
            let idle = Arc::<Config>::from_ref(state).session_idle;
            service::staff_for_session(&db, secret, now, idle).await?
        } else {
            None
        };
        let staff = staff.ok_or(AppError::Unauthenticated)?;
        parts.extensions.insert(staff.clone());
        Ok(staff)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Credential {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(if let Some(token) = bearer_token(&parts.headers) {
            Credential::Token(service::hash_secret(token))
        } else if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) {
            Credential::Session(service::hash_secret(secret))
        } else {
            Credential::None
        })
    }
}

/// The signed-in staff member, if any: for pages that look different when signed in.
#[derive(Debug, Clone)]
pub struct MaybeStaff(pub Option<Staff>);

impl<S> FromRequestParts<S> for MaybeStaff
where
    S: Send + Sync,
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Staff::from_request_parts(parts, state).await {
            Ok(staff) => Ok(Self(Some(staff))),
            Err(AppError::Unauthenticated) => Ok(Self(None)),
            Err(other) => Err(other),
        }
    }
}

/// The IP address a request came from, as sign-in throttling counts it: the client's address
/// (`web::proxy::Origin`: the connection's peer, or what a trusted proxy says), or "unknown"
/// where none was recorded.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Ok(origin) = Origin::from_request_parts(parts, state).await;
        Ok(Self(
            origin
                .address
                .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for the session: HttpOnly, SameSite=Lax, Secure behind HTTPS.
pub fn session_cookie(secret: &str, secure: bool) -> String {
    let max_age = service::SESSION_LIFETIME.num_seconds();
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub fn clear_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_a_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; lendhub_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_same_site() {
        let value = session_cookie("s3cret", true);
        assert!(value.contains("HttpOnly"));
        assert!(value.contains("SameSite=Lax"));
        assert!(value.ends_with("; Secure"));
        assert!(!session_cookie("s3cret", false).contains("Secure"));
    }
}
