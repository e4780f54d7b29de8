//! Fixed-window rate limits, exact because each application's counters live
//! in its one `TenantApp` object, which handles one event at a time: the
//! check and the count are one synchronous step. Keys combine the endpoint
//! class with the client IP or the identifier (email, client_id).
//!
//! Fail-closed: a request without a client IP is counted under one shared
//! "unknown" key rather than let through.
//!
//! Where counts live depends on the class ([`Class::in_memory`]): the token
//! endpoint's limits are counted in the object's memory ([`MemoryCounters`]),
//! every other class in the object's storage.

use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub max: u32,
    pub window_ms: i64,
}

/// The endpoint classes and their default limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    SignInPerIp,
    SignInPerIdentifier,
    SignUpPerIp,
    TokenPerClient,
    TokenPerIp,
    /// Reset and verification emails: per address, and per client IP.
    MailPerIdentifier,
    MailPerIp,
    /// Authorization requests (each parks a pending request for minutes).
    AuthorizePerIp,
    /// Redirects to an upstream identity provider (each stores a state).
    RpAuthorizePerIp,
    /// Text messages: per number, per number range (`sms::Phone::prefix`),
    /// and the application's daily budget (one subject: the application).
    SmsPerNumber,
    SmsPerPrefix,
    SmsPerDay,
}

impl Class {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Class::SignInPerIp => "signin:ip",
            Class::SignInPerIdentifier => "signin:id",
            Class::SignUpPerIp => "signup:ip",
            Class::TokenPerClient => "token:client",
            Class::TokenPerIp => "token:ip",
            Class::MailPerIdentifier => "mail:id",
            Class::MailPerIp => "mail:ip",
            Class::AuthorizePerIp => "authorize:ip",
            Class::RpAuthorizePerIp => "rp-authorize:ip",
            Class::SmsPerNumber => "sms:number",
            Class::SmsPerPrefix => "sms:prefix",
            Class::SmsPerDay => "sms:day",
        }
    }

    #[must_use]
    pub fn default_limit(self) -> Limit {
        match self {
            Class::SignInPerIp => Limit { max: 60, window_ms: 60_000 },
            Class::SignInPerIdentifier => Limit { max: 20, window_ms: 60_000 },
            Class::SignUpPerIp => Limit { max: 10, window_ms: 3_600_000 },
            Class::TokenPerClient => Limit { max: 6_000, window_ms: 60_000 },
            Class::TokenPerIp => Limit { max: 6_000, window_ms: 60_000 },
            Class::MailPerIdentifier => Limit { max: 3, window_ms: 3_600_000 },
            Class::MailPerIp => Limit { max: 20, window_ms: 3_600_000 },
            // An office behind one address signs many people in; a bot
            // filling storage with pending requests is stopped all the same.
            Class::AuthorizePerIp => Limit { max: 300, window_ms: 60_000 },
            Class::RpAuthorizePerIp => Limit { max: 60, window_ms: 60_000 },
            Class::SmsPerNumber => Limit { max: 3, window_ms: 3_600_000 },
            Class::SmsPerPrefix => Limit { max: 10, window_ms: 3_600_000 },
            // The budget: what an application pays for at most in a day.
            Class::SmsPerDay => Limit { max: 100, window_ms: 86_400_000 },
        }
    }

    pub const ALL: [Class; 12] = [
        Class::SignInPerIp,
        Class::SignInPerIdentifier,
        Class::SignUpPerIp,
        Class::TokenPerClient,
        Class::TokenPerIp,
        Class::MailPerIdentifier,
        Class::MailPerIp,
        Class::AuthorizePerIp,
        Class::RpAuthorizePerIp,
        Class::SmsPerNumber,
        Class::SmsPerPrefix,
        Class::SmsPerDay,
    ];

    /// The name an application's settings use for this class.
    #[must_use]
    pub fn setting_name(self) -> &'static str {
        match self {
            Class::SignInPerIp => "sign_in_per_ip",
            Class::SignInPerIdentifier => "sign_in_per_identifier",
            Class::SignUpPerIp => "sign_up_per_ip",
            Class::TokenPerClient => "token_per_client",
            Class::TokenPerIp => "token_per_ip",
            Class::MailPerIdentifier => "mail_per_identifier",
            Class::MailPerIp => "mail_per_ip",
            Class::AuthorizePerIp => "authorize_per_ip",
            Class::RpAuthorizePerIp => "rp_authorize_per_ip",
            Class::SmsPerNumber => "sms_per_number",
            Class::SmsPerPrefix => "sms_per_prefix",
            Class::SmsPerDay => "sms_per_day",
        }
    }

    /// Whether this class is counted in the object's memory rather than its
    /// storage. The token endpoint's limits are: they are checked on every
    /// token request, where a storage write would be most of the request's
    /// cost, and they guard throughput rather than secrets (client secrets
    /// are 256-bit random; a failed client authentication is refused with no
    /// side effect). Counts restart if the object restarts, which happens
    /// only after it has been idle or on a deploy. Sign-in, sign-up and mail
    /// limits, which guard against guessing and abuse over longer windows,
    /// stay in storage, as the lockout does.
    #[must_use]
    pub fn in_memory(self) -> bool {
        self.at_every_shard()
    }

    /// Whether requests of this class are served by every one of an
    /// application's tenant shards (the token endpoint's), not only the
    /// home object (`crate::tenant_shards`).
    #[must_use]
    pub fn at_every_shard(self) -> bool {
        matches!(self, Class::TokenPerClient | Class::TokenPerIp)
    }

    /// The counter key for this class and subject (IP, email, client id).
    #[must_use]
    pub fn key(self, subject: Option<&str>) -> String {
        format!("{}:{}", self.name(), subject.filter(|s| !s.is_empty()).unwrap_or("unknown"))
    }
}

