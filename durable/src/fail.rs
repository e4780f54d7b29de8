//! What a handler answers when it does not succeed, one type per response
//! surface, each turned into a response in one place:
//!
//! | surface | error sent | alias | answered by |
//! |---|---|---|---|
//! | management API | `ApiError` | [`ApiResult`] | [`answer_api`] |
//! | token, revocation, introspection endpoints | `OAuthError` (RFC 6749 §5.2) | [`TokenResult`] | `op::token_answer` |
//! | UserInfo, `/account` | a Bearer challenge or an `ApiError` | `op::bearer::BearerResult` | `op::bearer::answer` |
//! | sign-in through a provider (a redirect to the client) | `rp::callback::Failure` | [`UpstreamResult`] | `op::rp::fail` |
//! | hosted pages (authorize, sign-in, sign-up, consent, reset, verify, logout, `/rp` before the request is known) | `pages::PageError` (an error page) | `pages::PageResult` | `pages::answer` |
//!
//! A [`Fail`] is either refused (the caller's doing: the error is sent, a
//! `detail` if any is only logged) or internal (ours: the detail is logged,
//! the caller gets an opaque 500). `?` works on `worker::Error` and
//! `serde_json::Error` (internal) and on the surface's own error (refused).

use aero2_core::error::ApiError;
use aero2_core::oauth::error::OAuthError;
use aero2_core::rp::callback::Failure;
use worker::Response;

#[derive(Debug)]
pub enum Fail<E> {
    Refused { error: E, detail: Option<String> },
    Internal(String),
}

impl<E> Fail<E> {
    /// A refusal with something worth logging that the caller must not see.
    pub fn refused_because(error: E, detail: impl Into<String>) -> Self {
        Fail::Refused { error, detail: Some(detail.into()) }
    }

    /// Sends `Refused` through `encode`, after logging its detail; logs an
    /// internal failure and answers the opaque 500.
    pub fn answer(self, context: &str, encode: impl FnOnce(&E) -> worker::Result<Response>) -> worker::Result<Response> {
        match self {
            Fail::Refused { error, detail } => {
                if let Some(detail) = detail {
                    worker::console_log!("{context}: refused: {detail}");
                }
                encode(&error)
            }
            Fail::Internal(detail) => {
                worker::console_error!("{context}: {detail}");
                crate::respond::error(&ApiError::Internal)
            }
        }
    }
}

impl<E> Fail<E> {
    /// The same failure as another surface's: a refusal becomes `to(error)`
    /// (its detail kept), an internal failure stays one.
    pub fn map<F>(self, to: impl FnOnce(E) -> F) -> Fail<F> {
        match self {
            Fail::Refused { error, detail } => Fail::Refused { error: to(error), detail },
            Fail::Internal(detail) => Fail::Internal(detail),
        }
    }
}

impl<E> From<worker::Error> for Fail<E> {
    fn from(e: worker::Error) -> Self {
        Fail::Internal(e.to_string())
    }
}

impl<E> From<serde_json::Error> for Fail<E> {
    fn from(e: serde_json::Error) -> Self {
        Fail::Internal(e.to_string())
    }
}

impl From<ApiError> for Fail<ApiError> {
    fn from(error: ApiError) -> Self {
        Fail::Refused { error, detail: None }
    }
}

impl From<OAuthError> for Fail<OAuthError> {
    fn from(error: OAuthError) -> Self {
        Fail::Refused { error, detail: None }
    }
}

/// A JSON API answer (management API).
pub type ApiResult<T = Response> = Result<T, Fail<ApiError>>;

/// What an upstream identity provider's sign-in comes to (`op::rp`, which
/// answers a refusal at the client's redirect URI).
pub type UpstreamResult<T> = Result<T, Fail<Failure>>;

impl From<Failure> for Fail<Failure> {
    fn from(error: Failure) -> Self {
        Fail::Refused { error, detail: None }
    }
}

/// The token endpoint's (and revocation's, introspection's) answer.
pub type TokenResult<T> = Result<T, Fail<OAuthError>>;

/// The one place an [`ApiResult`] becomes a response.
pub fn answer_api(context: &str, result: ApiResult) -> worker::Result<Response> {
    result.or_else(|fail| fail.answer(context, crate::respond::error))
}
