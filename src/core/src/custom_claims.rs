//! Custom claims: an application's templates for claims its ID tokens and
//! access tokens carry beside the protocol's (`settings.token_claims`).
//!
//! A template maps claim names to values. A value is JSON, kept as is
//! (a static value), except strings, which may refer to the token's
//! context with `{{path}}`:
//!
//! - a string that is one reference and nothing else (`"{{user.metadata.plan}}"`)
//!   becomes the JSON value there (a string, number, object…); the claim is
//!   left out when there is nothing there;
//! - references inside other text (`"plan:{{user.metadata.plan}}"`) are
//!   replaced by their text (nothing for a missing value).
//!
//! Arrays and objects are rendered member by member. The context
//! ([`context`]): `user` (`id`; `email`, `email_verified` only when the
//! scope has `email`; `name`, `picture` only with `profile`: a template
//! releases no more of the profile than the scopes do; `metadata`, the
//! application's own data about the user), `application` (`id`, `slug`,
//! `name`, `metadata`), and, for a token issued in an organization,
//! `organization` (`id`, `slug`, `name`, `roles`, `metadata`).
//!
//! Claims the protocol or the standard profile defines are reserved
//! ([`RESERVED`]): a template cannot name them, so it can never forge
//! `sub`, `aud`, `email_verified` or permissions. Limits: [`MAX_CLAIMS`]
//! claims and [`MAX_TEMPLATE_BYTES`] per token kind; a rendered value that
//! would take a token's custom claims past [`MAX_RENDERED_BYTES`] is left
//! out (the preview names it).

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const MAX_CLAIMS: usize = 20;
pub const MAX_TEMPLATE_BYTES: usize = 2048;
pub const MAX_RENDERED_BYTES: usize = 4096;
/// Of a user's or the application's `metadata`, as JSON.
pub const MAX_METADATA_BYTES: usize = 4096;
const MAX_NAME_LEN: usize = 64;

/// Names no template may use: the JWT and OAuth claims (RFC 7519, 9068,
/// 8693, 9449), OpenID Connect's (Core §2, §5.1, Front-/Back-Channel
/// Logout), and Aero2's own (`org_*`, `permissions`, `roles`).
pub const RESERVED: &[&str] = &[
    "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "typ", "cty", "client_id", "scope", "scp", "auth_time", "acr", "amr",
    "azp", "nonce", "at_hash", "c_hash", "s_hash", "sid", "cnf", "act", "may_act", "events", "authorization_details",
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website",
    "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified",
    "address", "updated_at", "_claim_names", "_claim_sources", "org_id", "org_slug", "org_roles", "permissions",
    crate::oauth::resource::PERMISSIONS_POINTER_CLAIM, "roles", "groups", "entitlements",
];

/// Whether `name` is reserved, in any case (some consumers compare claim
/// names without regard to case).
#[must_use]
pub fn is_reserved(name: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// The fields of each root a reference may name (`metadata` goes deeper).
const FIELDS: [(&str, &[&str]); 3] = [
    ("user", &["id", "email", "email_verified", "name", "picture", "metadata"]),
    ("application", &["id", "slug", "name", "metadata"]),
    ("organization", &["id", "slug", "name", "roles", "metadata"]),
];

/// How deep a `metadata` object or a template value may nest.
pub const MAX_DEPTH: usize = 8;
/// How many JSON values (every object, array, string, number…) one may hold.
pub const MAX_VALUES: usize = 256;

/// JSON held as its compact text, parsed when used: a tree of small
/// objects can take tens of times its size in memory, and application
/// records and users are cached by the thousand. Shown as the JSON itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(String);

impl JsonText {
    /// `v`'s compact text.
    #[must_use]
    pub fn of(v: &Value) -> Self {
        JsonText(v.to_string())
    }

    /// `{}`.
    #[must_use]
    pub fn empty_object() -> Self {
        JsonText("{}".to_owned())
    }

    /// The value (`{}` if the text were ever not JSON).
    #[must_use]
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or_else(|_| Value::Object(Map::new()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for JsonText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match serde_json::value::RawValue::from_string(self.0.clone()) {
            Ok(raw) => raw.serialize(s),
            Err(_) => Map::new().serialize(s),
        }
    }
}

/// From the JSON itself, or from its text (a D1 column): an object, else `{}`.
impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(text) => serde_json::from_str::<Value>(&text).ok().filter(Value::is_object).map_or_else(JsonText::empty_object, |v| JsonText::of(&v)),
            v @ Value::Object(_) => JsonText::of(&v),
            _ => JsonText::empty_object(),
        })
    }
}

