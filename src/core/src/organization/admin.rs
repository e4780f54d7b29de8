//! Self-service for an organization's own admins: a B2B customer manages
//! their people with their own token, without the developer's secret key.
//!
//! What a member may do there comes from their organization roles: an
//! application role may hold organization permissions ([`OrgPermission`])
//! besides its API permissions. The API is the account API's
//! `/account/organizations/{org_id}/…`, so the token is a user's token
//! with the `account` scope from a first-party client; it must also have
//! been issued in that organization (`org_id`), and the member's roles are
//! read at every request, so a demoted admin loses the power at once.
//!
//! No one gives what they do not hold: an admin may give or take only
//! roles whose every permission (API and organization) they hold in that
//! organization themselves ([`Privileges::covers`]), and may change or
//! remove only members whose roles they could give. Anyone may leave.

pub use crate::rbac::{parse_org_permissions, OrgPermission};
use crate::rbac::Grant;
use crate::routes::account::Endpoint;
use std::collections::BTreeSet;

/// The organization permission an endpoint needs; `None` for what every
/// member may do (list their organizations, leave).
#[must_use]
pub fn needs(endpoint: Endpoint) -> Option<OrgPermission> {
    use Endpoint as E;
    match endpoint {
        E::OrgMembers | E::OrgInvitations => Some(OrgPermission::ReadMembers),
        E::OrgInvite | E::OrgRevokeInvitation => Some(OrgPermission::InviteMembers),
        E::OrgUpdateMember | E::OrgRemoveMember => Some(OrgPermission::ManageMembers),
        E::OrgAudit => Some(OrgPermission::ReadAudit),
        _ => None,
    }
}

/// Everything a set of roles grants: API permissions and organization
/// permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Privileges {
    pub api: BTreeSet<Grant>,
    pub org: BTreeSet<String>,
}

impl Privileges {
    pub fn add(&mut self, grants: impl IntoIterator<Item = Grant>, org: impl IntoIterator<Item = String>) {
        self.api.extend(grants);
        self.org.extend(org);
    }

    #[must_use]
    pub fn has(&self, p: OrgPermission) -> bool {
        self.org.contains(p.value())
    }

    /// Whether these privileges include all of `other`'s: the rule for
    /// giving, taking and removing.
    #[must_use]
    pub fn covers(&self, other: &Privileges) -> bool {
        other.api.is_subset(&self.api) && other.org.is_subset(&self.org)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grant(api: &str, value: &str) -> Grant {
        Grant { api_id: api.into(), value: value.into() }
    }

    #[test]
    fn role_permissions_are_the_known_ones() {
        assert_eq!(parse_org_permissions(&json!(["org:members:manage", "org:members:read", "org:members:read"])).unwrap(), ["org:members:manage", "org:members:read"]);
        assert!(parse_org_permissions(&json!(["org:everything"])).is_err());
        assert!(parse_org_permissions(&json!("org:members:read")).is_err());
        for p in OrgPermission::ALL {
            assert_eq!(OrgPermission::parse(p.value()), Some(p));
        }
    }

    #[test]
    fn every_organization_endpoint_but_the_list_needs_a_permission() {
        use Endpoint as E;
        for e in [E::OrgMembers, E::OrgInvitations, E::OrgInvite, E::OrgRevokeInvitation, E::OrgUpdateMember, E::OrgRemoveMember, E::OrgAudit] {
            assert!(needs(e).is_some(), "{e:?}");
        }
        assert_eq!(needs(E::MyOrganizations), None);
        assert_eq!(needs(E::OrgAudit), Some(OrgPermission::ReadAudit));
    }

    #[test]
    fn nobody_gives_what_they_do_not_hold() {
        let mut admin = Privileges::default();
        admin.add([grant("api_1", "read:reports")], ["org:members:manage".to_owned(), "org:members:read".to_owned()]);
        let mut reader = Privileges::default();
        reader.add([grant("api_1", "read:reports")], ["org:members:read".to_owned()]);
        assert!(admin.covers(&reader) && admin.covers(&Privileges::default()));
        let mut billing = Privileges::default();
        billing.add([grant("api_1", "pay:invoices")], []);
        assert!(!admin.covers(&billing), "an API permission the admin lacks");
        let mut auditor = Privileges::default();
        auditor.add([], ["org:audit:read".to_owned()]);
        assert!(!admin.covers(&auditor), "an organization permission the admin lacks");
        assert!(admin.has(OrgPermission::ManageMembers) && !admin.has(OrgPermission::ReadAudit));
    }
}
