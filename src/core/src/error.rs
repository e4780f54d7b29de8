//! Errors of the platform's JSON APIs, each with its HTTP status and the
//! `error` code a client sees. Internal detail never reaches a response:
//! [`ApiError::Internal`] carries nothing and says only that it is ours.
//!
//! Who is at fault is part of the type: the caller's request (4xx) or us (5xx).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400: a field is missing, malformed or not allowed.
    InvalidField { field: &'static str, message: String },
    /// 400: the body is not the JSON object the endpoint takes.
    InvalidBody(String),
    /// 401: no credential, or not one we accept here.
    Unauthorized,
    /// 403: a valid credential that may not do this.
    Forbidden(&'static str),
    /// 404: no such resource, or one the caller may not know exists.
    NotFound,
    /// 404: the host names no application.
    UnknownApplication,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 409: the value of `field` is taken.
    Conflict { field: &'static str, message: String },
    /// 413: the body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// 429: a limit was reached (`Retry-After` carries the seconds).
    RateLimited { what: &'static str, retry_after_secs: i64 },
    /// 500: our fault; details go to the log, never to the caller.
    Internal,
    /// 503: the deployment cannot do this now (its configuration is at
    /// fault, e.g. no way to send mail); the operator's log says why.
    Unavailable(&'static str),
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: &'static str,
    pub error_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl ApiError {
    #[must_use]
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::InvalidField { field, message: message.into() }
    }

    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidField { .. } | ApiError::InvalidBody(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound | ApiError::UnknownApplication => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::PayloadTooLarge => 413,
            ApiError::RateLimited { .. } => 429,
            ApiError::Internal => 500,
            ApiError::Unavailable(_) => 503,
        }
    }

    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidField { .. } | ApiError::InvalidBody(_) => "invalid_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::UnknownApplication => "unknown_application",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict { .. } => "conflict",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Internal => "server_error",
            ApiError::Unavailable(_) => "temporarily_unavailable",
        }
    }

    #[must_use]
    pub fn body(&self) -> ErrorBody {
        let (description, field) = match self {
            ApiError::InvalidField { field, message } => (format!("{field} {message}"), Some(*field)),
            ApiError::Conflict { field, message } => (format!("{field} {message}"), Some(*field)),
            ApiError::InvalidBody(m) => (m.clone(), None),
            ApiError::Unauthorized => {
                ("a valid operator credential or sk_live_ key is required".to_owned(), None)
            }
            ApiError::Forbidden(m) => ((*m).to_owned(), None),
            ApiError::NotFound => ("no such resource".to_owned(), None),
            ApiError::UnknownApplication => ("no application is served at this host".to_owned(), None),
            ApiError::MethodNotAllowed => ("method not allowed on this resource".to_owned(), None),
            ApiError::PayloadTooLarge => ("request body too large".to_owned(), None),
            ApiError::RateLimited { what, .. } => ((*what).to_owned(), None),
            ApiError::Internal => ("internal error".to_owned(), None),
            ApiError::Unavailable(m) => ((*m).to_owned(), None),
        };
        ErrorBody { error: self.code(), error_description: description, field }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_the_field() {
        let e = ApiError::invalid("slug", "is reserved");
        assert_eq!(e.status(), 400);
        assert_eq!(
            serde_json::to_value(e.body()).unwrap(),
            serde_json::json!({"error": "invalid_request", "error_description": "slug is reserved", "field": "slug"})
        );
    }

    #[test]
    fn internal_errors_expose_nothing() {
        let b = ApiError::Internal.body();
        assert_eq!((ApiError::Internal.status(), b.error), (500, "server_error"));
        assert_eq!(b.error_description, "internal error");
    }

    #[test]
    fn each_error_has_its_status() {
        let cases = [
            (ApiError::Unauthorized, 401, "unauthorized"),
            (ApiError::Forbidden("x"), 403, "forbidden"),
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::UnknownApplication, 404, "unknown_application"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (ApiError::Conflict { field: "slug", message: "is taken".into() }, 409, "conflict"),
            (ApiError::PayloadTooLarge, 413, "payload_too_large"),
            (ApiError::RateLimited { what: "too many", retry_after_secs: 5 }, 429, "rate_limited"),
            (ApiError::Unavailable("x"), 503, "temporarily_unavailable"),
        ];
        for (e, status, code) in cases {
            assert_eq!((e.status(), e.code()), (status, code));
        }
    }
}
