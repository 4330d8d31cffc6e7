//! Where webhooks may go. `webhooks.allow` lists host names (`hooks.example.com`,
//! `*.example.com`), networks (`10.1.0.0/16`, `127.0.0.1/32`) and `*` (any public
//! address). A named host is trusted as named; any other host must resolve only to
//! addresses the list allows, and private, loopback, link-local and other special ranges
//! are never "public". The check runs when an endpoint is registered and again on every
//! connection (a resolver that drops disallowed addresses), so a name that later resolves
//! somewhere private is not followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

#[derive(Debug, Clone, PartialEq)]
enum Allowed {
    AnyPublic,
    Host(String),
    /// `*.example.com`: the suffix `.example.com`.
    Suffix(String),
    Net(IpAddr, u8),
}

/// The operator's allow-list.
#[derive(Debug, Clone)]
pub struct Guard {
    allowed: Arc<Vec<Allowed>>,
}

impl Guard {
    pub fn new(entries: &[String]) -> Result<Self, String> {
        let mut allowed = Vec::new();
        for entry in entries {
            let entry = entry.trim().to_ascii_lowercase();
            allowed.push(if entry == "*" {
                Allowed::AnyPublic
            } else if let Some(suffix) = entry.strip_prefix("*.") {
                Allowed::Suffix(format!(".{suffix}"))
            } else if let Some((ip, bits)) = entry.split_once('/') {
                let ip: IpAddr = ip
                    .parse()
                    .map_err(|_| format!("`{entry}`: not a network"))?;
                let bits: u8 = bits.parse().map_err(|_| format!("`{entry}`: bad prefix"))?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                if bits > max {
                    return Err(format!("`{entry}`: prefix over {max}"));
                }
                Allowed::Net(ip, bits)
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                Allowed::Net(ip, if ip.is_ipv4() { 32 } else { 128 })
            } else {
                Allowed::Host(entry)
            });
        }
        Ok(Self {
            allowed: Arc::new(allowed),
        })
    }

    /// The operator named this host (or a parent domain): trusted wherever it resolves.
    fn names(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allowed.iter().any(|a| match a {
            Allowed::Host(name) => *name == host,
            Allowed::Suffix(suffix) => host.ends_with(suffix.as_str()),
            _ => false,
        })
    }

    /// Whether a connection to `ip` is allowed for a host the operator did not name.
    /// An IPv6 address that embeds an IPv4 address (`embedded_v4`) is judged by that
    /// address too: a network allows it when it holds either form, and it is public only
    /// when the IPv4 address it reaches is.
    pub fn permits_address(&self, ip: IpAddr) -> bool {
        let reached = canonical(ip);
        self.allowed.iter().any(|a| match a {
            Allowed::AnyPublic => is_public(ip),
            Allowed::Net(net, bits) => {
                in_network(ip, *net, *bits) || in_network(reached, *net, *bits)
            }
            _ => false,
        })
    }

    /// Checks an endpoint URL: http(s), a host, and (for an address literal) an allowed
    /// address. Names are checked again when they resolve.
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("the URL must be http or https".into());
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("the URL must not carry credentials".into());
        }
        let host = parsed.host_str().ok_or("the URL has no host")?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return match self.names(&ip.to_string()) || self.permits_address(ip) {
                true => Ok(parsed),
                false => Err(format!("{ip} is not an allowed address")),
            };
        }
        // A name: allowed by name, or checked where it resolves.
        let by_address = self
            .allowed
            .iter()
            .any(|a| matches!(a, Allowed::AnyPublic | Allowed::Net(..)));
        match self.names(host) || by_address {
            true => Ok(parsed),
            false => Err(format!("`{host}` is not an allowed host")),
        }
    }
}