/// An application's overrides of the default limits, by setting name:
/// `{"sign_in_per_ip": {"max": 100, "window_seconds": 60}, …}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitOverrides(pub std::collections::BTreeMap<String, LimitSetting>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitSetting {
    pub max: u32,
    pub window_seconds: u32,
}

impl LimitOverrides {
    /// The limit in force for `class`.
    #[must_use]
    pub fn limit(&self, class: Class) -> Limit {
        self.0.get(class.setting_name()).map_or_else(
            || class.default_limit(),
            |s| Limit { max: s.max, window_ms: i64::from(s.window_seconds) * 1000 },
        )
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Self, crate::error::ApiError> {
        use crate::error::ApiError;
        let field = "settings.rate_limits";
        let obj = v.as_object().ok_or_else(|| ApiError::invalid(field, "must be an object"))?;
        let mut out = std::collections::BTreeMap::new();
        for (name, setting) in obj {
            let Some(class) = Class::ALL.into_iter().find(|c| c.setting_name() == name) else {
                let names: Vec<&str> = Class::ALL.iter().map(|c| c.setting_name()).collect();
                return Err(ApiError::invalid(field, format!("has no limit '{}'; known: {}", crate::json_body::truncate(name, 40), names.join(", "))));
            };
            let s = setting.as_object().ok_or_else(|| ApiError::invalid(field, "entries must be {max, window_seconds}"))?;
            let int = |key: &str, range: std::ops::RangeInclusive<u64>| {
                s.get(key).and_then(serde_json::Value::as_u64).filter(|n| range.contains(n)).and_then(|n| u32::try_from(n).ok())
            };
            let (Some(max), Some(window_seconds)) = (int("max", 1..=1_000_000), int("window_seconds", 1..=86_400)) else {
                return Err(ApiError::invalid(field, "entries need max (1..1000000) and window_seconds (1..86400)"));
            };
            out.insert(class.setting_name().to_owned(), LimitSetting { max, window_seconds });
        }
        Ok(Self(out))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: u32,
    pub window_start: UnixMillis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; try again in this many seconds (RFC 9110 §10.2.3 `Retry-After`).
    Limited { retry_after_secs: i64 },
}

impl Counter {
    /// Counts one request against `limit` at `now`. A refused request is
    /// not counted, so refusals never extend the wait.
    pub fn hit(&mut self, now: UnixMillis, limit: Limit) -> Verdict {
        if self.count == 0 || now.0.saturating_sub(self.window_start.0) >= limit.window_ms {
            *self = Counter { count: 0, window_start: now };
        }
        if self.count >= limit.max {
            let reset = self.window_start.plus_millis(limit.window_ms);
            return Verdict::Limited { retry_after_secs: (reset.0 - now.0 + 999).div_euclid(1000).max(1) };
        }
        self.count += 1;
        Verdict::Allowed
    }

    #[must_use]
    pub fn expires_at(&self, limit: Limit) -> UnixMillis {
        self.window_start.plus_millis(limit.window_ms)
    }
}

/// Counters held in the object's memory, at most `capacity` of them. A
/// counter is dropped once its window is over; when every slot holds a live
/// window, [`MemoryCounters::hit`] answers `None` and the caller counts in
/// storage instead, so memory stays bounded and no hit goes uncounted.
#[derive(Debug)]
pub struct MemoryCounters {
    held: std::collections::HashMap<String, (Counter, UnixMillis)>,
    capacity: usize,
    /// No window ends before this (a lower bound): a full table is swept
    /// only once it has passed.
    earliest_end: UnixMillis,
}

impl Default for MemoryCounters {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl MemoryCounters {
    /// About 20,000 keys of at most ~300 bytes: a few MiB of the object's memory.
    pub const DEFAULT_CAPACITY: usize = 20_000;

    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self { held: std::collections::HashMap::new(), capacity, earliest_end: UnixMillis(i64::MAX) }
    }

    #[must_use]
    pub fn holds(&self, key: &str) -> bool {
        self.held.contains_key(key)
    }

    /// Counts one request for `key`. A key not held yet starts from `seed`
    /// (what storage counted for it while the table was full, if anything).
    /// `None`: the table is full of live windows; count in storage.
    pub fn hit(&mut self, key: &str, now: UnixMillis, limit: Limit, seed: Counter) -> Option<Verdict> {
        if let Some((counter, ends)) = self.held.get_mut(key) {
            let verdict = counter.hit(now, limit);
            *ends = counter.expires_at(limit);
            self.earliest_end = self.earliest_end.min(*ends);
            return Some(verdict);
        }
        if self.held.len() >= self.capacity {
            self.sweep(now);
            if self.held.len() >= self.capacity {
                return None;
            }
        }
        let mut counter = seed;
        let verdict = counter.hit(now, limit);
        let ends = counter.expires_at(limit);
        self.earliest_end = self.earliest_end.min(ends);
        self.held.insert(key.to_owned(), (counter, ends));
        Some(verdict)
    }

    /// Drops the counters whose window is over, if any can be.
    fn sweep(&mut self, now: UnixMillis) {
        if now < self.earliest_end {
            return;
        }
        self.held.retain(|_, (_, ends)| *ends > now);
        self.earliest_end = self.held.values().map(|(_, ends)| *ends).min().unwrap_or(UnixMillis(i64::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_max_requests_pass_per_window() {
        let limit = Limit { max: 3, window_ms: 10_000 };
        let mut c = Counter::default();
        let v: Vec<Verdict> = (0..5).map(|_| c.hit(UnixMillis(1_000), limit)).collect();
        assert_eq!(&v[..3], &[Verdict::Allowed; 3]);
        assert_eq!(v[3], Verdict::Limited { retry_after_secs: 10 });
        assert_eq!(c.count, 3, "refusals are not counted");
        assert_eq!(c.hit(UnixMillis(10_999), limit), Verdict::Limited { retry_after_secs: 1 });
        assert_eq!(c.hit(UnixMillis(11_000), limit), Verdict::Allowed, "next window");
    }

    #[test]
    fn applications_override_limits_by_name() {
        let o = LimitOverrides::from_json(&serde_json::json!({"sign_in_per_ip": {"max": 5, "window_seconds": 10}})).unwrap();
        assert_eq!(o.limit(Class::SignInPerIp), Limit { max: 5, window_ms: 10_000 });
        assert_eq!(o.limit(Class::SignUpPerIp), Class::SignUpPerIp.default_limit());
        for bad in [serde_json::json!({"nope": {"max": 1, "window_seconds": 1}}), serde_json::json!({"sign_in_per_ip": {"max": 0, "window_seconds": 1}}), serde_json::json!([])] {
            assert_eq!(LimitOverrides::from_json(&bad).unwrap_err().body().field, Some("settings.rate_limits"));
        }
    }

    #[test]
    fn memory_counters_count_exactly_like_stored_ones() {
        let limit = Limit { max: 3, window_ms: 10_000 };
        let mut m = MemoryCounters::new(10);
        let v: Vec<Option<Verdict>> = (0..4).map(|_| m.hit("k", UnixMillis(1_000), limit, Counter::default())).collect();
        assert_eq!(v, vec![Some(Verdict::Allowed), Some(Verdict::Allowed), Some(Verdict::Allowed), Some(Verdict::Limited { retry_after_secs: 10 })]);
        assert_eq!(m.hit("other", UnixMillis(1_000), limit, Counter::default()), Some(Verdict::Allowed), "keys are separate");
        assert_eq!(m.hit("k", UnixMillis(11_000), limit, Counter::default()), Some(Verdict::Allowed), "next window");
    }

    #[test]
    fn memory_counters_start_from_what_storage_counted() {
        let limit = Limit { max: 3, window_ms: 10_000 };
        let mut m = MemoryCounters::new(10);
        let stored = Counter { count: 3, window_start: UnixMillis(500) };
        assert_eq!(m.hit("k", UnixMillis(1_000), limit, stored), Some(Verdict::Limited { retry_after_secs: 10 }));
        assert!(m.holds("k"));
        // Once held, the seed is not used again.
        assert_eq!(m.hit("k", UnixMillis(1_000), limit, Counter::default()), Some(Verdict::Limited { retry_after_secs: 10 }));
    }

    #[test]
    fn a_full_table_drops_ended_windows_or_sends_the_count_to_storage() {
        let short = Limit { max: 5, window_ms: 1_000 };
        let long = Limit { max: 5, window_ms: 60_000 };
        let mut m = MemoryCounters::new(2);
        assert!(m.hit("a", UnixMillis(0), short, Counter::default()).is_some());
        assert!(m.hit("b", UnixMillis(0), long, Counter::default()).is_some());
        // Full, and no window has ended: the caller must count in storage.
        assert_eq!(m.hit("c", UnixMillis(500), long, Counter::default()), None);
        assert!(m.holds("a") && m.holds("b") && !m.holds("c"));
        // Held keys are still counted while full.
        assert_eq!(m.hit("a", UnixMillis(500), short, Counter::default()), Some(Verdict::Allowed));
        // "a"'s window ends at 1,000: its slot is reused.
        assert_eq!(m.hit("c", UnixMillis(1_000), long, Counter::default()), Some(Verdict::Allowed));
        assert!(!m.holds("a") && m.holds("b") && m.holds("c"));
        assert_eq!(m.hit("d", UnixMillis(2_000), long, Counter::default()), None, "capacity is never exceeded");
    }

    #[test]
    fn only_the_token_endpoint_counts_in_memory() {
        let mem: Vec<Class> = Class::ALL.into_iter().filter(|c| c.in_memory()).collect();
        assert_eq!(mem, vec![Class::TokenPerClient, Class::TokenPerIp]);
    }

    #[test]
    fn missing_subjects_share_one_key() {
        assert_eq!(Class::SignInPerIp.key(None), "signin:ip:unknown");
        assert_eq!(Class::SignInPerIp.key(Some("")), "signin:ip:unknown");
        assert_eq!(Class::TokenPerClient.key(Some("cl_1")), "token:client:cl_1");
    }
}
