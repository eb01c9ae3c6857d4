//! Which enrollment step comes next, as plain Rust: the screens ask this module
//! and only navigate. Every branch of the enrollment flow of the spec is here.

use wire::api::{BlockState, EnrollmentState};
use wire::ErrorCode;

use crate::routes;

/// The two ways to register a phone number when the account has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// 4.1: number, code and PIN in one screen (the default).
    Shortcut,
    /// 4.2 then 5-8.
    Full,
}

/// The screens of the enrollment flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    AlreadyEnrolled,
    Blocked,
    ChooseMethod,
    Shortcut,
    RegisterPhone,
    EnrollmentCode,
    NewPin,
    EnterPin,
    Done,
}

impl Step {
    pub fn path(self) -> &'static str {
        match self {
            Step::AlreadyEnrolled | Step::Done => routes::ENROLL_DONE,
            Step::Blocked => routes::ENROLL_BLOCKED,
            Step::ChooseMethod => routes::ENROLL_PHONE,
            Step::Shortcut => routes::ENROLL_SHORTCUT,
            Step::RegisterPhone => routes::ENROLL_REGISTER,
            Step::EnrollmentCode => routes::ENROLL_SMS,
            Step::NewPin => routes::ENROLL_NEW_PIN,
            Step::EnterPin => routes::ENROLL_PIN,
        }
    }
}

/// The answers of steps 1-3, asked in parallel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub device_activated: bool,
    pub block: BlockState,
    pub has_phone: bool,
}

/// Steps 1-3: where the probe sends the user.
pub fn after_probe(probe: Probe, method: Option<Method>) -> Step {
    if probe.device_activated {
        return Step::AlreadyEnrolled;
    }
    if probe.block.is_blocked() {
        return Step::Blocked;
    }
    if probe.has_phone {
        return Step::EnrollmentCode;
    }
    match method {
        None => Step::ChooseMethod,
        Some(Method::Shortcut) => Step::Shortcut,
        Some(Method::Full) => Step::RegisterPhone,
    }
}

/// What home says of the account, and so which way in it offers: enrolling only when it
/// can succeed, the device list at the device limit, A after a PIN lockout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// This browser is enrolled, or may be.
    Open,
    /// Three wrong PINs: every PIN operation is refused until A.
    PinBlocked,
    /// The most devices an account can have are enrolled, and this browser is not one.
    DeviceLimit,
    /// Blocked for a reason the portal does not know.
    Blocked,
}

pub fn standing(probe: Probe) -> Standing {
    match probe.block {
        BlockState::NotBlocked => Standing::Open,
        BlockState::PinBlocked => Standing::PinBlocked,
        // The limit stops only a browser that is not yet one of the devices.
        BlockState::AccountBlocked if probe.device_activated => Standing::Open,
        BlockState::AccountBlocked => Standing::DeviceLimit,
        BlockState::Unknown => Standing::Blocked,
    }
}

/// Step 6's answer: a PIN already exists (enter it) or not (choose one).
pub fn after_enrollment_code(state: EnrollmentState) -> Step {
    match state {
        EnrollmentState::AlreadyEnrolled => Step::EnterPin,
        EnrollmentState::NotEnrolled => Step::NewPin,
    }
}

/// Whether the screen `current` may be shown for this probe, or where to go
/// instead: a step entered out of order never shows a form the server would
/// refuse. The method is the user's choice, so both phone screens are allowed
/// while the account has no number.
pub fn guard(current: Step, probe: Probe) -> Option<Step> {
    let expected = after_probe(probe, None);
    let allowed = match expected {
        Step::ChooseMethod => {
            matches!(
                current,
                Step::ChooseMethod | Step::Shortcut | Step::RegisterPhone
            )
        }
        Step::EnrollmentCode => {
            matches!(
                current,
                Step::EnrollmentCode | Step::NewPin | Step::EnterPin
            )
        }
        Step::AlreadyEnrolled => matches!(current, Step::Done | Step::AlreadyEnrolled),
        other => current == other,
    };
    (!allowed).then_some(expected)
}

/// What steps 1-3 answer right after a successful enrollment: this device enrolled, the
/// account with a phone (enrolling needs one) and nothing blocked (the PIN was just
/// accepted, and the device counts within the limit). The success screen starts from it
/// instead of reading them again.
pub const ENROLLED: Probe = Probe {
    device_activated: true,
    block: BlockState::NotBlocked,
    has_phone: true,
};

