//! Applications and the management API's request bodies.
//!
//! Request bodies are parsed from `serde_json::Value` by hand rather than by
//! derive so that every rejection names the offending field.

use crate::api_key::ApiKeyKind;
use crate::cors::validate_origin;
use crate::error::ApiError;
use crate::host::validate_hostname;
use crate::slug::Slug;
use serde::{Deserialize, Serialize};
use crate::lockout::LockoutPolicy;
use crate::json_body::{self, object, reject_unknown, truncate};
use serde_json::Value;

/// The Dashboard is itself an application (dogfooding), with a fixed id so
/// its bootstrap is idempotent.
pub const DASHBOARD_APP_ID: &str = "app_dashboard";
pub const DASHBOARD_SLUG: &str = "dashboard";
pub const DASHBOARD_NAME: &str = "Aero2 Dashboard";
/// The client id of the Dashboard's web app (`crate::dashboard::web_app_client`):
/// the one client id not minted (`crate::oauth::client::is_client_id`).
pub const DASHBOARD_WEB_APP_CLIENT_ID: &str = "aero2-dashboard";

const MAX_ALLOWED_ORIGINS: usize = 50;

/// Per-application settings, stored as JSON in `applications.settings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationSettings {
    /// Exact origins allowed to call this application cross-origin.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Lifetime of authorization codes, in seconds (default 60; RFC 6749
    /// §4.1.2 recommends at most 10 minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code_ttl_seconds: Option<u32>,
    /// Sign-in lockout (defaults: 5 failures in 15 minutes lock for 5
    /// minutes, doubling on repeat up to a day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout: Option<LockoutSettings>,
    /// Who may sign up on the hosted pages (default: anyone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signup: Option<crate::signup::SignupPolicy>,
    /// Whether a new address must be confirmed (default: optional, a link is
    /// sent but nothing waits for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verification: Option<EmailVerification>,
    /// Overrides of the default rate limits, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<crate::rate_limit::LimitOverrides>,
    /// When a sign-in through an identity provider may join an existing
    /// account by email (default: both sides verified; see `rp::linking`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_linking: Option<crate::rp::linking::LinkPolicy>,
    /// How recent a sign-in proves the user is present for a sensitive
    /// account change (a new email address) without the current password
    /// (default 300 seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recent_sign_in_seconds: Option<u32>,
    /// How long a rotated refresh token may be presented again, while its
    /// successor is unused, to get a fresh successor instead of revoking
    /// the family: a client whose answer was lost can retry (default 10
    /// seconds; 0 turns it off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_reuse_leeway_seconds: Option<u32>,
    /// Whether ID tokens carry the user's `roles` (their names; default
    /// false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles_in_id_token: Option<bool>,
    /// The roles (by name) every new user gets, however the account is
    /// created; names of no role are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_roles: Option<Vec<String>>,
    /// Second factors: `off`, `optional` (default) or `required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<crate::mfa::Policy>,
    /// How long a second factor satisfies a step-up (`acr_values`), in
    /// seconds after the sign-in that proved it (default: the session's
    /// life; 1 to 2592000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_max_age_seconds: Option<u32>,
    /// The country calling codes (ITU-T E.164: "1", "44", …) second-factor
    /// codes may be texted to. None by default: no text is sent until an
    /// application lists where its users are (SMS toll fraud).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_countries: Option<Vec<String>>,
    /// Whether the sign-in page offers a code and link by email instead of
    /// the password (default true; they prove what a password reset
    /// proves: the mailbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_sign_in: Option<bool>,
    /// The kinds of second factor users may add (`totp`, `passkey`, `sms`;
    /// default all). Factors a user has already keep working: a user
    /// enrolled in a factor is always asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_factors: Option<Vec<crate::mfa::Kind>>,
    /// Whether a passkey alone signs a user in (the "Sign in with a
    /// passkey" button; default true). Such a sign-in always asks the
    /// authenticator to verify the user, so it counts as two factors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_sign_in: Option<bool>,
    /// User verification asked of passkeys made and used as a second
    /// factor: `required`, `preferred` (default) or `discouraged`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_user_verification: Option<crate::webauthn::UserVerification>,
    /// For how many days a user may have a browser remembered after a
    /// second factor ("don't ask again on this device"; 1 to 90; default:
    /// never). A remembered browser skips the second step of a sign-in;
    /// its tokens then say only the first factor (no `mfa`), so a step-up
    /// (`acr_values`) or `prompt=login` still asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_remember_days: Option<u32>,
    /// How many days audit entries are kept (default 30, 1 to 3650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_retention_days: Option<u32>,
    /// The hosted pages' logo and colour (`/ui/brand.css`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<crate::branding::Branding>,
    /// The application's own data, for its token templates
    /// (`{{application.metadata.…}}`; an object of at most 4 KB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<crate::custom_claims::JsonText>,
    /// Custom claims of its ID tokens and access tokens
    /// (`crate::custom_claims`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_claims: Option<crate::custom_claims::JsonText>,
}

