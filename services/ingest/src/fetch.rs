//! Fetching feeds and pages from the open internet without letting the
//! internet steer ingest.
//!
//! A feed is written by someone else, and so are the links in it, the
//! pages behind them and the redirects those answer with. Followed blindly,
//! a feed item linking to `http://169.254.169.254/` or `http://localhost/`
//! would make ingest read a cloud metadata service or an internal admin
//! page and publish it on `articles.raw`. So every hop is checked where it
//! matters, at connect time:
//!
//! * only `http` and `https`;
//! * the host is resolved here, every address it resolves to must be a
//!   public one (not loopback, private, link-local, CGNAT, multicast,
//!   documentation or reserved, and not an IPv6 form that embeds one: mapped,
//!   compatible, NAT64, 6to4, Teredo), and the connection is pinned to the
//!   addresses checked, so a name that resolves differently a second time
//!   (DNS rebinding) cannot slip through;
//! * redirects are followed by hand, each one checked like the first, at
//!   most `fetch.max_redirects`;
//! * the body is read with a running cap (`limits.max_body_bytes`): a
//!   chunked or lying server is cut off at the cap, not read to the end;
//! * the whole fetch, body included, has `fetch.timeout_secs`.
//!
//! Private addresses can be allowed, one by one, by `fetch.allow` (an
//! address, an address and port, or a network in CIDR form): for feeds an
//! operator runs inside their own network, and for the tests' local sites.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use url::{Host, Url};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct FetchSettings {
    /// Private addresses that may be fetched anyway: `"10.1.2.3"`,
    /// `"127.0.0.1:8080"`, `"10.0.0.0/8"`, `"[::1]:8080"`. Empty by default:
    /// only public addresses.
    pub allow: Vec<String>,
    /// The most redirects one fetch follows.
    pub max_redirects: usize,
    /// Seconds one fetch may take, from connecting to the last byte.
    pub timeout_secs: u64,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            allow: Vec::new(),
            max_redirects: 5,
            timeout_secs: 20,
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL or an address it leads to is not one ingest may fetch.
    #[error("refused: {0}")]
    Refused(String),
    /// The body is over the cap.
    #[error("{url} is over the size limit of {limit} bytes")]
    TooLarge { url: String, limit: usize },
    /// The server could not be reached, answered an error, or was too slow.
    #[error("{0}")]
    Unreachable(String),
}

/// Fetches over HTTP(S) with the checks the module describes.
#[derive(Debug, Clone)]
pub struct Fetcher {
    allow: Vec<Allowed>,
    max_redirects: usize,
    timeout: Duration,
}

impl Fetcher {
    /// Refuses an `allow` entry it cannot read, naming it.
    pub fn new(settings: &FetchSettings) -> anyhow::Result<Fetcher> {
        let allow = settings
            .allow
            .iter()
            .map(|a| {
                Allowed::parse(a).ok_or_else(|| {
                    anyhow::anyhow!(
                        "fetch.allow: {a:?} is not an address, an address:port or a CIDR network"
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Fetcher {
            allow,
            max_redirects: settings.max_redirects,
            timeout: Duration::from_secs(settings.timeout_secs.max(1)),
        })
    }

    /// The body at `url`, at most `max_bytes` of it.
    pub async fn get(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        tokio::time::timeout_at(deadline, self.follow(url, max_bytes))
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::Unreachable(format!(
                    "fetching {url} took over {} s",
                    self.timeout.as_secs()
                )))
            })
    }

    async fn follow(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
        let mut url =
            Url::parse(url).map_err(|e| FetchError::Refused(format!("bad URL {url:?}: {e}")))?;
        for _ in 0..=self.max_redirects {
            let client = self.client_for(&url).await?;
            let resp = client
                .get(url.clone())
                .send()
                .await
                .map_err(|e| FetchError::Unreachable(format!("cannot fetch {url}: {e}")))?;
            if resp.status().is_redirection() {
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| {
                        FetchError::Unreachable(format!(
                            "{url} redirects ({}) without a Location",
                            resp.status()
                        ))
                    })?;
                url = url.join(location).map_err(|e| {
                    FetchError::Refused(format!("{url} redirects to a bad URL {location:?}: {e}"))
                })?;
                continue;
            }
            if !resp.status().is_success() {
                return Err(FetchError::Unreachable(format!(
                    "fetching {url} returned HTTP {}",
                    resp.status()
                )));
            }
            return read_capped(resp, url.as_str(), max_bytes).await;
        }
        Err(FetchError::Unreachable(format!(
            "{url}: more than {} redirects",
            self.max_redirects
        )))
    }

