-- Which algorithm signs a client's ID tokens (RFC 7591 / OIDC Registration
-- id_token_signed_response_alg): RS256 unless the client asked for ES256.
ALTER TABLE oauth_clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (id_token_signed_response_alg IN ('RS256', 'ES256'));
