//! CORS, fail-closed (Fetch standard §3.2): a cross-origin caller is let in
//! only when its exact origin is in the application's `allowed_origins`. The
//! response then names that origin, never `*`, so credentials stay safe.

use crate::host::validate_hostname;

/// Methods a permitted origin may use.
pub const ALLOWED_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
/// Request headers a permitted origin may send.
pub const ALLOWED_HEADERS: &str = "authorization, content-type";
/// How long a browser may cache a preflight answer, in seconds.
pub const PREFLIGHT_MAX_AGE: &str = "600";

/// Validates a configured origin: `scheme://host[:port]`, no path, no
/// wildcard; https, or http only for localhost (RFC 8252 §8.3 reasoning).
pub fn validate_origin(input: &str) -> Result<String, &'static str> {
    let (scheme, rest) = input.split_once("://").ok_or("must be scheme://host[:port]")?;
    if scheme != "https" && scheme != "http" {
        return Err("scheme must be https");
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', '*']) {
        return Err("must be scheme://host[:port] with no path, wildcard or credentials");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) || p.parse::<u16>().map_or(true, |n| n == 0) {
            return Err("port must be a number from 1 to 65535");
        }
    }
    let local = host == "localhost" || host == "127.0.0.1" || host.ends_with(".localhost");
    if scheme == "http" && !local {
        return Err("scheme must be https (http only for localhost)");
    }
    if host != "localhost" && host != "127.0.0.1" && validate_hostname(host).is_err() {
        return Err("host must be a valid hostname");
    }
    Ok(format!("{scheme}://{}{}", host.to_ascii_lowercase(), port.map(|p| format!(":{p}")).unwrap_or_default()))
}

/// Whether `origin` (the request's `Origin` header) is allowed.
#[must_use]
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| a == origin)
}

/// Whether a public answer to a request from `origin` may be kept and given
/// again to the same request (the front Worker's entry, `src/worker/js/entry.mjs`):
/// from no origin, or an allowed one. A disallowed origin gets the answer
/// no origin gets; kept under its own name, it would let anyone fill the
/// entry's memory with origins of their choosing.
#[must_use]
pub fn answer_reusable_for(origin: Option<&str>, allowed: &[String]) -> bool {
    origin.is_none_or(|o| origin_allowed(o, allowed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_for_no_origin_or_an_allowed_one_only() {
        let allowed = vec!["https://app.example.com".to_owned()];
        assert!(answer_reusable_for(None, &allowed));
        assert!(answer_reusable_for(Some("https://app.example.com"), &allowed));
        assert!(!answer_reusable_for(Some("https://evil.example"), &allowed));
        assert!(!answer_reusable_for(Some("null"), &[]));
    }

    #[test]
    fn exact_origins_only() {
        let allowed = vec!["https://app.example.com".to_owned()];
        assert!(origin_allowed("https://app.example.com", &allowed));
        assert!(!origin_allowed("https://app.example.com.evil.test", &allowed));
        assert!(!origin_allowed("http://app.example.com", &allowed));
        assert!(!origin_allowed("null", &allowed));
        assert!(!origin_allowed("https://app.example.com", &[]));
    }

    #[test]
    fn configured_origins_are_validated() {
        assert_eq!(validate_origin("https://App.Example.com"), Ok("https://app.example.com".into()));
        assert_eq!(validate_origin("http://localhost:3000"), Ok("http://localhost:3000".into()));
        assert!(validate_origin("*").is_err());
        assert!(validate_origin("https://*.example.com").is_err());
        assert!(validate_origin("http://example.com").is_err());
        assert!(validate_origin("https://example.com/").is_err());
        assert!(validate_origin("https://example.com:99999").is_err());
        assert!(validate_origin("ftp://example.com").is_err());
        assert!(validate_origin("https://user@example.com").is_err());
    }
}
