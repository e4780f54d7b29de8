//! Redirect URIs: what a client may register, and how a presented one is
//! matched against the registration.
//!
//! Registration (RFC 6749 §3.1.2, RFC 8252, RFC 9700 §2.1, §4.1):
//! - an absolute URI of at most 2000 characters, printable RFC 3986
//!   characters only and well-formed `%XX` escapes (a `\`, space or raw
//!   non-ASCII is read differently by different parsers, so it is refused);
//! - no fragment (RFC 6749 §3.1.2), no userinfo (it has been used to make a
//!   URI look as if it named another host, RFC 9700 §4.1.1), no `.` or `..`
//!   path segments;
//! - `https`; or `http` only on a loopback host: `localhost`, `*.localhost`,
//!   `127.0.0.1`, `[::1]` (RFC 8252 §7.3, §8.3); or a private-use scheme in
//!   reverse-domain form, recognised by its `.` (`com.example.app:/cb`,
//!   RFC 8252 §7.1);
//! - scheme and host in lower case, so that the string a developer
//!   registers is the one exact matching will compare.
//!
//! Matching is exact string comparison (RFC 9700 §2.1), with one exception:
//! for `http://127.0.0.1` and `http://[::1]` the port may differ, because a
//! native app binds whatever port is free (RFC 8252 §7.3).

pub const MAX_REDIRECT_URI_LEN: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectUriError {
    Length,
    Characters,
    NotAbsolute,
    Fragment,
    Userinfo,
    Host,
    Port,
    DotSegment,
    InsecureHttp,
    Scheme,
}

impl RedirectUriError {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            RedirectUriError::Length => "must be 1 to 2000 characters",
            RedirectUriError::Characters => {
                "may contain only URI characters (RFC 3986), with non-ASCII and spaces percent-encoded"
            }
            RedirectUriError::NotAbsolute => "must be an absolute URI",
            RedirectUriError::Fragment => "must not contain a fragment",
            RedirectUriError::Userinfo => "must not contain userinfo",
            RedirectUriError::Host => "must have a lower-case hostname or IP literal",
            RedirectUriError::Port => "port must be a number from 1 to 65535",
            RedirectUriError::DotSegment => "must not contain '.' or '..' path segments",
            RedirectUriError::InsecureHttp => "may use http only on localhost, 127.0.0.1 or [::1]",
            RedirectUriError::Scheme => {
                "scheme must be https, http on a loopback host, or a lower-case reverse-domain private-use scheme"
            }
        }
    }
}

/// The parts of an absolute URI (RFC 3986 §3), borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UriParts<'a> {
    pub scheme: &'a str,
    pub authority: Option<Authority<'a>>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority<'a> {
    pub userinfo: Option<&'a str>,
    /// A reg-name, IPv4 address, or bracketed IPv6 literal (brackets kept).
    pub host: &'a str,
    pub port: Option<u16>,
}

fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

fn escapes_well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().filter(|(_, &c)| c == b'%').all(|(i, _)| {
        matches!((b.get(i + 1), b.get(i + 2)), (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit())
    })
}

/// Splits an absolute URI. Anything a lenient parser might read two ways
/// (stray brackets, a second `#`, an empty or non-numeric port, a host with
/// several colons) is an error rather than a guess.
pub fn split_uri(s: &str) -> Result<UriParts<'_>, RedirectUriError> {
    if !s.bytes().all(is_uri_char) || !escapes_well_formed(s) {
        return Err(RedirectUriError::Characters);
    }
    let (scheme, rest) = s.split_once(':').ok_or(RedirectUriError::NotAbsolute)?;
    let mut scheme_bytes = scheme.bytes();
    let scheme_ok = scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(RedirectUriError::NotAbsolute);
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((_, f)) if f.contains('#') => return Err(RedirectUriError::Characters),
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(hier) => {
            let end = hier.find('/').unwrap_or(hier.len());
            let (auth, path) = hier.split_at(end);
            (Some(split_authority(auth)?), path)
        }
        None => (None, rest),
    };
    if path.contains(['[', ']']) || query.is_some_and(|q| q.contains(['[', ']'])) {
        return Err(RedirectUriError::Characters);
    }
    Ok(UriParts { scheme, authority, path, query, fragment })
}

