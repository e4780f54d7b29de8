//! The audit log: who did what, per application, tamper-evident.
//!
//! Each application's `TenantApp` is the single writer of its log, so it
//! can number the entries (`seq` 1, 2, …) and chain them: an entry's
//! `hash` is SHA-256 over the previous entry's hash and the entry's own
//! canonical form ([`canonical`]: keys sorted, no whitespace). The first
//! entry follows [`genesis`], which names the application, so a chain
//! cannot be moved to another one. Whoever can edit the database can
//! change an entry, but not without breaking the link to every later one,
//! and [`verify`] reports the first broken link. Deleting the newest
//! entries leaves a valid shorter chain, which is why the object also
//! keeps the head (seq and hash) where the database's editor cannot reach
//! it, and publishes signed checkpoints of it.
//!
//! Retention deletes the oldest entries; the object then remembers the
//! last deleted entry as the chain's [`Link`] anchor, so verification
//! starts there and a deletion at the old end is caught too.

use crate::encoding::sha256_hex;
use crate::routes::management::Endpoint;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Days an entry is kept, unless the application says otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// The range `settings.audit_retention_days` may take.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u64> = 1..=3_650;
const GENESIS_DOMAIN: &str = "aero2-audit-v1";
/// Longest user agent kept.
const MAX_USER_AGENT_CHARS: usize = 256;

/// What a call site records: the rest (number, time, hashes) the writer adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `client.created`, `signin.failed`, … (see README, "Audit log").
    #[serde(rename = "type")]
    pub kind: String,
    /// `operator`, `key:<id>`, `user:<id>`, `anonymous`, `system`.
    pub actor: String,
    /// The user the event concerns, if any.
    pub user_id: Option<String>,
    /// What it acted on, as a path below the application (`clients/cl_…`).
    pub resource: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// Anything else: `before`/`after` (secrets redacted), a `reason`, …
    pub detail: Value,
    /// The organization it concerns, if any: an organization's admins read
    /// the entries that name theirs. Hashed only when present, so entries
    /// written before organizations existed verify as they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
}

impl Event {
    /// An event of `kind` by `actor`, with nothing else yet.
    #[must_use]
    pub fn new(kind: &str, actor: &str) -> Event {
        Event {
            kind: kind.to_owned(),
            actor: actor.to_owned(),
            user_id: None,
            resource: None,
            ip: None,
            user_agent: None,
            request_id: None,
            detail: Value::Object(Map::new()),
            org_id: None,
        }
    }

    #[must_use]
    pub fn organization(mut self, org_id: &str) -> Event {
        self.org_id = Some(org_id.to_owned());
        self
    }

    #[must_use]
    pub fn user(mut self, user_id: &str) -> Event {
        self.user_id = Some(user_id.to_owned());
        self
    }

    #[must_use]
    pub fn resource(mut self, resource: String) -> Event {
        self.resource = Some(resource);
        self
    }

    /// Adds `key` to the detail object.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Event {
        if let Value::Object(m) = &mut self.detail {
            m.insert(key.to_owned(), value.into());
        }
        self
    }

    /// Where the request came from (the user agent cut to 256 characters).
    #[must_use]
    pub fn from_request(mut self, ip: Option<String>, user_agent: Option<String>, request_id: Option<String>) -> Event {
        self.ip = ip;
        self.user_agent = user_agent.map(|u| u.chars().take(MAX_USER_AGENT_CHARS).collect());
        self.request_id = request_id;
        self
    }
}

/// A position in the chain: an entry's number and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub seq: u64,
    pub hash: String,
}

/// What comes before the first entry of `app_id`'s log.
#[must_use]
pub fn genesis(app_id: &str) -> Link {
    Link { seq: 0, hash: sha256_hex(format!("{GENESIS_DOMAIN}:{app_id}").as_bytes()) }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub app_id: String,
    pub seq: u64,
    /// Milliseconds since the epoch.
    pub at: i64,
    #[serde(flatten)]
    pub event: Event,
    pub prev_hash: String,
    pub hash: String,
}

