//! How an application's hosted pages look, and an organization's when a
//! user signs in to it: a logo and a colour. The colour reaches the pages
//! as a stylesheet (the CSP allows no inline style): on the buttons, with
//! text on them black or white, whichever reads better.

use crate::error::ApiError;
use crate::json_body::truncate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const MAX_LOGO_URL_CHARS: usize = 2_000;

/// A logo and a colour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    /// An `https:` URL of an image.
    pub logo_url: Option<String>,
    /// `#rrggbb`, lower case.
    pub primary_color: Option<String>,
}

/// The stylesheet a branded page adds after the hosted pages' own: the
/// organization's colour on the buttons (`--brand`), with text on it black
/// or white, whichever reads better (WCAG relative luminance). Links and
/// focus rings keep the theme's accent, which is chosen to read on the
/// page in light and dark. `None` for anything
/// but `#rrggbb` / `rrggbb`.
#[must_use]
pub fn accent_stylesheet(colour_hex: &str) -> Option<String> {
    let c = colour(&format!("#{}", colour_hex.trim_start_matches('#')))?;
    let channel = |i: usize| -> f64 {
        let v = f64::from(u8::from_str_radix(c.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0)) / 255.0;
        if v <= 0.040_45 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Contrast with white (1.05 / (L + .05)) against black ((L + .05) / .05).
    let text = if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 { "#ffffff" } else { "#000000" };
    let rule = format!(":root{{--brand:{c};--brand-text:{text}}}");
    Some(format!("{rule}\n@media (prefers-color-scheme: dark){{{rule}}}\n"))
}

/// The stylesheet of an application's own pages (`/ui/brand.css`, after
/// the hosted pages' own): its colour as the accent and its logo above
/// every form. `None` when it has neither.
#[must_use]
pub fn page_stylesheet(b: &Branding) -> Option<String> {
    let mut css = b.primary_color.as_deref().and_then(accent_stylesheet).unwrap_or_default();
    // logo_url is checked when stored (no quotes, backslashes or spaces):
    // it cannot leave the string it is put in.
    if let Some(url) = b.logo_url.as_deref().and_then(logo_url) {
        css.push_str(&format!(".app-logo{{display:block;background-image:url(\"{url}\")}}\n"));
    }
    (!css.is_empty()).then_some(css)
}

/// `{"logo_url"?, "primary_color"?}`, each a string or null; errors name
/// `field`.
///
/// # Errors
/// 400 naming `field`.
pub fn parse(v: &Value, field: &'static str) -> Result<Branding, ApiError> {
    let obj = v.as_object().ok_or_else(|| ApiError::invalid(field, "must be an object {\"logo_url\", \"primary_color\"}"))?;
    if let Some(k) = obj.keys().find(|k| !["logo_url", "primary_color"].contains(&k.as_str())) {
        return Err(ApiError::invalid(field, format!("unknown member '{}'", truncate(k, 64))));
    }
    let text = |key: &str| -> Result<Option<&str>, ApiError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ApiError::invalid(field, format!("{key} must be a string or null"))),
        }
    };
    let logo_url = text("logo_url")?.map(|u| logo_url(u).map(str::to_owned).ok_or_else(|| {
        ApiError::invalid(field, "logo_url must be an https: URL of at most 2000 characters, without spaces or quotes")
    }));
    let primary_color = text("primary_color")?.map(|c| {
        colour(c).ok_or_else(|| ApiError::invalid(field, "primary_color must be a colour #rrggbb"))
    });
    Ok(Branding { logo_url: logo_url.transpose()?, primary_color: primary_color.transpose()? })
}

/// An `https:` URL safe to put in an `src` attribute.
fn logo_url(u: &str) -> Option<&str> {
    let host = u.strip_prefix("https://")?;
    let ok = u.chars().count() <= MAX_LOGO_URL_CHARS
        && !host.is_empty()
        && !host.starts_with('/')
        && u.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
    ok.then_some(u)
}

/// `#rrggbb` (any case), lower-cased.
#[must_use]
pub fn colour(c: &str) -> Option<String> {
    let hex = c.strip_prefix('#')?;
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("#{}", hex.to_ascii_lowercase()))
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brand_colour_becomes_the_accent_with_readable_text() {
        let dark = accent_stylesheet("1a2b3c").unwrap();
        assert!(dark.contains("--brand:#1a2b3c;--brand-text:#ffffff") && dark.contains("prefers-color-scheme: dark"));
        assert!(accent_stylesheet("#C0FFEE").unwrap().contains("--brand:#c0ffee;--brand-text:#000000"));
        assert_eq!(accent_stylesheet("red"), None);
        assert_eq!(accent_stylesheet("c0ffee;}body{display:none"), None);
    }

    #[test]
    fn an_application_page_gets_its_colour_and_logo() {
        let b = parse(&serde_json::json!({"logo_url": "https://cdn.example.com/logo.svg", "primary_color": "#1A2B3C"}), "settings.branding").unwrap();
        let css = page_stylesheet(&b).unwrap();
        assert!(css.contains("--brand:#1a2b3c") && css.contains(".app-logo{display:block;background-image:url(\"https://cdn.example.com/logo.svg\")}"));
        assert_eq!(page_stylesheet(&Branding::default()), None);
        for bad in [r#"{"logo_url": "http://x.example/l.png"}"#, r#"{"logo_url": "https://x.example/a\")b"}"#, r#"{"primary_color": "red"}"#, r#"{"other": 1}"#] {
            let v: Value = serde_json::from_str(bad).unwrap();
            assert!(parse(&v, "settings.branding").is_err(), "{bad}");
        }
    }
}
