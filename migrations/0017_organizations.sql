-- Organizations of each application (aero2_core::organization): groups of
-- its users, each member holding organization roles drawn from the
-- application's roles. metadata and branding: JSON.
CREATE TABLE organizations (
    app_id      TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    metadata    TEXT NOT NULL,
    branding    TEXT NOT NULL,
    max_members INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, slug)
);

CREATE TABLE organization_members (
    app_id     TEXT NOT NULL,
    org_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, org_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (app_id, user_id);

CREATE TABLE organization_member_roles (
    app_id  TEXT NOT NULL,
    org_id  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (app_id, org_id, user_id, role_id)
);
CREATE INDEX organization_member_roles_role ON organization_member_roles (app_id, role_id);

-- Whether a client signs users in to organizations: none, allowed, required.
ALTER TABLE oauth_clients ADD COLUMN organization_usage TEXT NOT NULL DEFAULT 'none';

-- The organization an audit entry concerns, so an organization's slice of
-- the log can be read.
ALTER TABLE audit_log ADD COLUMN org_id TEXT;
CREATE INDEX audit_log_org ON audit_log (app_id, org_id, seq);