/// The two PIN screens depend on step 6's answer, which only this tab knows:
/// without it (a bookmark, another tab) the code step asks again; with it,
/// the wrong PIN screen gives way to the right one.
pub fn pin_screen_guard(current: Step, answer: Option<EnrollmentState>) -> Option<Step> {
    if !matches!(current, Step::NewPin | Step::EnterPin) {
        return None;
    }
    let right = answer.map_or(Step::EnrollmentCode, after_enrollment_code);
    (right != current).then_some(right)
}

/// What a screen does with a failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// Stay and show the error next to the field (wrong code, wrong PIN with
    /// tries left, rate limit, invalid input, network).
    Stay,
    /// Go to another step of the flow.
    GoTo(Step),
    /// 2301: sign in again, then come back.
    SignIn,
    /// Back to the probe (`/enroll`), which re-reads every fact.
    Restart,
}

/// A 2317 that the server calls a pause (too many wrong SMS codes in a row) is not a
/// lockout: the user stays on the step and is told why and how long, instead of being sent
/// to step A, which needs an SMS code too.
pub fn is_pause(code: ErrorCode, pause: Option<wire::Pause>) -> bool {
    code == ErrorCode::AccountBlocked && pause.is_some()
}

/// How the enrollment flow reacts to an error code on the step `current`.
pub fn on_error(current: Step, code: ErrorCode, remaining_attempts: Option<u32>) -> Reaction {
    match code {
        ErrorCode::NeedBasicAuthentication => Reaction::SignIn,
        ErrorCode::AccountBlocked => Reaction::GoTo(Step::Blocked),
        ErrorCode::WrongPin if remaining_attempts == Some(0) => Reaction::GoTo(Step::Blocked),
        // The account has a number after all (added elsewhere, or by an
        // earlier attempt): the full method goes on with step 5.
        ErrorCode::PhoneAlreadyRegistered => Reaction::GoTo(Step::EnrollmentCode),
        // No number any more: back to choosing how to register one.
        ErrorCode::NoPhoneNumber => Reaction::GoTo(Step::ChooseMethod),
        // The PIN screens have no ticket (expired, or another tab used it):
        // a fresh enrollment code is the way back.
        ErrorCode::InvalidSmsCode | ErrorCode::ExpiredSmsCode
            if matches!(current, Step::NewPin | Step::EnterPin) =>
        {
            Reaction::GoTo(Step::EnrollmentCode)
        }
        // This device is not enrolled (removed meanwhile): start over.
        ErrorCode::NeedStrongAuthentication => Reaction::Restart,
        _ => Reaction::Stay,
    }
}

/// One entry of the stepper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepperItem {
    Method,
    PhoneNumber,
    VerifyPhone,
    CodeAndPin,
    EnrollmentCode,
    Pin,
    Done,
}

/// The stepper's items for the chosen way through, and the index of `current`.
/// Shortcut: 3 steps; full method: up to 6 (3 when the account has a number).
pub fn stepper(
    current: Step,
    method: Option<Method>,
    had_phone: bool,
) -> (Vec<StepperItem>, usize) {
    use StepperItem::*;
    let items = if had_phone {
        vec![EnrollmentCode, Pin, Done]
    } else if method == Some(self::Method::Full) {
        vec![Method, PhoneNumber, VerifyPhone, EnrollmentCode, Pin, Done]
    } else {
        vec![Method, CodeAndPin, Done]
    };
    let item = match current {
        Step::ChooseMethod => Method,
        Step::Shortcut => CodeAndPin,
        Step::RegisterPhone => PhoneNumber,
        Step::EnrollmentCode => EnrollmentCode,
        Step::NewPin | Step::EnterPin => Pin,
        Step::Done | Step::AlreadyEnrolled | Step::Blocked => Done,
    };
    let index = items.iter().position(|i| *i == item).unwrap_or(0);
    (items, index)
}

#[cfg(test)]
mod tests {

    #[test]
    fn after_an_enrollment_the_success_screen_needs_no_read() {
        assert_eq!(guard(Step::Done, ENROLLED), None);
        assert_eq!(after_probe(ENROLLED, None), Step::AlreadyEnrolled);
        assert_eq!(standing(ENROLLED), Standing::Open);
    }

