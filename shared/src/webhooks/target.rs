//! Where a webhook may be sent: public unicast addresses only (no SSRF into the VPC, the
//! instance metadata service or the practice's own LAN).
//!
//! - [`is_public`]: the pure rule, IPv4 and IPv6 (an IPv4-mapped, -compatible, NAT64 or
//!   6to4 address is judged by the IPv4 address inside it).
//! - [`TargetPolicy`]: the rule plus the one escape hatch, loopback for local runs and
//!   tests (the local receiver is on 127.0.0.1). It is an explicit setting,
//!   `WEBHOOKS_ALLOW_LOOPBACK=true`, `false` in the template; private, link-local,
//!   metadata and the rest stay refused even then.
//! - [`CheckedResolver`]: the HTTP client's resolver. It resolves the name, refuses it
//!   unless every address passes, and hands the client exactly the checked addresses, so
//!   the connection goes to an address that was checked (no DNS-rebinding window between
//!   a check and a second lookup).
//! - [`check_registration`]: at `POST /v1/webhooks`, a name that resolves now to an
//!   address that would be refused is refused at once (a name that does not resolve yet
//!   is accepted; delivery checks again every time).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The setting that admits loopback targets (`true`; anything else is off).
pub const ALLOW_LOOPBACK_ENV: &str = "WEBHOOKS_ALLOW_LOOPBACK";

/// Whether `ip` is a public unicast address a webhook may go to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network", 0.0.0.0
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 169 && b == 254) // link-local, the metadata service 169.254.169.254
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 168) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224) // multicast 224/4, reserved 240/4, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if s[..5] == [0, 0, 0, 0, 0] && (s[5] == 0xffff || s[5] == 0) {
        // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (and ::, ::1).
        return s[5] == 0xffff && is_public_v4(embedded_v4(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 64:ff9b::/96: the IPv4 address it reaches.
        return is_public_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        // 6to4 2002:a.b.c.d::/48.
        return is_public_v4(embedded_v4(s[1], s[2]));
    }
    !((s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] & 0xfe00) == 0xfc00 // unique local (the EC2 metadata fd00:ec2::254)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // NAT64 local use
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])) // discard-only 100::/64
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The refusal of a target (never carries the URL's path or query).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the webhook host resolves to {0}, which is not a public address; use a public https endpoint")]
    NotPublic(IpAddr),
    #[error("the webhook host resolves to no address")]
    NoAddress,
}

/// Which targets deliveries and registrations accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    allow_loopback: bool,
}

impl TargetPolicy {
    /// Public addresses only: what deployed functions use.
    pub fn public_only() -> Self {
        Self::default()
    }

    /// Public addresses and loopback (local runs and tests).
    pub fn with_loopback() -> Self {
        Self {
            allow_loopback: true,
        }
    }

    /// From [`ALLOW_LOOPBACK_ENV`]: loopback only when it is exactly `true`.
    pub fn from_env() -> Self {
        Self::from_setting(std::env::var(ALLOW_LOOPBACK_ENV).ok().as_deref())
    }

    pub fn from_setting(value: Option<&str>) -> Self {
        Self {
            allow_loopback: value.map(str::trim) == Some("true"),
        }
    }

    pub fn allows_loopback(self) -> bool {
        self.allow_loopback
    }

    pub fn allows(self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback && is_loopback(ip))
    }

    /// Every address must pass (a name with one private address among public ones is
    /// refused: the client could pick any of them).
    pub fn check_all(self, addrs: &[SocketAddr]) -> Result<(), Refused> {
        if addrs.is_empty() {
            return Err(Refused::NoAddress);
        }
        match addrs.iter().find(|a| !self.allows(a.ip())) {
            Some(bad) => Err(Refused::NotPublic(bad.ip())),
            None => Ok(()),
        }
    }

    /// Resolves `host` and checks every address; the checked addresses (port 0).
    pub async fn resolve(self, host: &str) -> Result<Vec<SocketAddr>, ResolveError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            let addrs = [SocketAddr::new(ip, 0)];
            self.check_all(&addrs).map_err(ResolveError::Refused)?;
            return Ok(addrs.to_vec());
        }
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| ResolveError::Lookup(e.kind().to_string()))?
            .collect();
        self.check_all(&addrs).map_err(ResolveError::Refused)?;
        Ok(addrs)
    }
}

/// Why a name gave no usable address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Refused(Refused),
    #[error("the webhook host could not be resolved ({0})")]
    Lookup(String),
}

/// At registration: refused when the URL's host resolves now to an address the policy
/// refuses; accepted when it does not resolve (delivery checks again).
pub async fn check_registration(url: &str, policy: TargetPolicy) -> Result<(), Refused> {
    let Some(host) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
    else {
        return Ok(());
    };
    match policy.resolve(&host).await {
        Err(ResolveError::Refused(r)) => Err(r),
        Ok(_) | Err(ResolveError::Lookup(_)) => Ok(()),
    }
}

/// The webhook HTTP client's resolver (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    policy: TargetPolicy,
}

impl CheckedResolver {
    pub fn new(policy: TargetPolicy) -> Arc<Self> {
        Arc::new(Self { policy })
    }
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = policy
                .resolve(&host)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether a client error came from a refused target (anywhere in its source chain).
pub fn is_refusal(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if matches!(
            e.downcast_ref::<ResolveError>(),
            Some(ResolveError::Refused(_))
        ) || e.downcast_ref::<Refused>().is_some()
        {
            return true;
        }
        cur = e.source();
    }
    false
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
