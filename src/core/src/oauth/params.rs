//! Request parameters in `application/x-www-form-urlencoded` form (RFC 6749
//! Appendix B; WHATWG URL §5), as query strings and as POST bodies.
//!
//! Rules enforced:
//! - `+` is a space and `%XX` a byte; a `%` not followed by two hex digits,
//!   or bytes that are not UTF-8 once decoded, make the request invalid
//!   (stricter than WHATWG, which passes bad escapes through: a client that
//!   sends them has a bug we would rather surface than guess around).
//! - A parameter sent without a value is treated as omitted (RFC 6749 §3.1),
//!   so an empty copy beside a real one is not a repeat.
//! - A parameter may not appear more than once (RFC 6749 §3.1, §3.2); this is
//!   checked when the parameter is read, so unrelated repeated parameters
//!   (which we must ignore, §3.1) do not fail the request.

use super::error::OAuthError;

/// Decoded parameters in their original order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a query string (without the `?`) or a form body.
    pub fn parse(input: &[u8]) -> Result<Self, OAuthError> {
        parse_form(input).map(|pairs| Self { pairs })
    }

    #[must_use]
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    /// The value of `name`, or `None` when it is absent or empty.
    pub fn get(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut found = None;
        for (n, v) in &self.pairs {
            if n == name && !v.is_empty() {
                if found.is_some() {
                    return Err(OAuthError::InvalidRequest(format!(
                        "parameter '{name}' must not be included more than once"
                    )));
                }
                found = Some(v.as_str());
            }
        }
        Ok(found)
    }

    /// Like [`Params::get`], but absence is an `invalid_request` naming the
    /// parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)?
            .ok_or_else(|| OAuthError::InvalidRequest(format!("parameter '{name}' is required")))
    }

    /// Every non-empty value of `name`, in order (for parameters that may
    /// repeat, such as RFC 8707 `resource`).
    #[must_use]
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether `name` carries a value at least once.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, v)| n == name && !v.is_empty())
    }
}

/// Splits and decodes a form. Empty segments (`a=1&&b=2`) and segments with
/// an empty name carry nothing and are dropped.
pub fn parse_form(input: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let mut pairs = Vec::new();
    for segment in input.split(|&b| b == b'&') {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (segment.get(..i).unwrap_or_default(), segment.get(i + 1..).unwrap_or_default()),
            None => (segment, &[][..]),
        };
        let name = decode_component(name)?;
        if name.is_empty() {
            continue;
        }
        pairs.push((name, decode_component(value)?));
    }
    Ok(pairs)
}

/// Decodes one form-urlencoded name or value.
pub fn decode_component(input: &[u8]) -> Result<String, OAuthError> {
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(|&h| hex_value(h));
                let lo = bytes.next().and_then(|&l| hex_value(l));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(OAuthError::InvalidRequest("malformed percent-encoding".into())),
                }
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| OAuthError::InvalidRequest("parameters must be UTF-8".into()))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Encodes pairs as `application/x-www-form-urlencoded` (RFC 6749
/// Appendix B): RFC 3986 unreserved characters stay, space becomes `+`,
/// every other UTF-8 byte becomes `%XX`.
#[must_use]
pub fn form_urlencode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component_into(name, &mut out);
        out.push('=');
        encode_component_into(value, &mut out);
    }
    out
}

/// Encodes one name or value (also the per-part encoding of HTTP Basic
/// client credentials, RFC 6749 §2.3.1).
#[must_use]
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_component_into(s, &mut out);
    out
}

fn encode_component_into(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(hex_digit(b >> 4));
                out.push(hex_digit(b & 0x0f));
            }
        }
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 { b'0' + nibble } else { b'A' + nibble - 10 })
}

/// Adds `pairs` to the query of `uri`, keeping any query it already has
/// (RFC 6749 §3.1.2: the endpoint URI's query "MUST be retained") and any
/// fragment after it.
#[must_use]
pub fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (uri, None),
    };
    let separator = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let mut out = format!("{base}{separator}{}", form_urlencode(pairs));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse_form(s.as_bytes()).unwrap()
    }

    #[test]
    fn decodes_plus_and_percent_escapes() {
        assert_eq!(
            pairs("a=hello+world&b=%2B%26%3D&c=%E2%82%AC&d=x%20y"),
            vec![
                ("a".into(), "hello world".into()),
                ("b".into(), "+&=".into()),
                ("c".into(), "€".into()),
                ("d".into(), "x y".into()),
            ]
        );
        assert_eq!(pairs("a%5Bb%5D=1"), vec![("a[b]".into(), "1".into())]);
        assert_eq!(pairs("e=a=b"), vec![("e".into(), "a=b".into())]);
    }

    #[test]
    fn drops_empty_segments_and_names() {
        assert_eq!(pairs("&&a=1&&=x&"), vec![("a".into(), "1".into())]);
        assert_eq!(pairs("flag"), vec![("flag".into(), String::new())]);
        assert!(pairs("").is_empty());
    }

    #[test]
    fn rejects_bad_escapes_and_invalid_utf8() {
        for bad in ["a=%", "a=%4", "a=%G0", "a=%0G", "%zz=1", "a=%C3%28", "a=%FF"] {
            let e = parse_form(bad.as_bytes()).unwrap_err();
            assert_eq!(e.code(), "invalid_request", "{bad}");
        }
        assert_eq!(parse_form(b"a=\xff").unwrap_err().code(), "invalid_request");
    }

    #[test]
    fn empty_values_are_absent() {
        let p = Params::parse(b"state=&scope=openid").unwrap();
        assert_eq!(p.get("state").unwrap(), None);
        assert!(!p.has("state"));
        assert_eq!(p.get("scope").unwrap(), Some("openid"));
        assert_eq!(p.get("nonce").unwrap(), None);
    }

    #[test]
    fn repeated_parameters_are_rejected_when_read() {
        let p = Params::parse(b"scope=a&scope=b&state=&state=x&other=1&other=2").unwrap();
        assert_eq!(p.get("scope").unwrap_err().code(), "invalid_request");
        assert_eq!(p.require("scope").unwrap_err().code(), "invalid_request");
        assert_eq!(p.get("state").unwrap(), Some("x"));
        assert_eq!(p.require("code").unwrap_err().description(), "parameter 'code' is required");
    }

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(
            form_urlencode(&[("code", "a b+c/d"), ("state", "€~._-*"), ("x", "")]),
            "code=a+b%2Bc%2Fd&state=%E2%82%AC~._-%2A&x="
        );
        assert_eq!(encode_component("id:1"), "id%3A1");
    }

    #[test]
    fn encoding_round_trips() {
        let original = [("k y", "v&=+%?#\u{1F600}\n")];
        let decoded = pairs(&form_urlencode(&original));
        assert_eq!(decoded, vec![("k y".into(), "v&=+%?#\u{1F600}\n".into())]);
    }

    #[test]
    fn append_query_picks_the_separator() {
        let p = [("code", "c1"), ("state", "s 1")];
        assert_eq!(append_query("https://a.example/cb", &p), "https://a.example/cb?code=c1&state=s+1");
        assert_eq!(append_query("https://a.example/cb?x=1", &p), "https://a.example/cb?x=1&code=c1&state=s+1");
        assert_eq!(append_query("https://a.example/cb?", &p), "https://a.example/cb?code=c1&state=s+1");
        assert_eq!(append_query("https://a.example/cb?x=1&", &p), "https://a.example/cb?x=1&code=c1&state=s+1");
        assert_eq!(append_query("com.example.app:/cb#f", &p), "com.example.app:/cb?code=c1&state=s+1#f");
    }
}
