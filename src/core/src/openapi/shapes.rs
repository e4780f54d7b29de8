//! What the surfaces' descriptions share: who may call the management
//! API, and the shapes of values the core checks the same way everywhere
//! (names, addresses, hostnames, times).

use serde_json::{json, Value};

pub(super) const READ: &str = "Needs `read:applications`: the operator, the application's `sk_live_` key, or a Dashboard token of a member of the team that owns it (any team role).";
pub(super) const WRITE: &str = "Needs `write:applications`: the operator, the application's `sk_live_` key, or a Dashboard token of a `developer`, `admin` or `owner` of the team that owns it.";

/// No control characters (Rust's `char::is_control`: C0 and C1).
pub(super) const NO_CONTROL: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

pub(super) const LABEL: &str = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/// The last label of a hostname: not all digits (that would be an IPv4
/// address).
pub(super) const LAST_LABEL: &str = "(?:[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|[0-9][A-Za-z0-9-]{0,61}[A-Za-z]|[0-9]+[A-Za-z-][A-Za-z0-9-]*[0-9])";

/// `host::validate_hostname`: at least two labels, letters, digits and
/// `-`, the last one not numeric; read in lower case, a trailing dot
/// dropped.
fn hostname_pattern() -> String {
    format!("^(?:{LABEL}\\.)+{LAST_LABEL}\\.?$")
}

pub(super) fn hostname_schema(description: &str) -> Value {
    json!({ "type": "string", "maxLength": 254, "pattern": hostname_pattern(), "description": description })
}

/// `password::normalize_email`: one `@`, a local part of 1 to 64 octets
/// without spaces or control characters, a valid hostname; at most 254;
/// surrounding spaces trimmed.
pub(super) fn email_schema(description: &str) -> Value {
    json!({
        "type": "string",
        "maxLength": 254,
        "pattern": format!("^\\s*[^\\s@\\u0000-\\u001f\\u007f-\\u009f]{{1,64}}@(?:{LABEL}\\.)+{LAST_LABEL}\\.?\\s*$"),
        "description": description,
    })
}

/// What `json_body::name` takes: 1 to 100 characters once trimmed, not
/// only spaces, no control characters.
pub(super) fn name_schema(description: &str) -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$",
        "description": description,
    })
}

const MILLIS: &str = "Milliseconds since the Unix epoch.";

pub(super) fn millis(description: &str) -> Value {
    json!({ "type": "integer", "description": format!("{description} {MILLIS}") })
}

pub(super) fn millis_or_null(description: &str) -> Value {
    json!({ "type": ["integer", "null"], "description": format!("{description} {MILLIS}") })
}
