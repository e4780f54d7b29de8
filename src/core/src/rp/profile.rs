//! Who the upstream provider says signed in, read from what it sent: an
//! OIDC ID token (and UserInfo), a plain OAuth2 UserInfo document through
//! a claim mapping, or GitHub's `/user` and `/user/emails`.
//!
//! Only an address the provider asserts as verified is ever marked
//! verified here, and linking (`rp::linking`) trusts nothing else.

use crate::password::normalize_email;
use crate::rp::config::{check_endpoint_url, ClaimMapping, Reach};
use serde_json::{Map, Value};

const MAX_SUBJECT_CHARS: usize = 255;
const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The provider's stable id for the user (never an email).
    pub subject: String,
    /// Normalized; dropped if the provider's value is not an address.
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    /// How the provider says the user authenticated (its ID token's `amr`),
    /// or `fed` (see `crate::amr`).
    pub amr: Vec<String>,
}

impl Profile {
    /// The address a local account may take from this profile: only one
    /// the provider vouches for. An unverified one stays on the identity,
    /// as the provider's claim, and proves nothing (pre-account-takeover:
    /// anyone can make an upstream account naming someone else's address).
    #[must_use]
    pub fn verified_email(&self) -> Option<&str> {
        self.email.as_deref().filter(|_| self.email_verified)
    }
}

/// Why a profile could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileError {
    /// No usable subject.
    NoSubject,
    /// UserInfo's `sub` is not the ID token's (OIDC Core §5.3.2: "MUST
    /// NOT be used").
    SubjectMismatch,
    /// The document is not what the provider's wire format says.
    Malformed(&'static str),
}

/// From a validated ID token's claims and, if fetched, the UserInfo
/// response; UserInfo fills what the ID token left out.
pub fn from_oidc(id_token: &Map<String, Value>, userinfo: Option<&Value>) -> Result<Profile, ProfileError> {
    let subject = subject_of(id_token.get("sub"))?;
    let info = match userinfo {
        Some(v) => {
            let obj = v.as_object().ok_or(ProfileError::Malformed("UserInfo is not a JSON object"))?;
            if subject_of(obj.get("sub")).ok().as_deref() != Some(subject.as_str()) {
                return Err(ProfileError::SubjectMismatch);
            }
            Some(obj)
        }
        None => None,
    };
    let claim = |k: &str| id_token.get(k).filter(|v| !v.is_null()).or_else(|| info.and_then(|i| i.get(k)));
    let (email, email_verified) = email_pair(claim("email"), claim("email_verified"));
    Ok(Profile {
        subject,
        email,
        email_verified,
        name: name_of(claim("name")),
        picture: picture_of(claim("picture")),
        amr: crate::amr::federated(id_token.get("amr")),
    })
}

/// From a plain OAuth2 provider's UserInfo, read through `mapping`.
pub fn from_mapping(userinfo: &Value, mapping: &ClaimMapping) -> Result<Profile, ProfileError> {
    if !userinfo.is_object() {
        return Err(ProfileError::Malformed("UserInfo is not a JSON object"));
    }
    let at = |path: Option<&String>| path.and_then(|p| lookup(userinfo, p));
    let subject = subject_of(lookup(userinfo, &mapping.subject))?;
    let (email, email_verified) = email_pair(at(mapping.email.as_ref()), at(mapping.email_verified.as_ref()));
    Ok(Profile {
        subject,
        email,
        email_verified,
        name: name_of(at(mapping.name.as_ref())),
        picture: picture_of(at(mapping.picture.as_ref())),
        amr: crate::amr::federated(None),
    })
}

/// From GitHub's `GET /user` and, when the token may read it, `GET
/// /user/emails`. The subject is the numeric `id` (a login can be renamed
/// and reused). The address is the primary one if GitHub marks it
/// verified; otherwise the public `email` of `/user`, unverified.
pub fn from_github(user: &Value, emails: Option<&Value>) -> Result<Profile, ProfileError> {
    let obj = user.as_object().ok_or(ProfileError::Malformed("GitHub /user is not a JSON object"))?;
    let subject = match obj.get("id") {
        Some(Value::Number(n)) if n.as_u64().is_some() => n.to_string(),
        _ => return Err(ProfileError::NoSubject),
    };
    let primary = emails.and_then(Value::as_array).and_then(|list| {
        list.iter().find(|e| e.get("primary") == Some(&Value::Bool(true)) && e.get("verified") == Some(&Value::Bool(true)))
    });
    let (email, email_verified) = match primary {
        Some(p) => email_pair(p.get("email"), Some(&Value::Bool(true))),
        None => email_pair(obj.get("email"), None),
    };
    let name = name_of(obj.get("name")).or_else(|| name_of(obj.get("login")));
    Ok(Profile { subject, email, email_verified, name, picture: picture_of(obj.get("avatar_url")), amr: crate::amr::federated(None) })
}

/// A member name or dotted path into nested objects.
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, key| cur.get(key)).filter(|v| !v.is_null())
}

