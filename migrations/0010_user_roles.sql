-- Which roles each user of an application has.
CREATE TABLE user_roles (
    app_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    role_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (app_id, role_id);
