-- What each confidential client may get for itself (client_credentials)
-- from each API: permissions, a JSON array of permission values.
CREATE TABLE client_grants (
    app_id      TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    api_id      TEXT NOT NULL,
    permissions TEXT NOT NULL,
    PRIMARY KEY (app_id, client_id, api_id)
);
CREATE INDEX client_grants_api ON client_grants (app_id, api_id);
