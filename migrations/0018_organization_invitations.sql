-- Invitations to organizations (aero2_core::organization::invitation): the
-- address, the organization roles (JSON array of role ids), a single-use
-- link (only its SHA-256 is kept) that expires.
CREATE TABLE organization_invitations (
    app_id      TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    email       TEXT NOT NULL,
    roles       TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    inviter     TEXT NOT NULL,
    return_to   TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by TEXT,
    revoked_at  INTEGER,
    PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX organization_invitations_token ON organization_invitations (token_hash);
CREATE INDEX organization_invitations_org ON organization_invitations (app_id, org_id, created_at);
-- One pending invitation per address and organization.
CREATE UNIQUE INDEX organization_invitations_pending ON organization_invitations (app_id, org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
