-- Which JwksSigner shard holds an application's keys, and a move between
-- shards under way (aero2_core::signer_shards::Placement, JSON). NULL is
-- shard 0, the one signer a deployment has by default.
ALTER TABLE applications ADD COLUMN signer TEXT;
