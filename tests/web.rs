//! Component tests in headless Chromium (`cargo test --target wasm32-unknown-unknown`):
//! each mounts a component in a fresh element, drives it with DOM events, and
//! asserts on the DOM. The network is a fake transport.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use portal::api::{self, ApiError};
use portal::components::{
    CodeSent, ErrorArea, PhoneInput, PinInput, SmsCodeInput, Stepper, SubmitButton, VinInput,
};
use portal::device;
use portal::state::{Auth, Config, Flow};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::fake_server;

fn container() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn find<T: JsCast>(root: &HtmlElement, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

async fn settle() {
    // A first request makes the device key (IndexedDB, key generation) before it is sent.
    let _ = device::key().await;
    for _ in 0..5 {
        leptos::task::tick().await;
        gloo_timers::future::sleep(Duration::from_millis(10)).await;
    }
}

fn provide_app_context() -> Auth {
    let auth = Auth::new();
    auth.checked.set(true);
    provide_context(auth);
    provide_context(Config(RwSignal::new(None)));
    provide_context(Flow::new());
    auth
}

fn mount_sign_in(root: &HtmlElement) -> Auth {
    let auth_slot = Rc::new(RefCell::new(None));
    let slot = auth_slot.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        *slot.borrow_mut() = Some(provide_app_context());
        {
            portal::router::provide(portal::routes::Bundle::Main);
            view! { <portal::pages::SignIn/> }
        }
    });
    handle.forget();
    let auth = auth_slot.borrow().unwrap();
    auth
}