impl Guard {
    /// Where `host` resolves, split into the addresses a connection may use (all of
    /// them for a host the operator named) and how many it may not.
    async fn resolve_allowed(&self, host: &str) -> std::io::Result<(Vec<SocketAddr>, usize)> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
        let trusted = self.names(host);
        let total = found.len();
        let kept: Vec<SocketAddr> = found
            .into_iter()
            .filter(|addr| trusted || self.permits_address(addr.ip()))
            .collect();
        let refused = total - kept.len();
        Ok((kept, refused))
    }

    /// Checks the target of a request sent through a proxy, which resolves the name
    /// itself: every address the name resolves to must be allowed (the proxy may pick
    /// any). An address literal was checked by [`Guard::check_url`]. The proxy resolves
    /// again, so a name that changes its answers in between is the proxy's to police.
    pub async fn check_target(&self, url: &reqwest::Url) -> Result<(), String> {
        let Some(host) = url.domain() else {
            return Ok(());
        };
        match self.resolve_allowed(host).await {
            Err(error) => Err(format!("`{host}` does not resolve: {error}")),
            Ok((kept, 0)) if !kept.is_empty() => Ok(()),
            Ok(_) => Err(format!(
                "`{host}` resolves to an address that is not allowed"
            )),
        }
    }
}

