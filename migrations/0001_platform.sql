-- Aero2 platform schema: applications, their API keys, custom domains and
-- user pools. Every tenant-scoped table carries app_id; every query filters
-- by it. Timestamps are Unix milliseconds.

CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Keys are stored as a public prefix (for lookup and display) and the
-- SHA-256 of the whole key; the key itself is shown once, at creation.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    app_id        TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('pk', 'sk')),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_keys_app ON api_keys (app_id);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE custom_domains (
    hostname     TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    verified     INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
    created_at   INTEGER NOT NULL,
    verified_at  INTEGER
);
CREATE INDEX custom_domains_app ON custom_domains (app_id);

-- One user pool per application: the same email in two applications is two
-- unrelated users.
CREATE TABLE users (
    id              TEXT NOT NULL,
    app_id          TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    email           TEXT,
    email_verified  INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    name            TEXT,
    picture         TEXT,
    password_hash   TEXT,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX users_app_email ON users (app_id, email) WHERE email IS NOT NULL;
