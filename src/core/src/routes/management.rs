//! The management API, `/api/v1/…`, served on the Dashboard application's
//! host. Every path below `/applications/{}` names the application first.

use super::{Method, Row};

pub const ROOT: &str = "/api/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    ListApplications,
    CreateApplication,
    GetApplication,
    UpdateApplication,
    DeleteApplication,
    ListKeys,
    CreateKey,
    RevokeKey,
    ListDomains,
    AddDomain,
    RemoveDomain,
    VerifyDomain,
    ListClients,
    CreateClient,
    GetClient,
    UpdateClient,
    DeleteClient,
    RotateClientSecret,
    ListUsers,
    CreateUser,
    GetUser,
    UpdateUser,
    DeleteUser,
    UnlockUser,
    ListInvitations,
    Invite,
    RevokeInvitation,
    Outbox,
    RotateSigningKeys,
    /// Moves an application's keys to another signer shard (operator).
    MoveSigningKeys,
    /// How many tenant shards hold the application's grants
    /// (`crate::tenant_shards`).
    TenantShards,
    /// Raises that number (operator).
    SetTenantShards,
    ListSigningKeys,
    /// What the application's token templates (or a given one) add to a
    /// user's tokens (`crate::custom_claims`).
    PreviewTokenClaims,
    ListIdps,
    CreateIdp,
    GetIdp,
    UpdateIdp,
    DeleteIdp,
    ListApis,
    CreateApi,
    GetApi,
    UpdateApi,
    DeleteApi,
    ListRoles,
    CreateRole,
    GetRole,
    UpdateRole,
    DeleteRole,
    RolePermissions,
    GrantRolePermissions,
    RevokeRolePermissions,
    UserRoles,
    AssignUserRoles,
    UnassignUserRoles,
    ClientGrants,
    SetClientGrants,
    Audit,
    AuditExport,
    AuditVerify,
    Checkpoints,
    Checkpoint,
    UserFactors,
    ResetUserFactors,
    UserSessions,
    EndUserSessions,
    UserIdentities,
    ListOrganizations,
    CreateOrganization,
    GetOrganization,
    UpdateOrganization,
    DeleteOrganization,
    ListMembers,
    AddMember,
    GetMember,
    UpdateMember,
    RemoveMember,
    UserOrganizations,
    ListOrgInvitations,
    CreateOrgInvitation,
    RevokeOrgInvitation,
    ListOrgDomains,
    AddOrgDomain,
    GetOrgDomain,
    UpdateOrgDomain,
    RemoveOrgDomain,
    VerifyOrgDomain,
    ListTeams,
    CreateTeam,
    GetTeam,
    TeamApplications,
    TeamMembers,
    UpdateTeamMember,
    RemoveTeamMember,
    TeamInvitations,
    InviteToTeam,
    RevokeTeamInvitation,
    TransferTeam,
}

impl Endpoint {
    /// Whether the first path parameter is an application id the caller
    /// must be allowed to act on.
    #[must_use]
    pub fn names_application(self) -> bool {
        !matches!(self, Endpoint::ListApplications | Endpoint::CreateApplication) && !self.is_team()
    }

    /// A Developer Teams endpoint (`/api/v1/teams…`, `crate::dashboard::TeamRole`).
    #[must_use]
    pub fn is_team(self) -> bool {
        use Endpoint as E;
        matches!(
            self,
            E::ListTeams
                | E::CreateTeam
                | E::GetTeam
                | E::TeamApplications
                | E::TeamMembers
                | E::UpdateTeamMember
                | E::RemoveTeamMember
                | E::TeamInvitations
                | E::InviteToTeam
                | E::RevokeTeamInvitation
                | E::TransferTeam
        )
    }
}

use Endpoint as E;
use Method::{Delete, Get, Patch, Post, Put};