/// Whether `v` nests at most [`MAX_DEPTH`] deep and holds at most
/// [`MAX_VALUES`] values.
fn within_shape(v: &Value) -> bool {
    fn walk(v: &Value, depth: usize, count: &mut usize) -> bool {
        *count += 1;
        if depth > MAX_DEPTH || *count > MAX_VALUES {
            return false;
        }
        match v {
            Value::Array(items) => items.iter().all(|i| walk(i, depth + 1, count)),
            Value::Object(m) => m.values().all(|i| walk(i, depth + 1, count)),
            _ => true,
        }
    }
    walk(v, 0, &mut 0)
}

/// The templates of an application (`settings.token_claims`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub id_token: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub access_token: Map<String, Value>,
}

impl TokenClaims {
    /// As kept in the settings.
    #[must_use]
    pub fn to_text(&self) -> JsonText {
        JsonText::of(&serde_json::to_value(self).unwrap_or_default())
    }

    /// From the settings' text (checked when it was saved).
    #[must_use]
    pub fn from_text(text: &JsonText) -> Self {
        serde_json::from_str(text.as_str()).unwrap_or_default()
    }
}

/// Checks `settings.token_claims` (or a preview's `token_claims`).
pub fn parse(v: &Value, field: &'static str) -> Result<TokenClaims, ApiError> {
    let obj = v.as_object().ok_or_else(|| ApiError::invalid(field, "must be an object with `id_token` and/or `access_token`"))?;
    if let Some(k) = obj.keys().find(|k| *k != "id_token" && *k != "access_token") {
        return Err(ApiError::invalid(field, format!("has an unknown member `{k}` (only `id_token` and `access_token`)")));
    }
    let one = |key: &str| -> Result<Map<String, Value>, ApiError> {
        let Some(t) = obj.get(key).filter(|t| !t.is_null()) else { return Ok(Map::new()) };
        let t = t.as_object().ok_or_else(|| ApiError::invalid(field, format!("`{key}` must be an object of claim names to values")))?;
        if t.len() > MAX_CLAIMS {
            return Err(ApiError::invalid(field, format!("`{key}` has more than {MAX_CLAIMS} claims")));
        }
        if Value::Object(t.clone()).to_string().len() > MAX_TEMPLATE_BYTES {
            return Err(ApiError::invalid(field, format!("`{key}` is longer than {MAX_TEMPLATE_BYTES} bytes as JSON")));
        }
        if !within_shape(&Value::Object(t.clone())) {
            return Err(ApiError::invalid(field, format!("`{key}` nests deeper than {MAX_DEPTH} or holds more than {MAX_VALUES} values")));
        }
        for (name, value) in t {
            check_name(name).map_err(|m| ApiError::invalid(field, format!("`{key}.{name}`: {m}")))?;
            check_references(value).map_err(|m| ApiError::invalid(field, format!("`{key}.{name}`: {m}")))?;
        }
        Ok(t.clone())
    };
    Ok(TokenClaims { id_token: one("id_token")?, access_token: one("access_token")? })
}

fn check_name(name: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_-.:/".contains(c);
    if name.is_empty() || name.len() > MAX_NAME_LEN || !name.chars().all(ok_char) {
        return Err(format!("a claim name is 1 to {MAX_NAME_LEN} letters, digits or `_-.:/`"));
    }
    if is_reserved(name) {
        return Err("is reserved (a protocol or standard profile claim, in any case)".to_owned());
    }
    Ok(())
}

