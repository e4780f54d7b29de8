-- APIs (resource servers) each application protects: the identifier is
-- the access tokens' audience (RFC 8707), the permissions the scopes a
-- client may ask for it. permissions: JSON array of {value, description}.
CREATE TABLE apis (
    id                     TEXT NOT NULL,
    app_id                 TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    identifier             TEXT NOT NULL,
    name                   TEXT NOT NULL,
    permissions            TEXT NOT NULL,
    token_lifetime_seconds INTEGER NOT NULL,
    signing_alg            TEXT NOT NULL CHECK (signing_alg IN ('ES256', 'RS256')),
    enforce_rbac           INTEGER NOT NULL CHECK (enforce_rbac IN (0, 1)),
    permissions_claim      INTEGER NOT NULL CHECK (permissions_claim IN (0, 1)),
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, identifier)
);
