-- Domains organizations claim (aero2_core::organization::domain). A domain
-- belongs to at most one organization of an application; enrolment: none,
-- suggest or automatic, for users whose confirmed address is at it, once
-- verified_at is set (the DNS TXT record was seen).
CREATE TABLE organization_domains (
    app_id             TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    domain             TEXT NOT NULL,
    org_id             TEXT NOT NULL,
    enrolment          TEXT NOT NULL,
    verification_token TEXT NOT NULL,
    verified_at        INTEGER,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (app_id, domain)
);
CREATE INDEX organization_domains_org ON organization_domains (app_id, org_id);
