-- Each application's audit log, written only by the application's
-- TenantApp (which numbers the entries and chains their hashes; see
-- aero2_core::audit). detail: JSON (before/after with secrets redacted,
-- a reason, …).
CREATE TABLE audit_log (
    app_id     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    type       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    user_id    TEXT,
    resource   TEXT,
    ip         TEXT,
    user_agent TEXT,
    request_id TEXT,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (app_id, seq)
);
CREATE INDEX audit_log_type ON audit_log (app_id, type, seq);
CREATE INDEX audit_log_actor ON audit_log (app_id, actor, seq);
CREATE INDEX audit_log_user ON audit_log (app_id, user_id, seq);
CREATE INDEX audit_log_at ON audit_log (app_id, at);

-- Signed checkpoints of each log's head (a JWS by the application's key).
CREATE TABLE audit_checkpoints (
    app_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    hash   TEXT NOT NULL,
    at     INTEGER NOT NULL,
    jws    TEXT NOT NULL,
    PRIMARY KEY (app_id, seq)
);