pub static TABLE: &[Row<Endpoint>] = &[
    Row { path: "/api/v1/teams", methods: &[(Get, E::ListTeams), (Post, E::CreateTeam)] },
    Row { path: "/api/v1/teams/{}", methods: &[(Get, E::GetTeam)] },
    Row { path: "/api/v1/teams/{}/applications", methods: &[(Get, E::TeamApplications)] },
    Row { path: "/api/v1/teams/{}/members", methods: &[(Get, E::TeamMembers)] },
    Row { path: "/api/v1/teams/{}/members/{}", methods: &[(Patch, E::UpdateTeamMember), (Delete, E::RemoveTeamMember)] },
    Row { path: "/api/v1/teams/{}/invitations", methods: &[(Get, E::TeamInvitations), (Post, E::InviteToTeam)] },
    Row { path: "/api/v1/teams/{}/invitations/{}", methods: &[(Delete, E::RevokeTeamInvitation)] },
    Row { path: "/api/v1/teams/{}/transfer", methods: &[(Post, E::TransferTeam)] },
    Row { path: "/api/v1/applications", methods: &[(Get, E::ListApplications), (Post, E::CreateApplication)] },
    Row {
        path: "/api/v1/applications/{}",
        methods: &[(Get, E::GetApplication), (Patch, E::UpdateApplication), (Delete, E::DeleteApplication)],
    },
    Row { path: "/api/v1/applications/{}/keys", methods: &[(Get, E::ListKeys), (Post, E::CreateKey)] },
    Row { path: "/api/v1/applications/{}/keys/{}", methods: &[(Delete, E::RevokeKey)] },
    Row { path: "/api/v1/applications/{}/domains", methods: &[(Get, E::ListDomains), (Post, E::AddDomain)] },
    Row { path: "/api/v1/applications/{}/domains/{}", methods: &[(Delete, E::RemoveDomain)] },
    Row { path: "/api/v1/applications/{}/domains/{}/verify", methods: &[(Post, E::VerifyDomain)] },
    Row { path: "/api/v1/applications/{}/clients", methods: &[(Get, E::ListClients), (Post, E::CreateClient)] },
    Row {
        path: "/api/v1/applications/{}/clients/{}",
        methods: &[(Get, E::GetClient), (Patch, E::UpdateClient), (Delete, E::DeleteClient)],
    },
    Row { path: "/api/v1/applications/{}/clients/{}/secret", methods: &[(Post, E::RotateClientSecret)] },
    Row { path: "/api/v1/applications/{}/clients/{}/grants", methods: &[(Get, E::ClientGrants), (Put, E::SetClientGrants)] },
    Row { path: "/api/v1/applications/{}/users", methods: &[(Get, E::ListUsers), (Post, E::CreateUser)] },
    Row { path: "/api/v1/applications/{}/users/{}", methods: &[(Get, E::GetUser), (Patch, E::UpdateUser), (Delete, E::DeleteUser)] },
    Row { path: "/api/v1/applications/{}/users/{}/unlock", methods: &[(Post, E::UnlockUser)] },
    Row {
        path: "/api/v1/applications/{}/users/{}/roles",
        methods: &[(Get, E::UserRoles), (Post, E::AssignUserRoles), (Delete, E::UnassignUserRoles)],
    },
    Row { path: "/api/v1/applications/{}/invitations", methods: &[(Get, E::ListInvitations), (Post, E::Invite)] },
    Row { path: "/api/v1/applications/{}/invitations/{}", methods: &[(Delete, E::RevokeInvitation)] },
    Row { path: "/api/v1/applications/{}/outbox", methods: &[(Get, E::Outbox)] },
    Row { path: "/api/v1/applications/{}/signing-keys", methods: &[(Get, E::ListSigningKeys)] },
    Row { path: "/api/v1/applications/{}/signing-keys/rotate", methods: &[(Post, E::RotateSigningKeys)] },
    Row { path: "/api/v1/applications/{}/signing-keys/move", methods: &[(Post, E::MoveSigningKeys)] },
    Row { path: "/api/v1/applications/{}/tenant-shards", methods: &[(Get, E::TenantShards), (Put, E::SetTenantShards)] },
    Row { path: "/api/v1/applications/{}/token-claims/preview", methods: &[(Post, E::PreviewTokenClaims)] },
    Row { path: "/api/v1/applications/{}/idps", methods: &[(Get, E::ListIdps), (Post, E::CreateIdp)] },
    Row {
        path: "/api/v1/applications/{}/idps/{}",
        methods: &[(Get, E::GetIdp), (Patch, E::UpdateIdp), (Delete, E::DeleteIdp)],
    },
    Row { path: "/api/v1/applications/{}/apis", methods: &[(Get, E::ListApis), (Post, E::CreateApi)] },
    Row {
        path: "/api/v1/applications/{}/apis/{}",
        methods: &[(Get, E::GetApi), (Patch, E::UpdateApi), (Delete, E::DeleteApi)],
    },
    Row { path: "/api/v1/applications/{}/roles", methods: &[(Get, E::ListRoles), (Post, E::CreateRole)] },
    Row {
        path: "/api/v1/applications/{}/roles/{}",
        methods: &[(Get, E::GetRole), (Patch, E::UpdateRole), (Delete, E::DeleteRole)],
    },
    Row {
        path: "/api/v1/applications/{}/roles/{}/permissions",
        methods: &[(Get, E::RolePermissions), (Post, E::GrantRolePermissions), (Delete, E::RevokeRolePermissions)],
    },
    Row { path: "/api/v1/applications/{}/users/{}/factors", methods: &[(Get, E::UserFactors), (Delete, E::ResetUserFactors)] },
    Row { path: "/api/v1/applications/{}/users/{}/sessions", methods: &[(Get, E::UserSessions), (Delete, E::EndUserSessions)] },
    Row { path: "/api/v1/applications/{}/users/{}/identities", methods: &[(Get, E::UserIdentities)] },
    Row { path: "/api/v1/applications/{}/users/{}/organizations", methods: &[(Get, E::UserOrganizations)] },
    Row { path: "/api/v1/applications/{}/organizations", methods: &[(Get, E::ListOrganizations), (Post, E::CreateOrganization)] },
    Row {
        path: "/api/v1/applications/{}/organizations/{}",
        methods: &[(Get, E::GetOrganization), (Patch, E::UpdateOrganization), (Delete, E::DeleteOrganization)],
    },
    Row { path: "/api/v1/applications/{}/organizations/{}/members", methods: &[(Get, E::ListMembers), (Post, E::AddMember)] },
    Row {
        path: "/api/v1/applications/{}/organizations/{}/members/{}",
        methods: &[(Get, E::GetMember), (Patch, E::UpdateMember), (Delete, E::RemoveMember)],
    },
    Row {
        path: "/api/v1/applications/{}/organizations/{}/invitations",
        methods: &[(Get, E::ListOrgInvitations), (Post, E::CreateOrgInvitation)],
    },
    Row { path: "/api/v1/applications/{}/organizations/{}/invitations/{}", methods: &[(Delete, E::RevokeOrgInvitation)] },
    Row { path: "/api/v1/applications/{}/organizations/{}/domains", methods: &[(Get, E::ListOrgDomains), (Post, E::AddOrgDomain)] },
    Row {
        path: "/api/v1/applications/{}/organizations/{}/domains/{}",
        methods: &[(Get, E::GetOrgDomain), (Patch, E::UpdateOrgDomain), (Delete, E::RemoveOrgDomain)],
    },
    Row { path: "/api/v1/applications/{}/organizations/{}/domains/{}/verify", methods: &[(Post, E::VerifyOrgDomain)] },
    Row { path: "/api/v1/applications/{}/audit", methods: &[(Get, E::Audit)] },
    Row { path: "/api/v1/applications/{}/audit/export", methods: &[(Get, E::AuditExport)] },
    Row { path: "/api/v1/applications/{}/audit/verify", methods: &[(Get, E::AuditVerify)] },
    Row { path: "/api/v1/applications/{}/audit/checkpoints", methods: &[(Get, E::Checkpoints), (Post, E::Checkpoint)] },
];
