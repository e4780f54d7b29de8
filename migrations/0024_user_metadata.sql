-- A user's metadata: the application's own data about them (a JSON
-- object of at most 4 KB, set through the management API), which token
-- templates may carry as custom claims (settings.token_claims).
ALTER TABLE users ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
