//! Security headers every response carries, set by the front Worker.

/// Content-Security-Policy for everything we serve: our own scripts, styles
/// and images only, no plugins, no framing, forms post only to ourselves.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self' data: https:; font-src 'self'; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// HSTS for two years with subdomains: every application is a subdomain.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// The headers, in order. HSTS is left out on local hosts: a browser that
/// pinned `localhost` to HTTPS would break every other local server.
#[must_use]
pub fn security_headers(local: bool) -> Vec<(&'static str, &'static str)> {
    let mut h = vec![
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ];
    if !local {
        h.push(("strict-transport-security", STRICT_TRANSPORT_SECURITY));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_only_off_localhost() {
        let names = |local| security_headers(local).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert!(!names(true).contains(&"strict-transport-security"));
        assert!(names(false).contains(&"strict-transport-security"));
        assert!(names(true).contains(&"x-frame-options"));
    }

    #[test]
    fn csp_forbids_framing_and_foreign_script() {
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
        assert!(CONTENT_SECURITY_POLICY.contains("default-src 'none'"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    }
}