    /// A client that can only connect to the checked addresses of `url`'s
    /// host, and follows no redirect by itself.
    async fn client_for(&self, url: &Url) -> Result<reqwest::Client, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "{url}: only http and https links are followed"
            )));
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| FetchError::Refused(format!("{url}: no port")))?;
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(self.timeout)
            .user_agent(concat!("stancewire-ingest/", env!("CARGO_PKG_VERSION")));
        let builder = match url.host() {
            None => return Err(FetchError::Refused(format!("{url}: no host"))),
            Some(Host::Ipv4(ip)) => {
                self.check(url, SocketAddr::new(IpAddr::V4(ip), port))?;
                builder
            }
            Some(Host::Ipv6(ip)) => {
                self.check(url, SocketAddr::new(IpAddr::V6(ip), port))?;
                builder
            }
            Some(Host::Domain(name)) => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                    .await
                    .map_err(|e| FetchError::Unreachable(format!("cannot resolve {name}: {e}")))?
                    .collect();
                if addrs.is_empty() {
                    return Err(FetchError::Unreachable(format!("{name} has no address")));
                }
                for addr in &addrs {
                    self.check(url, *addr)?;
                }
                builder.resolve_to_addrs(name, &addrs)
            }
        };
        builder
            .build()
            .map_err(|e| FetchError::Unreachable(format!("http client: {e}")))
    }

    fn check(&self, url: &Url, addr: SocketAddr) -> Result<(), FetchError> {
        if is_public(addr.ip()) || self.allow.iter().any(|a| a.matches(addr)) {
            Ok(())
        } else {
            Err(FetchError::Refused(format!(
                "{url} leads to {}, which is not a public address (fetch.allow can allow it)",
                addr.ip()
            )))
        }
    }
}

/// Reads a body chunk by chunk, giving up as soon as it passes `max_bytes`.
async fn read_capped(
    mut resp: reqwest::Response,
    url: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: url.to_string(),
        limit: max_bytes,
    };
    if resp.content_length().is_some_and(|l| l > max_bytes as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| FetchError::Unreachable(format!("reading {url} failed: {e}")))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// An entry of `fetch.allow`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    Socket(SocketAddr),
    Network { base: IpAddr, prefix: u8 },
}

impl Allowed {
    fn parse(s: &str) -> Option<Allowed> {
        let s = s.trim();
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return Some(Allowed::Socket(addr));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            let prefix = if ip.is_ipv4() { 32 } else { 128 };
            return Some(Allowed::Network { base: ip, prefix });
        }
        let (ip, prefix) = s.split_once('/')?;
        let base: IpAddr = ip.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        (prefix <= if base.is_ipv4() { 32 } else { 128 })
            .then_some(Allowed::Network { base, prefix })
    }

    fn matches(&self, addr: SocketAddr) -> bool {
        match *self {
            Allowed::Socket(a) => a == addr,
            Allowed::Network { base, prefix } => in_network(addr.ip(), base, prefix),
        }
    }
}

