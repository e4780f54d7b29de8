//! How a user was authenticated: the `amr` claim (OIDC Core §2, RFC 8176).
//! A session records it when it starts and every token issued through the
//! session (its code, its refresh family) carries it, so an ID token never
//! claims a password where none was typed.
//!
//! | sign-in | `amr` |
//! |---|---|
//! | email and password | `["pwd"]` |
//! | an upstream provider that says how (its ID token's `amr`) | that, as it said it |
//! | any other upstream provider | `["fed"]` (federated; no RFC 8176 value says more) |

use serde_json::Value;

pub const PASSWORD: &str = "pwd";
/// Authenticated by another identity provider that did not say how.
pub const FEDERATED: &str = "fed";

const MAX_VALUES: usize = 8;
const MAX_VALUE_LEN: usize = 32;

#[must_use]
pub fn password() -> Vec<String> {
    vec![PASSWORD.to_owned()]
}

/// The `amr` of a federated sign-in: the provider's own (from its ID
/// token, already validated) when it sent a well-formed one, else `fed`.
#[must_use]
pub fn federated(upstream: Option<&Value>) -> Vec<String> {
    upstream.and_then(well_formed).unwrap_or_else(|| vec![FEDERATED.to_owned()])
}

/// A non-empty array of at most eight short lowercase tokens, as RFC 8176
/// values are; anything else is not repeated in our tokens.
fn well_formed(v: &Value) -> Option<Vec<String>> {
    let list = v.as_array()?;
    if list.is_empty() || list.len() > MAX_VALUES {
        return None;
    }
    list.iter()
        .map(|x| {
            let s = x.as_str()?;
            let ok = !s.is_empty() && s.len() <= MAX_VALUE_LEN && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
            ok.then(|| s.to_owned())
        })
        .collect()
}

/// Reads a stored `amr` (a JSON array); what cannot be read says nothing
/// more than "authenticated".
#[must_use]
pub fn from_stored(s: Option<&str>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str::<Value>(s).ok()).as_ref().and_then(well_formed).unwrap_or_default()
}

#[must_use]
pub fn to_stored(amr: &[String]) -> String {
    Value::from(amr.to_vec()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_provider_that_says_how_is_repeated_else_fed() {
        assert_eq!(federated(Some(&json!(["pwd", "mfa"]))), vec!["pwd", "mfa"]);
        assert_eq!(federated(None), vec!["fed"]);
        for junk in [json!([]), json!("pwd"), json!(["PWD"]), json!(["pwd", 1]), json!(vec!["a"; 9]), json!(["<script>"])] {
            assert_eq!(federated(Some(&junk)), vec!["fed"], "{junk}");
        }
    }

    #[test]
    fn stored_values_round_trip() {
        assert_eq!(from_stored(Some(&to_stored(&password()))), vec!["pwd"]);
        assert!(from_stored(None).is_empty());
        assert!(from_stored(Some("not json")).is_empty());
    }
}
