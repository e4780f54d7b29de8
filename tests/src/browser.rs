//! A minimal browser for driving hosted pages without one: it keeps cookies
//! per host, follows nothing on its own, and reads forms' hidden fields.

use crate::{Client, Resp};
use std::collections::HashMap;

#[derive(Default, Clone)]
pub struct Browser {
    /// host → cookie name → value
    jar: HashMap<String, HashMap<String, String>>,
}

impl Browser {
    pub fn new() -> Browser {
        Browser::default()
    }

    fn cookie_header(&self, host: &str) -> Option<String> {
        let cookies = self.jar.get(host)?;
        (!cookies.is_empty()).then(|| cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    fn remember(&mut self, host: &str, resp: &Resp) {
        for (name, value) in &resp.headers {
            if !name.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                let expired = value.to_ascii_lowercase().contains("max-age=0");
                let cookies = self.jar.entry(host.to_owned()).or_default();
                if expired || v.is_empty() {
                    cookies.remove(k.trim());
                } else {
                    cookies.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
    }

    pub fn cookie(&self, host: &str, name: &str) -> Option<String> {
        self.jar.get(host)?.get(name).cloned()
    }

    pub fn set_cookie(&mut self, host: &str, name: &str, value: &str) {
        self.jar.entry(host.to_owned()).or_default().insert(name.to_owned(), value.to_owned());
    }

    pub fn get(&mut self, c: &Client, host: &str, path_and_query: &str) -> Resp {
        let cookie = self.cookie_header(host);
        let headers: Vec<(&str, &str)> = cookie.as_deref().map(|v| vec![("cookie", v)]).unwrap_or_default();
        let r = c.send("GET", host, path_and_query, &headers, None);
        self.remember(host, &r);
        r
    }

    pub fn post_form(&mut self, c: &Client, host: &str, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = form_encode(fields);
        let cookie = self.cookie_header(host);
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(v) = cookie.as_deref() {
            headers.push(("cookie", v));
        }
        let r = c.send("POST", host, path, &headers, Some(&body));
        self.remember(host, &r);
        r
    }
}

impl Browser {
    /// GET an absolute URL (any host, cookies kept per host:port).
    pub fn get_url(&mut self, c: &Client, url: &str) -> Resp {
        let host = jar_key(url);
        let cookie = self.cookie_header(&host);
        let headers: Vec<(&str, &str)> = cookie.as_deref().map(|v| vec![("cookie", v)]).unwrap_or_default();
        let r = c.send_url("GET", url, &headers, None);
        self.remember(&host, &r);
        r
    }

    /// POST a form to an absolute URL.
    pub fn post_form_url(&mut self, c: &Client, url: &str, fields: &[(&str, &str)]) -> Resp {
        let host = jar_key(url);
        let body = form_encode(fields);
        let cookie = self.cookie_header(&host);
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(v) = cookie.as_deref() {
            headers.push(("cookie", v));
        }
        let r = c.send_url("POST", url, &headers, Some(body.as_bytes()));
        self.remember(&host, &r);
        r
    }
}

/// The jar's key for a URL: the slug for `<slug>.localhost:<port>` (as
/// [`Client::url`] spells an application's host), else `host:port`.
fn jar_key(url: &str) -> String {
    let a = authority(url);
    match a.split_once(".localhost:") {
        Some((slug, _)) if !slug.contains('.') => slug.to_owned(),
        _ => a,
    }
}

/// `host:port` of an absolute URL.
pub fn authority(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', '?', '#']).next().unwrap_or_default().to_owned()
}

pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", pct(k), pct(v))).collect::<Vec<_>>().join("&")
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of `<input … name="NAME" … value="…">` in an HTML page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    let at = html.find(&needle)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    let end = tag[v..].find('"')?;
    Some(tag[v..v + end].replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">"))
}

/// The query parameters of a URL (or path) as pairs, percent-decoded.
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let q = q.split('#').next().unwrap_or_default();
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    query_pairs(url).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