/// JSON with every object's keys sorted and no whitespace: the same bytes
/// whatever map the JSON library uses.
fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    canonical_json(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The bytes an entry's hash covers: everything but the hashes.
#[must_use]
pub fn canonical(app_id: &str, seq: u64, at: i64, event: &Event) -> String {
    let mut body = serde_json::json!({
        "app_id": app_id,
        "seq": seq,
        "at": at,
        "type": event.kind,
        "actor": event.actor,
        "user_id": event.user_id,
        "resource": event.resource,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "detail": event.detail,
    });
    if let (Some(org), Value::Object(m)) = (&event.org_id, &mut body) {
        m.insert("org_id".into(), org.clone().into());
    }
    let mut out = String::new();
    canonical_json(&body, &mut out);
    out
}

fn link_hash(prev: &str, canonical: &str) -> String {
    sha256_hex(format!("{prev}\n{canonical}").as_bytes())
}

/// The entry that follows `head` (the genesis for an empty log).
#[must_use]
pub fn append(head: &Link, app_id: &str, at: i64, event: Event) -> Entry {
    let seq = head.seq + 1;
    let hash = link_hash(&head.hash, &canonical(app_id, seq, at, &event));
    Entry { app_id: app_id.to_owned(), seq, at, event, prev_hash: head.hash.clone(), hash }
}

impl Entry {
    #[must_use]
    pub fn link(&self) -> Link {
        Link { seq: self.seq, hash: self.hash.clone() }
    }
}

/// The first thing wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    pub seq: u64,
    pub reason: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub ok: bool,
    /// Entries checked.
    pub checked: u64,
    pub first_broken: Option<Broken>,
}

/// Checks a log read in `seq` order against the chain's `anchor` (the
/// genesis, or the last entry retention deleted) and the writer's `head`;
/// `checkpoint`, if any, must be on the chain too.
#[must_use]
pub fn verify<'a>(app_id: &str, anchor: &Link, head: &Link, checkpoint: Option<&Link>, entries: impl IntoIterator<Item = &'a Entry>) -> Report {
    let mut v = Verifier::new(app_id, anchor, checkpoint);
    for e in entries {
        if !v.feed(e) {
            break;
        }
    }
    v.finish(head)
}

/// [`verify`] one entry at a time, for logs read in pages.
#[derive(Debug, Clone)]
pub struct Verifier {
    app_id: String,
    prev: Link,
    checked: u64,
    checkpoint: Option<Link>,
    checkpoint_seen: bool,
    broken: Option<Broken>,
}

impl Verifier {
    #[must_use]
    pub fn new(app_id: &str, anchor: &Link, checkpoint: Option<&Link>) -> Verifier {
        Verifier {
            app_id: app_id.to_owned(),
            prev: anchor.clone(),
            checked: 0,
            checkpoint: checkpoint.cloned(),
            checkpoint_seen: checkpoint.is_none_or(|c| c.seq <= anchor.seq),
            broken: None,
        }
    }

    /// Checks the next entry; `false` once something is broken (the rest
    /// need not be read).
    pub fn feed(&mut self, e: &Entry) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let prev = &self.prev;
        let expected = prev.seq + 1;
        let fault = if e.app_id != self.app_id {
            Some((e.seq, "belongs to another application".to_owned()))
        } else if e.seq != expected {
            Some((expected, format!("entry {expected} is missing (the next one found is {})", e.seq)))
        } else if e.prev_hash != prev.hash {
            Some((e.seq, format!("does not follow entry {}: the chain was rewritten here", prev.seq)))
        } else if link_hash(&prev.hash, &canonical(&self.app_id, e.seq, e.at, &e.event)) != e.hash {
            Some((e.seq, "its content was changed after it was written".to_owned()))
        } else if self.checkpoint.as_ref().is_some_and(|c| c.seq == e.seq && c.hash != e.hash) {
            Some((e.seq, "differs from the signed checkpoint of this entry".to_owned()))
        } else {
            None
        };
        if let Some((seq, reason)) = fault {
            self.broken = Some(Broken { seq, reason });
            return false;
        }
        if self.checkpoint.as_ref().is_some_and(|c| c.seq == e.seq) {
            self.checkpoint_seen = true;
        }
        self.checked += 1;
        self.prev = e.link();
        true
    }

    /// The verdict, given the writer's `head`.
    #[must_use]
    pub fn finish(self, head: &Link) -> Report {
        let (checked, prev) = (self.checked, &self.prev);
        let broken = |seq: u64, reason: String| Report { ok: false, checked, first_broken: Some(Broken { seq, reason }) };
        if let Some(b) = self.broken {
            return Report { ok: false, checked, first_broken: Some(b) };
        }
        if prev.seq < head.seq {
            return broken(prev.seq + 1, format!("entries {} to {} are missing: the log ends before the writer's last entry", prev.seq + 1, head.seq));
        }
        if prev != head {
            return broken(prev.seq, "the last entry is not the one its writer recorded".into());
        }
        if !self.checkpoint_seen {
            return broken(self.checkpoint.map_or(0, |c| c.seq), "the entry of the latest signed checkpoint is gone".into());
        }
        Report { ok: true, checked, first_broken: None }
    }

    /// The last entry checked (the anchor before any).
    #[must_use]
    pub fn last(&self) -> &Link {
        &self.prev
    }
}

