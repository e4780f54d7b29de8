//! Verified domains of organizations: an organization claims a domain,
//! proves it with a DNS TXT record, and says what happens to users whose
//! *confirmed* address is at that domain ([`Policy`]). A domain belongs to
//! at most one organization of an application (the database keeps it
//! unique), and only confirmed addresses count: an address nobody proved
//! enrols nobody.
//!
//! The proof: a TXT record `_aero2-verification.<domain>` whose value is
//! `aero2-verification=<token>` ([`record`]). The platform's operator
//! marks the domain verified once the record is seen (locally, without
//! DNS; in production after resolving it, see the README).

use crate::error::ApiError;
use crate::host::validate_hostname;
use crate::json_body::{object, reject_unknown};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Domains per organization.
pub const MAX_DOMAINS: usize = 20;
/// The label of the TXT record that proves a claim.
pub const RECORD_LABEL: &str = "_aero2-verification";

/// What a verified domain does for users whose confirmed address is at it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Nothing: the domain is only proven.
    #[default]
    None,
    /// The organization is offered to them on the organization picker;
    /// choosing it makes them a member.
    Suggest,
    /// They become members when they sign in.
    Automatic,
}

impl Policy {
    fn parse(v: &Value) -> Result<Policy, ApiError> {
        serde_json::from_value(v.clone()).map_err(|_| ApiError::invalid("enrolment", "must be \"none\", \"suggest\" or \"automatic\""))
    }
}

/// A domain an organization claims, as stored and as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDomain {
    pub domain: String,
    pub org_id: String,
    pub enrolment: Policy,
    /// The value the TXT record must hold.
    pub verification_token: String,
    pub verified_at: Option<i64>,
    pub created_at: i64,
}

impl OrgDomain {
    /// The API's view: the record, and the TXT record to publish.
    #[must_use]
    pub fn shown(&self) -> Value {
        let (name, value) = record(&self.domain, &self.verification_token);
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.remove("verification_token");
            m.insert("verified".into(), self.verified_at.is_some().into());
            m.insert("dns_record".into(), serde_json::json!({ "type": "TXT", "name": name, "value": value }));
        }
        v
    }
}

/// The TXT record proving `domain`: its name and value.
#[must_use]
pub fn record(domain: &str, token: &str) -> (String, String) {
    (format!("{RECORD_LABEL}.{domain}"), format!("aero2-verification={token}"))
}

/// `{"domain", "enrolment"?}`.
///
/// # Errors
/// 400 naming the field.
pub fn parse_new(body: &Value) -> Result<(String, Policy), ApiError> {
    let obj = object(body)?;
    reject_unknown(obj, &["domain", "enrolment"])?;
    let raw = obj.get("domain").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("domain", "is required"))?;
    let domain = validate_hostname(raw).map_err(|_| ApiError::invalid("domain", "must be a domain name such as example.com"))?;
    let policy = obj.get("enrolment").map(Policy::parse).transpose()?.unwrap_or_default();
    Ok((domain, policy))
}

/// `{"enrolment"}`: the one thing that changes.
///
/// # Errors
/// 400 naming the field.
pub fn parse_patch(body: &Value) -> Result<Policy, ApiError> {
    let obj = object(body)?;
    reject_unknown(obj, &["enrolment"])?;
    obj.get("enrolment").map(Policy::parse).transpose()?.ok_or_else(|| ApiError::invalid("enrolment", "is required"))
}

/// The domain of a confirmed address (lower case), or `None` for one
/// nobody proved: such an address enrols nobody.
#[must_use]
pub fn of_confirmed_address(email: Option<&str>, confirmed: bool) -> Option<String> {
    let email = email.filter(|_| confirmed)?;
    let (_, domain) = email.rsplit_once('@')?;
    Some(domain.to_ascii_lowercase()).filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_claim_names_a_domain_and_a_policy() {
        assert_eq!(parse_new(&json!({"domain": "Acme.COM."})).unwrap(), ("acme.com".into(), Policy::None));
        assert_eq!(parse_new(&json!({"domain": "acme.com", "enrolment": "automatic"})).unwrap().1, Policy::Automatic);
        for (body, field) in [
            (json!({}), "domain"),
            (json!({"domain": "localhost"}), "domain"),
            (json!({"domain": "acme..com"}), "domain"),
            (json!({"domain": "10.0.0.1"}), "domain"),
            (json!({"domain": "acme.com", "enrolment": "always"}), "enrolment"),
        ] {
            match parse_new(&body) {
                Err(ApiError::InvalidField { field: f, .. }) => assert_eq!(f, field, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert_eq!(parse_patch(&json!({"enrolment": "suggest"})).unwrap(), Policy::Suggest);
        assert!(parse_patch(&json!({})).is_err() && parse_patch(&json!({"domain": "x.com"})).is_err());
    }

    #[test]
    fn only_a_confirmed_address_has_a_domain_that_counts() {
        assert_eq!(of_confirmed_address(Some("ada@Acme.com"), true).as_deref(), Some("acme.com"));
        assert_eq!(of_confirmed_address(Some("ada@acme.com"), false), None);
        assert_eq!(of_confirmed_address(None, true), None);
    }

    #[test]
    fn the_api_shows_the_record_to_publish_not_the_bare_token() {
        let d = OrgDomain { domain: "acme.com".into(), org_id: "org_1".into(), enrolment: Policy::Suggest, verification_token: "t0k".into(), verified_at: None, created_at: 1 };
        let v = d.shown();
        assert_eq!(v["dns_record"], json!({"type": "TXT", "name": "_aero2-verification.acme.com", "value": "aero2-verification=t0k"}));
        assert_eq!((v["verified"].as_bool(), v["enrolment"].as_str()), (Some(false), Some("suggest")));
        assert!(v.get("verification_token").is_none());
    }
}
