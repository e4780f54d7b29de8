//! Which application a request is for, from its `Host` header.
//!
//! `<slug>.<platform domain>` names an application by slug; any other valid
//! hostname may be a verified custom domain (looked up by the caller). The
//! port is ignored (`myapp.localhost:8787`), case is folded (RFC 9110 §4.2.3:
//! host is case-insensitive) and a trailing root dot is dropped.

use crate::slug::Slug;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostTarget {
    /// A direct subdomain of the platform domain.
    Subdomain(Slug),
    /// Some other hostname: a custom domain candidate.
    Custom(String),
    /// Malformed, an IP literal, the bare platform domain, or nested deeper
    /// under it: nothing we serve.
    None,
}

/// Classifies a `Host` header value against the platform domain.
#[must_use]
pub fn resolve_host(host_header: &str, platform_domain: &str) -> HostTarget {
    let Some(hostname) = hostname_of(host_header) else {
        return HostTarget::None;
    };
    let platform = platform_domain.trim_end_matches('.').to_ascii_lowercase();
    if let Some(label) = hostname.strip_suffix(&platform).and_then(|s| s.strip_suffix('.')) {
        return match Slug::parse_label(label) {
            Ok(slug) => HostTarget::Subdomain(slug),
            Err(_) => HostTarget::None,
        };
    }
    if hostname == platform {
        return HostTarget::None;
    }
    match validate_hostname(&hostname) {
        Ok(h) => HostTarget::Custom(h),
        Err(_) => HostTarget::None,
    }
}

/// The hostname part of a `Host` header: port removed, lower-cased, without
/// a trailing dot. IPv6 literals (`[::1]`) have no hostname.
fn hostname_of(host_header: &str) -> Option<String> {
    let h = host_header.trim();
    if h.starts_with('[') {
        return None;
    }
    let name = match h.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        Some(_) => return None,
        None => h,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    Some(name.to_ascii_lowercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostnameError {
    Length,
    Label,
    SingleLabel,
    IpAddress,
}

impl HostnameError {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            HostnameError::Length => "must be at most 253 characters",
            HostnameError::Label => {
                "each label must be 1-63 characters of a-z, 0-9 and '-', not starting or ending with '-'"
            }
            HostnameError::SingleLabel => "must be a fully qualified name such as auth.example.com",
            HostnameError::IpAddress => "must be a hostname, not an IP address",
        }
    }
}

/// Validates a custom-domain hostname (RFC 1123 §2.1 labels), returning it
/// in canonical lower case.
pub fn validate_hostname(input: &str) -> Result<String, HostnameError> {
    let h = input.strip_suffix('.').unwrap_or(input).to_ascii_lowercase();
    if h.is_empty() || h.len() > 253 {
        return Err(HostnameError::Length);
    }
    let labels: Vec<&str> = h.split('.').collect();
    for label in &labels {
        let ok = (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(HostnameError::Label);
        }
    }
    if labels.len() < 2 {
        return Err(HostnameError::SingleLabel);
    }
    // A name whose last label is numeric is an IPv4 literal, never a domain.
    if labels.last().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit())) {
        return Err(HostnameError::IpAddress);
    }
    Ok(h)
}

