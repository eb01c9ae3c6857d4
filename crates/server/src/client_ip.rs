//! The client's address: the socket's peer, or, when that peer is a reverse proxy named by
//! `--trusted-proxy`, the address the proxies recorded in `X-Forwarded-For`. A header
//! anyone can write is believed only from a proxy the operator named: otherwise every
//! request could claim a fresh address and walk past the per-address limits.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The client's address, set on every request by [`resolve`] (an extension) and recorded
/// in the request's tracing span as `client_ip`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// What a request without a socket (one handed to the router in process) counts as:
    /// every such request shares this one address, and its limits.
    pub const UNKNOWN: ClientIp = ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED));

    /// The key of per-address limits: an IPv6 client usually holds a whole /64, so it is
    /// counted as one address.
    pub fn limit_key(self) -> String {
        match self.0 {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = ip.segments();
                    let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    format!("{prefix}/64")
                }
            },
        }
    }
}

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp::UNKNOWN))
    }
}

/// An IP network: an address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    address: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for IpNet {
    type Err = String;

    /// `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`; nothing else (no host names, no
    /// ports, no bits set past the prefix, which would say the operator meant another
    /// network than the one written).
    fn from_str(text: &str) -> Result<IpNet, String> {
        let refused = || format!("--trusted-proxy: {text:?} is not an IP address or CIDR");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => {
                if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(refused());
                }
                (address, Some(prefix.parse::<u8>().map_err(|_| refused())?))
            }
            None => (text, None),
        };
        let address = canonical(address.parse::<IpAddr>().map_err(|_| refused())?);
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return Err(refused());
        }
        let net = IpNet { address, prefix };
        let exact = IpNet {
            address,
            prefix: width,
        };
        // The network address itself: `10.0.0.1/8` is most likely a typo.
        let first = match address {
            IpAddr::V4(ip) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4((u32::from(ip) & mask).into())
            }
            IpAddr::V6(ip) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6((u128::from(ip) & mask).into())
            }
        };
        if !exact.contains(first) {
            return Err(refused());
        }
        Ok(net)
    }
}

/// `::ffff:10.0.0.1` is `10.0.0.1` (a dual-stack socket reports IPv4 peers so).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Parses `--trusted-proxy` strictly: the server does not start on an entry it cannot read.
pub fn parse_trusted(entries: &[String]) -> Result<Vec<IpNet>, String> {
    entries.iter().map(|entry| entry.parse()).collect()
}

/// The client of a request from `peer`: the peer itself, unless it is a trusted proxy;
/// then the rightmost address of `X-Forwarded-For` that is not a trusted proxy (the
/// entries left of it were written by whoever the client is, and prove nothing).
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // Garbage written by a trusted proxy: its own address is the last one known.
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// Middleware: finds the client's address once, for the handlers (the [`ClientIp`]
/// extension) and the logs (the span's `client_ip`). Without a socket address (a request
/// handed to the router in process) the client is [`ClientIp::UNKNOWN`].
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let client = match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => ClientIp(client_of(
            peer.ip(),
            request.headers(),
            &state.settings.trusted_proxies,
        )),
        None => ClientIp::UNKNOWN,
    };
    tracing::Span::current().record("client_ip", tracing::field::display(client));
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_of(ip("198.51.100.7"), &headers, &[]),
            ip("198.51.100.7")
        );
        let trusted = parse_trusted(&["10.0.0.0/8".into()]).unwrap();
        assert_eq!(
            client_of(ip("198.51.100.7"), &headers, &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_of(ip("10.1.2.3"), &headers, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = parse_trusted(&["10.0.0.0/8".into(), "2001:db8::1".into()]).unwrap();
        // The client forged the first entry; the proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.5"]);
        assert_eq!(
            client_of(ip("10.0.0.6"), &headers, &trusted),
            ip("203.0.113.9")
        );
        // Only proxies: the farthest one.
        let headers = forwarded(&["10.0.0.4, 10.0.0.5"]);
        assert_eq!(
            client_of(ip("10.0.0.6"), &headers, &trusted),
            ip("10.0.0.4")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_of(ip("10.0.0.6"), &HeaderMap::new(), &trusted),
            ip("10.0.0.6")
        );
        // Garbage from a proxy: the last address known.
        let headers = forwarded(&["203.0.113.9, nonsense, 10.0.0.5"]);
        assert_eq!(
            client_of(ip("10.0.0.6"), &headers, &trusted),
            ip("10.0.0.5")
        );
        // Ports and brackets, IPv6, a mapped IPv4 peer.
        let headers = forwarded(&["[2001:db8::7]:443"]);
        assert_eq!(
            client_of(ip("::ffff:10.0.0.6"), &headers, &trusted),
            ip("2001:db8::7")
        );
        let headers = forwarded(&["203.0.113.9:5555"]);
        assert_eq!(
            client_of(ip("2001:db8::1"), &headers, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn trusted_proxies_are_parsed_strictly() {
        for good in [
            "10.0.0.1",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "::1",
            "fd00::/8",
            "::/0",
        ] {
            assert!(good.parse::<IpNet>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "proxy.local",
            "10.0.0.1:80",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/x",
            "10.0.0.1/8",
            "::1/129",
            "10.0.0.0/+8",
            " 10.0.0.1",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
        let net: IpNet = "192.168.0.0/16".parse().unwrap();
        assert!(net.contains(ip("192.168.44.1")));
        assert!(net.contains(ip("::ffff:192.168.44.1")));
        assert!(!net.contains(ip("192.169.0.1")));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(
            ClientIp(ip("2001:db8:1:2:3:4:5:6")).limit_key(),
            ClientIp(ip("2001:db8:1:2:ffff::1")).limit_key()
        );
        assert_ne!(
            ClientIp(ip("2001:db8:1:2::1")).limit_key(),
            ClientIp(ip("2001:db8:1:3::1")).limit_key()
        );
        assert_eq!(ClientIp(ip("::ffff:1.2.3.4")).limit_key(), "1.2.3.4");
    }
}
