//! Who is asking, by network address: the key of the per-client rate
//! limits and of the sign-in pause (`web::rate_limit`, `auth::throttle`).
//!
//! The client is the TCP peer, unless the peer is one of the configured
//! trusted proxies (`limits.trusted_proxies`): then it is the right-most
//! address of `X-Forwarded-For` that is not itself a trusted proxy. Every
//! address left of that one was written by the client and proves nothing,
//! so it is never used (which is why actix's `realip_remote_addr`, which
//! believes the left-most entry from anyone, is not).

use std::future::{Ready, ready};
use std::net::{IpAddr, Ipv6Addr};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use ipnet::IpNet;

use super::AppState;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with these
    /// `X-Forwarded-For` values (in header order). An entry that is not an
    /// address where one is needed ends the walk at the proxy that sent
    /// it: a misconfigured proxy, not a client, wrote it.
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let hops: Vec<&str> = forwarded_for
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        canonical(client)
    }
}

/// `192.0.2.1`, `2001:db8::1`, `192.0.2.1:4711` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4 addresses written as IPv6 (`::ffff:192.0.2.1`) are IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The key limits count under: an IPv4 address, or the /64 network of an
/// IPv6 one (one subscriber usually holds a whole /64, so counting single
/// IPv6 addresses would give one client billions of fresh budgets).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// The client's address as a handler argument (see the module doc). A
/// request without a peer address (only in unit tests) counts as
/// `0.0.0.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn of(req: &HttpRequest) -> Self {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok());
        let client = match req.app_data::<web::Data<AppState>>() {
            Some(state) => state.rate_limits.proxies().client(peer, forwarded),
            None => canonical(peer),
        };
        Self(client)
    }

    /// The key of this client in the limits (see [`limit_key`]).
    pub fn key(self) -> IpAddr {
        limit_key(self.0)
    }
}

impl FromRequest for ClientAddr {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|n| n.parse().unwrap()).collect())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("198.51.100.7"), ["203.0.113.1"].into_iter()),
            ip("198.51.100.7")
        );
        let some = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            some.client(ip("198.51.100.7"), ["10.0.0.1"].into_iter()),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.0.2.10/32"]);
        // The client wrote the first two entries itself: they are ignored.
        let forwarded = ["1.2.3.4, 5.6.7.8", "203.0.113.9, 10.1.1.1"];
        assert_eq!(
            trusted.client(ip("192.0.2.10"), forwarded.into_iter()),
            ip("203.0.113.9")
        );
        // No header: the proxy itself.
        assert_eq!(
            trusted.client(ip("10.0.0.2"), std::iter::empty()),
            ip("10.0.0.2")
        );
        // Every hop trusted: the left-most one.
        assert_eq!(
            trusted.client(ip("10.0.0.2"), ["10.0.0.3, 10.0.0.4"].into_iter()),
            ip("10.0.0.3")
        );
        // Garbage where an address should be: stop at the proxy that sent it.
        assert_eq!(
            trusted.client(ip("10.0.0.2"), ["203.0.113.9, unknown"].into_iter()),
            ip("10.0.0.2")
        );
        // Ports and IPv4-mapped IPv6 are understood.
        assert_eq!(
            trusted.client(ip("::ffff:10.0.0.2"), ["[2001:db8::5]:443"].into_iter()),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        assert_eq!(limit_key(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(limit_key(ip("::ffff:198.51.100.7")), ip("198.51.100.7"));
    }
}