/// Defaults of the settings above.
pub const DEFAULT_RECENT_SIGN_IN_SECS: i64 = 300;
pub const DEFAULT_REFRESH_REUSE_LEEWAY_SECS: i64 = 10;
const RECENT_SIGN_IN_RANGE: std::ops::RangeInclusive<u64> = 1..=3_600;
const REFRESH_LEEWAY_RANGE: std::ops::RangeInclusive<u64> = 0..=300;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailVerification {
    /// No verification mail.
    Off,
    /// A verification mail on sign-up; signing in does not wait for it.
    #[default]
    Optional,
    /// No sign-in until the address is confirmed.
    Required,
}

/// What a sign-in does about the account's address, under the application's
/// verification policy (the last step before a session starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressGate {
    /// Sign in.
    Proceed,
    /// Verification is required and the address is unconfirmed: mail a
    /// link instead of signing in.
    ConfirmFirst,
    /// Verification is required and the account has no address at all.
    NoAddress,
}

/// The configurable part of [`LockoutPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutSettings {
    pub max_failures: u32,
    pub window_seconds: u32,
    pub lock_seconds: u32,
}

const CODE_TTL_RANGE: std::ops::RangeInclusive<u64> = 5..=600;

impl ApplicationSettings {
    /// The custom-claims templates (`crate::custom_claims`), if any.
    #[must_use]
    pub fn token_claims(&self) -> Option<crate::custom_claims::TokenClaims> {
        self.token_claims.as_ref().map(crate::custom_claims::TokenClaims::from_text)
    }

    /// The rate limit in force for `class`.
    #[must_use]
    pub fn rate_limit(&self, class: crate::rate_limit::Class) -> crate::rate_limit::Limit {
        self.rate_limits.as_ref().map_or_else(|| class.default_limit(), |o| o.limit(class))
    }

    /// The lockout policy in force for this application.
    #[must_use]
    pub fn lockout_policy(&self) -> LockoutPolicy {
        let d = LockoutPolicy::default();
        match self.lockout {
            None => d,
            Some(l) => LockoutPolicy {
                max_failures: l.max_failures,
                window_ms: i64::from(l.window_seconds) * 1000,
                base_lock_ms: i64::from(l.lock_seconds) * 1000,
                max_lock_ms: d.max_lock_ms.max(i64::from(l.lock_seconds) * 1000),
            },
        }
    }

    /// Whether an account with this address state may sign in now.
    #[must_use]
    pub fn address_gate(&self, has_email: bool, email_verified: bool) -> AddressGate {
        match self.email_verification.unwrap_or_default() {
            EmailVerification::Required if !has_email => AddressGate::NoAddress,
            EmailVerification::Required if !email_verified => AddressGate::ConfirmFirst,
            _ => AddressGate::Proceed,
        }
    }

    /// What the hosted sign-up does with an admitted address.
    #[must_use]
    pub fn signup_flow(&self) -> crate::signup::Flow {
        let restricted = self.signup.as_ref().is_some_and(crate::signup::SignupPolicy::restricted);
        match self.email_verification.unwrap_or_default() {
            _ if restricted => crate::signup::Flow::ProveFirst,
            EmailVerification::Required => crate::signup::Flow::ProveFirst,
            EmailVerification::Optional => crate::signup::Flow::AtOnce { verify: true },
            EmailVerification::Off => crate::signup::Flow::AtOnce { verify: false },
        }
    }

    /// How recent (seconds) a sign-in must be to count as presence.
    #[must_use]
    pub fn recent_sign_in_secs(&self) -> i64 {
        self.recent_sign_in_seconds.map_or(DEFAULT_RECENT_SIGN_IN_SECS, i64::from)
    }

