-- Upstream identity providers of each application (the Relying Party) and
-- the identities that link a provider's subject to a local user.

-- client_secret_enc: AES-256-GCM under AERO2_KEY_ENCRYPTION_KEY, with the
-- application and provider ids as associated data (base64 of iv || ct || tag).
-- endpoints: JSON, resolved at creation (an OIDC issuer's discovery
-- document is fetched and checked then). claims: JSON mapping (oauth2).
CREATE TABLE identity_providers (
    id                 TEXT NOT NULL,
    app_id             TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    slug               TEXT NOT NULL,
    type               TEXT NOT NULL CHECK (type IN ('github', 'google', 'oidc', 'oauth2')),
    display_name       TEXT NOT NULL,
    client_id          TEXT NOT NULL,
    client_secret_enc  TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    endpoints          TEXT NOT NULL,
    claims             TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, slug)
);

-- One row per (provider, subject): a subject is linked to at most one user
-- of the application. idp_id may name a static provider (deployment
-- configuration), which has no row above, so it is not a foreign key.
CREATE TABLE user_identities (
    id             TEXT NOT NULL,
    app_id         TEXT NOT NULL,
    idp_id         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    email          TEXT,
    created_at     INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, idp_id, subject),
    FOREIGN KEY (app_id, user_id) REFERENCES users (app_id, id) ON DELETE CASCADE
);
CREATE INDEX user_identities_user ON user_identities (app_id, user_id);
