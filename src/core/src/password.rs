//! Passwords and email addresses of an application's users.
//!
//! Policy per NIST SP 800-63B §5.1.1.2: at least 8 characters, up to 256
//! bytes, any characters, no composition rules; never trimmed. The stored
//! form is a PHC-style string, `$pbkdf2-sha256$i=<iterations>$<salt>$<hash>`
//! (base64url), so the cost can be raised later and old hashes still verify.
//! Hashing itself runs in the Worker (WebCrypto); see docs/passwords.md.

use crate::json_body::{self, object, reject_unknown};
use crate::error::ApiError;
use crate::host::validate_hostname;
use crate::jose::b64;
use crate::secret::constant_time_eq;
use serde_json::Value;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 256;
const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// The length rules of NIST SP 800-63B §5.1.1.2, and nothing else: at least
/// 8 characters (code points), at most 256 bytes (a bound on hashing work,
/// far above any memorised secret). No composition rules, no trimming.
pub fn check_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid("password", format!("must be at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::invalid("password", format!("must be at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(())
}

/// The canonical form of an address, which is how it is stored and looked
/// up: trimmed, and lower-cased whole. RFC 5321 §2.4 lets a mailbox's local
/// part be case-sensitive, but no mainstream provider treats it so, and two
/// accounts for `Ada@` and `ada@` would be a trap. One `@`, a local part of
/// 1–64 octets and at most 254 in all (RFC 5321 §4.5.3.1, RFC 3696
/// erratum 1690), a domain that is a valid hostname (ASCII; IDNs in their
/// `xn--` form).
pub fn normalize_email(input: &str) -> Result<String, ApiError> {
    let email = input.trim().to_lowercase();
    let invalid = || ApiError::invalid("email", "must be a valid email address");
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    if local.is_empty() || local.len() > MAX_LOCAL_LEN || domain.contains('@') {
        return Err(invalid());
    }
    let domain = validate_hostname(domain).map_err(|_| invalid())?;
    let canonical = format!("{local}@{domain}");
    if canonical.len() > MAX_EMAIL_LEN {
        return Err(invalid());
    }
    Ok(canonical)
}

/// A password hash as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl PasswordHash {
    #[must_use]
    pub fn encode(&self) -> String {
        format!("$pbkdf2-sha256$i={}${}${}", self.iterations, b64::encode(&self.salt), b64::encode(&self.hash))
    }

    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        let mut parts = stored.strip_prefix("$pbkdf2-sha256$i=")?.split('$');
        let iterations = parts.next()?.parse().ok().filter(|i| *i > 0)?;
        let salt = b64::decode(parts.next()?).ok()?;
        let hash = b64::decode(parts.next()?).ok()?;
        if parts.next().is_some() || salt.len() < 16 || hash.len() != 32 {
            return None;
        }
        Some(Self { iterations, salt, hash })
    }

    /// Whether `derived` (the same KDF over the presented password) matches.
    #[must_use]
    pub fn matches(&self, derived: &[u8]) -> bool {
        constant_time_eq(&self.hash, derived)
    }
}

/// `{"email", "password", "name"?, "email_verified"?, "metadata"?}` for a
/// new user.
/// Only the management API may say the address is verified (the operator
/// vouches for it); the hosted sign-up form never passes the field.
#[derive(Debug)]
pub struct NewUser {
    pub email: String,
    pub password: crate::secret::SecretString,
    pub name: Option<String>,
    pub email_verified: bool,
    /// The application's own data about the user
    /// (`crate::custom_claims::parse_metadata`).
    pub metadata: Option<crate::custom_claims::JsonText>,
}

impl NewUser {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, &["email", "password", "name", "email_verified", "metadata"])?;
        let email_verified = match obj.get("email_verified") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| ApiError::invalid("email_verified", "must be true or false"))?,
        };
        let email = obj
            .get("email")
            .ok_or_else(|| ApiError::invalid("email", "is required"))?
            .as_str()
            .ok_or_else(|| ApiError::invalid("email", "must be a string"))?;
        let email = normalize_email(email)?;
        let password = obj
            .get("password")
            .ok_or_else(|| ApiError::invalid("password", "is required"))?
            .as_str()
            .ok_or_else(|| ApiError::invalid("password", "must be a string"))?;
        check_password(password)?;
        // null and absent alike: the sign-up form sends no name as null.
        let name = json_body::name("name", obj.get("name").filter(|v| !v.is_null()), false)?;
        let metadata = obj.get("metadata").filter(|v| !v.is_null()).map(|v| crate::custom_claims::parse_metadata(v, "metadata")).transpose()?;
        Ok(Self { email, password: crate::secret::SecretString::new(password.to_owned()), name, email_verified, metadata })
    }
}