    /// Whether users may add a factor of `kind` (never where second
    /// factors are `off`).
    #[must_use]
    pub fn may_add(&self, kind: crate::mfa::Kind) -> bool {
        self.mfa != Some(crate::mfa::Policy::Off) && self.mfa_factors.as_ref().is_none_or(|k| k.contains(&kind))
    }

    /// Whether the sign-in page offers passkeys as the only factor
    /// (only where passkeys are offered at all: they are factors).
    #[must_use]
    pub fn passkey_sign_in(&self) -> bool {
        self.passkey_sign_in.unwrap_or(true) && self.may_add(crate::mfa::Kind::Passkey)
    }

    /// Whether the hosted pages offer sign-up at all (not `disabled`; an
    /// invite-only or domain-limited sign-up is still offered).
    #[must_use]
    pub fn signup_offered(&self) -> bool {
        self.signup.as_ref().is_none_or(|p| p.mode != crate::signup::SignupMode::Disabled)
    }

    /// How many days audit entries are kept.
    #[must_use]
    pub fn audit_retention_days(&self) -> i64 {
        i64::from(self.audit_retention_days.unwrap_or(crate::audit::DEFAULT_RETENTION_DAYS))
    }

    /// The refresh-token retry leeway, in milliseconds.
    #[must_use]
    pub fn refresh_reuse_leeway_ms(&self) -> i64 {
        self.refresh_token_reuse_leeway_seconds.map_or(DEFAULT_REFRESH_REUSE_LEEWAY_SECS, i64::from) * 1000
    }

    /// How long a code issued now stays redeemable.
    #[must_use]
    pub fn code_ttl_ms(&self) -> i64 {
        self.authorization_code_ttl_seconds
            .map_or(crate::oauth::lifetimes::CODE_TTL_MS, |s| i64::from(s) * 1000)
    }
}

/// An application as the API returns it and the front Worker caches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub settings: ApplicationSettings,
    pub created_at: i64,
    pub updated_at: i64,
    /// Which signer shard holds its keys (`crate::signer_shards`). Not
    /// part of the management API's view of an application; its signing
    /// keys' list shows it.
    #[serde(default, skip_serializing_if = "crate::signer_shards::Placement::is_default")]
    pub signer: crate::signer_shards::Placement,
    /// How many `TenantApp` objects hold its grants
    /// (`crate::tenant_shards`); an operator's setting that only grows.
    #[serde(default = "crate::tenant_shards::one", skip_serializing_if = "crate::tenant_shards::is_one")]
    pub tenant_shards: u8,
}

impl Application {
    /// The rate limit each of the application's objects enforces for
    /// `class`: the setting's, or its share when every tenant shard serves
    /// the class (`crate::tenant_shards::share`), so that all of them
    /// together never allow more than the setting.
    #[must_use]
    pub fn rate_limit_per_object(&self, class: crate::rate_limit::Class) -> crate::rate_limit::Limit {
        let limit = self.settings.rate_limit(class);
        if class.at_every_shard() {
            crate::rate_limit::Limit { max: crate::tenant_shards::share(limit.max, self.tenant_shards), ..limit }
        } else {
            limit
        }
    }

    /// The application as token templates see it (`crate::custom_claims`).
    #[must_use]
    pub fn view(&self) -> crate::custom_claims::ApplicationView<'_> {
        crate::custom_claims::ApplicationView { id: &self.id, slug: &self.slug, name: &self.name, metadata: self.settings.metadata.as_ref() }
    }

    #[must_use]
    pub fn is_dashboard(&self) -> bool {
        self.id == DASHBOARD_APP_ID
    }

    /// Which of two copies of this application's record to act on: the one
    /// changed last (a front Worker may forward a copy it cached before a
    /// change the object was already told about). `true` when `known` wins.
    #[must_use]
    pub fn known_is_newer(known: Option<&Application>, forwarded: &Application) -> bool {
        known.is_some_and(|k| k.id == forwarded.id && k.updated_at > forwarded.updated_at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub slug: Slug,
    pub name: String,
    pub settings: ApplicationSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationPatch {
    pub name: Option<String>,
    pub settings: Option<ApplicationSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub kind: ApiKeyKind,
    pub name: String,
}

fn parse_lockout(v: &Value) -> Result<LockoutSettings, ApiError> {
    let obj = v.as_object().ok_or_else(|| ApiError::invalid("settings.lockout", "must be an object"))?;
    reject_unknown(obj, &["max_failures", "window_seconds", "lock_seconds"])?;
    let int = |field: &'static str, key: &str, range: std::ops::RangeInclusive<u64>| -> Result<u32, ApiError> {
        obj.get(key)
            .ok_or_else(|| ApiError::invalid(field, "is required"))?
            .as_u64()
            .filter(|n| range.contains(n))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| ApiError::invalid(field, format!("must be an integer from {} to {}", range.start(), range.end())))
    };
    Ok(LockoutSettings {
        max_failures: int("settings.lockout.max_failures", "max_failures", 1..=100)?,
        window_seconds: int("settings.lockout.window_seconds", "window_seconds", 60..=86_400)?,
        lock_seconds: int("settings.lockout.lock_seconds", "lock_seconds", 1..=86_400)?,
    })
}

