//! Plain, specific words for every error the user can meet. One place, so the
//! wording is consistent and every code is covered (see the tests).

use wire::validate::Problem;
use wire::ErrorCode;

use crate::api::ApiError;

/// The sentence shown for a failed call.
pub fn error_text(error: &ApiError) -> String {
    match error {
        ApiError::Api {
            code,
            remaining_attempts,
            retry_after_seconds,
            label,
        } => code_text(*code, *remaining_attempts, *retry_after_seconds, label),
        ApiError::SessionExpired => {
            "Your session has expired. Please sign in again to continue.".to_string()
        }
        ApiError::Network(_) => {
            "We could not reach the server. Check your connection and try again.".to_string()
        }
        ApiError::Timeout => "The server took too long to answer. Please try again.".to_string(),
        ApiError::BadResponse(_) => {
            "The server sent an answer we could not read. Please try again.".to_string()
        }
    }
}

fn code_text(
    code: ErrorCode,
    remaining: Option<u32>,
    retry_after: Option<u64>,
    label: &str,
) -> String {
    match code {
        ErrorCode::InvalidSmsCode => match remaining {
            Some(n) => format!("That code is not right. {} left.", plural(n, "try", "tries")),
            None => "That code is not right. Check the SMS and type it again.".to_string(),
        },
        ErrorCode::ExpiredSmsCode => {
            "This code has expired or was tried too many times. Send a new code.".to_string()
        }
        ErrorCode::NoPhoneNumber => {
            "Your account has no trusted phone number yet. Add one first.".to_string()
        }
        ErrorCode::WrongPin => match remaining {
            Some(0) => "Wrong PIN. Your PIN is now blocked.".to_string(),
            Some(n) => format!(
                "Wrong PIN. {} left before your PIN is blocked.",
                plural(n, "try", "tries")
            ),
            None => "Wrong PIN. Please try again.".to_string(),
        },
        ErrorCode::SamePin => "Your new PIN must be different from your current PIN.".to_string(),
        ErrorCode::AccountBlocked => "Your account is blocked after too many wrong PINs, or it has reached its device limit. Remove all enrollments to start again.".to_string(),
        ErrorCode::NotVehicleOwner => "This vehicle is not linked to your account.".to_string(),
        ErrorCode::PhoneAlreadyRegistered => "Your account already has a phone number. We will continue with the full method and send a code to it.".to_string(),
        ErrorCode::RateLimited => match retry_after {
            Some(seconds) => format!(
                "Too many attempts. Please wait {} and try again.",
                plural(u32::try_from(seconds).unwrap_or(u32::MAX), "second", "seconds")
            ),
            None => "Too many attempts. Please wait a moment and try again.".to_string(),
        },
        ErrorCode::NeedStrongAuthentication => {
            "Please confirm with your PIN to continue.".to_string()
        }
        ErrorCode::NeedBasicAuthentication => {
            "Your session has expired. Please sign in again to continue.".to_string()
        }
        ErrorCode::ServerError | ErrorCode::Unknown => {
            "Something went wrong on our side. Please try again.".to_string()
        }
        ErrorCode::MissingParameter | ErrorCode::InvalidParameter => {
            // The label names the parameter; it carries no secret.
            format!("The server refused the request ({label}). Check what you typed.")
        }
    }
}

pub fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The sentence shown under a field that failed the local check.
pub fn problem_text(problem: Problem) -> String {
    match problem {
        Problem::Empty => "This field is required.".to_string(),
        Problem::NotDigits => "Use digits only.".to_string(),
        Problem::WrongLength { expected } => format!("Enter exactly {expected} characters."),
        Problem::WeakPin => "This PIN is too easy to guess: avoid repeated digits (111111) and sequences (123456, 654321).".to_string(),
        Problem::PinMismatch => "The two PINs do not match.".to_string(),
        Problem::BadPhoneNumber => "Enter a valid mobile number, for example 06 12 34 56 78 or +33 6 12 34 56 78.".to_string(),
        Problem::BadVin => "A VIN has letters and digits only.".to_string(),
        Problem::VinForbiddenLetter => "A VIN never contains the letters I, O or Q (they look like 1 and 0).".to_string(),
        Problem::BadDeviceId => "This browser's identifier is invalid.".to_string(),
        Problem::BadEmail => "Enter an email address like name@example.com.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: ErrorCode, remaining: Option<u32>, retry: Option<u64>) -> ApiError {
        ApiError::Api {
            code,
            label: code.label().to_string(),
            remaining_attempts: remaining,
            retry_after_seconds: retry,
        }
    }

    #[test]
    fn every_code_has_its_own_sentence_without_internal_labels() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = error_text(&api(code, None, None));
            assert!(!text.is_empty());
            if !matches!(
                code,
                ErrorCode::Unknown
                    | ErrorCode::ServerError
                    | ErrorCode::NeedBasicAuthentication
                    | ErrorCode::MissingParameter
                    | ErrorCode::InvalidParameter
            ) {
                assert!(seen.insert(text.clone()), "{code}: {text}");
            }
        }
    }

    #[test]
    fn wrong_pin_says_how_many_tries_are_left() {
        assert_eq!(
            error_text(&api(ErrorCode::WrongPin, Some(2), None)),
            "Wrong PIN. 2 tries left before your PIN is blocked."
        );
        assert!(error_text(&api(ErrorCode::WrongPin, Some(1), None)).contains("1 try left"));
        assert!(error_text(&api(ErrorCode::WrongPin, Some(0), None)).contains("blocked"));
    }

    #[test]
    fn rate_limit_says_how_long_to_wait() {
        assert_eq!(
            error_text(&api(ErrorCode::RateLimited, None, Some(27))),
            "Too many attempts. Please wait 27 seconds and try again."
        );
    }

    #[test]
    fn network_problems_invite_a_retry() {
        assert!(error_text(&ApiError::Network("x".into())).contains("try again"));
        assert!(error_text(&ApiError::Timeout).contains("try again"));
    }
}