fn check_references(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) => {
            for piece in pieces(s)? {
                if let Piece::Ref(path) = piece {
                    check_path(path)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(check_references),
        Value::Object(m) => m.values().try_for_each(check_references),
        _ => Ok(()),
    }
}

fn check_path(path: &str) -> Result<(), String> {
    let mut segments = path.split('.');
    let root = segments.next().unwrap_or_default();
    let Some((_, fields)) = FIELDS.iter().find(|(r, _)| *r == root) else {
        return Err(format!("`{{{{{path}}}}}`: a reference starts with `user`, `application` or `organization`"));
    };
    let field = segments.next().unwrap_or_default();
    if !fields.contains(&field) {
        return Err(format!("`{{{{{path}}}}}`: `{root}` has {}", fields.join(", ")));
    }
    let rest: Vec<&str> = segments.collect();
    if !rest.is_empty() && field != "metadata" {
        return Err(format!("`{{{{{path}}}}}`: only `metadata` has members"));
    }
    if rest.iter().any(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
        return Err(format!("`{{{{{path}}}}}`: a member name is letters, digits, `_` or `-`"));
    }
    Ok(())
}

enum Piece<'a> {
    Text(&'a str),
    Ref(&'a str),
}

/// A template string as text and references (`{{path}}`, spaces allowed
/// inside the braces).
fn pieces(s: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or_else(|| "a `{{` without its `}}`".to_owned())?;
        out.push(Piece::Ref(after[..close].trim()));
        rest = &after[close + 2..];
    }
    if rest.contains("}}") {
        return Err("a `}}` without its `{{`".to_owned());
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// What a template gave one token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub claims: Map<String, Value>,
    /// Claims left out because they would pass [`MAX_RENDERED_BYTES`].
    pub omitted: Vec<String>,
}

/// Renders `template` over `context` ([`context`]).
#[must_use]
pub fn render(template: &Map<String, Value>, context: &Value) -> Rendered {
    let mut out = Rendered::default();
    let mut size = 2;
    for (name, t) in template {
        let Some(value) = render_value(t, context) else { continue };
        let cost = name.len() + value.to_string().len() + 4;
        if size + cost > MAX_RENDERED_BYTES {
            out.omitted.push(name.clone());
            continue;
        }
        size += cost;
        out.claims.insert(name.clone(), value);
    }
    out
}

/// Adds what `template` renders to `claims`, never replacing a claim
/// already there. Returns the names left out for size.
pub fn apply(claims: &mut Map<String, Value>, template: &Map<String, Value>, context: &Value) -> Vec<String> {
    let rendered = render(template, context);
    for (name, value) in rendered.claims {
        claims.entry(name).or_insert(value);
    }
    rendered.omitted
}

fn render_value(t: &Value, ctx: &Value) -> Option<Value> {
    match t {
        Value::String(s) => {
            let Ok(pieces) = pieces(s) else { return Some(t.clone()) };
            if let [Piece::Ref(path)] = pieces.as_slice() {
                return lookup(ctx, path).filter(|v| !v.is_null()).cloned();
            }
            let mut text = String::new();
            for piece in pieces {
                match piece {
                    Piece::Text(x) => text.push_str(x),
                    Piece::Ref(path) => match lookup(ctx, path) {
                        Some(Value::String(v)) => text.push_str(v),
                        Some(Value::Null) | None => {}
                        Some(other) => text.push_str(&other.to_string()),
                    },
                }
            }
            Some(Value::String(text))
        }
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(|i| render_value(i, ctx)).collect())),
        Value::Object(m) => Some(Value::Object(m.iter().filter_map(|(k, v)| render_value(v, ctx).map(|v| (k.clone(), v))).collect())),
        other => Some(other.clone()),
    }
}

fn lookup<'c>(ctx: &'c Value, path: &str) -> Option<&'c Value> {
    path.split('.').try_fold(ctx, |v, segment| v.get(segment))
}

