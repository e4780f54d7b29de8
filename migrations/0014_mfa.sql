-- Second factors of users (TOTP for now). secret: the TOTP secret sealed
-- with the key-encryption key (AES-GCM, bound to the application and the
-- factor). last_step: the last time step a code was accepted for (RFC
-- 6238 §5.2: a code works once). An unconfirmed factor is an enrolment
-- waiting for its first code.
CREATE TABLE mfa_factors (
    id           TEXT NOT NULL,
    app_id       TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('totp')),
    secret       TEXT NOT NULL,
    last_step    INTEGER,
    confirmed_at INTEGER,
    last_used_at INTEGER,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (app_id, id)
);
CREATE INDEX mfa_factors_user ON mfa_factors (app_id, user_id);

-- Recovery codes, as digests; each works once.
CREATE TABLE recovery_codes (
    app_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    digest     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (app_id, user_id, digest)
);