/// True for hosts that are only ever local: `localhost` and its subdomains.
/// Such hosts get no HSTS and cookies without `Secure`.
#[must_use]
pub fn is_local_domain(platform_domain: &str) -> bool {
    let d = platform_domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

/// The issuer identifier for a request that arrived with `host_header`
/// (already resolved to an application): `https://<host>` in production,
/// `http://<host>:<port>` on localhost. OIDC Discovery §3 wants the issuer
/// to be exactly the URL the client used, so each host an application is
/// served on is its own issuer.
#[must_use]
pub fn issuer_for(host_header: &str, platform_domain: &str) -> Option<String> {
    let hostname = hostname_of(host_header)?;
    let port = host_header.trim().rsplit_once(':').map(|(_, p)| p).filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let local = is_local_domain(platform_domain);
    let scheme = if local { "http" } else { "https" };
    Some(match port {
        Some(p) if local || p != "443" => format!("{scheme}://{hostname}:{p}"),
        _ => format!("{scheme}://{hostname}"),
    })
}

/// The DNS record a custom domain needs: a CNAME to the application's own
/// host on the platform, where the platform's edge (Cloudflare for SaaS in
/// production) takes it.
#[must_use]
pub fn custom_domain_records(hostname: &str, slug: &str, platform_domain: &str) -> serde_json::Value {
    serde_json::json!([{ "type": "CNAME", "name": hostname, "value": format!("{slug}.{platform_domain}") }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_domain_points_at_the_applications_host() {
        assert_eq!(
            custom_domain_records("auth.example.com", "myapp", "aero2.dev"),
            serde_json::json!([{"type": "CNAME", "name": "auth.example.com", "value": "myapp.aero2.dev"}])
        );
    }

    #[test]
    fn issuers_are_the_host_the_client_used() {
        assert_eq!(issuer_for("MyApp.localhost:8787", "localhost").as_deref(), Some("http://myapp.localhost:8787"));
        assert_eq!(issuer_for("myapp.aero2.dev", "aero2.dev").as_deref(), Some("https://myapp.aero2.dev"));
        assert_eq!(issuer_for("myapp.aero2.dev:443", "aero2.dev").as_deref(), Some("https://myapp.aero2.dev"));
        assert_eq!(issuer_for("auth.example.com:8443", "aero2.dev").as_deref(), Some("https://auth.example.com:8443"));
        assert_eq!(issuer_for("[::1]:80", "localhost"), None);
    }

    fn sub(s: &str) -> HostTarget {
        HostTarget::Subdomain(Slug::parse_label(s).unwrap())
    }

    #[test]
    fn subdomains_of_the_platform_name_an_application() {
        assert_eq!(resolve_host("myapp.localhost:8787", "localhost"), sub("myapp"));
        assert_eq!(resolve_host("MyApp.Localhost", "localhost"), sub("myapp"));
        assert_eq!(resolve_host("myapp.aero2.dev.", "aero2.dev"), sub("myapp"));
        assert_eq!(resolve_host("dashboard.aero2.dev", "aero2.dev"), sub("dashboard"));
    }

    #[test]
    fn other_names_are_custom_domain_candidates() {
        assert_eq!(
            resolve_host("Auth.Example.com:443", "aero2.dev"),
            HostTarget::Custom("auth.example.com".into())
        );
    }

    #[test]
    fn nothing_else_resolves() {
        for bad in [
            "localhost:8787",
            "a.b.localhost",
            "127.0.0.1:8787",
            "[::1]:8787",
            "my_app.localhost",
            "",
            ":8787",
            "myapp.localhost:",
            "myapp.localhost:80a",
            "ab.localhost",
        ] {
            assert_eq!(resolve_host(bad, "localhost"), HostTarget::None, "{bad}");
        }
    }

    #[test]
    fn hostnames_are_validated_label_by_label() {
        assert_eq!(validate_hostname("Auth.Example.COM."), Ok("auth.example.com".into()));
        assert_eq!(validate_hostname("example"), Err(HostnameError::SingleLabel));
        assert_eq!(validate_hostname("-a.example.com"), Err(HostnameError::Label));
        assert_eq!(validate_hostname("a..example.com"), Err(HostnameError::Label));
        assert_eq!(validate_hostname("a b.example.com"), Err(HostnameError::Label));
        assert_eq!(validate_hostname("10.0.0.1"), Err(HostnameError::IpAddress));
        assert_eq!(validate_hostname(&format!("{}.com", "a.".repeat(130))), Err(HostnameError::Length));
    }

    #[test]
    fn localhost_is_local() {
        assert!(is_local_domain("localhost"));
        assert!(is_local_domain("aero2.localhost"));
        assert!(!is_local_domain("aero2.dev"));
    }
}
