//! Second factors: TOTP (RFC 6238 over RFC 4226) and recovery codes, and
//! the application's policy for them.
//!
//! TOTP here is what every authenticator app speaks: HMAC-SHA-1, 6 digits,
//! 30-second steps, a 160-bit secret shown as base32 and as an
//! `otpauth://` URI (QR code). A code is accepted for the current step and
//! one step either side (clock drift), and only for a step later than the
//! last one used (RFC 6238 §5.2): the same code never works twice.
//!
//! Recovery codes: ten, each 50 bits of entropy written as two groups of
//! five base32 characters; stored as SHA-256 digests; each works once.

use crate::encoding::sha256_hex;
use crate::time::UnixMillis;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

pub const DIGITS: u32 = 6;
pub const STEP_SECS: i64 = 30;
/// Steps accepted either side of the current one.
pub const DRIFT_STEPS: i64 = 1;
/// Secret length in bytes (RFC 4226 §4 recommends 160 bits).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes issued at a time.
pub const RECOVERY_CODES: usize = 10;
const RECOVERY_CODE_BYTES: usize = 7;

/// The second factor an application asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Factors cannot be added (those already added are still asked for).
    Off,
    /// Users may add a factor; those who did are asked for it.
    #[default]
    Optional,
    /// Every user must have one: a user without is asked to add one when
    /// they sign in.
    Required,
}

impl Policy {
    #[must_use]
    pub fn parse(s: &str) -> Option<Policy> {
        match s {
            "off" => Some(Policy::Off),
            "optional" => Some(Policy::Optional),
            "required" => Some(Policy::Required),
            _ => None,
        }
    }
}

/// The kinds of second factor; an application may offer some only
/// (`settings.mfa_factors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An authenticator app (TOTP).
    Totp,
    Passkey,
    /// Codes by text message.
    Sms,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Totp, Kind::Passkey, Kind::Sms];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Totp => "totp",
            Kind::Passkey => "passkey",
            Kind::Sms => "sms",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a sign-in needs after the first factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing more.
    Done,
    /// A code from one of the user's factors (or a recovery code).
    Challenge,
    /// The user has none and the application requires one: add it now.
    Enrol,
}

/// The next step for a user with `confirmed_factors` under `policy`.
#[must_use]
pub fn next_step(policy: Policy, confirmed_factors: usize) -> Step {
    match (policy, confirmed_factors) {
        (_, n) if n > 0 => Step::Challenge,
        (Policy::Required, _) => Step::Enrol,
        _ => Step::Done,
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn alphabet(five_bits: u32) -> char {
    char::from(BASE32.get((five_bits & 31) as usize).copied().unwrap_or(b'A'))
}

/// RFC 4648 base32, without padding.
#[must_use]
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for b in bytes {
        buf = (buf << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(alphabet(buf >> bits));
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(alphabet(buf << (5 - bits)));
    }
    out
}

/// The HOTP value of `secret` at `counter` (RFC 4226 §5.3), 6 digits.
#[must_use]
pub fn hotp(secret: &[u8], counter: u64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else { return String::new() };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.get(19).copied().unwrap_or(0) & 0x0f);
    let word = digest
        .get(offset..offset + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, |w| u32::from_be_bytes(w) & 0x7fff_ffff);
    format!("{:06}", word % 10u32.pow(DIGITS))
}

/// The time step of `now` (RFC 6238 §4.2, T0 = 0).
#[must_use]
pub fn step_of(now: UnixMillis) -> i64 {
    now.as_secs().div_euclid(STEP_SECS)
}

/// The TOTP code for `step`.
#[must_use]
pub fn code_at(secret: &[u8], step: i64) -> String {
    hotp(secret, u64::try_from(step).unwrap_or(0))
}

/// What a presented code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Good for this step: remember it as the last used.
    Accepted { step: i64 },
    /// Right, but for a step already used (or earlier): a replay.
    Replayed,
    Wrong,
}

/// Checks `code` at `now` against `secret`, given the last step used.
#[must_use]
pub fn check(secret: &[u8], code: &str, now: UnixMillis, last_step: Option<i64>) -> Check {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Check::Wrong;
    }
    let current = step_of(now);
    let mut replayed = false;
    for step in current - DRIFT_STEPS..=current + DRIFT_STEPS {
        if crate::secret::constant_time_eq(code_at(secret, step).as_bytes(), code.as_bytes()) {
            if last_step.is_some_and(|last| step <= last) {
                replayed = true;
                continue;
            }
            return Check::Accepted { step };
        }
    }
    if replayed {
        Check::Replayed
    } else {
        Check::Wrong
    }
}

/// Percent-encoding for a URI (spaces as `%20`: the label is a path).
fn encode_component(s: &str) -> String {
    // The form encoding writes a space as `+` and a `+` as `%2B`.
    crate::oauth::params::encode_component(s).replace('+', "%20")
}

/// The `otpauth://totp/…` URI authenticator apps read (the Key Uri Format
/// of Google Authenticator, which every app follows).
#[must_use]
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        encode_component(issuer),
        encode_component(account),
        base32(secret),
        encode_component(issuer)
    )
}

/// `uri` as a QR code, an SVG document (no script, no external reference).
#[must_use]
pub fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    }
}

/// Ten recovery codes from `entropy` (7 bytes each), as shown to the user
/// (`abcde-fghij`).
#[must_use]
pub fn recovery_codes(entropy: &[u8; RECOVERY_CODES * RECOVERY_CODE_BYTES]) -> Vec<String> {
    entropy
        .chunks(RECOVERY_CODE_BYTES)
        .map(|chunk| {
            let s = base32(chunk).to_ascii_lowercase();
            let s = s.get(..10).unwrap_or(&s);
            format!("{}-{}", s.get(..5).unwrap_or_default(), s.get(5..).unwrap_or_default())
        })
        .collect()
}

