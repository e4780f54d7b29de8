-- How many TenantApp objects hold an application's grants
-- (aero2_core::tenant_shards): 1, its one object, unless an operator
-- raised it. It only grows.
ALTER TABLE applications ADD COLUMN tenant_shards INTEGER NOT NULL DEFAULT 1;
