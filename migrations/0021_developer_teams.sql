-- Developer Teams (aero2_core::dashboard::TeamRole): organizations of the
-- Dashboard application own applications, replacing application_owners.
CREATE TABLE application_teams (
    app_id     TEXT PRIMARY KEY REFERENCES applications(id) ON DELETE CASCADE,
    team_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX application_teams_team ON application_teams (team_id);

-- The team roles, as the Dashboard's bootstrap creates them (here for a
-- deployment that has a Dashboard already; a new one gets them with it).
INSERT OR IGNORE INTO roles (id, app_id, name, description, created_at, updated_at, org_permissions)
    SELECT 'rol_' || lower(hex(randomblob(16))), a.id, r.name, r.description, a.created_at, a.created_at, '[]'
      FROM applications a,
           (SELECT 'team_owner' AS name, 'Owns the team: everything an admin may, and its owners' AS description
            UNION ALL SELECT 'team_admin', 'Manages the team''s applications and its members'
            UNION ALL SELECT 'team_developer', 'Creates and changes the team''s applications'
            UNION ALL SELECT 'team_viewer', 'Reads the team''s applications') r
     WHERE a.id = 'app_dashboard';

-- Every owner of an application gets a personal team (as signing up does
-- now), owns it, and their applications move to it.
INSERT INTO organizations (app_id, id, slug, name, metadata, branding, max_members, created_at, updated_at)
    SELECT 'app_dashboard', 'org_' || lower(hex(randomblob(16))), 'personal-' || substr(o.user_id, 5), 'Personal',
           json_object('personal_of', o.user_id), '{}', NULL, MIN(o.created_at), MIN(o.created_at)
      FROM application_owners o
     WHERE NOT EXISTS (SELECT 1 FROM organizations x WHERE x.app_id = 'app_dashboard' AND json_extract(x.metadata, '$.personal_of') = o.user_id)
     GROUP BY o.user_id;
INSERT OR IGNORE INTO organization_members (app_id, org_id, user_id, created_at)
    SELECT 'app_dashboard', t.id, json_extract(t.metadata, '$.personal_of'), t.created_at
      FROM organizations t WHERE t.app_id = 'app_dashboard' AND json_extract(t.metadata, '$.personal_of') IS NOT NULL;
INSERT OR IGNORE INTO organization_member_roles (app_id, org_id, user_id, role_id)
    SELECT 'app_dashboard', t.id, json_extract(t.metadata, '$.personal_of'), r.id
      FROM organizations t JOIN roles r ON r.app_id = 'app_dashboard' AND r.name = 'team_owner'
     WHERE t.app_id = 'app_dashboard' AND json_extract(t.metadata, '$.personal_of') IS NOT NULL;
INSERT INTO application_teams (app_id, team_id, created_at)
    SELECT o.app_id, t.id, o.created_at
      FROM application_owners o
      JOIN organizations t ON t.app_id = 'app_dashboard' AND json_extract(t.metadata, '$.personal_of') = o.user_id;
DROP TABLE application_owners;
