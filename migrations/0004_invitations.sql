-- Operator invitations for applications whose sign-up is invite-only.
CREATE TABLE invitations (
    app_id       TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    accepted_at  INTEGER,
    PRIMARY KEY (app_id, email)
);
