-- The local mailer's outbox: messages an operator reads through the
-- management API instead of an email provider (MAILER=outbox, the default).
CREATE TABLE mail_outbox (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX mail_outbox_app ON mail_outbox (app_id, created_at);
