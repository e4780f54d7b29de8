//! HTML for the hosted pages: escaping and a single-pass template filler.
//! Every value is escaped for text and attribute context; a value that
//! itself contains `{{slot}}` is never expanded again.

/// Escapes `& < > " '` (OWASP XSS rule #1 and #2 contexts).
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

/// Fills `{{name}}` slots with escaped values; unknown slots become empty.
/// `raw` values (already-safe HTML built by the caller from escaped parts)
/// go in unescaped.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<script>alert("x")</script>&'"#), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
    }

    #[test]
    fn fills_once_and_escapes_every_value() {
        let t = "<h1>{{app}}</h1><input value=\"{{email}}\">{{missing}}{{list}}";
        let out = fill(t, &[("app", "<b>Evil</b>"), ("email", "\" onfocus=\"x")], &[("list", "<li>ok</li>")]);
        assert_eq!(out, "<h1>&lt;b&gt;Evil&lt;/b&gt;</h1><input value=\"&quot; onfocus=&quot;x\"><li>ok</li>");
        assert_eq!(fill("{{a}}", &[("a", "{{b}}")], &[("b", "boom")]), "{{b}}");
        assert_eq!(fill("x {{ unclosed", &[], &[]), "x {{ unclosed");
    }
}
