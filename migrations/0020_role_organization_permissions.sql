-- What a role lets its holders do in an organization where it is one of
-- their organization roles (aero2_core::organization::admin): a JSON array
-- of org:members:read, org:members:invite, org:members:manage,
-- org:audit:read.
ALTER TABLE roles ADD COLUMN org_permissions TEXT NOT NULL DEFAULT '[]';