fn split_authority(auth: &str) -> Result<Authority<'_>, RedirectUriError> {
    let (userinfo, host_port) = match auth.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, auth),
    };
    let (host, port) = if host_port.starts_with('[') {
        let close = host_port.find(']').ok_or(RedirectUriError::Host)?;
        let (host, after) = host_port.split_at(close + 1);
        let inner = host.get(1..host.len() - 1).unwrap_or_default();
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return Err(RedirectUriError::Host);
        }
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':').ok_or(RedirectUriError::Port)?)),
        }
    } else {
        if host_port.contains(['[', ']']) {
            return Err(RedirectUriError::Host);
        }
        match host_port.split_once(':') {
            Some((_, p)) if p.contains(':') => return Err(RedirectUriError::Host),
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RedirectUriError::Port);
            }
            match p.parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err(RedirectUriError::Port),
            }
        }
    };
    Ok(Authority { userinfo, host, port })
}

fn is_loopback_ip(host: &str) -> bool {
    host == "127.0.0.1" || host == "[::1]"
}

pub(crate) fn is_loopback_host(host: &str) -> bool {
    is_loopback_ip(host) || host == "localhost" || host.ends_with(".localhost")
}

fn host_well_formed(host: &str) -> bool {
    if host.starts_with('[') {
        return true;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Validates a redirect URI at client registration.
pub fn validate_redirect_uri(s: &str) -> Result<(), RedirectUriError> {
    if s.is_empty() || s.len() > MAX_REDIRECT_URI_LEN {
        return Err(RedirectUriError::Length);
    }
    let uri = split_uri(s)?;
    if uri.fragment.is_some() {
        return Err(RedirectUriError::Fragment);
    }
    if uri.authority.is_some_and(|a| a.userinfo.is_some()) {
        return Err(RedirectUriError::Userinfo);
    }
    if uri.path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(RedirectUriError::DotSegment);
    }
    if uri.scheme.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(RedirectUriError::Scheme);
    }
    match uri.scheme {
        "https" | "http" => {
            let host = uri.authority.map(|a| a.host).unwrap_or_default();
            if !host_well_formed(host) {
                return Err(RedirectUriError::Host);
            }
            if uri.scheme == "http" && !is_loopback_host(host) {
                return Err(RedirectUriError::InsecureHttp);
            }
            Ok(())
        }
        scheme if scheme.contains('.') => Ok(()),
        _ => Err(RedirectUriError::Scheme),
    }
}

/// Validates a `post_logout_redirect_uri` at registration: the same rules,
/// since the OP redirects the browser there just as it does after
/// authorization (OIDC RP-Initiated Logout 1.0 §3, §3.1).
pub fn validate_post_logout_redirect_uri(s: &str) -> Result<(), RedirectUriError> {
    validate_redirect_uri(s)
}

/// Whether `presented` is the registered URI `registered`.
#[must_use]
pub fn redirect_uri_matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    let (Ok(r), Ok(p)) = (split_uri(registered), split_uri(presented)) else {
        return false;
    };
    let (Some(ra), Some(pa)) = (r.authority, p.authority) else {
        return false;
    };
    // RFC 8252 §7.3: any port for loopback IP literals; everything else
    // still exact. `localhost` is excluded: it can be resolved elsewhere.
    r.scheme == "http"
        && p.scheme == "http"
        && is_loopback_ip(ra.host)
        && ra.host == pa.host
        && ra.userinfo.is_none()
        && pa.userinfo.is_none()
        && r.path == p.path
        && r.query == p.query
        && r.fragment.is_none()
        && p.fragment.is_none()
}

