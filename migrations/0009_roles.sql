-- Roles of each application, and the permissions (of its APIs) each grants.
CREATE TABLE roles (
    id          TEXT NOT NULL,
    app_id      TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, name)
);

CREATE TABLE role_permissions (
    app_id  TEXT NOT NULL,
    role_id TEXT NOT NULL,
    api_id  TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (app_id, role_id, api_id, value)
);
CREATE INDEX role_permissions_api ON role_permissions (app_id, api_id);
