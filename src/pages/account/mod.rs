//! Account management, steps A to E, and the hub that leads to them.

mod change_phone;
pub mod hub;
mod pin_reset;
mod pin_update;
mod remove_enrollments;
mod vehicles;

pub use change_phone::ChangePhone;
pub use hub::Hub;
pub use pin_reset::PinReset;
pub use pin_update::PinUpdate;
pub use remove_enrollments::RemoveEnrollments;
pub use vehicles::Vehicles;

use crate::i18n::t;
use leptos::prelude::*;
use wire::ErrorCode;

use crate::api::ApiError;
use crate::messages::error_text;
use crate::pages::RequireSignIn;
use crate::routes;
use crate::state::Auth;

/// `/account/*`: signed-in users only.
#[component]
pub fn AccountLayout(children: ChildrenFn) -> impl IntoView {
    view! {
        <RequireSignIn>
            <section class="card account">
                <BackToHub/>
                {children()}
            </section>
        </RequireSignIn>
    }
}

/// Tells an embedding host that a management action finished.
pub fn completed(action: &str) {
    crate::embed::send(wire::embed::PortalEvent::Completed {
        action: action.to_string(),
    });
}

/// On every management step, the way back to the hub (not on the hub itself).
#[component]
fn BackToHub() -> impl IntoView {
    let location = crate::router::use_location();
    move || {
        (location.pathname.get() != routes::ACCOUNT).then(|| {
            view! { <a href=routes::ACCOUNT class="back">{t!("account.account_security")}</a> }
        })
    }
}

/// The sentence for a failed management call; a 2301 also signs out locally
/// so the guard sends the user to sign in and back.
pub fn account_error(error: &ApiError, auth: Auth) -> String {
    auth.notice(error);
    match error.code() {
        Some(ErrorCode::NeedStrongAuthentication) => {
            { t!("account.this_browser_must_be_enrolled") }.to_string()
        }
        _ => error_text(error),
    }
}

/// Shown with an error that has a way out: blocked accounts go to step A,
/// browsers that are not enrolled to the enrollment.
#[component]
pub fn WayOut(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        let error = error.get();
        // A pause ends by itself: removing every enrollment is no way out of it.
        let paused = matches!(error, Some(ApiError::Api { pause: Some(_), .. }));
        match error.and_then(|e| e.code()) {
        Some(ErrorCode::AccountBlocked) if !paused => Some(
            view! { <a href=routes::ACCOUNT_REMOVE_ENROLLMENTS class="button secondary">{t!("account.hub.remove_all_enrollments")}</a> }
                .into_any(),
        ),
        Some(ErrorCode::NeedStrongAuthentication) => Some(
            view! { <a href=routes::ENROLL class="button secondary">{t!("account.hub.enroll_this_browser")}</a> }.into_any(),
        ),
        _ => None,
    }
    }
}
