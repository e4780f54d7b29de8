//! The signed-in user's own account, `/account/…` (bearer token with the
//! `account` scope; the rules are in `crate::account`).

use super::{Method, Row};

pub const ROOT: &str = "/account";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Profile,
    UpdateProfile,
    ChangeEmail,
    ChangePassword,
    Sessions,
    EndOtherSessions,
    /// `{sid}`
    EndSession,
    Identities,
    /// `{identity id}`
    Unlink,
    Factors,
    AddTotp,
    /// A phone for codes by text message.
    AddSms,
    /// `{factor id}`
    ConfirmFactor,
    /// `{factor id}`
    RemoveFactor,
    RecoveryCodes,
    /// The organizations the user belongs to, with their roles and
    /// organization permissions there.
    MyOrganizations,
    /// `{org id}`: self-service for the organization's admins
    /// (`crate::organization::admin`).
    OrgMembers,
    /// `{org id}/{user id}`
    OrgUpdateMember,
    /// `{org id}/{user id}`: an admin removes a member, or anyone leaves.
    OrgRemoveMember,
    /// `{org id}`
    OrgInvitations,
    /// `{org id}`
    OrgInvite,
    /// `{org id}/{invitation id}`
    OrgRevokeInvitation,
    /// `{org id}`: the organization's slice of the audit log.
    OrgAudit,
}

impl Endpoint {
    /// An organization's self-service endpoint (`/account/organizations/…`).
    #[must_use]
    pub fn is_organization(self) -> bool {
        matches!(
            self,
            Endpoint::MyOrganizations
                | Endpoint::OrgMembers
                | Endpoint::OrgUpdateMember
                | Endpoint::OrgRemoveMember
                | Endpoint::OrgInvitations
                | Endpoint::OrgInvite
                | Endpoint::OrgRevokeInvitation
                | Endpoint::OrgAudit
        )
    }
}

use Endpoint as E;
use Method::{Delete, Get, Patch, Post};

pub static TABLE: &[Row<Endpoint>] = &[
    Row { path: "/account/profile", methods: &[(Get, E::Profile), (Patch, E::UpdateProfile)] },
    Row { path: "/account/email", methods: &[(Post, E::ChangeEmail)] },
    Row { path: "/account/password", methods: &[(Post, E::ChangePassword)] },
    Row { path: "/account/sessions", methods: &[(Get, E::Sessions), (Delete, E::EndOtherSessions)] },
    Row { path: "/account/sessions/{}", methods: &[(Delete, E::EndSession)] },
    Row { path: "/account/identities", methods: &[(Get, E::Identities)] },
    Row { path: "/account/identities/{}", methods: &[(Delete, E::Unlink)] },
    Row { path: "/account/factors", methods: &[(Get, E::Factors)] },
    Row { path: "/account/factors/totp", methods: &[(Post, E::AddTotp)] },
    Row { path: "/account/factors/sms", methods: &[(Post, E::AddSms)] },
    Row { path: "/account/factors/{}", methods: &[(Delete, E::RemoveFactor)] },
    Row { path: "/account/factors/{}/confirm", methods: &[(Post, E::ConfirmFactor)] },
    Row { path: "/account/recovery-codes", methods: &[(Post, E::RecoveryCodes)] },
    Row { path: "/account/organizations", methods: &[(Get, E::MyOrganizations)] },
    Row { path: "/account/organizations/{}/members", methods: &[(Get, E::OrgMembers)] },
    Row { path: "/account/organizations/{}/members/{}", methods: &[(Patch, E::OrgUpdateMember), (Delete, E::OrgRemoveMember)] },
    Row { path: "/account/organizations/{}/invitations", methods: &[(Get, E::OrgInvitations), (Post, E::OrgInvite)] },
    Row { path: "/account/organizations/{}/invitations/{}", methods: &[(Delete, E::OrgRevokeInvitation)] },
    Row { path: "/account/organizations/{}/audit", methods: &[(Get, E::OrgAudit)] },
];