/// At most this many default roles.
const MAX_DEFAULT_ROLES: usize = 10;

fn parse_default_roles(v: &Value) -> Result<Vec<String>, ApiError> {
    let field = "settings.default_roles";
    let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of role names"))?;
    if list.len() > MAX_DEFAULT_ROLES {
        return Err(ApiError::invalid(field, format!("may list at most {MAX_DEFAULT_ROLES} roles")));
    }
    let mut names: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        let name = json_body::name(field, Some(item), true)?.unwrap_or_default();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

fn parse_settings(v: &Value) -> Result<ApplicationSettings, ApiError> {
    let obj = v.as_object().ok_or_else(|| ApiError::invalid("settings", "must be an object"))?;
    reject_unknown(
        obj,
        &[
            "allowed_origins", "authorization_code_ttl_seconds", "lockout", "signup", "email_verification", "rate_limits",
            "idp_linking", "recent_sign_in_seconds", "refresh_token_reuse_leeway_seconds", "roles_in_id_token",
            "default_roles", "audit_retention_days", "mfa", "mfa_max_age_seconds", "passkey_sign_in", "passkey_user_verification", "email_sign_in", "sms_countries", "mfa_remember_days", "mfa_factors", "branding",
            "metadata", "token_claims",
        ],
    )?;
    let mut settings = ApplicationSettings::default();
    let seconds = |key: &'static str, field: &'static str, range: std::ops::RangeInclusive<u64>| -> Result<Option<u32>, ApiError> {
        obj.get(key)
            .map(|v| {
                v.as_u64()
                    .filter(|n| range.contains(n))
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| ApiError::invalid(field, format!("must be an integer from {} to {}", range.start(), range.end())))
            })
            .transpose()
    };
    settings.branding = obj.get("branding").filter(|v| !v.is_null()).map(|v| crate::branding::parse(v, "settings.branding")).transpose()?;
    settings.metadata = obj.get("metadata").filter(|v| !v.is_null()).map(|v| crate::custom_claims::parse_metadata(v, "settings.metadata")).transpose()?;
    settings.token_claims = obj
        .get("token_claims")
        .filter(|v| !v.is_null())
        .map(|v| crate::custom_claims::parse(v, "settings.token_claims"))
        .transpose()?
        .filter(|t| *t != crate::custom_claims::TokenClaims::default())
        .map(|t| t.to_text());
    settings.mfa_remember_days = seconds("mfa_remember_days", "settings.mfa_remember_days", 1..=90)?;
    settings.mfa_max_age_seconds = seconds("mfa_max_age_seconds", "settings.mfa_max_age_seconds", 1..=2_592_000)?;
    settings.audit_retention_days = seconds("audit_retention_days", "settings.audit_retention_days", crate::audit::RETENTION_DAYS)?;
    settings.recent_sign_in_seconds = seconds("recent_sign_in_seconds", "settings.recent_sign_in_seconds", RECENT_SIGN_IN_RANGE)?;
    settings.refresh_token_reuse_leeway_seconds =
        seconds("refresh_token_reuse_leeway_seconds", "settings.refresh_token_reuse_leeway_seconds", REFRESH_LEEWAY_RANGE)?;
    if let Some(v) = obj.get("mfa") {
        settings.mfa = Some(
            v.as_str().and_then(crate::mfa::Policy::parse).ok_or_else(|| ApiError::invalid("settings.mfa", "must be \"off\", \"optional\" or \"required\""))?,
        );
    }
    if let Some(v) = obj.get("mfa_factors") {
        let field = "settings.mfa_factors";
        let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of \"totp\", \"passkey\", \"sms\""))?;
        let mut kinds = Vec::new();
        for item in list {
            let kind = item.as_str().and_then(crate::mfa::Kind::parse).ok_or_else(|| ApiError::invalid(field, "entries must be \"totp\", \"passkey\" or \"sms\""))?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        settings.mfa_factors = Some(kinds);
    }
    if let Some(v) = obj.get("sms_countries") {
        let field = "settings.sms_countries";
        let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of country calling codes"))?;
        let mut codes: Vec<String> = Vec::new();
        for item in list.iter().take(300) {
            let code = item.as_str().filter(|c| crate::sms::is_calling_code(c)).ok_or_else(|| ApiError::invalid(field, "entries must be country calling codes: 1 to 3 digits, like \"1\" or \"44\""))?;
            if !codes.iter().any(|c| c == code) {
                codes.push(code.to_owned());
            }
        }
        if list.len() > 300 {
            return Err(ApiError::invalid(field, "may list at most 300 codes"));
        }
        settings.sms_countries = Some(codes);
    }
    if let Some(v) = obj.get("email_sign_in") {
        settings.email_sign_in = Some(v.as_bool().ok_or_else(|| ApiError::invalid("settings.email_sign_in", "must be true or false"))?);
    }
    if let Some(v) = obj.get("passkey_sign_in") {
        settings.passkey_sign_in = Some(v.as_bool().ok_or_else(|| ApiError::invalid("settings.passkey_sign_in", "must be true or false"))?);
    }
    if let Some(v) = obj.get("passkey_user_verification") {
        settings.passkey_user_verification = Some(
            v.as_str()
                .and_then(crate::webauthn::UserVerification::parse)
                .ok_or_else(|| ApiError::invalid("settings.passkey_user_verification", "must be \"required\", \"preferred\" or \"discouraged\""))?,
        );
    }
    if let Some(v) = obj.get("default_roles") {
        settings.default_roles = Some(parse_default_roles(v)?);
    }
    if let Some(v) = obj.get("roles_in_id_token") {
        settings.roles_in_id_token = Some(v.as_bool().ok_or_else(|| ApiError::invalid("settings.roles_in_id_token", "must be true or false"))?);
    }
    if let Some(v) = obj.get("idp_linking") {
        settings.idp_linking = Some(
            v.as_str()
                .and_then(crate::rp::linking::LinkPolicy::parse)
                .ok_or_else(|| ApiError::invalid("settings.idp_linking", "must be \"verified_email\" or \"never\""))?,
        );
    }
    if let Some(v) = obj.get("rate_limits") {
        settings.rate_limits = Some(crate::rate_limit::LimitOverrides::from_json(v)?);
    }
    if let Some(v) = obj.get("email_verification") {
        settings.email_verification = Some(match v.as_str() {
            Some("off") => EmailVerification::Off,
            Some("optional") => EmailVerification::Optional,
            Some("required") => EmailVerification::Required,
            _ => return Err(ApiError::invalid("settings.email_verification", "must be \"off\", \"optional\" or \"required\"")),
        });
    }
    if let Some(v) = obj.get("signup") {
        settings.signup = Some(crate::signup::SignupPolicy::from_json(v)?);
    }
    if let Some(l) = obj.get("lockout") {
        settings.lockout = Some(parse_lockout(l)?);
    }
    if let Some(ttl) = obj.get("authorization_code_ttl_seconds") {
        let field = "settings.authorization_code_ttl_seconds";
        let secs = ttl
            .as_u64()
            .filter(|s| CODE_TTL_RANGE.contains(s))
            .ok_or_else(|| ApiError::invalid(field, "must be an integer from 5 to 600"))?;
        settings.authorization_code_ttl_seconds = u32::try_from(secs).ok();
    }
    if let Some(origins) = obj.get("allowed_origins") {
        let list = origins
            .as_array()
            .ok_or_else(|| ApiError::invalid("settings.allowed_origins", "must be an array of origins"))?;
        if list.len() > MAX_ALLOWED_ORIGINS {
            return Err(ApiError::invalid(
                "settings.allowed_origins",
                format!("may list at most {MAX_ALLOWED_ORIGINS} origins"),
            ));
        }
        for o in list {
            let s = o
                .as_str()
                .ok_or_else(|| ApiError::invalid("settings.allowed_origins", "must contain only strings"))?;
            let origin = validate_origin(s).map_err(|m| {
                ApiError::invalid("settings.allowed_origins", format!("entry '{}' {m}", truncate(s, 100)))
            })?;
            if !settings.allowed_origins.contains(&origin) {
                settings.allowed_origins.push(origin);
            }
        }
    }
    Ok(settings)
}