/// `{"name"?, "disabled"?, "metadata"?}`: what the management API may
/// change on a user (`metadata` replaces the whole object).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub name: Option<String>,
    pub disabled: Option<bool>,
    pub metadata: Option<crate::custom_claims::JsonText>,
}

impl UserPatch {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        if obj.contains_key("email") || obj.contains_key("password") {
            return Err(ApiError::invalid(
                if obj.contains_key("email") { "email" } else { "password" },
                "cannot be changed here (the user's own verified flows change it)",
            ));
        }
        reject_unknown(obj, &["name", "disabled", "metadata"])?;
        let patch = Self {
            name: json_body::name("name", obj.get("name"), false)?,
            disabled: obj
                .get("disabled")
                .map(|v| v.as_bool().ok_or_else(|| ApiError::invalid("disabled", "must be true or false")))
                .transpose()?,
            metadata: obj.get("metadata").map(|v| crate::custom_claims::parse_metadata(v, "metadata")).transpose()?,
        };
        if patch == Self::default() {
            return Err(ApiError::InvalidBody("nothing to update: give name, disabled or metadata".into()));
        }
        Ok(patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passwords_follow_nist_length_rules_only() {
        assert!(check_password("12345678").is_ok());
        assert!(check_password("        ").is_ok(), "spaces count, nothing is trimmed");
        assert!(check_password("ÅÅÅÅÅÅÅÅ").is_ok());
        assert_eq!(check_password("1234567").unwrap_err().body().field, Some("password"));
        assert!(check_password(&"x".repeat(257)).is_err());
    }

    #[test]
    fn emails_are_canonical() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
        assert_eq!(normalize_email("ada+x@example.com.").unwrap(), "ada+x@example.com");
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("{}@{}.com", "a".repeat(64), vec!["b".repeat(60); 4].join("."));
        assert!(long_total.len() > 254);
        for bad in [
            "", "ada", "@example.com", "ada@", "ada@@example.com", "a da@example.com", "ada@exa mple.com",
            "ada@localhost", "ada@10.0.0.1", "ada\n@example.com", &long_local, &long_total,
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_hashes_round_trip_and_compare() {
        let h = PasswordHash { iterations: 100_000, salt: vec![7; 16], hash: vec![9; 32] };
        let s = h.encode();
        assert!(s.starts_with("$pbkdf2-sha256$i=100000$"));
        assert_eq!(PasswordHash::parse(&s), Some(h.clone()));
        assert!(h.matches(&[9; 32]));
        assert!(!h.matches(&[8; 32]));
        for bad in ["", "$argon2id$v=19$x", "$pbkdf2-sha256$i=0$AAAA$AAAA", &format!("{s}$extra")] {
            assert_eq!(PasswordHash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn user_patches_change_only_name_and_disabled() {
        assert_eq!(UserPatch::from_json(&json!({"disabled": true})).unwrap().disabled, Some(true));
        assert_eq!(UserPatch::from_json(&json!({"email": "x@y.example"})).unwrap_err().body().field, Some("email"));
        assert_eq!(UserPatch::from_json(&json!({"disabled": "yes"})).unwrap_err().body().field, Some("disabled"));
        assert!(UserPatch::from_json(&json!({})).is_err());
    }

    #[test]
    fn new_users_name_the_bad_field() {
        let ok = NewUser::from_json(&json!({"email": "A@b.example", "password": "long enough", "name": "Ada"})).unwrap();
        assert_eq!((ok.email.as_str(), ok.name.as_deref()), ("a@b.example", Some("Ada")));
        for (body, field) in [
            (json!({"password": "long enough"}), Some("email")),
            (json!({"email": "nope", "password": "long enough"}), Some("email")),
            (json!({"email": "a@b.example"}), Some("password")),
            (json!({"email": "a@b.example", "password": "short"}), Some("password")),
            (json!({"email": "a@b.example", "password": "long enough", "name": ""}), Some("name")),
            (json!({"email": "a@b.example", "password": "long enough", "role": "admin"}), None),
        ] {
            assert_eq!(NewUser::from_json(&body).unwrap_err().body().field, field, "{body}");
        }
    }
}
