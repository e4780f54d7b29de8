-- The Dashboard user who owns each application (created with their own
-- token); applications the operator created have none. The organizations
-- issue turns owners into teams.
CREATE TABLE application_owners (
    app_id     TEXT PRIMARY KEY REFERENCES applications(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX application_owners_user ON application_owners (user_id);

-- Who signs up on the Dashboard becomes a developer (the role is created
-- with the Dashboard's management API on the first request).
UPDATE applications
   SET settings = json_set(settings, '$.default_roles', json('["developer"]'))
 WHERE id = 'app_dashboard' AND json_extract(settings, '$.default_roles') IS NULL;