#[wasm_bindgen_test]
async fn sign_in_with_a_wrong_password_says_so_and_forgets_the_password() {
    let seen = fake_server(|_| {
        (401, r#"{"transactionId":"t","status":"FAILED","error":{"code":2301,"label":"Need basic authentication"}}"#.to_string())
    });
    let root = container();
    let auth = mount_sign_in(&root);
    type_into(&find(&root, "#email"), "new@demo.test");
    type_into(&find(&root, "#password"), "wrong-password");
    find::<HtmlElement>(&root, "button[type=submit]").click();
    settle().await;

    let error = find::<HtmlElement>(&root, "[data-testid=form-error]")
        .text_content()
        .unwrap();
    assert_eq!(error, "The email or the password is not right.");
    assert_eq!(find::<HtmlInputElement>(&root, "#password").value(), "");
    assert_eq!(auth.login.get_untracked(), None);
    let requests = seen.borrow();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/api/v1/session");
    assert!(requests[0]
        .body
        .as_deref()
        .unwrap()
        .contains("new@demo.test"));
    let proof = &requests[0]
        .headers
        .iter()
        .find(|(name, _)| *name == "DPoP")
        .expect("every request carries a DPoP proof")
        .1;
    let claims = decode_part(proof.split('.').nth(1).unwrap());
    assert!(claims.contains(r#""htm":"POST""#), "{claims}");
    assert!(claims.contains("/api/v1/session\""), "{claims}");
}

/// A base64url JWS part as text, through the browser's `atob`.
fn decode_part(part: &str) -> String {
    let mut standard = part.replace('-', "+").replace('_', "/");
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    web_sys::window().unwrap().atob(&standard).unwrap()
}

#[wasm_bindgen_test]
async fn the_device_key_signs_proofs_and_cannot_be_exported() {
    use wasm_bindgen_futures::JsFuture;

    let key = device::key()
        .await
        .expect("headless Chromium offers WebCrypto and IndexedDB");
    assert_eq!(key.thumbprint.len(), 43);
    assert_eq!(device::key().await.unwrap().thumbprint, key.thumbprint);
    let pair: web_sys::CryptoKeyPair = device::stored_key_pair().await.unwrap().unchecked_into();
    assert!(
        !wasm_bindgen::JsValue::from(pair.clone()).is_undefined(),
        "the key is in IndexedDB"
    );
    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let private = pair.get_private_key();
    assert!(!private.extractable());
    for format in ["jwk", "pkcs8"] {
        let exported = JsFuture::from(subtle.export_key(format, &private).unwrap()).await;
        assert!(
            exported.is_err(),
            "exportKey({format}) of the device key must reject"
        );
    }

    let proof = device::proof(
        "DELETE",
        "http://127.0.0.1:8080/api/v1/session",
        Some("tok"),
    )
    .await
    .unwrap();
    let parts: Vec<&str> = proof.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode_part(parts[0]);
    assert!(
        header.starts_with(
            r#"{"typ":"dpop+jwt","alg":"ES256","jwk":{"crv":"P-256","kty":"EC","x":""#
        ),
        "{header}"
    );
    assert!(!header.contains(r#""d""#));
    let claims = decode_part(parts[1]);
    assert!(
        claims.contains(r#""htm":"DELETE","htu":"http://127.0.0.1:8080/api/v1/session""#),
        "{claims}"
    );
    // base64url(SHA-256("tok")), computed outside the browser.
    assert!(
        claims.contains(r#""ath":"GnZ0607njffhrEOak8P6jjyUV4TU3sn9jjARc4svHWI""#),
        "{claims}"
    );
    let signature: Vec<u8> = decode_part(parts[2]).chars().map(|c| c as u8).collect();
    assert_eq!(signature.len(), 64, "ES256 is r || s");
    let signed = format!("{}.{}", parts[0], parts[1]);
    let algorithm = web_sys::EcdsaParams::new("ECDSA", &"SHA-256".into());
    // The stored public half has no usages of its own: verify with a copy made for it.
    let raw = JsFuture::from(subtle.export_key("raw", &pair.get_public_key()).unwrap())
        .await
        .unwrap();
    let verifier: web_sys::CryptoKey = JsFuture::from(
        subtle
            .import_key_with_object(
                "raw",
                &raw.unchecked_into(),
                &{
                    let params = web_sys::EcKeyImportParams::new("ECDSA");
                    params.set_named_curve("P-256");
                    params.into()
                },
                false,
                &js_sys::Array::of1(&"verify".into()),
            )
            .unwrap(),
    )
    .await
    .unwrap()
    .into();
    let valid = JsFuture::from(
        subtle
            .verify_with_object_and_u8_array_and_u8_array(
                &algorithm,
                &verifier,
                &signature,
                signed.as_bytes(),
            )
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(valid.as_bool(), Some(true));
    let other = device::proof(
        "DELETE",
        "http://127.0.0.1:8080/api/v1/session",
        Some("tok"),
    )
    .await
    .unwrap();
    assert_ne!(
        decode_part(other.split('.').nth(1).unwrap()),
        claims,
        "each proof has its own jti"
    );
}

#[wasm_bindgen_test]
async fn sign_in_with_the_right_password_signs_in() {
    fake_server(|_| {
        (200, r#"{"transactionId":"t","status":"SUCCEEDED","result":{"token":"abc","expiresAt":1,"login":"new@demo.test","status":{"isDeviceActivated":false,"isAccountBlocked":"NotBlocked","phoneNumber":null,"maskedPhoneNumber":null,"enrolledDevices":0}}}"#.to_string())
    });
    let root = container();
    let auth = mount_sign_in(&root);
    type_into(&find(&root, "#email"), "new@demo.test");
    type_into(&find(&root, "#password"), "demo-password");
    find::<HtmlElement>(&root, "button[type=submit]").click();
    settle().await;
    assert_eq!(auth.login.get_untracked().as_deref(), Some("new@demo.test"));
    api::set_token(None);
}

#[wasm_bindgen_test]
async fn sign_in_checks_the_email_before_sending_anything() {
    let seen = fake_server(|_| (500, String::new()));
    let root = container();
    mount_sign_in(&root);
    type_into(&find(&root, "#email"), "not-an-email");
    type_into(&find(&root, "#password"), "x");
    find::<HtmlElement>(&root, "button[type=submit]").click();
    settle().await;
    assert!(seen.borrow().is_empty());
    let email: HtmlInputElement = find(&root, "#email");
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(find::<HtmlElement>(&root, "#email-error")
        .text_content()
        .unwrap()
        .contains("email address"));
}

#[wasm_bindgen_test]
async fn sms_code_input_keeps_digits_of_a_pasted_code_and_counts_down() {
    let root = container();
    let value = RwSignal::new(String::new());
    let resent = RwSignal::new(0);
    let now = js_sys::Date::now();
    let sent = RwSignal::new(Some(CodeSent {
        masked_number: "+33 6•• •• ••78".to_string(),
        expires_at_ms: now + 600_000.0,
        resend_at_ms: now + 30_000.0,
    }));
    leptos::mount::mount_to(root.clone(), move || {
        view! {
            <SmsCodeInput value=value sent=sent on_resend=Callback::new(move |()| resent.update(|n| *n += 1))
                resend_busy=Signal::derive(|| false) error=Signal::derive(|| None::<String>)/>
        }
    })
    .forget();
    let input: HtmlInputElement = find(&root, "#sms-code");
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    type_into(&input, "Code: 123 456");
    settle().await;
    assert_eq!(value.get_untracked(), "123456");
    let hint = find::<HtmlElement>(&root, "#sms-code-hint")
        .text_content()
        .unwrap();
    assert!(hint.contains("+33 6•• •• ••78"), "{hint}");
    assert!(
        hint.contains("expires in 10:00") || hint.contains("expires in 9:59"),
        "{hint}"
    );
    let resend: HtmlElement = find(&root, ".resend button");
    assert!(
        resend.text_content().unwrap().contains("(0:30)")
            || resend.text_content().unwrap().contains("(0:29)")
    );
    assert!(resend.has_attribute("disabled"));

    // The server's cooldown is over: the button comes back.
    sent.set(Some(CodeSent {
        masked_number: "x".into(),
        expires_at_ms: now + 600_000.0,
        resend_at_ms: now - 1.0,
    }));
    settle().await;
    let resend: HtmlElement = find(&root, ".resend button");
    assert!(!resend.has_attribute("disabled"));
    resend.click();
    assert_eq!(resent.get_untracked(), 1);
}

#[wasm_bindgen_test]
async fn pin_input_is_masked_numeric_and_can_be_shown() {
    let root = container();
    let value = RwSignal::new(String::new());
    leptos::mount::mount_to(root.clone(), move || {
        view! {
            <PinInput id="pin" label="PIN" value=value length=Signal::derive(|| 6u8)
                error=Signal::derive(|| Some("Wrong PIN.".to_string())) autocomplete="current-password"/>
        }
    })
    .forget();
    let input: HtmlInputElement = find(&root, "#pin");
    assert_eq!(input.type_(), "password");
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("pin-error")
    );
    type_into(&input, "12a34567");
    settle().await;
    assert_eq!(value.get_untracked(), "123456");
    find::<HtmlElement>(&root, "button.toggle").click();
    settle().await;
    assert_eq!(find::<HtmlInputElement>(&root, "#pin").type_(), "text");
    assert_eq!(
        find::<HtmlElement>(&root, "#pin-error")
            .text_content()
            .unwrap(),
        "Wrong PIN."
    );
}

#[wasm_bindgen_test]
async fn phone_input_shows_the_number_back_in_international_form() {
    let root = container();
    let value = RwSignal::new(String::new());
    let region = RwSignal::new("FR".to_string());
    leptos::mount::mount_to(root.clone(), move || {
        view! { <PhoneInput value=value region=region error=Signal::derive(|| None::<String>)/> }
    })
    .forget();
    type_into(&find(&root, "#phone"), "06 12 34 56 78");
    settle().await;
    let shown = find::<HtmlElement>(&root, "#phone-normalised")
        .text_content()
        .unwrap();
    assert_eq!(shown, "International form: +33612345678");
    let select: web_sys::HtmlSelectElement = find(&root, "#phone-country");
    assert_eq!(select.value(), "FR");
}

#[wasm_bindgen_test]
async fn vin_input_uppercases_as_typed() {
    let root = container();
    let value = RwSignal::new(String::new());
    leptos::mount::mount_to(root.clone(), move || {
        view! { <VinInput value=value error=Signal::derive(|| None::<String>)/> }
    })
    .forget();
    type_into(&find(&root, "#vin"), "vf3abc");
    settle().await;
    assert_eq!(value.get_untracked(), "VF3ABC");
    assert!(find::<HtmlElement>(&root, "#vin-hint")
        .text_content()
        .unwrap()
        .contains("I, O or Q"));
}

#[wasm_bindgen_test]
async fn submit_button_is_disabled_while_busy() {
    let root = container();
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    leptos::mount::mount_to(root.clone(), move || {
        view! {
            <ErrorArea message=message/>
            <SubmitButton label="Send" busy=busy busy_label="Sending…"/>
        }
    })
    .forget();
    let button: HtmlElement = find(&root, "button");
    assert!(!button.has_attribute("disabled"));
    busy.set(true);
    message.set(Some(
        "Wrong PIN. 2 tries left before your PIN is blocked.".into(),
    ));
    settle().await;
    assert!(button.has_attribute("disabled"));
    assert_eq!(button.text_content().unwrap(), "Sending…");
    let area: HtmlElement = find(&root, "[data-testid=form-error]");
    assert_eq!(
        area.get_attribute("aria-live").as_deref(),
        Some("assertive")
    );
    assert!(area.text_content().unwrap().contains("2 tries left"));
}

#[wasm_bindgen_test]
fn error_mapping_words_each_code_for_people() {
    use portal::messages::error_text;
    use wire::ErrorCode;
    let api = |code: ErrorCode, remaining: Option<u32>, retry: Option<u64>| ApiError::Api {
        code,
        label: code.label().into(),
        remaining_attempts: remaining,
        retry_after_seconds: retry,
        pause: None,
    };
    assert!(error_text(&api(ErrorCode::WrongPin, Some(1), None)).contains("1 try left"));
    assert!(error_text(&api(ErrorCode::RateLimited, None, Some(30))).contains("30 seconds"));
    assert!(error_text(&api(ErrorCode::ExpiredSmsCode, None, None)).contains("new code"));
    assert!(error_text(&api(ErrorCode::NotVehicleOwner, None, None)).contains("not linked"));
    assert!(error_text(&api(ErrorCode::NotDeviceOwner, None, None)).contains("no longer enrolled"));
    assert!(error_text(&ApiError::Network("down".into())).contains("try again"));
}

#[wasm_bindgen_test]
fn host_messages_are_parsed_from_objects_or_text_and_checked() {
    use portal::embed::parse_host_message;
    use wire::embed::{HostCommand, Refused};
    let allow = vec!["http://127.0.0.1:8081".to_string()];
    let object = js_sys::JSON::parse(r##"{"source":"enrollment-host","v":1,"type":"theme","properties":{"--color-primary":"#b00020"}}"##).unwrap();
    match parse_host_message("http://127.0.0.1:8081", &object, &allow) {
        Ok(HostCommand::Theme { properties }) => {
            assert_eq!(properties["--color-primary"], "#b00020")
        }
        other => panic!("{other:?}"),
    }
    let text = wasm_bindgen::JsValue::from_str(
        r#"{"source":"enrollment-host","v":1,"type":"locale","locale":"fr"}"#,
    );
    assert_eq!(
        parse_host_message("http://127.0.0.1:8081", &text, &allow),
        Ok(HostCommand::Locale {
            locale: "fr".into()
        })
    );
    // Same message, another port: another origin.
    assert_eq!(
        parse_host_message("http://127.0.0.1:8082", &text, &allow),
        Err(Refused::Origin)
    );
    assert_eq!(
        parse_host_message(
            "http://127.0.0.1:8081",
            &wasm_bindgen::JsValue::from_f64(3.0),
            &allow
        ),
        Err(Refused::Malformed)
    );
    // Wrong shapes are malformed, whichever field is off.
    for malformed in [
        r#"[1,2]"#,
        r#"{"source":"enrollment-host","v":1.5,"type":"locale","locale":"fr"}"#,
        r#"{"source":"enrollment-host","v":"1","type":"locale","locale":"fr"}"#,
        r#"{"source":"enrollment-host","v":1,"type":"session"}"#,
        r#"{"source":"enrollment-host","v":1,"type":"session","token":7}"#,
        r#"{"source":"enrollment-host","v":1,"type":"reboot"}"#,
        r#"{"source":"enrollment-host","v":1,"type":"theme","properties":["--x"]}"#,
        r#"{"source":"enrollment-host","v":1,"type":"theme","properties":{"--x":1}}"#,
        r#"{"v":1,"type":"locale","locale":"fr"}"#,
    ] {
        let data = js_sys::JSON::parse(malformed).unwrap();
        assert_eq!(
            parse_host_message("http://127.0.0.1:8081", &data, &allow),
            Err(Refused::Malformed),
            "{malformed}"
        );
    }
    let session = wasm_bindgen::JsValue::from_str(
        r#"{"source":"enrollment-host","v":1,"type":"session","token":"abcdefghijklmnop01234567"}"#,
    );
    assert_eq!(
        parse_host_message("http://127.0.0.1:8081", &session, &allow),
        Ok(HostCommand::Session {
            token: "abcdefghijklmnop01234567".into()
        })
    );
    let hostile = js_sys::JSON::parse(r#"{"source":"enrollment-host","v":1,"type":"theme","properties":{"--color-primary":"red;}body{display:none"}}"#).unwrap();
    assert_eq!(
        parse_host_message("http://127.0.0.1:8081", &hostile, &allow),
        Err(Refused::BadTheme("--color-primary".into()))
    );
}

#[wasm_bindgen_test]
fn only_exact_allowlisted_origins_pass() {
    use wire::embed::origin_allowed;
    let allow = vec![
        "https://cars.example".to_string(),
        "http://127.0.0.1:8081".to_string(),
    ];
    assert!(origin_allowed("https://cars.example", &allow));
    assert!(origin_allowed("http://127.0.0.1:8081", &allow));
    for other in [
        "https://cars.example.evil.test",
        "http://cars.example",
        "https://evil.test",
        "null",
        "",
    ] {
        assert!(!origin_allowed(other, &allow), "{other}");
    }
}

#[wasm_bindgen_test]
async fn stepper_is_an_ordered_list_that_marks_the_current_step() {
    use portal::flow::{stepper, Method, Step};
    let root = container();
    let items = RwSignal::new(stepper(Step::Shortcut, Some(Method::Shortcut), false));
    leptos::mount::mount_to(root.clone(), move || view! { <Stepper items=items/> }).forget();
    let list = root.query_selector_all("nav ol li").unwrap();
    assert_eq!(list.length(), 3);
    let current: HtmlElement = find(&root, "li[aria-current=step]");
    assert!(current.text_content().unwrap().contains("Code and PIN"));
    assert!(current.text_content().unwrap().contains("(step 2 of 3)"));
    // The full method, further on: six steps, the fourth current.
    items.set(stepper(Step::EnrollmentCode, Some(Method::Full), false));
    settle().await;
    assert_eq!(root.query_selector_all("nav ol li").unwrap().length(), 6);
    let current: HtmlElement = find(&root, "li[aria-current=step]");
    assert!(current.text_content().unwrap().contains("(step 4 of 6)"));
    assert_eq!(
        root.query_selector_all("li[aria-current]")
            .unwrap()
            .length(),
        1
    );
}

#[wasm_bindgen_test]
fn dates_are_written_in_the_browsers_time_zone_without_intl() {
    use portal::pages::account::hub::{format_time, time_ago};
    portal::i18n::apply(portal::i18n::Locale::En, false);
    // 3 Dec 2026, 16:05 where the browser is (month from 0, as Date counts).
    let local = js_sys::Date::new_with_year_month_day_hr_min(2026, 11, 3, 16, 5);
    let at = (local.get_time() / 1000.0) as i64;
    assert_eq!(format_time(at), "Dec 3, 2026, 4:05 PM");
    let three_weeks_ago = (js_sys::Date::now() / 1000.0) as i64 - 21 * 86_400;
    assert_eq!(
        time_ago(three_weeks_ago, portal::i18n_key!("account.hub.last_used")),
        "last used 3 weeks ago"
    );
}