    use super::*;

    fn probe(device_activated: bool, block: &str, has_phone: bool) -> Probe {
        Probe {
            device_activated,
            block: BlockState::parse(block),
            has_phone,
        }
    }

    #[test]
    fn an_enrolled_device_is_done_whatever_else_is_true() {
        assert_eq!(
            after_probe(probe(true, "NotBlocked", true), None),
            Step::AlreadyEnrolled
        );
        assert_eq!(
            after_probe(probe(true, "PinBlocked", false), None),
            Step::AlreadyEnrolled
        );
    }

    #[test]
    fn every_spelling_of_blocked_and_unknown_states_go_to_step_a() {
        for state in [
            "PinBlocked",
            "PINBlocked",
            "AccountBlocked",
            "Unknown",
            "somethingNew",
        ] {
            assert_eq!(
                after_probe(probe(false, state, true), None),
                Step::Blocked,
                "{state}"
            );
        }
    }

    #[test]
    fn no_phone_asks_for_the_method_or_follows_the_chosen_one() {
        let p = probe(false, "NotBlocked", false);
        assert_eq!(after_probe(p, None), Step::ChooseMethod);
        assert_eq!(after_probe(p, Some(Method::Shortcut)), Step::Shortcut);
        assert_eq!(after_probe(p, Some(Method::Full)), Step::RegisterPhone);
    }

    #[test]
    fn a_phone_on_file_goes_to_the_enrollment_code() {
        assert_eq!(
            after_probe(probe(false, "NotBlocked", true), None),
            Step::EnrollmentCode
        );
        assert_eq!(
            after_probe(probe(false, "NotBlocked", true), Some(Method::Shortcut)),
            Step::EnrollmentCode
        );
    }

    #[test]
    fn the_enrollment_code_answer_picks_the_pin_screen() {
        assert_eq!(
            after_enrollment_code(EnrollmentState::AlreadyEnrolled),
            Step::EnterPin
        );
        assert_eq!(
            after_enrollment_code(EnrollmentState::NotEnrolled),
            Step::NewPin
        );
    }

    #[test]
    fn wrong_pin_with_tries_left_stays_and_the_last_one_blocks() {
        assert_eq!(
            on_error(Step::EnterPin, ErrorCode::WrongPin, Some(2)),
            Reaction::Stay
        );
        assert_eq!(
            on_error(Step::EnterPin, ErrorCode::WrongPin, None),
            Reaction::Stay
        );
        assert_eq!(
            on_error(Step::EnterPin, ErrorCode::WrongPin, Some(0)),
            Reaction::GoTo(Step::Blocked)
        );
    }

    #[test]
    fn lockout_goes_to_step_a_from_any_step() {
        for step in [
            Step::EnterPin,
            Step::NewPin,
            Step::Shortcut,
            Step::EnrollmentCode,
        ] {
            assert_eq!(
                on_error(step, ErrorCode::AccountBlocked, None),
                Reaction::GoTo(Step::Blocked)
            );
        }
    }

    #[test]
    fn number_already_registered_switches_to_the_full_method() {
        assert_eq!(
            on_error(Step::Shortcut, ErrorCode::PhoneAlreadyRegistered, None),
            Reaction::GoTo(Step::EnrollmentCode)
        );
    }

    #[test]
    fn need_strong_authentication_restarts_from_the_probe() {
        assert_eq!(
            on_error(Step::EnterPin, ErrorCode::NeedStrongAuthentication, None),
            Reaction::Restart
        );
    }

    #[test]
    fn session_expiry_signs_in_again() {
        assert_eq!(
            on_error(Step::EnterPin, ErrorCode::NeedBasicAuthentication, None),
            Reaction::SignIn
        );
    }

    #[test]
    fn a_pin_screen_without_ticket_goes_back_to_the_code() {
        assert_eq!(
            on_error(Step::NewPin, ErrorCode::InvalidSmsCode, None),
            Reaction::GoTo(Step::EnrollmentCode)
        );
        assert_eq!(
            on_error(Step::EnrollmentCode, ErrorCode::InvalidSmsCode, None),
            Reaction::Stay
        );
        assert_eq!(
            on_error(Step::Shortcut, ErrorCode::ExpiredSmsCode, None),
            Reaction::Stay
        );
    }

