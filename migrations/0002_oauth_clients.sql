-- OAuth clients registered per application. Secrets are stored as SHA-256
-- (shown once at creation or rotation); lists are JSON arrays.
CREATE TABLE oauth_clients (
    client_id                  TEXT PRIMARY KEY,
    app_id                     TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    name                       TEXT NOT NULL,
    client_type                TEXT NOT NULL CHECK (client_type IN ('confidential', 'public')),
    token_endpoint_auth_method TEXT NOT NULL,
    secret_hash                TEXT,
    redirect_uris              TEXT NOT NULL DEFAULT '[]',
    post_logout_redirect_uris  TEXT NOT NULL DEFAULT '[]',
    grant_types                TEXT NOT NULL DEFAULT '[]',
    scopes                     TEXT NOT NULL,
    first_party                INTEGER NOT NULL DEFAULT 0 CHECK (first_party IN (0, 1)),
    require_pkce               INTEGER NOT NULL DEFAULT 1 CHECK (require_pkce IN (0, 1)),
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);
CREATE INDEX oauth_clients_app ON oauth_clients (app_id);