/// Which query parameters the log's listing takes, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kind: Option<String>,
    pub actor: Option<String>,
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    /// Milliseconds since the epoch, inclusive.
    pub since: Option<i64>,
    /// Milliseconds since the epoch, exclusive.
    pub until: Option<i64>,
    /// Entries before this number (newest first), or after it (export).
    pub cursor: Option<u64>,
    pub limit: usize,
}

/// Entries per page, at most and by default.
pub const MAX_PAGE: usize = 200;
const DEFAULT_PAGE: usize = 50;

impl Filter {
    /// From a query string's pairs: `type`, `actor`, `user_id`, `org_id`, `since`,
    /// `until`, `cursor`, `limit` (1 to `max_limit`).
    ///
    /// # Errors
    /// 400 naming the parameter.
    pub fn from_query(pairs: &[(String, String)], max_limit: usize) -> Result<Filter, crate::error::ApiError> {
        use crate::error::ApiError;
        let mut f = Filter { limit: DEFAULT_PAGE.min(max_limit), ..Filter::default() };
        let text = |field: &'static str, v: &str| -> Result<String, ApiError> {
            if v.is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
                return Err(ApiError::invalid(field, "must be 1 to 200 characters"));
            }
            Ok(v.to_owned())
        };
        let number = |field: &'static str, v: &str| -> Result<i64, ApiError> {
            v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| ApiError::invalid(field, "must be a non-negative integer"))
        };
        for (k, v) in pairs {
            match k.as_str() {
                "type" => f.kind = Some(text("type", v)?),
                "actor" => f.actor = Some(text("actor", v)?),
                "user_id" => f.user_id = Some(text("user_id", v)?),
                "org_id" => f.org_id = Some(text("org_id", v)?),
                "since" => f.since = Some(number("since", v)?),
                "until" => f.until = Some(number("until", v)?),
                "cursor" => f.cursor = Some(u64::try_from(number("cursor", v)?).unwrap_or(0)),
                "limit" => f.limit = crate::paging::limit(v, max_limit)?,
                other => return Err(crate::paging::unknown(other)),
            }
        }
        Ok(f)
    }
}

/// Keys whose values are secrets: never written into the log.
const SECRET_KEYS: &[&str] = &["client_secret", "secret", "key", "password", "password_hash", "token", "refresh_token", "access_token", "private_key"];

/// `v` with every secret-bearing value replaced by `"[redacted]"`, at any depth.
#[must_use]
pub fn redacted(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), if SECRET_KEYS.contains(&k.as_str()) { Value::from("[redacted]") } else { redacted(x) }))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// What the log keeps of a change's answer: all of it, secrets redacted;
/// of a token-claims preview only whose it was and what was left out (what
/// the templates showed of the user's data stays out of the append-only
/// log).
#[must_use]
pub fn kept_answer(endpoint: Endpoint, answer: &Value) -> Value {
    match endpoint {
        Endpoint::PreviewTokenClaims => Value::Object(
            ["user_id", "org_id", "scope", "omitted"].iter().filter_map(|k| answer.get(*k).map(|v| ((*k).to_owned(), v.clone()))).collect(),
        ),
        _ => redacted(answer),
    }
}

