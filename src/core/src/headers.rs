//! Security headers every response carries, set by the front Worker.

use std::borrow::Cow;

/// Content-Security-Policy for everything we serve: our own scripts, styles
/// and images only, no plugins, no framing, forms post only to ourselves.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self' data: https:; font-src 'self'; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// HSTS for two years with subdomains: every application is a subdomain.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// The policy, with `form-action` also admitting `redirect_source`: a form
/// post answered with a redirect to a client (sign-in completing, consent,
/// logout) is checked against `form-action` by browsers (CSP3 §6.3.1), so
/// that one response names the one client origin it sends the user to.
/// `inline_styles` admits `<style>` elements (never inline script): only
/// for a page whose bundled viewer injects its own stylesheet
/// (`crate::dashboard::web_app_inline_styles`).
#[must_use]
pub fn content_security_policy(redirect_source: Option<&str>, inline_styles: bool) -> String {
    let mut csp = match redirect_source {
        Some(src) => CONTENT_SECURITY_POLICY.replace("form-action 'self'", &format!("form-action 'self' {src}")),
        None => CONTENT_SECURITY_POLICY.to_owned(),
    };
    if inline_styles {
        csp = csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
    }
    csp
}

/// The CSP source expression (CSP3 §2.3.1) for where `uri` points: its
/// origin for http(s), its scheme for a native app's private-use scheme.
/// `None` for anything that is not a plain host (never widen the policy
/// with something we cannot express exactly).
#[must_use]
pub fn csp_source_of(uri: &str) -> Option<String> {
    let parts = crate::oauth::redirect_uri::split_uri(uri).ok()?;
    let scheme = parts.scheme.to_ascii_lowercase();
    if !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.') {
        return None;
    }
    match parts.authority {
        Some(a) if scheme == "http" || scheme == "https" => {
            let host_ok = !a.host.is_empty() && a.host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            host_ok.then(|| match a.port {
                Some(p) => format!("{scheme}://{}:{p}", a.host),
                None => format!("{scheme}://{}", a.host),
            })
        }
        Some(_) => None,
        None if scheme != "http" && scheme != "https" => Some(format!("{scheme}:")),
        None => None,
    }
}

/// Whether [`security_headers`] gives the common list: the same for every
/// answer with the same `local` (no client origin in `form-action`, no
/// inline styles), so it may be built once and kept.
#[must_use]
pub fn are_common(redirect_source: Option<&str>, inline_styles: bool) -> bool {
    redirect_source.is_none() && !inline_styles
}

/// The headers, in order. HSTS is left out on local hosts: a browser that
/// pinned `localhost` to HTTPS would break every other local server.
#[must_use]
pub fn security_headers(local: bool, redirect_source: Option<&str>, inline_styles: bool) -> Vec<(&'static str, Cow<'static, str>)> {
    let csp = if are_common(redirect_source, inline_styles) {
        // Every answer but a few pages': no allocation on the hot path.
        Cow::Borrowed(CONTENT_SECURITY_POLICY)
    } else {
        Cow::Owned(content_security_policy(redirect_source, inline_styles))
    };
    let mut h = vec![
        ("content-security-policy", csp),
        ("x-content-type-options", Cow::Borrowed("nosniff")),
        ("x-frame-options", Cow::Borrowed("DENY")),
        ("referrer-policy", Cow::Borrowed("no-referrer")),
        ("cross-origin-opener-policy", Cow::Borrowed("same-origin")),
        ("permissions-policy", Cow::Borrowed("camera=(), microphone=(), geolocation=(), payment=()")),
    ];
    if !local {
        h.push(("strict-transport-security", Cow::Borrowed(STRICT_TRANSPORT_SECURITY)));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_action_widens_to_exactly_one_client_origin() {
        assert_eq!(csp_source_of("https://app.example.com/cb?x=1").as_deref(), Some("https://app.example.com"));
        assert_eq!(csp_source_of("http://127.0.0.1:9/cb").as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(csp_source_of("com.example.app:/oauth").as_deref(), Some("com.example.app:"));
        assert_eq!(csp_source_of("http://[::1]:8080/cb"), None);
        assert_eq!(csp_source_of("not a uri"), None);
        let csp = content_security_policy(Some("https://app.example.com"), false);
        assert!(csp.contains("form-action 'self' https://app.example.com;"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(content_security_policy(None, false), CONTENT_SECURITY_POLICY);
        let styles = content_security_policy(None, true);
        assert!(styles.contains("style-src 'self' 'unsafe-inline';") && styles.contains("script-src 'self';"), "styles only, never script");
    }

    #[test]
    fn hsts_only_off_localhost() {
        let names = |local| security_headers(local, None, false).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
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
