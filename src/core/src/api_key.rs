//! API keys: `pk_live_…` (publishable: identifies an application, grants no
//! data access) and `sk_live_…` (secret: authenticates management calls).
//!
//! A key is its kind's prefix and 48 hex characters (192 random bits). At
//! rest we keep only a public prefix (the kind plus the first 12 hex
//! characters, shown in listings and used to find the row) and the SHA-256
//! of the whole key; the presented key's digest is compared with
//! [`constant_time_eq`]. The full key is returned once, at creation.

use crate::encoding::{hex, sha256_hex};
use crate::secret::{constant_time_eq, SecretString};
use serde::{Deserialize, Serialize};

const RANDOM_HEX_LEN: usize = 48;
const LOOKUP_HEX_LEN: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiKeyKind {
    #[serde(rename = "pk")]
    Publishable,
    #[serde(rename = "sk")]
    Secret,
}

impl ApiKeyKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyKind::Publishable => "pk",
            ApiKeyKind::Secret => "sk",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pk" => Some(ApiKeyKind::Publishable),
            "sk" => Some(ApiKeyKind::Secret),
            _ => None,
        }
    }

    fn key_prefix(self) -> &'static str {
        match self {
            ApiKeyKind::Publishable => "pk_live_",
            ApiKeyKind::Secret => "sk_live_",
        }
    }
}

/// A freshly minted key: the secret for the one response that shows it, and
/// the two values that are stored.
#[derive(Debug)]
pub struct MintedApiKey {
    pub kind: ApiKeyKind,
    pub key: SecretString,
    pub public_prefix: String,
    pub secret_hash: String,
}

/// Mints a key of `kind` from 24 bytes of caller-supplied entropy.
#[must_use]
pub fn mint(kind: ApiKeyKind, entropy: [u8; 24]) -> MintedApiKey {
    let key = format!("{}{}", kind.key_prefix(), hex(&entropy));
    let public_prefix = key
        .get(..kind.key_prefix().len() + LOOKUP_HEX_LEN)
        .unwrap_or_default()
        .to_owned();
    let secret_hash = sha256_hex(key.as_bytes());
    MintedApiKey { kind, key: SecretString::new(key), public_prefix, secret_hash }
}

/// A key as presented by a caller, after a shape check that rejects junk
/// before any storage lookup.
#[derive(Debug)]
pub struct PresentedApiKey {
    pub kind: ApiKeyKind,
    pub public_prefix: String,
    digest: String,
}

impl PresentedApiKey {
    #[must_use]
    pub fn parse(presented: &str) -> Option<Self> {
        let (kind, rest) = if let Some(rest) = presented.strip_prefix("sk_live_") {
            (ApiKeyKind::Secret, rest)
        } else if let Some(rest) = presented.strip_prefix("pk_live_") {
            (ApiKeyKind::Publishable, rest)
        } else {
            return None;
        };
        let well_formed = rest.len() == RANDOM_HEX_LEN
            && rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return None;
        }
        let public_prefix = presented.get(..kind.key_prefix().len() + LOOKUP_HEX_LEN)?.to_owned();
        Some(Self { kind, public_prefix, digest: sha256_hex(presented.as_bytes()) })
    }

    /// Whether this key is the one whose digest was stored.
    #[must_use]
    pub fn matches(&self, stored_hash: &str) -> bool {
        constant_time_eq(self.digest.as_bytes(), stored_hash.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_have_the_documented_shape() {
        let k = mint(ApiKeyKind::Secret, [7; 24]);
        assert_eq!(k.key.secret(), format!("sk_live_{}", "07".repeat(24)));
        assert_eq!(k.public_prefix, "sk_live_070707070707");
        assert_eq!(k.secret_hash, sha256_hex(k.key.secret().as_bytes()));
        let p = mint(ApiKeyKind::Publishable, [0xfe; 24]);
        assert!(p.key.secret().starts_with("pk_live_fefe"));
    }

    #[test]
    fn a_presented_key_matches_only_its_own_hash() {
        let k = mint(ApiKeyKind::Secret, [1; 24]);
        let other = mint(ApiKeyKind::Secret, [2; 24]);
        let presented = PresentedApiKey::parse(k.key.secret()).unwrap();
        assert_eq!(presented.kind, ApiKeyKind::Secret);
        assert_eq!(presented.public_prefix, k.public_prefix);
        assert!(presented.matches(&k.secret_hash));
        assert!(!presented.matches(&other.secret_hash));
    }

    #[test]
    fn malformed_keys_are_refused_before_lookup() {
        let good = mint(ApiKeyKind::Secret, [3; 24]);
        let s = good.key.secret();
        for bad in [
            "",
            "sk_live_",
            "sk_test_030303030303030303030303030303030303030303030303",
            &s[..s.len() - 1],
            &format!("{s}0"),
            &s.to_uppercase(),
            &s.replace("sk_live_", "xx_live_"),
        ] {
            assert!(PresentedApiKey::parse(bad).is_none(), "{bad}");
        }
    }
}