/// The user as templates see them, under the scope the token carries.
#[derive(Debug, Clone, Copy)]
pub struct UserView<'a> {
    pub id: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: bool,
    pub name: Option<&'a str>,
    pub picture: Option<&'a str>,
    pub metadata: &'a JsonText,
}

/// The organization a token is issued in, as templates see it.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationView<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub name: &'a str,
    pub roles: &'a [String],
    pub metadata: &'a Value,
}

/// The application, as templates see it.
#[derive(Debug, Clone, Copy)]
pub struct ApplicationView<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub name: &'a str,
    /// `settings.metadata` (`{}` when none).
    pub metadata: Option<&'a JsonText>,
}

/// A template's context. `user` is `None` for a client acting for itself
/// (`client_credentials`); `scope_has` says whether the token's scope has
/// a value (`email`, `profile`).
#[must_use]
pub fn context(
    user: Option<UserView<'_>>,
    scope_has: impl Fn(&str) -> bool,
    application: ApplicationView<'_>,
    organization: Option<OrganizationView<'_>>,
) -> Value {
    let mut ctx = Map::new();
    if let Some(u) = user {
        let mut m = Map::new();
        m.insert("id".into(), u.id.into());
        if scope_has("email") {
            m.insert("email".into(), u.email.into());
            m.insert("email_verified".into(), u.email_verified.into());
        }
        if scope_has("profile") {
            m.insert("name".into(), u.name.into());
            m.insert("picture".into(), u.picture.into());
        }
        m.insert("metadata".into(), u.metadata.value());
        ctx.insert("user".into(), Value::Object(m));
    }
    let metadata = application.metadata.map_or_else(|| Value::Object(Map::new()), JsonText::value);
    ctx.insert(
        "application".into(),
        serde_json::json!({ "id": application.id, "slug": application.slug, "name": application.name, "metadata": metadata }),
    );
    if let Some(o) = organization {
        ctx.insert(
            "organization".into(),
            serde_json::json!({ "id": o.id, "slug": o.slug, "name": o.name, "roles": o.roles, "metadata": o.metadata }),
        );
    }
    Value::Object(ctx)
}

