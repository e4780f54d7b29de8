//! One-time codes by SMS, and the defences against SMS toll fraud (bots
//! that make an application text premium-rate numbers it pays for):
//!
//! - numbers are E.164 (`+` and 8 to 15 digits), and only to the country
//!   calling codes the application lists (`settings.sms_countries`; none
//!   by default, so nothing is sent until an application opts in);
//! - limits per number, per number prefix (the number without its last
//!   four digits: fraud pumps ranges of consecutive numbers) and a daily
//!   budget per application that refuses every send once spent
//!   (`rate_limit::Class::{SmsPerNumber, SmsPerPrefix, SmsPerDay}`),
//!   counted exactly in the application's object before anything is sent.
//!
//! The provider speaks Twilio's Messages API (`twilio_form`).

/// A phone number in E.164 form (`+15551234567`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

/// Why a number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotE164,
    CountryNotAllowed,
}

impl Refusal {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotE164 => "must be an international number: + and the country code, then 8 to 15 digits in all",
            Refusal::CountryNotAllowed => "this application does not send text messages to that country",
        }
    }
}

impl Phone {
    /// Reads a typed number: spaces, dashes, dots and parentheses are
    /// dropped; what is left must be `+` and 8 to 15 digits, not starting
    /// with 0 (E.164 §6).
    pub fn parse(typed: &str) -> Result<Phone, Refusal> {
        let kept: String = typed.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let digits = kept.strip_prefix('+').ok_or(Refusal::NotE164)?;
        let ok = (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        if ok {
            Ok(Phone(kept))
        } else {
            Err(Refusal::NotE164)
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number without its last four digits (a range of numbers).
    #[must_use]
    pub fn prefix(&self) -> &str {
        self.0.get(..self.0.len().saturating_sub(4)).unwrap_or_default()
    }

    /// As shown to the user and in lists: the country code's first digit
    /// and the last two digits only.
    #[must_use]
    pub fn masked(&self) -> String {
        let digits = self.0.trim_start_matches('+');
        let first = digits.get(..1).unwrap_or_default();
        let last = digits.get(digits.len().saturating_sub(2)..).unwrap_or_default();
        format!("+{first}{}{last}", "•".repeat(digits.len().saturating_sub(3)))
    }

    /// Whether the number is in one of the `allowed` country calling codes.
    #[must_use]
    pub fn in_countries(&self, allowed: &[String]) -> bool {
        let digits = self.0.trim_start_matches('+');
        allowed.iter().any(|code| digits.starts_with(code.as_str()))
    }
}

/// Checks a country calling code as `settings.sms_countries` lists it:
/// 1 to 3 digits, not starting with 0 (ITU-T E.164).
#[must_use]
pub fn is_calling_code(code: &str) -> bool {
    (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0')
}

/// A number the application may text: well-formed and in its countries.
pub fn check(typed: &str, allowed: &[String]) -> Result<Phone, Refusal> {
    let phone = Phone::parse(typed)?;
    if phone.in_countries(allowed) {
        Ok(phone)
    } else {
        Err(Refusal::CountryNotAllowed)
    }
}

/// The text of a code message (the code first: phones show it in the
/// notification, and autofill reads it).
#[must_use]
pub fn message(app_name: &str, code: &str) -> String {
    format!("{code} is your {app_name} verification code. It works once, for 5 minutes. Never share it.")
}

/// How long a texted code lives.
pub const TTL_MS: i64 = 5 * 60_000;

/// The form body of Twilio's `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
#[must_use]
pub fn twilio_form(to: &Phone, from: &str, body: &str) -> Vec<(&'static str, String)> {
    vec![("To", to.as_str().to_owned()), ("From", from.to_owned()), ("Body", body.to_owned())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_e164() {
        assert_eq!(Phone::parse("+1 (555) 123-4567").unwrap().as_str(), "+15551234567");
        for bad in ["5551234567", "+0123456789", "+12", "+1234567890123456", "+1555abc4567", ""] {
            assert_eq!(Phone::parse(bad), Err(Refusal::NotE164), "{bad}");
        }
    }

    #[test]
    fn only_listed_countries_and_ranges_share_a_prefix() {
        let allowed = vec!["44".to_owned(), "1".to_owned()];
        assert!(check("+447700900123", &allowed).is_ok());
        assert_eq!(check("+33612345678", &allowed), Err(Refusal::CountryNotAllowed));
        assert_eq!(check("+447700900123", &[]), Err(Refusal::CountryNotAllowed), "none by default");
        let a = Phone::parse("+447700900123").unwrap();
        let b = Phone::parse("+447700900999").unwrap();
        assert_eq!(a.prefix(), b.prefix());
        assert_eq!(a.prefix(), "+44770090");
        let masked = a.masked();
        assert!(masked.starts_with("+4") && masked.ends_with("23") && masked.matches('•').count() == 9, "{masked}");
        assert!(is_calling_code("1") && is_calling_code("358") && !is_calling_code("0") && !is_calling_code("1234") && !is_calling_code("+1"));
    }

    #[test]
    fn the_code_comes_first_in_the_message() {
        assert!(message("Acme", "123456").starts_with("123456 is your Acme"));
        let form = twilio_form(&Phone::parse("+15551234567").unwrap(), "+15550000000", "hi");
        assert_eq!(form[0], ("To", "+15551234567".to_owned()));
    }
}
