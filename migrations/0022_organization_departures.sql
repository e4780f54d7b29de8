-- Who was removed from (or left) an organization: its verified domains no
-- longer enrol or suggest them (an explicit membership, by the API or an
-- invitation, clears the row).
CREATE TABLE organization_departures (
    app_id     TEXT NOT NULL,
    org_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, org_id, user_id)
);
