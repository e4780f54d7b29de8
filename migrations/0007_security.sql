-- A client can be disabled: while it is, it cannot authenticate or start
-- a sign-in, and the tokens it holds are refused.
ALTER TABLE oauth_clients ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

-- Whether the provider vouched for the identity's address when it was last
-- seen. An unverified address stays here, as the provider's claim; it never
-- becomes the account's, and a completed password reset (proof of the
-- account's own mailbox) unlinks identities that never proved one.
ALTER TABLE user_identities ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
-- Identities from before this column: an identity whose address is its
-- account's verified address was linked (or created) through a verified
-- address; any other is treated as unproven.
UPDATE user_identities SET email_verified = 1
 WHERE email IS NOT NULL AND EXISTS (
   SELECT 1 FROM users u WHERE u.app_id = user_identities.app_id AND u.id = user_identities.user_id
      AND u.email = user_identities.email AND u.email_verified = 1);

-- The local outbox keeps messages a day (the retention purge's index).
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