fn in_network(ip: IpAddr, base: IpAddr, prefix: u8) -> bool {
    match (ip, base) {
        (IpAddr::V4(ip), IpAddr::V4(base)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(base) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(base)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(base) & mask
        }
        _ => false,
    }
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    const NOT_PUBLIC: &[(u32, u8)] = &[
        (0x0000_0000, 8),  // 0.0.0.0/8, "this network"
        (0x0A00_0000, 8),  // 10.0.0.0/8, private
        (0x6440_0000, 10), // 100.64.0.0/10, carrier-grade NAT
        (0x7F00_0000, 8),  // 127.0.0.0/8, loopback
        (0xA9FE_0000, 16), // 169.254.0.0/16, link-local (cloud metadata)
        (0xAC10_0000, 12), // 172.16.0.0/12, private
        (0xC000_0000, 24), // 192.0.0.0/24, protocol assignments
        (0xC000_0200, 24), // 192.0.2.0/24, documentation
        (0xC058_6300, 24), // 192.88.99.0/24, 6to4 relay
        (0xC0A8_0000, 16), // 192.168.0.0/16, private
        (0xC612_0000, 15), // 198.18.0.0/15, benchmarking
        (0xC633_6400, 24), // 198.51.100.0/24, documentation
        (0xCB00_7100, 24), // 203.0.113.0/24, documentation
        (0xE000_0000, 4),  // 224.0.0.0/4, multicast
        (0xF000_0000, 4),  // 240.0.0.0/4, reserved and broadcast
    ];
    let ip = IpAddr::V4(ip);
    !NOT_PUBLIC
        .iter()
        .any(|&(base, prefix)| in_network(ip, IpAddr::V4(Ipv4Addr::from(base)), prefix))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let embedded_v4 = || Ipv4Addr::from((bits & 0xFFFF_FFFF) as u32);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4); // ::ffff:a.b.c.d
    }
    if bits >> 32 == 0 {
        // ::a.b.c.d (IPv4-compatible), and :: and ::1 with it.
        return bits > 1 && is_public_v4(embedded_v4());
    }
    if bits >> 32 == 0x0064_FF9B_0000_0000_0000_0000 {
        return is_public_v4(embedded_v4()); // 64:ff9b::/96, NAT64
    }
    let first = ip.segments()[0];
    if first == 0x2002 {
        // 6to4: the IPv4 address is in bits 16..48.
        return is_public_v4(Ipv4Addr::from(((bits >> 80) & 0xFFFF_FFFF) as u32));
    }
    let v6 = IpAddr::V6(ip);
    let not_public: &[(u128, u8)] = &[
        (0x2001_0000 << 96, 32), // Teredo (embeds an address of any kind)
        (0x2001_0DB8 << 96, 32), // documentation
        (0xFC00 << 112, 7),      // unique local
        (0xFE80 << 112, 10),     // link-local
        (0xFEC0 << 112, 10),     // site-local (deprecated)
        (0xFF00 << 112, 8),      // multicast
        (0x0100 << 112, 64),     // discard-only
    ];
    !not_public
        .iter()
        .any(|&(base, prefix)| in_network(v6, IpAddr::V6(Ipv6Addr::from(base)), prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:0001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
        ] {
            assert!(!public(ip), "{ip} must not count as public");
        }
        for ip in [
            "8.8.8.8",
            "151.101.1.69",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450:4009:81f::200e",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn allow_entries_are_addresses_ports_or_networks() {
        let a = Allowed::parse("127.0.0.1:8080").unwrap();
        assert!(a.matches("127.0.0.1:8080".parse().unwrap()));
        assert!(!a.matches("127.0.0.1:8081".parse().unwrap()));
        let n = Allowed::parse("10.0.0.0/8").unwrap();
        assert!(n.matches("10.9.8.7:80".parse().unwrap()));
        assert!(!n.matches("11.0.0.1:80".parse().unwrap()));
        let one = Allowed::parse("::1").unwrap();
        assert!(one.matches("[::1]:443".parse().unwrap()));
        assert!(Allowed::parse("localhost").is_none());
        assert!(Allowed::parse("10.0.0.0/33").is_none());
        assert!(Fetcher::new(&FetchSettings {
            allow: vec!["nonsense".into()],
            ..Default::default()
        })
        .is_err());
    }

    #[tokio::test]
    async fn loopback_names_and_addresses_are_refused_before_connecting() {
        let fetcher = Fetcher::new(&FetchSettings::default()).unwrap();
        for url in [
            "http://127.0.0.1:9/",
            "http://localhost:9/",
            "http://[::1]:9/",
            "http://[::ffff:7f00:1]:9/",
            "http://169.254.169.254/latest/meta-data/",
            "file:///etc/passwd",
            "gopher://example.com/",
        ] {
            match fetcher.get(url, 1024).await {
                Err(FetchError::Refused(_)) => {}
                other => panic!("{url} must be refused, got {other:?}"),
            }
        }
    }
}