/// The event type of a management change; `None` for what changes nothing.
#[must_use]
pub fn management_type(endpoint: Endpoint) -> Option<&'static str> {
    use Endpoint as E;
    Some(match endpoint {
        E::CreateApplication => "application.created",
        E::UpdateApplication => "application.updated",
        E::DeleteApplication => "application.deleted",
        // Changes nothing, but shows a user's data through a template:
        // who looked is kept.
        E::PreviewTokenClaims => "token_claims.previewed",
        E::CreateKey => "api_key.created",
        E::RevokeKey => "api_key.revoked",
        E::AddDomain => "domain.added",
        E::RemoveDomain => "domain.removed",
        E::VerifyDomain => "domain.verified",
        E::CreateClient => "client.created",
        E::UpdateClient => "client.updated",
        E::DeleteClient => "client.deleted",
        E::RotateClientSecret => "client.secret_rotated",
        E::CreateUser => "user.created",
        E::UpdateUser => "user.updated",
        E::DeleteUser => "user.deleted",
        E::UnlockUser => "user.unlocked",
        E::Invite => "invitation.created",
        E::RevokeInvitation => "invitation.revoked",
        E::RotateSigningKeys => "signing_keys.rotated",
        E::MoveSigningKeys => "signing_keys.moved",
        E::SetTenantShards => "tenant_shards.changed",
        E::CreateIdp => "idp.created",
        E::UpdateIdp => "idp.updated",
        E::DeleteIdp => "idp.deleted",
        E::CreateApi => "api.created",
        E::UpdateApi => "api.updated",
        E::DeleteApi => "api.deleted",
        E::CreateRole => "role.created",
        E::UpdateRole => "role.updated",
        E::DeleteRole => "role.deleted",
        E::GrantRolePermissions => "role.permissions_added",
        E::RevokeRolePermissions => "role.permissions_removed",
        E::AssignUserRoles => "user.roles_assigned",
        E::UnassignUserRoles => "user.roles_removed",
        E::SetClientGrants => "client.grants_set",
        E::Checkpoint => "audit.checkpoint",
        E::ResetUserFactors => "user.factors_reset",
        E::EndUserSessions => "user.sessions_ended",
        E::CreateOrganization => "organization.created",
        E::UpdateOrganization => "organization.updated",
        E::DeleteOrganization => "organization.deleted",
        E::AddMember => "organization.member_added",
        E::UpdateMember => "organization.member_updated",
        E::RemoveMember => "organization.member_removed",
        E::CreateOrgInvitation => "organization.invitation_created",
        E::RevokeOrgInvitation => "organization.invitation_revoked",
        E::AddOrgDomain => "organization.domain_added",
        E::UpdateOrgDomain => "organization.domain_updated",
        E::RemoveOrgDomain => "organization.domain_removed",
        E::VerifyOrgDomain => "organization.domain_verified",
        E::CreateTeam => "team.created",
        E::UpdateTeamMember => "team.member_updated",
        E::RemoveTeamMember => "team.member_removed",
        E::InviteToTeam => "team.invitation_created",
        E::RevokeTeamInvitation => "team.invitation_revoked",
        E::TransferTeam => "team.ownership_transferred",
        _ => return None,
    })
}

/// Whether a change's resource is read first, for `before`: every change
/// but those that create something (their `before` is nothing).
#[must_use]
pub fn reads_before(endpoint: Endpoint) -> bool {
    use Endpoint as E;
    management_type(endpoint).is_some()
        && !matches!(
            endpoint,
            E::CreateApplication | E::CreateKey | E::AddDomain | E::CreateClient | E::CreateUser | E::Invite | E::CreateIdp | E::CreateApi | E::CreateRole | E::Checkpoint
                | E::CreateOrganization | E::AddMember | E::CreateOrgInvitation | E::AddOrgDomain
                | E::CreateTeam | E::InviteToTeam | E::TransferTeam | E::PreviewTokenClaims
        )
}

