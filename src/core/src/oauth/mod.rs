//! OAuth 2.0 / OpenID Connect request rules (RFC 6749, RFC 7636, RFC 9700,
//! OpenID Connect Core 1.0). Pure: no I/O, no clock, no randomness.