/// The registered URI that `presented` matches, if any.
#[must_use]
pub fn find_registered<'a>(registered: &'a [String], presented: &str) -> Option<&'a str> {
    registered.iter().map(String::as_str).find(|r| redirect_uri_matches(r, presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_parts() {
        let u = split_uri("https://a.example:8443/cb/x?q=1&r=2#frag").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.authority, Some(Authority { userinfo: None, host: "a.example", port: Some(8443) }));
        assert_eq!((u.path, u.query, u.fragment), ("/cb/x", Some("q=1&r=2"), Some("frag")));
        let v6 = split_uri("http://[::1]:3000").unwrap();
        assert_eq!(v6.authority.unwrap().host, "[::1]");
        assert_eq!(v6.authority.unwrap().port, Some(3000));
        assert_eq!(v6.path, "");
        let native = split_uri("com.example.app:/oauth2redirect").unwrap();
        assert_eq!((native.scheme, native.authority, native.path), ("com.example.app", None, "/oauth2redirect"));
        let ui = split_uri("https://u:p@a.example/").unwrap();
        assert_eq!(ui.authority.unwrap().userinfo, Some("u:p"));
    }

    #[test]
    fn accepts_the_allowed_shapes() {
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com:8443/cb?tenant=a%20b",
            "https://10.0.0.1/cb",
            "http://localhost:3000/cb",
            "http://dev.localhost/cb",
            "http://127.0.0.1:51004/oauth",
            "http://[::1]/cb",
            "com.example.app:/oauth2redirect/example-provider",
            "com.example.app://callback",
        ] {
            assert_eq!(validate_redirect_uri(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_each_rule_with_its_reason() {
        use RedirectUriError as E;
        let cases: &[(&str, E)] = &[
            ("", E::Length),
            (&format!("https://a.example/{}", "a".repeat(1990)), E::Length),
            ("https://a.example/c b", E::Characters),
            ("https://a.example/c\\b", E::Characters),
            ("https://a.example/caf\u{e9}", E::Characters),
            ("https://a.example/%zz", E::Characters),
            ("https://a.example/%4", E::Characters),
            ("https://a.example/cb#a#b", E::Characters),
            ("https://a.example/[x]", E::Characters),
            ("/callback", E::NotAbsolute),
            ("1https://a.example/", E::NotAbsolute),
            ("https://a.example/cb#", E::Fragment),
            ("https://a.example/cb#x", E::Fragment),
            ("https://user@a.example/cb", E::Userinfo),
            ("https://good.example@evil.example/cb", E::Userinfo),
            ("https:///cb", E::Host),
            ("https:/cb", E::Host),
            ("https://A.example/cb", E::Host),
            ("https://*.example.com/cb", E::Host),
            ("https://a..example/cb", E::Host),
            ("https://a_b.example/cb", E::Host),
            ("https://[::1/cb", E::Host),
            ("https://[zz]/cb", E::Host),
            ("https://a:b:c/cb", E::Host),
            ("https://a.example:/cb", E::Port),
            ("https://a.example:0/cb", E::Port),
            ("https://a.example:65536/cb", E::Port),
            ("https://a.example:8a/cb", E::Port),
            ("https://[::1]x/cb", E::Port),
            ("https://a.example/x/../cb", E::DotSegment),
            ("https://a.example/./cb", E::DotSegment),
            ("http://app.example.com/cb", E::InsecureHttp),
            ("http://localhost.evil.example/cb", E::InsecureHttp),
            ("http://127.0.0.2/cb", E::InsecureHttp),
            ("HTTPS://a.example/cb", E::Scheme),
            ("javascript:alert(1)", E::Scheme),
            ("data:text/html,x", E::Scheme),
            ("myapp:/cb", E::Scheme),
            ("Com.Example.App:/cb", E::Scheme),
        ];
        for (uri, err) in cases {
            assert_eq!(validate_redirect_uri(uri), Err(*err), "{uri}");
            assert_eq!(validate_post_logout_redirect_uri(uri), Err(*err), "{uri}");
        }
    }

    #[test]
    fn matching_is_exact() {
        let r = "https://app.example.com/cb?x=1";
        assert!(redirect_uri_matches(r, r));
        for p in [
            "https://app.example.com/cb?x=1&y=2",
            "https://app.example.com/cb?x=1#f",
            "https://app.example.com/cb/",
            "https://APP.example.com/cb?x=1",
            "https://app.example.com:443/cb?x=1",
            "https://app.example.com/CB?x=1",
            "https://app.example.com/cb?x=%31",
        ] {
            assert!(!redirect_uri_matches(r, p), "{p}");
        }
        assert!(!redirect_uri_matches("http://localhost:3000/cb", "http://localhost:3001/cb"));
    }

    #[test]
    fn loopback_ip_literals_may_change_port() {
        assert!(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb"));
        assert!(redirect_uri_matches("http://127.0.0.1:80/cb", "http://127.0.0.1:9/cb"));
        assert!(redirect_uri_matches("http://[::1]:1/cb?a=b", "http://[::1]:2/cb?a=b"));
        assert!(!redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:5/cb2"));
        assert!(!redirect_uri_matches("http://127.0.0.1/cb", "http://[::1]:5/cb"));
        assert!(!redirect_uri_matches("http://127.0.0.1/cb", "https://127.0.0.1:5/cb"));
        assert!(!redirect_uri_matches("http://127.0.0.1/cb", "http://u@127.0.0.1:5/cb"));
        assert!(!redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:5/cb#x"));
        assert!(!redirect_uri_matches("https://127.0.0.1/cb", "https://127.0.0.1:5/cb"));
    }

    #[test]
    fn find_registered_returns_the_match() {
        let regs = vec!["https://a.example/cb".to_owned(), "http://127.0.0.1/cb".to_owned()];
        assert_eq!(find_registered(&regs, "http://127.0.0.1:7/cb"), Some("http://127.0.0.1/cb"));
        assert_eq!(find_registered(&regs, "https://a.example/cb"), Some("https://a.example/cb"));
        assert_eq!(find_registered(&regs, "https://b.example/cb"), None);
    }
}