impl NewApplication {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, &["slug", "name", "settings"])?;
        let slug = obj
            .get("slug")
            .ok_or_else(|| ApiError::invalid("slug", "is required"))?
            .as_str()
            .ok_or_else(|| ApiError::invalid("slug", "must be a string"))?;
        let slug = Slug::parse(slug).map_err(|e| ApiError::invalid("slug", e.message()))?;
        let name = json_body::name("name", obj.get("name"), true)?.unwrap_or_default();
        let settings = obj.get("settings").map(parse_settings).transpose()?.unwrap_or_default();
        Ok(Self { slug, name, settings })
    }
}

impl ApplicationPatch {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        if obj.contains_key("slug") {
            // The slug is the issuer's host: changing it would orphan every
            // token, client and redirect URI that names it.
            return Err(ApiError::invalid("slug", "cannot be changed"));
        }
        reject_unknown(obj, &["name", "settings"])?;
        let patch = Self {
            name: json_body::name("name", obj.get("name"), false)?,
            settings: obj.get("settings").map(parse_settings).transpose()?,
        };
        if patch.name.is_none() && patch.settings.is_none() {
            return Err(ApiError::InvalidBody("nothing to update: give name or settings".into()));
        }
        Ok(patch)
    }
}

impl NewApiKey {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, &["kind", "name"])?;
        let kind = obj
            .get("kind")
            .ok_or_else(|| ApiError::invalid("kind", "is required"))?
            .as_str()
            .and_then(ApiKeyKind::parse)
            .ok_or_else(|| ApiError::invalid("kind", "must be \"pk\" or \"sk\""))?;
        let name = json_body::name("name", obj.get("name"), false)?.unwrap_or_else(|| "default".to_owned());
        Ok(Self { kind, name })
    }
}

