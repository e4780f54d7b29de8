-- Passkeys (WebAuthn credentials), a user's factors like the TOTP ones in
-- mfa_factors and listed with them (same `mfa_` ids). Public material
-- only: public_key is {"alg", "jwk"} as WebCrypto imports it.
-- credential_id: base64url, unique in the application (a credential
-- belongs to one account). rp_id: the host it was made on (an application
-- served on a custom domain has credentials for each host).
-- sign_count: the last signature counter seen; it only moves forward.
CREATE TABLE passkeys (
    id                 TEXT NOT NULL,
    app_id             TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL,
    credential_id      TEXT NOT NULL,
    rp_id              TEXT NOT NULL,
    public_key         TEXT NOT NULL,
    sign_count         INTEGER NOT NULL,
    transports         TEXT NOT NULL,
    user_verified      INTEGER NOT NULL CHECK (user_verified IN (0, 1)),
    backup_eligible    INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
    backed_up          INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
    aaguid             TEXT NOT NULL,
    attestation_format TEXT NOT NULL,
    last_used_at       INTEGER,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, credential_id),
    FOREIGN KEY (app_id, user_id) REFERENCES users (app_id, id) ON DELETE CASCADE
);
CREATE INDEX passkeys_user ON passkeys (app_id, user_id);