/// Resolves names for webhook requests, keeping only the addresses the guard allows.
impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.clone();
        Box::pin(async move {
            let host = name.as_str();
            let (kept, _) = guard.resolve_allowed(host).await?;
            if kept.is_empty() {
                return Err(format!("`{host}` resolves to no allowed address").into());
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The address a connection to `ip` reaches: the IPv4 address an IPv6 one embeds, else
/// itself.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The IPv4 address an IPv6 address carries, in the forms that deliver to it through a
/// translator, a tunnel or the host's own stack: IPv4-mapped (`::ffff:a.b.c.d`),
/// IPv4-compatible (`::a.b.c.d`; `::` and `::1` are themselves), NAT64 (`64:ff9b::/96`,
/// the last 32 bits), 6to4 (`2002:AABB:CCDD::/48`, bits 16 to 48) and Teredo
/// (`2001:0::/32`, the client's address in the last 32 bits, inverted).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let joined = |high: u16, low: u16| (u32::from(high) << 16) | u32::from(low);
    let last = joined(s[6], s[7]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] => Some(Ipv4Addr::from(last)),
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, ..] => Some(Ipv4Addr::from(last)),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(Ipv4Addr::from(last)),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from(joined(high, low))),
        [0x2001, 0, ..] => Some(Ipv4Addr::from(!last)),
        _ => None,
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// An address on the public internet: none of the private, loopback, link-local,
/// shared, documentation, multicast or reserved ranges.
fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let special: [(Ipv4Addr, u8); 12] = [
                (Ipv4Addr::new(0, 0, 0, 0), 8),
                (Ipv4Addr::new(10, 0, 0, 0), 8),
                (Ipv4Addr::new(100, 64, 0, 0), 10),
                (Ipv4Addr::new(127, 0, 0, 0), 8),
                (Ipv4Addr::new(169, 254, 0, 0), 16),
                (Ipv4Addr::new(172, 16, 0, 0), 12),
                (Ipv4Addr::new(192, 0, 0, 0), 24),
                (Ipv4Addr::new(192, 0, 2, 0), 24),
                (Ipv4Addr::new(192, 168, 0, 0), 16),
                (Ipv4Addr::new(198, 18, 0, 0), 15),
                (Ipv4Addr::new(198, 51, 100, 0), 24),
                (Ipv4Addr::new(203, 0, 113, 0), 24),
            ];
            !v4.is_multicast()
                && u32::from(v4) < u32::from(Ipv4Addr::new(240, 0, 0, 0))
                && !special
                    .iter()
                    .any(|(net, bits)| in_network(IpAddr::V4(v4), IpAddr::V4(*net), *bits))
        }
        IpAddr::V6(v6) => {
            let special: [(Ipv6Addr, u8); 6] = [
                (Ipv6Addr::UNSPECIFIED, 128),
                // Local-use NAT64 (RFC 8215): translates into the operator's own networks.
                (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),
                (Ipv6Addr::LOCALHOST, 128),
                (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
                (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
                (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
            ];
            !v6.is_multicast()
                && !special
                    .iter()
                    .any(|(net, bits)| in_network(IpAddr::V6(v6), IpAddr::V6(*net), *bits))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(entries: &[&str]) -> Guard {
        Guard::new(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn the_public_internet_excludes_private_and_special_ranges() {
        let any = guard(&["*"]);
        for private in [
            "127.0.0.1",
            "10.2.3.4",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!any.permits_address(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1", "::ffff:8.8.8.8"] {
            assert!(any.permits_address(public.parse().unwrap()), "{public}");
        }
    }

    /// Under `*`: `private` (embedding a private or loopback address) is refused, `public`
    /// (embedding a public one) permitted.
    fn judged_by_the_embedded_address(private: &str, public: &str) {
        let any = guard(&["*"]);
        assert!(!any.permits_address(private.parse().unwrap()), "{private}");
        assert!(any.permits_address(public.parse().unwrap()), "{public}");
    }

    #[test]
    fn nat64_addresses_are_judged_by_the_ipv4_address_they_embed() {
        judged_by_the_embedded_address("64:ff9b::10.0.0.1", "64:ff9b::8.8.8.8");
    }

    #[test]
    fn six_to_four_addresses_are_judged_by_the_ipv4_address_they_embed() {
        // 2002:7f00:0001::/48 is 127.0.0.1's 6to4 network; 2002:0808:0808::/48 is 8.8.8.8's.
        judged_by_the_embedded_address("2002:7f00:1::1", "2002:808:808::1");
    }

    #[test]
    fn ipv4_compatible_addresses_are_judged_by_the_ipv4_address_they_embed() {
        judged_by_the_embedded_address("::192.168.1.1", "::8.8.8.8");
    }

    #[test]
    fn ipv4_mapped_addresses_are_judged_by_the_ipv4_address_they_embed() {
        judged_by_the_embedded_address("::ffff:169.254.169.254", "::ffff:8.8.8.8");
    }

    #[test]
    fn teredo_addresses_are_judged_by_the_client_address_they_embed() {
        // The client's address is the last 32 bits inverted: 127.0.0.1 is 80ff:fffe,
        // 8.8.8.8 is f7f7:f7f7 (the Teredo server, 65.54.227.120, is 4136:e378).
        judged_by_the_embedded_address(
            "2001:0:4136:e378:8000:0:80ff:fffe",
            "2001:0:4136:e378:8000:0:f7f7:f7f7",
        );
    }

    #[test]
    fn networks_and_names_open_what_they_name() {
        let local = guard(&["127.0.0.1/32", "hooks.internal"]);
        assert!(local.permits_address("127.0.0.1".parse().unwrap()));
        assert!(!local.permits_address("127.0.0.2".parse().unwrap()));
        assert!(
            !local.permits_address("93.184.216.34".parse().unwrap()),
            "no *: nothing public"
        );
        assert!(local.check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(local.check_url("http://hooks.internal/x").is_ok());
        // Another name may resolve into 127.0.0.1/32: it is checked when it resolves.
        assert!(local.check_url("http://other.example/x").is_ok());
        assert!(local.check_url("http://10.0.0.1/x").is_err());
        let named_only = guard(&["hooks.internal"]);
        assert!(named_only.check_url("http://other.example/x").is_err());
    }

    #[test]
    fn urls_must_be_plain_http() {
        let any = guard(&["*", "*.example.com"]);
        assert!(any.check_url("ftp://a.example.com/").is_err());
        assert!(any.check_url("https://user:pw@a.example.com/").is_err());
        assert!(any.check_url("https://a.example.com/hook").is_ok());
        assert!(any.check_url("http://[::1]/hook").is_err());
        assert!(Guard::new(&["10.0.0.0/40".into()]).is_err());
    }
}