fn subject_of(v: Option<&Value>) -> Result<String, ProfileError> {
    let s = match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(ProfileError::NoSubject),
    };
    if s.is_empty() || s.chars().count() > MAX_SUBJECT_CHARS || s.chars().any(char::is_control) {
        return Err(ProfileError::NoSubject);
    }
    Ok(s)
}

/// `email_verified` is true only as JSON `true` (or the string "true",
/// which some providers send); an address that is not one is dropped.
fn email_pair(email: Option<&Value>, verified: Option<&Value>) -> (Option<String>, bool) {
    let email = email.and_then(Value::as_str).and_then(|e| normalize_email(e).ok());
    let verified = matches!(verified, Some(Value::Bool(true))) || verified.and_then(Value::as_str) == Some("true");
    let verified = email.is_some() && verified;
    (email, verified)
}

fn name_of(v: Option<&Value>) -> Option<String> {
    let s: String = v?.as_str()?.trim().chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    (!s.is_empty()).then_some(s)
}

fn picture_of(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?;
    // Shown in other sites' pages: https to a named host only.
    check_endpoint_url(s, Reach::Public).ok().map(|()| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oidc_claims_with_userinfo() {
        let id = json!({"sub": "248289761001", "email": "Jane@Example.com", "email_verified": true});
        let info = json!({"sub": "248289761001", "name": "Jane Doe", "picture": "https://lh3.example.com/a.jpg"});
        let p = from_oidc(id.as_object().unwrap(), Some(&info)).unwrap();
        assert_eq!(p.subject, "248289761001");
        assert_eq!(p.email.as_deref(), Some("jane@example.com"));
        assert!(p.email_verified);
        assert_eq!(p.name.as_deref(), Some("Jane Doe"));
        assert_eq!(p.picture.as_deref(), Some("https://lh3.example.com/a.jpg"));
        assert_eq!(p.amr, vec!["fed"]);
        assert_eq!(p.verified_email(), Some("jane@example.com"));
        let with_amr = json!({"sub": "a", "amr": ["pwd", "otp"]});
        assert_eq!(from_oidc(with_amr.as_object().unwrap(), None).unwrap().amr, vec!["pwd", "otp"]);
        let other = json!({"sub": "someone-else"});
        assert_eq!(from_oidc(id.as_object().unwrap(), Some(&other)), Err(ProfileError::SubjectMismatch));
    }

    #[test]
    fn email_is_verified_only_when_asserted() {
        let id = json!({"sub": "a", "email": "x@example.com"});
        let p = from_oidc(id.as_object().unwrap(), None).unwrap();
        assert!(!p.email_verified);
        assert_eq!(p.verified_email(), None, "an unverified address is the provider's claim, not the account's");
        let id = json!({"sub": "a", "email": "x@example.com", "email_verified": "true"});
        assert!(from_oidc(id.as_object().unwrap(), None).unwrap().email_verified);
        let id = json!({"sub": "a", "email": "not an address", "email_verified": true});
        let p = from_oidc(id.as_object().unwrap(), None).unwrap();
        assert_eq!((p.email, p.email_verified), (None, false));
        let id = json!({"sub": "a", "picture": "javascript:alert(1)"});
        assert_eq!(from_oidc(id.as_object().unwrap(), None).unwrap().picture, None);
    }

    #[test]
    fn github_uses_the_numeric_id_and_the_verified_primary_address() {
        let user = json!({"login": "octocat", "id": 583231, "name": null, "email": "public@example.com", "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4"});
        let emails = json!([
            {"email": "old@example.com", "primary": false, "verified": true, "visibility": null},
            {"email": "octo@example.com", "primary": true, "verified": true, "visibility": "public"}
        ]);
        let p = from_github(&user, Some(&emails)).unwrap();
        assert_eq!(p.subject, "583231");
        assert_eq!(p.email.as_deref(), Some("octo@example.com"));
        assert!(p.email_verified);
        assert_eq!(p.name.as_deref(), Some("octocat"));
        let unverified = json!([{"email": "octo@example.com", "primary": true, "verified": false}]);
        let p = from_github(&user, Some(&unverified)).unwrap();
        assert_eq!((p.email.as_deref(), p.email_verified), (Some("public@example.com"), false));
        assert_eq!(from_github(&json!({"login": "x", "id": "1"}), None), Err(ProfileError::NoSubject));
    }

    #[test]
    fn oauth2_mapping_reads_dotted_paths() {
        let info = json!({"id": 42, "contact": {"mail": "a@example.com", "ok": true}, "display": "A"});
        let m = ClaimMapping {
            subject: "id".into(),
            email: Some("contact.mail".into()),
            email_verified: Some("contact.ok".into()),
            name: Some("display".into()),
            picture: None,
        };
        let p = from_mapping(&info, &m).unwrap();
        assert_eq!((p.subject.as_str(), p.email.as_deref(), p.email_verified, p.name.as_deref()), ("42", Some("a@example.com"), true, Some("A")));
        assert_eq!(from_mapping(&json!({"x": 1}), &m), Err(ProfileError::NoSubject));
        assert!(from_mapping(&json!([1]), &m).is_err());
    }
}
