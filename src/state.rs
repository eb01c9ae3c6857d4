//! App-wide state provided as context: who is signed in, the server's runtime
//! configuration, and the non-secret facts of the enrollment in progress.

use leptos::prelude::*;
use wire::api::{EnrollmentState, PortalConfig};

use crate::api::ApiError;
use crate::flow::Method;

#[derive(Clone, Copy)]
pub struct Auth {
    /// The signed-in login; `None` when signed out.
    pub login: RwSignal<Option<String>>,
    /// False until the first session check answered.
    pub checked: RwSignal<bool>,
}

impl Auth {
    pub fn new() -> Auth {
        Auth {
            login: RwSignal::new(None),
            checked: RwSignal::new(false),
        }
    }

    /// Call with every failed request: a 2301 signs the user out locally, and
    /// the route guard then sends them to sign in and back to where they were.
    pub fn notice(&self, error: &ApiError) {
        if *error == ApiError::SessionExpired {
            self.login.set(None);
            crate::embed::send(wire::embed::PortalEvent::SignedOut);
        } else if let Some(code) = error.code() {
            crate::embed::send(wire::embed::PortalEvent::Error { code: code.code() });
        }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth::new()
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[derive(Clone, Copy)]
pub struct Config(pub RwSignal<Option<PortalConfig>>);

impl Config {
    pub fn pin_length(&self) -> u8 {
        self.0
            .with(|c| c.as_ref().map(|c| c.pin_length))
            .unwrap_or(wire::validate::DEFAULT_PIN_LENGTH)
    }

    pub fn device_limit(&self) -> usize {
        self.0
            .with(|c| c.as_ref().map(|c| c.device_limit))
            .unwrap_or(wire::api::DEFAULT_DEVICE_LIMIT) as usize
    }

    pub fn demo(&self) -> bool {
        self.0.with(|c| c.as_ref().is_some_and(|c| c.demo))
    }

    /// The phone field's first country: the operator's, else that of the language shown.
    pub fn region(&self) -> String {
        let language = crate::i18n::current().region();
        self.0.with(|c| match c {
            Some(c) if c.region_follows_language => {
                language.unwrap_or_else(|| c.default_region.clone())
            }
            Some(c) => c.default_region.clone(),
            None => language.unwrap_or_else(|| "FR".to_string()),
        })
    }
}

pub fn use_config() -> Config {
    expect_context::<Config>()
}

/// What the enrollment flow learned so far. Nothing secret: the method chosen,
/// whether the account had a phone when the flow began, and step 6's answer.
#[derive(Clone, Copy)]
pub struct Flow {
    pub method: RwSignal<Option<Method>>,
    pub had_phone: RwSignal<Option<bool>>,
    pub enrollment_state: RwSignal<Option<EnrollmentState>>,
    /// The number being registered (steps 4.x), kept so a failed request
    /// loses nothing typed. Not a secret; never written to storage.
    pub phone: RwSignal<String>,
    /// What a screen just read with the probe, handed to the step it moves to
    /// when nothing changed on the server in between, so that step does not
    /// ask again. Taken once, and only by that step.
    pub fresh_probe: RwSignal<Option<FreshProbe>>,
}

const ENROLLMENT_STATE_KEY: &str = "portal.flow.enrollmentState";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

impl Flow {
    /// Step 6's answer survives a reload of this tab (it is not a secret: it
    /// only says whether the account has a PIN), so the PIN screens can tell
    /// which of them applies after a reload or a bookmark.
    pub fn new() -> Flow {
        let saved = session_storage()
            .and_then(|s| s.get_item(ENROLLMENT_STATE_KEY).ok().flatten())
            .and_then(|text| match text.as_str() {
                "AlreadyEnrolled" => Some(EnrollmentState::AlreadyEnrolled),
                "NotEnrolled" => Some(EnrollmentState::NotEnrolled),
                _ => None,
            });
        Flow {
            method: RwSignal::new(None),
            had_phone: RwSignal::new(None),
            enrollment_state: RwSignal::new(saved),
            phone: RwSignal::new(String::new()),
            fresh_probe: RwSignal::new(None),
        }
    }

    pub fn set_enrollment_state(&self, state: Option<EnrollmentState>) {
        self.enrollment_state.set(state);
        if let Some(storage) = session_storage() {
            let _ = match state {
                Some(EnrollmentState::AlreadyEnrolled) => {
                    storage.set_item(ENROLLMENT_STATE_KEY, "AlreadyEnrolled")
                }
                Some(EnrollmentState::NotEnrolled) => {
                    storage.set_item(ENROLLMENT_STATE_KEY, "NotEnrolled")
                }
                None => storage.remove_item(ENROLLMENT_STATE_KEY),
            };
        }
    }
}

/// A probe's answers, for the step named.
#[derive(Clone, Debug, PartialEq)]
pub struct FreshProbe {
    pub step: crate::flow::Step,
    pub probe: crate::flow::Probe,
    pub masked_phone: Option<String>,
}

impl Flow {
    /// The probe `step` may use instead of asking the server again; whatever
    /// was waiting is dropped either way.
    pub fn take_fresh_probe(&self, step: crate::flow::Step) -> Option<FreshProbe> {
        self.fresh_probe
            .try_update(Option::take)
            .flatten()
            .filter(|fresh| fresh.step == step)
    }
}

impl Default for Flow {
    fn default() -> Self {
        Flow::new()
    }
}

/// The language the screens are drawn in; the app re-renders when it changes.
#[derive(Clone, Copy)]
pub struct Lang(pub RwSignal<crate::i18n::Locale>);

impl Lang {
    /// Switches to `locale` once its catalogue is here (fetched first when it
    /// is not compiled in). `false` when it could not be had: the screens
    /// stay in the language they are in.
    pub async fn switch(self, locale: crate::i18n::Locale, save: bool) -> bool {
        if !crate::i18n::load(locale).await {
            return false;
        }
        crate::i18n::apply(locale, save);
        // Redrawing loses what is being typed: only for a real change.
        if self.0.get_untracked() != locale {
            self.0.set(locale);
        }
        true
    }
}

pub fn use_lang() -> Lang {
    expect_context::<Lang>()
}

pub fn use_flow() -> Flow {
    expect_context::<Flow>()
}
