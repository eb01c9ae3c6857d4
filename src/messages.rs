//! Plain, specific words for every error the user can meet. One place, so the
//! wording is consistent and every code is covered (see the tests).

use crate::i18n::{t, tf, tn};
use wire::validate::Problem;
use wire::ErrorCode;

use crate::api::ApiError;

/// A wait as people say it: seconds up to two minutes, then minutes, rounded up, so the
/// limit on wrong guesses per address (900 s a token) and the longest sign-in back-off
/// (3,600 s) read as minutes rather than a count of seconds to work out.
fn wait_text(seconds: u64) -> String {
    if seconds < 120 {
        tn!("plural.seconds", seconds)
    } else {
        tn!("plural.minutes", seconds.div_ceil(60))
    }
}

/// The sentence shown for a failed call.
pub fn error_text(error: &ApiError) -> String {
    match error {
        ApiError::Api {
            code,
            remaining_attempts,
            retry_after_seconds,
            label,
            pause,
        } => code_text(
            *code,
            *remaining_attempts,
            *retry_after_seconds,
            *pause,
            label,
        ),
        ApiError::SessionExpired => t!("messages.your_session_has_expired_please"),
        ApiError::Network(_) => t!("messages.we_could_not_reach_the"),
        ApiError::Timeout => t!("messages.the_server_took_too_long"),
        ApiError::BadResponse(_) => t!("messages.the_server_sent_an_answer"),
        ApiError::NoDeviceKey => t!("messages.no_device_key"),
    }
}

fn code_text(
    code: ErrorCode,
    remaining: Option<u32>,
    retry_after: Option<u64>,
    pause: Option<wire::Pause>,
    label: &str,
) -> String {
    match code {
        ErrorCode::InvalidSmsCode => match remaining {
            Some(n) => tf!(
                "messages.code_wrong_tries_left",
                &[("tries", &tn!("plural.tries", n.into()))],
            ),
            None => t!("messages.that_code_is_not_right"),
        },
        ErrorCode::ExpiredSmsCode => t!("messages.this_code_has_expired_or"),
        ErrorCode::NoPhoneNumber => t!("messages.your_account_has_no_trusted"),
        ErrorCode::WrongPin => match remaining {
            Some(0) => t!("messages.wrong_pin_your_pin_is"),
            Some(n) => tf!(
                "messages.wrong_pin_left_before_your",
                &[("tries", &tn!("plural.tries", n.into()))],
            ),
            None => t!("messages.wrong_pin_please_try_again"),
        },
        ErrorCode::SamePin => t!("messages.your_new_pin_must_be"),
        // A pause ends by itself: say why and how long, not how to get out of a lockout.
        ErrorCode::AccountBlocked => {
            let hours = || {
                tn!(
                    "plural.hours",
                    retry_after.unwrap_or(0).div_ceil(3600).max(1)
                )
            };
            match pause {
                Some(wire::Pause::RecentPhoneChange) => {
                    tf!("messages.paused_phone_change", &[("hours", &hours())])
                }
                Some(wire::Pause::WrongSmsCodes) => {
                    tf!("messages.paused_wrong_codes", &[("hours", &hours())])
                }
                None => t!("messages.your_account_is_blocked_after"),
            }
        }
        ErrorCode::NotVehicleOwner => t!("messages.this_vehicle_is_not_linked"),
        ErrorCode::NotDeviceOwner => t!("messages.this_device_is_not_enrolled"),
        ErrorCode::PhoneAlreadyRegistered => t!("messages.your_account_already_has_a"),
        ErrorCode::RateLimited => match retry_after {
            Some(seconds) => tf!(
                "messages.too_many_attempts_please_wait",
                &[("wait", &wait_text(seconds))],
            ),
            None => t!("messages.too_many_attempts_please_wait_2"),
        },
        ErrorCode::NeedStrongAuthentication => t!("messages.please_confirm_with_your_pin"),
        ErrorCode::NeedBasicAuthentication => t!("messages.your_session_has_expired_please"),
        // Shed under load (503 with a wait): busy for a moment, not broken.
        ErrorCode::ServerError if retry_after.is_some() => tf!(
            "messages.server_busy",
            &[("seconds", &tn!("plural.seconds", retry_after.unwrap_or(1)))],
        ),
        ErrorCode::ServerError | ErrorCode::Unknown => t!("messages.something_went_wrong_on_our"),
        ErrorCode::MissingParameter | ErrorCode::InvalidParameter => {
            // The label names the parameter; it carries no secret.
            tf!("messages.server_refused", &[("label", label)])
        }
    }
}

/// The sentence shown under a field that failed the local check.
pub fn problem_text(problem: Problem) -> String {
    match problem {
        Problem::Empty => t!("messages.this_field_is_required"),
        Problem::NotDigits => t!("messages.use_digits_only"),
        Problem::WrongLength { expected } => {
            tf!("messages.enter_exactly", &[("n", &expected.to_string())])
        }
        Problem::WeakPin => t!("messages.this_pin_is_too_easy"),
        Problem::PinMismatch => t!("messages.the_two_pins_do_not"),
        Problem::BadPhoneNumber => t!("messages.enter_a_valid_mobile_number"),
        Problem::BadVin => t!("messages.a_vin_has_letters_and"),
        Problem::VinForbiddenLetter => t!("messages.a_vin_never_contains_the"),
        Problem::BadDeviceId => t!("messages.this_browser_s_identifier_is"),
        Problem::BadEmail => t!("messages.enter_an_email_address_like"),
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
            pause: None,
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
        assert_eq!(
            error_text(&api(ErrorCode::RateLimited, None, Some(119))),
            "Too many attempts. Please wait 119 seconds and try again."
        );
        assert_eq!(
            error_text(&api(ErrorCode::RateLimited, None, Some(900))),
            "Too many attempts. Please wait 15 minutes and try again."
        );
        assert_eq!(
            error_text(&api(ErrorCode::RateLimited, None, Some(3_541))),
            "Too many attempts. Please wait 60 minutes and try again."
        );
    }

    #[test]
    fn a_pause_says_why_and_how_long_and_a_lockout_what_to_do() {
        let paused = |pause, seconds| ApiError::Api {
            code: ErrorCode::AccountBlocked,
            label: String::new(),
            remaining_attempts: None,
            retry_after_seconds: Some(seconds),
            pause: Some(pause),
        };
        let phone = error_text(&paused(wire::Pause::RecentPhoneChange, 86_400 - 30));
        assert!(
            phone.starts_with("Your phone number was changed recently."),
            "{phone}"
        );
        assert!(phone.contains("again in 24 hours."), "{phone}");
        let codes = error_text(&paused(wire::Pause::WrongSmsCodes, 1));
        assert!(codes.starts_with("Too many wrong codes"), "{codes}");
        assert!(codes.contains("1 hour"), "{codes}");
        assert!(error_text(&api(ErrorCode::AccountBlocked, None, None))
            .contains("Remove all enrollments"));
    }

    #[test]
    fn a_shed_request_says_busy_and_how_long() {
        assert_eq!(
            error_text(&api(ErrorCode::ServerError, None, Some(3))),
            "The server is busy. Please wait 3 seconds and try again."
        );
        assert_eq!(
            error_text(&api(ErrorCode::ServerError, None, None)),
            error_text(&api(ErrorCode::Unknown, None, None))
        );
    }

    #[test]
    fn network_problems_invite_a_retry() {
        assert!(error_text(&ApiError::Network("x".into())).contains("try again"));
        assert!(error_text(&ApiError::Timeout).contains("try again"));
    }
}
