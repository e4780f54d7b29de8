//! Rules of mail delivery: which transport a deployment may use, how long
//! the local outbox keeps messages, and when a failed delivery is tried
//! again.
//!
//! Mail never goes out on a request's response path: the request queues it
//! in the application's object, whose alarm delivers it. So a page answers
//! in the same time whether or not it caused a mail (whether an address
//! has an account), and a slow or failing provider delays nobody.
//!
//! ```text
//!  queued ──deliver ok──► gone
//!     │ fails: tried again after 10 s, 1 min, 5 min, 30 min, 2 h
//!     └── after the sixth failure: dropped (logged, never its contents)
//! ```

use crate::time::UnixMillis;

/// How mail leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Kept in D1's `mail_outbox` for the operator to read: local only.
    Outbox,
    /// A JSON POST to an HTTP email API (Resend's `/emails` shape).
    Http,
}

/// The transport `MAILER` names, for a platform that is local or not. The
/// outbox is refused outside a local platform domain: links to people's
/// accounts would sit where only the operator reads them and nobody would
/// get their mail.
pub fn transport(mailer: Option<&str>, platform_is_local: bool) -> Result<Transport, String> {
    match mailer.filter(|m| !m.is_empty()) {
        None | Some("outbox") if platform_is_local => Ok(Transport::Outbox),
        None | Some("outbox") => Err(
            "MAILER=outbox (the default) keeps mail in a local outbox, which only a local platform domain may use; \
             set MAILER=http with MAILER_URL, MAILER_FROM and the secret MAILER_API_KEY"
                .into(),
        ),
        Some("http") => Ok(Transport::Http),
        Some(other) => Err(format!("MAILER={other} is not a mailer; use http (or outbox locally)")),
    }
}

/// How long the outbox keeps a message by default: a day.
pub const OUTBOX_RETENTION_MS: i64 = 86_400_000;

/// The outbox retention in force: `AERO2_OUTBOX_RETENTION_MS` if set (one
/// second to a day), else a day.
#[must_use]
pub fn outbox_retention_ms(var: Option<&str>) -> i64 {
    var.and_then(|v| v.trim().parse::<i64>().ok()).map_or(OUTBOX_RETENTION_MS, |ms| ms.clamp(1_000, OUTBOX_RETENTION_MS))
}

const RETRY_AFTER_MS: [i64; 5] = [10_000, 60_000, 300_000, 1_800_000, 7_200_000];

/// When to try again after the `failures`-th failed delivery (1-based);
/// `None`: give up.
#[must_use]
pub fn retry_at(failures: u32, now: UnixMillis) -> Option<UnixMillis> {
    let i = usize::try_from(failures).ok()?.checked_sub(1)?;
    RETRY_AFTER_MS.get(i).map(|ms| now.plus_millis(*ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbox_is_for_local_platforms_only() {
        assert_eq!(transport(None, true), Ok(Transport::Outbox));
        assert_eq!(transport(Some("outbox"), true), Ok(Transport::Outbox));
        assert!(transport(None, false).unwrap_err().contains("MAILER=outbox"));
        assert!(transport(Some("outbox"), false).is_err());
        assert_eq!(transport(Some("http"), false), Ok(Transport::Http));
        assert!(transport(Some("smtp"), true).unwrap_err().contains("smtp"));
    }

    #[test]
    fn retention_is_bounded() {
        assert_eq!(outbox_retention_ms(None), OUTBOX_RETENTION_MS);
        assert_eq!(outbox_retention_ms(Some("5000")), 5_000);
        assert_eq!(outbox_retention_ms(Some("1")), 1_000);
        assert_eq!(outbox_retention_ms(Some("999999999999")), OUTBOX_RETENTION_MS);
        assert_eq!(outbox_retention_ms(Some("soon")), OUTBOX_RETENTION_MS);
    }

    #[test]
    fn failed_deliveries_back_off_then_give_up() {
        let now = UnixMillis(1_000);
        assert_eq!(retry_at(1, now), Some(UnixMillis(11_000)));
        assert_eq!(retry_at(5, now), Some(UnixMillis(7_201_000)));
        assert_eq!(retry_at(6, now), None);
        assert_eq!(retry_at(0, now), None);
    }
}