/// Parses `{"hostname": …}` for a new custom domain. A name under the
/// platform domain is refused: those are subdomains, not custom domains.
pub fn parse_new_domain(body: &Value, platform_domain: &str) -> Result<String, ApiError> {
    let obj = object(body)?;
    reject_unknown(obj, &["hostname"])?;
    let raw = obj
        .get("hostname")
        .ok_or_else(|| ApiError::invalid("hostname", "is required"))?
        .as_str()
        .ok_or_else(|| ApiError::invalid("hostname", "must be a string"))?;
    let hostname = validate_hostname(raw).map_err(|e| ApiError::invalid("hostname", e.message()))?;
    let platform = platform_domain.trim_end_matches('.').to_ascii_lowercase();
    if hostname == platform || hostname.ends_with(&format!(".{platform}")) {
        return Err(ApiError::invalid("hostname", "must not be under the platform domain"));
    }
    Ok(hostname)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: ApiError) -> Option<&'static str> {
        e.body().field
    }

    #[test]
    fn the_copy_changed_last_is_acted_on() {
        let app = |id: &str, updated_at| Application {
            id: id.into(),
            slug: "myapp".into(),
            name: "My App".into(),
            settings: ApplicationSettings::default(),
            created_at: 0,
            updated_at,
            signer: crate::signer_shards::Placement::default(),
            tenant_shards: 1,
        };
        let forwarded = app("app_1", 100);
        assert!(Application::known_is_newer(Some(&app("app_1", 101)), &forwarded));
        assert!(!Application::known_is_newer(Some(&app("app_1", 100)), &forwarded), "a tie goes to the forwarded copy");
        assert!(!Application::known_is_newer(Some(&app("app_1", 99)), &forwarded));
        assert!(!Application::known_is_newer(Some(&app("app_2", 101)), &forwarded), "never another application's record");
        assert!(!Application::known_is_newer(None, &forwarded));
    }

    #[test]
    fn a_valid_application_parses() {
        let a = NewApplication::from_json(&json!({
            "slug": "myapp", "name": "  My App ",
            "settings": {"allowed_origins": ["https://App.example.com", "https://app.example.com"]}
        }))
        .unwrap();
        assert_eq!(a.slug.as_str(), "myapp");
        assert_eq!(a.name, "My App");
        assert_eq!(a.settings.allowed_origins, vec!["https://app.example.com".to_owned()]);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (json!({"name": "x"}), Some("slug")),
            (json!({"slug": 5, "name": "x"}), Some("slug")),
            (json!({"slug": "dashboard", "name": "x"}), Some("slug")),
            (json!({"slug": "my app", "name": "x"}), Some("slug")),
            (json!({"slug": "myapp"}), Some("name")),
            (json!({"slug": "myapp", "name": ""}), Some("name")),
            (json!({"slug": "myapp", "name": "a\u{7}b"}), Some("name")),
            (json!({"slug": "myapp", "name": "x".repeat(101)}), Some("name")),
            (json!({"slug": "myapp", "name": "x", "settings": []}), Some("settings")),
            (json!({"slug": "myapp", "name": "x", "settings": {"allowed_origins": ["*"]}}), Some("settings.allowed_origins")),
            (json!({"slug": "myapp", "name": "x", "extra": 1}), None),
            (json!([1]), None),
        ];
        for (body, field) in cases {
            let e = NewApplication::from_json(&body).unwrap_err();
            assert_eq!(e.status(), 400, "{body}");
            assert_eq!(field_of(e), field, "{body}");
        }
    }

    #[test]
    fn code_lifetime_is_bounded() {
        let ok = |v: serde_json::Value| NewApplication::from_json(&json!({"slug": "myapp", "name": "x", "settings": v}));
        assert_eq!(ok(json!({"authorization_code_ttl_seconds": 5})).unwrap().settings.code_ttl_ms(), 5_000);
        assert_eq!(ok(json!({})).unwrap().settings.code_ttl_ms(), 60_000);
        for bad in [json!(4), json!(601), json!("60"), json!(-1), json!(1.5)] {
            let e = ok(json!({"authorization_code_ttl_seconds": bad})).unwrap_err();
            assert_eq!(field_of(e), Some("settings.authorization_code_ttl_seconds"));
        }
    }

    #[test]
    fn sign_in_waits_for_a_confirmed_address_only_when_required() {
        let with = |v| ApplicationSettings { email_verification: Some(v), ..Default::default() };
        assert_eq!(with(EmailVerification::Optional).address_gate(true, false), AddressGate::Proceed);
        assert_eq!(with(EmailVerification::Off).address_gate(false, false), AddressGate::Proceed);
        assert_eq!(with(EmailVerification::Required).address_gate(true, true), AddressGate::Proceed);
        assert_eq!(with(EmailVerification::Required).address_gate(true, false), AddressGate::ConfirmFirst);
        assert_eq!(with(EmailVerification::Required).address_gate(false, false), AddressGate::NoAddress);
    }

    #[test]
    fn sign_up_proves_the_address_first_when_it_decides_or_must_be_verified() {
        use crate::signup::{Flow, SignupMode, SignupPolicy};
        let with = |signup: Option<SignupPolicy>, v: Option<EmailVerification>| {
            ApplicationSettings { signup, email_verification: v, ..Default::default() }.signup_flow()
        };
        assert_eq!(with(None, None), Flow::AtOnce { verify: true });
        assert_eq!(with(None, Some(EmailVerification::Off)), Flow::AtOnce { verify: false });
        assert_eq!(with(None, Some(EmailVerification::Required)), Flow::ProveFirst);
        let invite = SignupPolicy { mode: SignupMode::InviteOnly, allowed_domains: vec![] };
        assert_eq!(with(Some(invite), Some(EmailVerification::Off)), Flow::ProveFirst);
        let domains = SignupPolicy { mode: SignupMode::Open, allowed_domains: vec!["corp.example".into()] };
        assert_eq!(with(Some(domains), None), Flow::ProveFirst);
    }

    #[test]
    fn presence_and_refresh_leeway_settings_are_bounded() {
        let ok = |v: serde_json::Value| NewApplication::from_json(&json!({"slug": "myapp", "name": "x", "settings": v}));
        let d = ok(json!({})).unwrap().settings;
        assert_eq!((d.recent_sign_in_secs(), d.refresh_reuse_leeway_ms()), (300, 10_000));
        let s = ok(json!({"recent_sign_in_seconds": 60, "refresh_token_reuse_leeway_seconds": 0})).unwrap().settings;
        assert_eq!((s.recent_sign_in_secs(), s.refresh_reuse_leeway_ms()), (60, 0));
        assert_eq!(ok(json!({"roles_in_id_token": true})).unwrap().settings.roles_in_id_token, Some(true));
        assert_eq!(d.roles_in_id_token, None);
        assert_eq!(d.audit_retention_days(), 30);
        assert_eq!(ok(json!({"audit_retention_days": 7})).unwrap().settings.audit_retention_days(), 7);
        let roles = ok(json!({"default_roles": ["developer", " developer ", "member"]})).unwrap().settings.default_roles;
        assert_eq!(roles, Some(vec!["developer".to_owned(), "member".to_owned()]));
        for (bad, field) in [
            (json!({"recent_sign_in_seconds": 0}), "settings.recent_sign_in_seconds"),
            (json!({"recent_sign_in_seconds": "60"}), "settings.recent_sign_in_seconds"),
            (json!({"refresh_token_reuse_leeway_seconds": 301}), "settings.refresh_token_reuse_leeway_seconds"),
            (json!({"refresh_token_reuse_leeway_seconds": -1}), "settings.refresh_token_reuse_leeway_seconds"),
            (json!({"roles_in_id_token": "yes"}), "settings.roles_in_id_token"),
            (json!({"default_roles": "developer"}), "settings.default_roles"),
            (json!({"audit_retention_days": 0}), "settings.audit_retention_days"),
            (json!({"mfa": "sometimes"}), "settings.mfa"),
            (json!({"mfa_max_age_seconds": 0}), "settings.mfa_max_age_seconds"),
            (json!({"passkey_sign_in": "yes"}), "settings.passkey_sign_in"),
            (json!({"email_sign_in": 1}), "settings.email_sign_in"),
            (json!({"mfa_remember_days": 91}), "settings.mfa_remember_days"),
            (json!({"mfa_factors": ["totp", "email"]}), "settings.mfa_factors"),
            (json!({"sms_countries": ["+1"]}), "settings.sms_countries"),
            (json!({"sms_countries": "44"}), "settings.sms_countries"),
            (json!({"passkey_user_verification": "always"}), "settings.passkey_user_verification"),
            (json!({"audit_retention_days": 3651}), "settings.audit_retention_days"),
            (json!({"default_roles": [""]}), "settings.default_roles"),
            (json!({"default_roles": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]}), "settings.default_roles"),
        ] {
            assert_eq!(field_of(ok(bad).unwrap_err()), Some(field));
        }
    }

    #[test]
    fn lockout_settings_are_bounded() {
        let ok = |v: serde_json::Value| NewApplication::from_json(&json!({"slug": "myapp", "name": "x", "settings": {"lockout": v}}));
        let s = ok(json!({"max_failures": 3, "window_seconds": 600, "lock_seconds": 2})).unwrap().settings;
        assert_eq!((s.lockout_policy().max_failures, s.lockout_policy().base_lock_ms), (3, 2_000));
        assert_eq!(ApplicationSettings::default().lockout_policy(), LockoutPolicy::default());
        for bad in [json!({"max_failures": 0, "window_seconds": 600, "lock_seconds": 2}), json!({"max_failures": 3}), json!(5)] {
            assert!(field_of(ok(bad).unwrap_err()).is_some_and(|f| f.starts_with("settings.lockout")));
        }
    }

    #[test]
    fn patches_refuse_slug_changes_and_empty_bodies() {
        assert_eq!(field_of(ApplicationPatch::from_json(&json!({"slug": "other"})).unwrap_err()), Some("slug"));
        assert!(ApplicationPatch::from_json(&json!({})).is_err());
        let p = ApplicationPatch::from_json(&json!({"name": "New"})).unwrap();
        assert_eq!(p.name.as_deref(), Some("New"));
        assert!(p.settings.is_none());
    }

    #[test]
    fn api_key_requests_need_a_kind() {
        assert_eq!(NewApiKey::from_json(&json!({"kind": "sk"})).unwrap().kind, ApiKeyKind::Secret);
        assert_eq!(field_of(NewApiKey::from_json(&json!({})).unwrap_err()), Some("kind"));
        assert_eq!(field_of(NewApiKey::from_json(&json!({"kind": "live"})).unwrap_err()), Some("kind"));
    }

    #[test]
    fn custom_domains_must_be_outside_the_platform() {
        assert_eq!(parse_new_domain(&json!({"hostname": "Auth.Example.com"}), "aero2.dev").unwrap(), "auth.example.com");
        assert!(parse_new_domain(&json!({"hostname": "x.aero2.dev"}), "aero2.dev").is_err());
        assert!(parse_new_domain(&json!({"hostname": "not a host"}), "aero2.dev").is_err());
        assert!(parse_new_domain(&json!({}), "aero2.dev").is_err());
    }
}