/// The digest a recovery code is stored as: case, spaces and dashes do not
/// matter when it is typed back.
#[must_use]
pub fn recovery_digest(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    sha256_hex(format!("aero2-recovery:{normal}").as_bytes())
}

/// `amr` after a second factor (RFC 8176): the first factor's, `otp`, and
/// `mfa`.
#[must_use]
pub fn with_second_factor(first: &[String], method: &str) -> Vec<String> {
    let mut amr = first.to_vec();
    for m in [method, "mfa"] {
        if !amr.iter().any(|a| a == m) {
            amr.push(m.to_owned());
        }
    }
    amr
}

/// The `acr` a sign-in with this `amr` reached.
pub const ACR_MFA: &str = "urn:aero2:acr:mfa";
/// The `acr_values` Aero2 understands (discovery's `acr_values_supported`).
pub const ACR_VALUES: &[&str] = &[ACR_MFA];

/// The step a step-up (`acr_values` asking for a second factor) needs:
/// a code when the user has a factor, else adding one; `None` when the
/// application offers none.
#[must_use]
pub fn step_up(policy: Policy, confirmed_factors: usize) -> Option<Step> {
    match (policy, confirmed_factors) {
        (_, n) if n > 0 => Some(Step::Challenge),
        (Policy::Off, _) => None,
        _ => Some(Step::Enrol),
    }
}

#[must_use]
pub fn acr_of(amr: &[String]) -> Option<String> {
    amr.iter().any(|a| a == "mfa").then(|| ACR_MFA.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_4226_and_6238_test_vectors() {
        // RFC 4226 Appendix D (the last 6 digits of each value).
        let hotps = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (i, want) in hotps.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, i as u64), *want, "counter {i}");
        }
        // RFC 6238 Appendix B, SHA-1 rows (8-digit values, last 6 digits).
        for (t, want) in [(59, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"), (2_000_000_000, "279037")] {
            assert_eq!(code_at(RFC_SECRET, step_of(UnixMillis(t * 1000))), want, "T = {t}");
        }
    }

    #[test]
    fn a_code_works_once_within_one_step_of_drift() {
        let now = UnixMillis(1_700_000_000_000);
        let step = step_of(now);
        let code = |s: i64| code_at(RFC_SECRET, s);
        assert_eq!(check(RFC_SECRET, &code(step), now, None), Check::Accepted { step });
        assert_eq!(check(RFC_SECRET, &code(step - 1), now, None), Check::Accepted { step: step - 1 });
        assert_eq!(check(RFC_SECRET, &code(step + 1), now, None), Check::Accepted { step: step + 1 });
        assert_eq!(check(RFC_SECRET, &code(step - 2), now, None), Check::Wrong, "two steps late");
        assert_eq!(check(RFC_SECRET, &code(step + 2), now, None), Check::Wrong);
        // Used once: the same code, or an older one, is a replay.
        assert_eq!(check(RFC_SECRET, &code(step), now, Some(step)), Check::Replayed);
        assert_eq!(check(RFC_SECRET, &code(step - 1), now, Some(step)), Check::Replayed);
        assert_eq!(check(RFC_SECRET, &code(step + 1), now, Some(step)), Check::Accepted { step: step + 1 });
        for bad in ["", "12345", "1234567", "abcdef", "12 34 5x"] {
            assert_eq!(check(RFC_SECRET, bad, now, None), Check::Wrong, "{bad:?}");
        }
        assert_eq!(check(RFC_SECRET, &format!(" {} ", code(step)), now, None), Check::Accepted { step });
    }

    #[test]
    fn secrets_are_shown_as_base32_and_an_otpauth_uri() {
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let uri = otpauth_uri("Acme Shop", "ada@example.com", RFC_SECRET);
        assert_eq!(uri, "otpauth://totp/Acme%20Shop:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20Shop&algorithm=SHA1&digits=6&period=30");
        let svg = qr_svg(&uri);
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && !svg.contains("<script"), "{}", &svg[..80]);
    }

    #[test]
    fn recovery_codes_are_distinct_and_typed_back_loosely() {
        let mut entropy = [0u8; 70];
        for (i, b) in entropy.iter_mut().enumerate() {
            *b = (i * 37 % 251) as u8;
        }
        let codes = recovery_codes(&entropy);
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'), "{codes:?}");
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert_eq!(recovery_digest(&codes[0]), recovery_digest(&format!(" {} ", codes[0].to_uppercase().replace('-', ""))));
        assert_ne!(recovery_digest(&codes[0]), recovery_digest(&codes[1]));
    }

    #[test]
    fn policy_decides_the_step_and_amr_says_what_happened() {
        assert_eq!(next_step(Policy::Optional, 0), Step::Done);
        assert_eq!(next_step(Policy::Off, 1), Step::Challenge, "an enrolled user is always asked");
        assert_eq!(next_step(Policy::Required, 0), Step::Enrol);
        assert_eq!(next_step(Policy::Required, 2), Step::Challenge);
        let amr = with_second_factor(&["pwd".to_owned()], "otp");
        assert_eq!(amr, ["pwd", "otp", "mfa"]);
        assert_eq!(acr_of(&amr).as_deref(), Some(ACR_MFA));
        assert_eq!(acr_of(&["pwd".to_owned()]), None);
        assert_eq!(Policy::parse("required"), Some(Policy::Required));
        assert_eq!(Policy::parse("sometimes"), None);
        assert_eq!(step_up(Policy::Optional, 0), Some(Step::Enrol), "a step-up enrols whoever has none");
        assert_eq!(step_up(Policy::Off, 1), Some(Step::Challenge));
        assert_eq!(step_up(Policy::Off, 0), None);
    }
}