/// Checks a `metadata` value (a user's, the application's): an object of
/// at most [`MAX_METADATA_BYTES`] as JSON, within [`MAX_DEPTH`] and
/// [`MAX_VALUES`].
pub fn parse_metadata(v: &Value, field: &'static str) -> Result<JsonText, ApiError> {
    if !v.is_object() {
        return Err(ApiError::invalid(field, "must be a JSON object"));
    }
    if v.to_string().len() > MAX_METADATA_BYTES {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_METADATA_BYTES} bytes as JSON")));
    }
    if !within_shape(v) {
        return Err(ApiError::invalid(field, format!("must nest at most {MAX_DEPTH} deep and hold at most {MAX_VALUES} values")));
    }
    Ok(JsonText::of(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app() -> ApplicationView<'static> {
        static META: std::sync::OnceLock<JsonText> = std::sync::OnceLock::new();
        ApplicationView { id: "app_1", slug: "shop", name: "Shop", metadata: Some(META.get_or_init(|| JsonText::of(&json!({ "tier": "gold" })))) }
    }

    fn ctx(scope: &'static [&'static str], org: bool) -> Value {
        let meta = JsonText::of(&json!({ "plan": "pro", "seats": 5, "flags": { "beta": true } }));
        let org_meta = json!({ "region": "eu" });
        let roles = vec!["admin".to_owned()];
        let user = UserView { id: "usr_1", email: Some("ada@example.com"), email_verified: true, name: Some("Ada"), picture: None, metadata: &meta };
        let o = OrganizationView { id: "org_1", slug: "acme", name: "Acme", roles: &roles, metadata: &org_meta };
        context(Some(user), |s| scope.contains(&s), app(), org.then_some(o))
    }

    fn template(v: Value) -> Map<String, Value> {
        parse(&json!({ "id_token": v }), "token_claims").unwrap().id_token
    }

    #[test]
    fn whole_references_keep_their_type_and_text_interpolates() {
        let t = template(json!({
            "plan": "{{user.metadata.plan}}",
            "seats": "{{ user.metadata.seats }}",
            "flags": "{{user.metadata.flags}}",
            "label": "{{application.slug}}:{{user.metadata.plan}}:{{user.metadata.missing}}",
            "tier": "{{application.metadata.tier}}",
            "static": { "v": 2, "list": ["a", "{{user.id}}", "{{user.metadata.nothing}}"] },
            "gone": "{{user.metadata.nothing}}",
            "org": "{{organization.slug}}"
        }));
        let r = render(&t, &ctx(&[], true));
        assert_eq!(
            Value::Object(r.claims),
            json!({
                "plan": "pro", "seats": 5, "flags": { "beta": true }, "label": "shop:pro:", "tier": "gold",
                "static": { "v": 2, "list": ["a", "usr_1"] }, "org": "acme"
            })
        );
        assert!(r.omitted.is_empty());
        assert!(render(&t, &ctx(&[], false)).claims.get("org").is_none(), "no organization: left out");
    }

    #[test]
    fn the_profile_is_released_only_with_its_scope() {
        let t = template(json!({ "mail": "{{user.email}}", "who": "{{user.name}}" }));
        assert_eq!(Value::Object(render(&t, &ctx(&[], false)).claims), json!({}));
        assert_eq!(Value::Object(render(&t, &ctx(&["email", "profile"], false)).claims), json!({ "mail": "ada@example.com", "who": "Ada" }));
    }

    #[test]
    fn reserved_names_unknown_references_and_limits_are_refused() {
        for (t, why) in [
            (json!({ "sub": "x" }), "reserved"),
            (json!({ "email_verified": true }), "reserved"),
            (json!({ "permissions": [] }), "reserved"),
            (json!({ "": 1 }), "claim name"),
            (json!({ "a b": 1 }), "claim name"),
            (json!({ "x": "{{secrets.key}}" }), "starts with"),
            (json!({ "x": "{{user.password_hash}}" }), "has id"),
            (json!({ "x": "{{user.id.more}}" }), "only `metadata`"),
            (json!({ "x": "{{user.metadata.a b}}" }), "member name"),
            (json!({ "x": "{{user.id" }), "without its"),
            (json!({ "x": ["{{nope.x}}"] }), "starts with"),
        ] {
            let e = parse(&json!({ "access_token": t }), "token_claims").unwrap_err();
            assert!(e.body().error_description.contains(why), "{t}: {}", e.body().error_description);
        }
        let many: Map<String, Value> = (0..=MAX_CLAIMS).map(|i| (format!("c{i}"), json!(1))).collect();
        assert!(parse(&json!({ "id_token": many }), "token_claims").is_err());
        assert!(parse(&json!({ "id_token": { "big": "x".repeat(MAX_TEMPLATE_BYTES) } }), "token_claims").is_err());
        assert!(parse(&json!({ "refresh_token": {} }), "token_claims").is_err());
        assert!(parse(&json!([]), "token_claims").is_err());
        assert_eq!(parse(&json!({ "id_token": null }), "token_claims").unwrap(), TokenClaims::default());
    }

    #[test]
    fn rendered_claims_past_the_limit_are_left_out_and_existing_claims_kept() {
        let big = JsonText::of(&json!({ "blob": "x".repeat(MAX_RENDERED_BYTES - 100) }));
        let user = UserView { id: "usr_1", email: None, email_verified: false, name: None, picture: None, metadata: &big };
        let c = context(Some(user), |_| false, app(), None);
        let t = template(json!({ "a": "{{user.metadata.blob}}", "b": "{{user.metadata.blob}}", "c": 1 }));
        let r = render(&t, &c);
        assert_eq!(r.omitted, vec!["b".to_owned()]);
        assert!(r.claims.contains_key("a") && r.claims.contains_key("c"));
        assert!(Value::Object(r.claims.clone()).to_string().len() <= MAX_RENDERED_BYTES);
        let mut claims = Map::from_iter([("c".to_owned(), json!("protocol"))]);
        apply(&mut claims, &t, &c);
        assert_eq!(claims["c"], "protocol", "never replaced");
    }

    #[test]
    fn every_field_a_reference_may_name_is_in_the_context() {
        let c = ctx(&["email", "profile"], true);
        for (root, fields) in FIELDS {
            for f in fields {
                assert!(c[root].get(*f).is_some(), "{root}.{f}");
            }
        }
        let client = context(None, |_| true, app(), None);
        assert!(client.get("user").is_none() && client["application"]["slug"] == "shop");
    }

    /// Every claim Aero2 itself writes into a token is reserved.
    #[test]
    fn every_claim_aero2_writes_is_reserved() {
        use crate::jose::claims::{AccessTokenClaims, Audience, IdTokenClaims};
        let at = AccessTokenClaims {
            iss: "i".into(), sub: "s".into(), aud: Audience::One("a".into()), exp: 1, iat: 1, nbf: Some(1), jti: "j".into(),
            client_id: "c".into(), scope: Some("x".into()), auth_time: Some(1), acr: Some("a".into()), amr: Some(vec!["pwd".into()]),
            org_id: Some("o".into()),
        };
        let id = IdTokenClaims {
            iss: "i".into(), sub: "s".into(), aud: "a".into(), exp: 1, iat: 1, auth_time: 1, nonce: Some("n".into()), acr: Some("a".into()),
            amr: vec!["pwd".into()], azp: Some("c".into()), at_hash: Some("h".into()), sid: Some("s".into()), profile: Map::new(),
        };
        let mut written: Vec<String> = [at.to_json(), id.to_json()].iter().flat_map(|v| v.as_object().cloned().unwrap_or_default().keys().cloned().collect::<Vec<_>>()).collect();
        let mut org = Map::new();
        let o = crate::organization::TokenOrganization { id: "o".into(), slug: "s".into(), roles: vec![], name: "n".into(), metadata: json!({}) };
        crate::organization::claims(&mut org, &o, true);
        written.extend(org.keys().cloned());
        // The profile a scope releases, roles in ID tokens, and an API's permissions (inline or the pointer).
        written.extend(["name", "picture", "updated_at", "email", "email_verified", "roles", "permissions"].map(str::to_owned));
        written.push(crate::oauth::resource::PERMISSIONS_POINTER_CLAIM.to_owned());
        for name in written {
            assert!(is_reserved(&name), "{name} is written by Aero2 but not reserved");
            assert!(is_reserved(&name.to_ascii_uppercase()), "{name} in capitals");
        }
        assert!(parse(&json!({ "access_token": { "Email_Verified": true } }), "t").is_err());
        assert!(parse(&json!({ "access_token": { "permissions_introspection": "https://evil.example" } }), "t").is_err());
    }

    #[test]
    fn metadata_is_a_bounded_object() {
        assert!(parse_metadata(&json!({ "a": 1 }), "metadata").is_ok());
        assert!(parse_metadata(&json!([1]), "metadata").is_err());
        assert!(parse_metadata(&json!({ "a": "x".repeat(MAX_METADATA_BYTES) }), "metadata").is_err());
        let mut deep = json!(1);
        for _ in 0..=MAX_DEPTH {
            deep = json!({ "a": deep });
        }
        assert!(parse_metadata(&deep, "metadata").is_err(), "too deep");
        let many: Vec<Value> = (0..MAX_VALUES).map(|_| json!(0)).collect();
        assert!(parse_metadata(&json!({ "a": many }), "metadata").is_err(), "too many values");
        assert!(parse(&json!({ "id_token": { "x": deep } }), "t").is_err());
        let t = parse_metadata(&json!({ "a": [1, { "b": null }] }), "metadata").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"a":[1,{"b":null}]}"#, "shown as the JSON itself");
        let back: JsonText = serde_json::from_value(json!("{\"a\":1}")).unwrap();
        assert_eq!(back.value(), json!({ "a": 1 }), "read from a D1 column's text");
        let back: JsonText = serde_json::from_value(json!({ "a": 1 })).unwrap();
        assert_eq!(back.value(), json!({ "a": 1 }));
    }
}