    #[test]
    fn guard_lets_the_right_screens_through_and_redirects_the_rest() {
        let no_phone = probe(false, "NotBlocked", false);
        assert_eq!(guard(Step::Shortcut, no_phone), None);
        assert_eq!(guard(Step::RegisterPhone, no_phone), None);
        assert_eq!(
            guard(Step::EnrollmentCode, no_phone),
            Some(Step::ChooseMethod)
        );
        let phone = probe(false, "NotBlocked", true);
        assert_eq!(guard(Step::Shortcut, phone), Some(Step::EnrollmentCode));
        assert_eq!(guard(Step::EnterPin, phone), None);
        let blocked = probe(false, "PinBlocked", true);
        assert_eq!(guard(Step::EnterPin, blocked), Some(Step::Blocked));
        assert_eq!(guard(Step::Blocked, blocked), None);
        let enrolled = probe(true, "NotBlocked", true);
        assert_eq!(
            guard(Step::EnrollmentCode, enrolled),
            Some(Step::AlreadyEnrolled)
        );
        assert_eq!(guard(Step::Done, enrolled), None);
        assert_eq!(guard(Step::Blocked, phone), Some(Step::EnrollmentCode));
    }

    #[test]
    fn pin_screens_follow_the_answer_of_step_6() {
        use EnrollmentState::*;
        assert_eq!(pin_screen_guard(Step::NewPin, Some(NotEnrolled)), None);
        assert_eq!(
            pin_screen_guard(Step::EnterPin, Some(AlreadyEnrolled)),
            None
        );
        assert_eq!(
            pin_screen_guard(Step::NewPin, Some(AlreadyEnrolled)),
            Some(Step::EnterPin)
        );
        assert_eq!(
            pin_screen_guard(Step::EnterPin, Some(NotEnrolled)),
            Some(Step::NewPin)
        );
        assert_eq!(
            pin_screen_guard(Step::EnterPin, None),
            Some(Step::EnrollmentCode)
        );
        assert_eq!(
            pin_screen_guard(Step::NewPin, None),
            Some(Step::EnrollmentCode)
        );
        assert_eq!(pin_screen_guard(Step::EnrollmentCode, None), None);
    }

    #[test]
    fn stepper_has_three_steps_for_shortcut_and_six_for_full() {
        let (items, index) = stepper(Step::Shortcut, Some(Method::Shortcut), false);
        assert_eq!(items.len(), 3);
        assert_eq!(index, 1);
        let (items, index) = stepper(Step::EnrollmentCode, Some(Method::Full), false);
        assert_eq!(items.len(), 6);
        assert_eq!(index, 3);
        let (items, index) = stepper(Step::EnterPin, None, true);
        assert_eq!(
            items,
            vec![
                StepperItem::EnrollmentCode,
                StepperItem::Pin,
                StepperItem::Done
            ]
        );
        assert_eq!(index, 1);
    }

    #[test]
    fn a_blocked_answer_named_a_pause_is_one_and_otherwise_a_lockout() {
        let codes = Some(wire::Pause::WrongSmsCodes);
        assert!(is_pause(ErrorCode::AccountBlocked, codes));
        assert!(!is_pause(ErrorCode::AccountBlocked, None));
        assert!(!is_pause(ErrorCode::RateLimited, codes));
    }

    #[test]
    fn home_offers_enrollment_only_when_it_can_succeed() {
        assert_eq!(standing(probe(false, "NotBlocked", true)), Standing::Open);
        assert_eq!(standing(probe(true, "NotBlocked", true)), Standing::Open);
        assert_eq!(
            standing(probe(false, "AccountBlocked", true)),
            Standing::DeviceLimit
        );
        // An enrolled browser at the limit is one of the devices: nothing is in its way.
        assert_eq!(
            standing(probe(true, "AccountBlocked", true)),
            Standing::Open
        );
        assert_eq!(
            standing(probe(false, "PinBlocked", true)),
            Standing::PinBlocked
        );
        assert_eq!(
            standing(probe(true, "PINBlocked", true)),
            Standing::PinBlocked
        );
        assert_eq!(standing(probe(false, "Suspended", true)), Standing::Blocked);
    }
}
