//! HTML for the hosted pages: escaping, a single-pass template filler, and
//! the few fragments the pages build from escaped parts. Every value is
//! escaped for text and quoted-attribute context; a value that itself
//! contains `{{slot}}` is never expanded again.

/// Escapes `& < > " '` (OWASP XSS prevention rules #1 and #2: HTML text and
/// quoted attribute values).
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fills `{{name}}` slots with escaped `values`; unknown slots become empty.
/// `raw` values (fragments built below from escaped parts) go in as they are.
/// One pass over the template: filled text is never scanned again.
#[must_use]
pub fn fill(template: &str, values: &[(&str, &str)], raw: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find("}}") else {
            out.push_str(rest.get(start..).unwrap_or_default());
            return out;
        };
        let name = after.get(..end).unwrap_or_default().trim();
        if let Some((_, v)) = values.iter().find(|(k, _)| *k == name) {
            out.push_str(&escape(v));
        } else if let Some((_, v)) = raw.iter().find(|(k, _)| *k == name) {
            out.push_str(v);
        }
        rest = after.get(end + 2..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The error box of a form page, or nothing.
#[must_use]
pub fn alert(message: Option<&str>) -> String {
    message.map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m))).unwrap_or_default()
}

/// `<li>` items, each escaped.
#[must_use]
pub fn list_items<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().map(|i| format!("<li>{}</li>", escape(i))).collect()
}

/// A paragraph holding one link, if `href` is an absolute URI a browser
/// will navigate to rather than run: callers pass registered URIs, and this
/// refuses `javascript:` and kin anyway. Browsers strip tabs and newlines
/// inside URLs (`java\tscript:`), so any control character or space fails.
#[must_use]
pub fn link(href: &str, text: &str) -> Option<String> {
    const SCRIPTABLE: &[&str] = &["javascript", "vbscript", "data", "blob", "file", "about"];
    let (scheme, _) = href.split_once(':')?;
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    let clean = href.bytes().all(|b| b.is_ascii_graphic() || !b.is_ascii());
    let safe = scheme_ok && clean && !SCRIPTABLE.iter().any(|s| scheme.eq_ignore_ascii_case(s));
    safe.then(|| format!("<p class=\"alt\"><a href=\"{}\">{}</a></p>", escape(href), escape(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN: &str = include_str!("../../../ui/login.html");
    const SIGNUP: &str = include_str!("../../../ui/signup.html");
    const CONSENT: &str = include_str!("../../../ui/consent.html");
    const ERROR: &str = include_str!("../../../ui/error.html");
    const SIGNED_OUT: &str = include_str!("../../../ui/signed-out.html");
    const TEMPLATES: [&str; 5] = [LOGIN, SIGNUP, CONSENT, ERROR, SIGNED_OUT];

    const HOSTILE: &str = "\"><script>alert(1)</script><img src=x onerror='alert(2)'>";

    /// The markup an attacker would need, none of which may survive escaping.
    fn injected(html: &str) -> bool {
        ["<script>alert", "<img src=x", "onerror='alert", "=\"\">"].iter().any(|m| html.contains(m))
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<script>alert("x")</script>&'"#), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
        assert_eq!(escape("plain é ✓"), "plain é ✓");
    }

    #[test]
    fn fills_once_and_escapes_every_value() {
        let t = "<h1>{{app}}</h1><input value=\"{{email}}\">{{missing}}{{list}}";
        let out = fill(t, &[("app", "<b>Evil</b>"), ("email", "\" onfocus=\"x")], &[("list", "<li>ok</li>")]);
        assert_eq!(out, "<h1>&lt;b&gt;Evil&lt;/b&gt;</h1><input value=\"&quot; onfocus=&quot;x\"><li>ok</li>");
        assert_eq!(fill("{{a}}", &[("a", "{{b}}")], &[("b", "boom")]), "{{b}}");
        assert_eq!(fill("{{ a }}|{{a{{b}}|{{}}", &[("a", "1")], &[]), "1||");
        assert_eq!(fill("x {{ unclosed", &[], &[]), "x {{ unclosed");
    }

    #[test]
    fn every_template_fills_every_slot() {
        for t in TEMPLATES {
            assert!(t.contains("{{"), "a template without slots");
            assert!(!fill(t, &[], &[]).contains("{{"), "{t}");
        }
    }

    #[test]
    fn hostile_app_name_email_and_error_stay_text() {
        let slots = ["app_name", "client_name", "email", "request", "csrf_token", "title", "message"];
        let values: Vec<(&str, &str)> = slots.iter().map(|s| (*s, HOSTILE)).collect();
        let error = alert(Some(HOSTILE));
        let scopes = list_items([HOSTILE]);
        let raw = [("error_html", error.as_str()), ("scopes_html", scopes.as_str())];
        for t in TEMPLATES {
            let out = fill(t, &values, &raw);
            assert!(!injected(&out), "{out}");
            assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        }
        let login = fill(LOGIN, &values, &raw);
        assert!(login.contains("value=\"&quot;&gt;&lt;script&gt;"), "email escaped in its attribute");
        assert!(login.contains("role=\"alert\">&quot;&gt;&lt;script&gt;"), "error escaped in its box");
        assert!(injected(&fill(LOGIN, &[], &[("app_name", HOSTILE)])), "the detector sees unescaped markup");
    }

    #[test]
    fn fragments() {
        assert_eq!(alert(None), "");
        assert_eq!(alert(Some("Bad <b>")), "<p class=\"error\" role=\"alert\">Bad &lt;b&gt;</p>");
        assert_eq!(list_items(["a", "<b>"]), "<li>a</li><li>&lt;b&gt;</li>");
    }

    #[test]
    fn links_only_to_navigable_uris() {
        assert_eq!(
            link("https://app.example/bye?a=1&b=\"2\"", "Back").as_deref(),
            Some("<p class=\"alt\"><a href=\"https://app.example/bye?a=1&amp;b=&quot;2&quot;\">Back</a></p>")
        );
        assert!(link("com.example.app:/signed-out", "Back").is_some());
        for bad in ["javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)", " javascript:x", "data:text/html,x",
            "vbscript:x", "/relative", "no-scheme", ":x", "1http://x", "https://x/\n"] {
            assert_eq!(link(bad, "x"), None, "{bad:?}");
        }
    }
}