/// The event type of a user's change through their own account API;
/// `None` for reads.
#[must_use]
pub fn account_type(endpoint: crate::routes::account::Endpoint) -> Option<&'static str> {
    use crate::routes::account::Endpoint as E;
    match endpoint {
        E::Profile | E::Sessions | E::Identities | E::Factors => None,
        E::MyOrganizations | E::OrgMembers | E::OrgInvitations | E::OrgAudit => None,
        // An organization admin's changes, the same types as the
        // management API's (recorded with the organization).
        E::OrgUpdateMember => Some("organization.member_updated"),
        E::OrgRemoveMember => Some("organization.member_removed"),
        E::OrgInvite => Some("organization.invitation_created"),
        E::OrgRevokeInvitation => Some("organization.invitation_revoked"),
        // Recorded by the handler, which knows the factor.
        E::AddTotp | E::AddSms => Some("factor.enrolment_started"),
        E::ConfirmFactor => Some("factor.added"),
        E::RemoveFactor => Some("factor.removed"),
        E::RecoveryCodes => Some("recovery_codes.regenerated"),
        E::UpdateProfile => Some("profile.updated"),
        E::ChangeEmail => Some("email.change_requested"),
        E::ChangePassword => Some("password.changed"),
        E::EndOtherSessions => Some("sessions.revoked"),
        E::EndSession => Some("session.revoked"),
        E::Unlink => Some("identity.unlinked"),
    }
}

