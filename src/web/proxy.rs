//! Who a request came from. Behind a reverse proxy every connection comes from the proxy; the
//! proxies named in `LENDHUB_TRUSTED_PROXIES` are believed about the client's address
//! (`X-Forwarded-For`) and whether it spoke HTTPS (`X-Forwarded-Proto`). From anyone else those
//! headers are ignored, so a client cannot pick the address its sign-in failures are counted
//! against, nor claim HTTPS it did not use.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

use crate::state::AppState;

/// Where a request came from, as far as lendhub can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The client's address: the connection's peer, or what a trusted proxy says. `None` where
    /// no connection was recorded (a request made in-process).
    pub address: Option<IpAddr>,
    /// The client reached lendhub over HTTPS, as a trusted proxy says.
    pub https: bool,
}

impl Origin {
    /// Reads `headers` only when `peer` is one of the `trusted` proxies. Of `X-Forwarded-For`,
    /// the right-most address that is not itself a trusted proxy is the client: each proxy
    /// appends the address it was reached from, so everything left of that is the client's
    /// own word.
    pub fn of(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Self {
        // An IPv4 client of a socket bound to `[::]` arrives as `::ffff:10.0.0.5`.
        let peer = peer.map(|ip| ip.to_canonical());
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        let Some(peer) = peer.filter(is_trusted) else {
            return Self {
                address: peer,
                https: false,
            };
        };
        let mut address = peer;
        for hop in list(headers, "x-forwarded-for").rev() {
            // An entry that is not an address ends the chain: the last good hop stands.
            let Some(ip) = parse_hop(hop) else { break };
            address = ip;
            if !is_trusted(&ip) {
                break;
            }
        }
        let https = list(headers, "x-forwarded-proto")
            .next_back()
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
        Self {
            address: Some(address),
            https,
        }
    }
}

/// The comma-separated entries of every `name` header, in order.
fn list<'a>(headers: &'a HeaderMap, name: &str) -> impl DoubleEndedIterator<Item = &'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>()
        .into_iter()
}

/// `203.0.113.7`, `2001:db8::1`, or either with a port (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .map(|ip| ip.to_canonical())
}

/// Works out the request's `Origin` once, for every handler after it, and tells browsers that
/// reached lendhub over HTTPS (or whose public address is `https://`) to come back only over
/// HTTPS for a year.
pub async fn layer(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let origin = Origin::of(peer, request.headers(), &app.config.trusted_proxies);
    request.extensions_mut().insert(origin);
    let mut response = next.run(request).await;
    if origin.https || app.config.secure_cookies() {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

impl Origin {
    /// Cookies are marked `Secure` when the client spoke HTTPS or lendhub's public address is
    /// `https://`.
    pub fn secure_cookies(&self, config: &crate::config::Config) -> bool {
        self.https || config.secure_cookies()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().copied().unwrap_or_else(|| Self {
            address: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip()),
            https: false,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let said = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            ("x-forwarded-proto", "https"),
        ]);
        let origin = Origin::of(ip("203.0.113.7"), &said, &nets(&["127.0.0.1/32"]));
        assert_eq!(origin.address, ip("203.0.113.7"));
        assert!(!origin.https);
        let none_trusted = Origin::of(ip("127.0.0.1"), &said, &[]);
        assert_eq!(none_trusted.address, ip("127.0.0.1"));
        assert!(!none_trusted.https);
    }

    #[test]
    fn a_trusted_proxy_names_the_right_most_address_it_does_not_trust() {
        // The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
        let said = headers(&[
            ("x-forwarded-for", "1.2.3.4, 198.51.100.9"),
            ("x-forwarded-for", "10.0.0.5"),
            ("x-forwarded-proto", "https"),
        ]);
        let origin = Origin::of(ip("127.0.0.1"), &said, &nets(&["127.0.0.1/32", "10.0.0.0/8"]));
        assert_eq!(origin.address, ip("198.51.100.9"));
        assert!(origin.https);
    }

    #[test]
    fn a_chain_of_trusted_proxies_or_a_garbled_entry_stops_at_the_last_good_hop() {
        let all_trusted = headers(&[("x-forwarded-for", "10.0.0.6, 10.0.0.5")]);
        let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        assert_eq!(
            Origin::of(ip("127.0.0.1"), &all_trusted, &trusted).address,
            ip("10.0.0.6")
        );
        let garbled = headers(&[("x-forwarded-for", "198.51.100.9, nonsense, 10.0.0.5")]);
        assert_eq!(
            Origin::of(ip("127.0.0.1"), &garbled, &trusted).address,
            ip("10.0.0.5")
        );
        let mapped = Origin::of(ip("::ffff:127.0.0.1"), &all_trusted, &trusted);
        assert_eq!(
            mapped.address,
            ip("10.0.0.6"),
            "an IPv4 proxy seen through an IPv6 socket"
        );
        let with_ports = headers(&[("x-forwarded-for", "[2001:db8::1]:4711")]);
        assert_eq!(
            Origin::of(ip("127.0.0.1"), &with_ports, &trusted).address,
            ip("2001:db8::1")
        );
        let plain = headers(&[("x-forwarded-proto", "https, http")]);
        let origin = Origin::of(ip("127.0.0.1"), &plain, &trusted);
        assert_eq!(origin.address, ip("127.0.0.1"));
        assert!(!origin.https, "the nearest proxy's word is the last one");
    }
}