/// A user update that disabled the user is `user.disabled`.
#[must_use]
pub fn refine(kind: &'static str, before: Option<&Value>, after: Option<&Value>) -> &'static str {
    let disabled = |v: Option<&Value>| v.and_then(|v| v.get("disabled")).and_then(Value::as_bool);
    match kind {
        "user.updated" if disabled(before) == Some(false) && disabled(after) == Some(true) => "user.disabled",
        "user.updated" if disabled(before) == Some(true) && disabled(after) == Some(false) => "user.enabled",
        k => k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(n: u64) -> Vec<Entry> {
        let mut head = genesis("app_1");
        let mut out = Vec::new();
        for i in 0..n {
            let e = append(&head, "app_1", 1_000 + i as i64, Event::new("client.created", "operator").with("n", i).resource(format!("clients/cl_{i}")));
            head = e.link();
            out.push(e);
        }
        out
    }

    fn head_of(entries: &[Entry]) -> Link {
        entries.last().map_or_else(|| genesis("app_1"), Entry::link)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = log(5);
        let r = verify("app_1", &genesis("app_1"), &head_of(&entries), Some(&entries[2].link()), &entries);
        assert_eq!(r, Report { ok: true, checked: 5, first_broken: None });
        assert!(verify("app_1", &genesis("app_1"), &genesis("app_1"), None, &[]).ok, "an empty log");
        assert_eq!(entries[0].prev_hash, genesis("app_1").hash);
        assert_ne!(genesis("app_1"), genesis("app_2"));
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut entries = log(5);
        let head = head_of(&entries);
        entries[2].event.actor = "someone-else".into();
        let r = verify("app_1", &genesis("app_1"), &head, None, &entries);
        assert_eq!(r.first_broken.unwrap().seq, 3);
        assert_eq!(r.checked, 2);
        // Re-hashing the edited entry breaks the link to the next one instead.
        let mut rehashed = log(5);
        rehashed[2].event.actor = "someone-else".into();
        rehashed[2].hash = link_hash(&rehashed[2].prev_hash, &canonical("app_1", 3, rehashed[2].at, &rehashed[2].event));
        let b = verify("app_1", &genesis("app_1"), &head, None, &rehashed).first_broken.unwrap();
        assert_eq!((b.seq, b.reason.contains("rewritten")), (4, true));
        // Moved to another application's log, it does not verify there.
        let moved = log(2);
        assert!(!verify("app_2", &genesis("app_2"), &head_of(&moved), None, &moved).ok);
    }

    #[test]
    fn deleted_entries_are_found_in_the_middle_at_the_end_and_at_the_start() {
        let entries = log(6);
        let head = head_of(&entries);
        let mut middle = entries.clone();
        middle.remove(3);
        assert_eq!(verify("app_1", &genesis("app_1"), &head, None, &middle).first_broken.unwrap().seq, 4);
        // The newest two gone: the chain is valid but ends before the head.
        let b = verify("app_1", &genesis("app_1"), &head, None, &entries[..4]).first_broken.unwrap();
        assert_eq!(b.seq, 5);
        assert!(b.reason.contains("5 to 6"));
        // …and a checkpoint of a deleted entry says so even if the head were lost.
        let cp = entries[5].link();
        let short_head = entries[3].link();
        assert!(!verify("app_1", &genesis("app_1"), &short_head, Some(&cp), &entries[..4]).ok);
        // The oldest gone without retention's anchor.
        assert_eq!(verify("app_1", &genesis("app_1"), &head, None, &entries[2..]).first_broken.unwrap().seq, 1);
        // Retention's anchor: the chain starts after it.
        assert!(verify("app_1", &entries[1].link(), &head, None, &entries[2..]).ok);
    }

    #[test]
    fn filters_are_checked() {
        let q = |s: &[(&str, &str)]| Filter::from_query(&s.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>(), MAX_PAGE);
        let f = q(&[("type", "signin.failed"), ("since", "5"), ("limit", "10"), ("cursor", "9")]).unwrap();
        assert_eq!((f.kind.as_deref(), f.since, f.limit, f.cursor), (Some("signin.failed"), Some(5), 10, Some(9)));
        assert_eq!(q(&[]).unwrap().limit, 50);
        for bad in [("limit", "0"), ("limit", "201"), ("since", "-1"), ("since", "x"), ("type", ""), ("nope", "1")] {
            assert!(q(&[bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_canonical_form_ignores_key_order_and_secrets_never_enter() {
        let a = Event::new("x", "operator").with("b", 1).with("a", json!({"z": 1, "y": [2, {"d": 1, "c": 2}]}));
        let c = canonical("app_1", 1, 5, &a);
        assert!(c.contains(r#""detail":{"a":{"y":[2,{"c":2,"d":1}],"z":1},"b":1}"#), "{c}");
        let r = redacted(&json!({"client_id": "cl_1", "client_secret": "s3cret", "nested": [{"key": "sk_live_x", "name": "n"}]}));
        assert_eq!(r, json!({"client_id": "cl_1", "client_secret": "[redacted]", "nested": [{"key": "[redacted]", "name": "n"}]}));
        assert!(!r.to_string().contains("s3cret") && !r.to_string().contains("sk_live_x"));
    }

    #[test]
    fn the_organization_is_hashed_only_when_an_entry_names_one() {
        let plain = Event::new("member.added", "operator");
        let before_organizations = canonical("app_1", 1, 5, &plain);
        assert!(!before_organizations.contains("org_id"), "entries without an organization hash as they always did");
        let in_org = plain.clone().organization("org_1");
        assert!(canonical("app_1", 1, 5, &in_org).contains(r#""org_id":"org_1""#));
        assert_ne!(canonical("app_1", 1, 5, &in_org), canonical("app_1", 1, 5, &plain.organization("org_2")));
        let stored = serde_json::to_value(Event::new("x", "y")).unwrap();
        assert!(stored.get("org_id").is_none());
    }

    #[test]
    fn a_preview_keeps_no_claims_in_the_log() {
        let answer = json!({"user_id": "usr_1", "org_id": null, "scope": "openid", "id_token": {"plan": "pro"}, "access_token": {}, "omitted": {}});
        assert_eq!(kept_answer(Endpoint::PreviewTokenClaims, &answer), json!({"user_id": "usr_1", "org_id": null, "scope": "openid", "omitted": {}}));
        assert_eq!(kept_answer(Endpoint::CreateClient, &json!({"client_secret": "s"})), json!({"client_secret": "[redacted]"}));
    }

    #[test]
    fn every_change_has_a_type_and_reads_have_none() {
        for row in crate::routes::management::TABLE {
            for (method, endpoint) in row.methods {
                let typed = management_type(*endpoint).is_some();
                assert_eq!(typed, !matches!(method, crate::routes::Method::Get), "{} {:?}", row.path, endpoint);
            }
        }
        for row in crate::routes::account::TABLE {
            for (method, endpoint) in row.methods {
                assert_eq!(account_type(*endpoint).is_some(), !matches!(method, crate::routes::Method::Get), "{} {:?}", row.path, endpoint);
            }
        }
        let (off, on) = (json!({"disabled": false}), json!({"disabled": true}));
        assert_eq!(refine("user.updated", Some(&off), Some(&on)), "user.disabled");
        assert_eq!(refine("user.updated", Some(&on), Some(&off)), "user.enabled");
        assert_eq!(refine("user.updated", Some(&off), Some(&off)), "user.updated");
    }
}
