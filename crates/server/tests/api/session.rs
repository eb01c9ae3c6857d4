//! Issue 2: sign in, session expiry, device id, status reads, envelope, static files.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn sign_in_with_the_right_password_opens_a_session_and_sets_the_cookie() {
    let app = TestApp::new().await;
    let visitor = app.anonymous();
    let answer = visitor
        .post(
            "/api/v1/session",
            json!({"email": "New@Demo.test", "password": PASSWORD}),
        )
        .await;
    let result = answer.assert_ok();
    let token = result["token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "256 bits in base64url");
    assert_eq!(result["login"], "new@demo.test");
    assert_eq!(result["expiresAt"], START + 30 * 60);
    let cookie = answer.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("portal_session={token};")),
        "{cookie}"
    );
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"));

    // The token works as bearer and as cookie.
    let client = app.client("new@demo.test").await;
    assert_eq!(
        client.get("/api/v1/session").await.assert_ok()["login"],
        "new@demo.test"
    );
    // With the cookie, the proof need not carry `ath`: the page cannot read the cookie.
    let cookie_request = || {
        Request::get("/api/v1/session")
            .header("cookie", format!("portal_session={token}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.send(app.signed(cookie_request(), visitor.key()))
            .await
            .assert_ok()["login"],
        "new@demo.test"
    );
    // But the cookie is bound to the key that signed in, like a bearer token.
    app.send(app.signed(cookie_request(), &new_device()))
        .await
        .assert_error(2301);
}

/// Signs `new@demo.test` in by hand (the proof for `scheme`), with `extra` headers.
async fn sign_in_by_hand(app: &TestApp, scheme: &str, extra: &[(&str, &str)]) -> Answer {
    let proof = new_device().proof(
        "POST",
        &format!("{scheme}://{HOST}/api/v1/session"),
        None,
        START,
    );
    let mut request = Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .header("host", HOST)
        .header("dpop", proof);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    app.send(
        request
            .body(Body::from(
                json!({"email": "new@demo.test", "password": PASSWORD}).to_string(),
            ))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn an_https_public_url_makes_the_cookie_secure_and_host_prefixed() {
    let mut settings = demo_settings();
    settings.https = true;
    let app = TestApp::with_settings(settings).await;
    let answer = sign_in_by_hand(&app, "https", &[]).await;
    let token = answer.assert_ok()["token"].as_str().unwrap().to_string();
    let cookie = answer.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("__Host-portal_session={token};")),
        "{cookie}"
    );
    for part in ["HttpOnly", "SameSite=Strict", "; Path=/;", "; Secure"] {
        assert!(cookie.contains(part), "{part}: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert!(answer.headers.contains_key("strict-transport-security"));
    // Every response, whatever the request says of its scheme.
    let config = app
        .send(
            Request::get("/api/v1/config")
                .header("x-forwarded-proto", "http")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(config.headers.contains_key("strict-transport-security"));
    // Proofs name https: the configured scheme, not the request's.
    sign_in_by_hand(&app, "http", &[]).await.assert_error(2102);
    // The session rides in the __Host- cookie; one without the prefix is no session
    // (anyone on plain http could have set it).
    let key = new_device();
    let token = app
        .client_on("new@demo.test", &key)
        .await
        .token
        .expect("signed in");
    let with_cookie = |name: &str| {
        let request = Request::get("/api/v1/session")
            .header("cookie", format!("{name}={token}"))
            .body(Body::empty())
            .unwrap();
        app.signed(request, &key)
    };
    assert_eq!(
        app.send(with_cookie("__Host-portal_session"))
            .await
            .assert_ok()["login"],
        "new@demo.test"
    );
    app.send(with_cookie("portal_session"))
        .await
        .assert_error(2301);
}

#[tokio::test]
async fn a_forwarded_proto_alone_makes_nothing_secure() {
    // No https public URL: what a request says of its scheme is not trusted.
    let app = TestApp::new().await;
    let answer = sign_in_by_hand(&app, "http", &[("x-forwarded-proto", "https")]).await;
    answer.assert_ok();
    let cookie = answer.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("portal_session="), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(!answer.headers.contains_key("strict-transport-security"));
    // Nor does it change the URL proofs must name.
    sign_in_by_hand(&app, "https", &[("x-forwarded-proto", "https")])
        .await
        .assert_error(2102);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_2301() {
    let app = TestApp::new().await;
    let client = app.anonymous();
    let wrong = client
        .post(
            "/api/v1/session",
            json!({"email": "new@demo.test", "password": "nope"}),
        )
        .await;
    wrong.assert_error(2301);
    let unknown = client
        .post(
            "/api/v1/session",
            json!({"email": "nobody@demo.test", "password": "nope"}),
        )
        .await;
    unknown.assert_error(2301);
    assert_eq!(wrong.json["error"], unknown.json["error"]);
    assert!(!wrong.headers.contains_key("set-cookie"));
    client
        .post("/api/v1/session", json!({"email": "new@demo.test"}))
        .await
        .assert_error(2101);
    client
        .post("/api/v1/session", json!({"email": "", "password": "x"}))
        .await
        .assert_error(2101);
}

#[tokio::test]
async fn no_token_or_an_unknown_token_is_2301() {
    let app = TestApp::new().await;
    let mut client = app.anonymous();
    client.get("/api/v1/session").await.assert_error(2301);
    client
        .get("/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated")
        .await
        .assert_error(2301);
    client.token = Some("bm90LWEtdG9rZW4".into());
    client.get("/api/v1/session").await.assert_error(2301);
}

#[tokio::test]
async fn a_proof_is_required_and_must_be_valid() {
    let app = TestApp::new().await;
    let mut client = app.client("new@demo.test").await;
    let answer = client
        .send_with_proof(
            axum::http::Method::GET,
            "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated",
            None,
            Some("not-a-proof"),
        )
        .await;
    answer.assert_error(2102);
    assert_eq!(answer.json["error"]["label"], "Invalid parameter: DPoP");
    client.device = None;
    let answer = client.get("/api/v1/session").await;
    answer.assert_error(2101);
    assert_eq!(answer.json["error"]["label"], "Missing parameter: DPoP");
    // Sign-in and sign-out need one too.
    client.delete("/api/v1/session").await.assert_error(2101);
    client
        .post(
            "/api/v1/session",
            json!({"email": "new@demo.test", "password": PASSWORD}),
        )
        .await
        .assert_error(2101);
}

#[tokio::test]
async fn an_x_device_id_header_is_ignored() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    // Naming another device (or a malformed one) changes nothing: the proof's key decides.
    for claimed in ["0e5a1c2d-7b3f-4c8e-9a6d-1f2e3d4c5b6a", "not-a-uuid"] {
        let answer = client
            .post_with(
                OTP,
                json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
                ("x-device-id", claimed),
            )
            .await;
        answer.assert_ok();
    }
    let stranger = app.client("enrolled@demo.test").await;
    let mut request = stranger.request(axum::http::Method::GET, STATUS_ACTIVATED, None);
    request
        .headers_mut()
        .insert("x-device-id", client.device().parse().unwrap());
    assert_eq!(
        app.send(request).await.assert_ok()["isDeviceActivated"],
        false,
        "a copied device id does not make a device enrolled"
    );
}

#[tokio::test]
async fn idle_sessions_expire_and_activity_slides_the_expiry() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    app.clock.advance(29 * 60);
    client.get("/api/v1/session").await.assert_ok();
    app.clock.advance(29 * 60);
    client.get("/api/v1/session").await.assert_ok();
    app.clock.advance(30 * 60);
    client.get("/api/v1/session").await.assert_error(2301);
}

#[tokio::test]
async fn sessions_end_after_twelve_hours_however_active() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    for _ in 0..(12 * 60 / 20 - 1) {
        app.clock.advance(20 * 60);
        client.get("/api/v1/session").await.assert_ok();
    }
    app.clock.advance(20 * 60);
    client.get("/api/v1/session").await.assert_error(2301);
}

#[tokio::test]
async fn sign_out_revokes_the_token_and_clears_the_cookie() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let answer = client.delete("/api/v1/session").await;
    assert_eq!(answer.assert_ok(), &serde_json::Value::Null);
    assert!(answer.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    client.get("/api/v1/session").await.assert_error(2301);
}

#[tokio::test]
async fn is_device_activated_reads_this_device() {
    let app = TestApp::new().await;
    let path = "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated";
    let other = app.client("enrolled@demo.test").await;
    assert_eq!(
        other.get(path).await.assert_ok()["isDeviceActivated"],
        false
    );
    let enrolled = app.client_on_enrolled("enrolled@demo.test", 0).await;
    assert_eq!(
        enrolled.get(path).await.assert_ok()["isDeviceActivated"],
        true
    );
    // `action` is accepted for `type`; both different is 2102; unknown is 2102.
    let answer = enrolled
        .get("/api/v1/pims/authentication/account?actionType=strong&action=isDeviceActivated")
        .await;
    assert_eq!(answer.assert_ok()["isDeviceActivated"], true);
    enrolled
        .get("/api/v1/pims/authentication/account?actionType=strong&action=isDeviceActivated&type=isAccountBlocked")
        .await
        .assert_error(2102);
    enrolled
        .get("/api/v1/pims/authentication/account?actionType=strong&type=bogus")
        .await
        .assert_error(2102);
    enrolled
        .get("/api/v1/pims/authentication/account?actionType=strong")
        .await
        .assert_error(2101);
}

#[tokio::test]
async fn is_account_blocked_tells_pin_lockout_and_device_limit() {
    let app = TestApp::new().await;
    let path = "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked";
    for (email, expected) in [
        ("new@demo.test", "NotBlocked"),
        ("enrolled@demo.test", "NotBlocked"),
        ("blocked@demo.test", "PinBlocked"),
        ("full@demo.test", "AccountBlocked"),
    ] {
        let client = app.client(email).await;
        assert_eq!(
            client.get(path).await.assert_ok()["isAccountBlocked"],
            expected,
            "{email}"
        );
    }
    let full_on_enrolled_device = app.client_on_enrolled("full@demo.test", 0).await;
    assert_eq!(
        full_on_enrolled_device.get(path).await.assert_ok()["isAccountBlocked"],
        "NotBlocked"
    );
}

#[tokio::test]
async fn every_answer_is_an_envelope_with_a_fresh_transaction_id() {
    let app = TestApp::new().await;
    let client = app.anonymous();
    let a = client.get("/api/v1/config").await;
    let b = client.get("/api/v1/config").await;
    assert_eq!(a.assert_ok()["pinLength"], 6);
    assert_eq!(a.result()["defaultRegion"], "FR");
    assert_eq!(a.result()["demo"], true);
    assert_ne!(a.json["transactionId"], b.json["transactionId"]);

    let unknown = client.get("/api/v1/nothing/here").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json["error"]["code"], 2000);
    let wrong_method = client.delete("/api/v1/config").await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.json["status"], "FAILED");

    let malformed = app
        .send(
            app.signed(
                Request::post("/api/v1/session")
                    .header("content-type", "application/json")
                    .body(Body::from("{not json"))
                    .unwrap(),
                client.key(),
            ),
        )
        .await;
    malformed.assert_error(2102);
    let not_json = app
        .send(
            app.signed(
                Request::post("/api/v1/session")
                    .body(Body::from("email=a"))
                    .unwrap(),
                client.key(),
            ),
        )
        .await;
    not_json.assert_error(2102);
    let too_big = client
        .post(
            "/api/v1/session",
            json!({"email": "a@b.c", "password": "x".repeat(20_000)}),
        )
        .await;
    too_big.assert_error(2102);
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let mut settings = demo_settings();
    settings.frame_ancestors = vec!["https://host.example".into()];
    let app = TestApp::with_settings(settings).await;
    let answer = app.anonymous().get("/api/v1/config").await;
    let csp = answer.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' https://host.example"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"));
    assert_eq!(answer.headers["x-content-type-options"], "nosniff");
    assert_eq!(answer.headers["referrer-policy"], "no-referrer");
    assert!(!answer.headers.contains_key("strict-transport-security"));
    assert!(!answer.headers.contains_key("access-control-allow-origin"));
    assert_eq!(answer.result()["frameAncestors"][0], "https://host.example");
}

#[tokio::test]
async fn cors_answers_only_configured_origins() {
    let mut settings = demo_settings();
    settings.cors_origins = vec!["https://host.example".into()];
    let app = TestApp::with_settings(settings).await;
    let request = |origin: &str| {
        Request::get("/api/v1/config")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    let allowed = app.send(request("https://host.example")).await;
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://host.example"
    );
    let other = app.send(request("https://evil.example")).await;
    assert!(!other.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn the_portal_is_served_with_spa_fallback_and_cache_headers() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().to_path_buf();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>portal</title>",
    )
    .unwrap();
    std::fs::write(dist.join("portal-0123456789abcdef.js"), "console.log(1)").unwrap();
    let mut settings = demo_settings();
    settings.static_dir = Some(dist);
    let app = TestApp::with_settings(settings).await;
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();

    let deep = app.send(get("/enroll/sms")).await;
    assert_eq!(deep.status, 200);
    assert!(deep.text.contains("<title>portal</title>"));
    assert_eq!(deep.headers["cache-control"], "no-cache");
    assert!(deep.headers.contains_key("content-security-policy"));
    let root = app.send(get("/")).await;
    assert!(root.text.contains("<title>portal</title>"));
    let hashed = app.send(get("/portal-0123456789abcdef.js")).await;
    assert_eq!(
        hashed.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // A file that is not there is a 404, not the page in its place.
    for missing in [
        "/favicon.ico",
        "/portal-fedcba9876543210_bg.wasm",
        "/enroll/old.js",
    ] {
        let answer = app.send(get(missing)).await;
        assert_eq!(answer.status, 404, "{missing}");
        assert!(!answer.text.contains("<title>portal</title>"), "{missing}");
    }
    assert_eq!(app.send(get("/index.html")).await.status, 200);
    // API paths never fall back to the portal.
    let api = app.send(get("/api/v1/nope")).await;
    assert_eq!(api.status, 404);
    assert_eq!(api.json["status"], "FAILED");
}

#[tokio::test]
async fn the_builds_precompressed_copies_are_sent_to_browsers_that_accept_them() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().to_path_buf();
    let wasm = "portal-0123456789abcdef_bg.wasm";
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>portal</title>",
    )
    .unwrap();
    std::fs::write(dist.join("index.html.gz"), "index as gzip").unwrap();
    std::fs::write(dist.join(wasm), "the wasm itself ".repeat(100)).unwrap();
    std::fs::write(dist.join(format!("{wasm}.gz")), "wasm as gzip").unwrap();
    std::fs::write(dist.join(format!("{wasm}.br")), "wasm as brotli").unwrap();
    let mut settings = demo_settings();
    settings.static_dir = Some(dist);
    let app = TestApp::with_settings(settings).await;
    let get = |path: &str, accepts: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(accepts) = accepts {
            request = request.header("accept-encoding", accepts);
        }
        app.send(request.body(Body::empty()).unwrap())
    };

    let brotli = get(&format!("/{wasm}"), Some("gzip, deflate, br")).await;
    assert_eq!(brotli.status, 200);
    assert_eq!(brotli.text, "wasm as brotli");
    assert_eq!(brotli.headers["content-encoding"], "br");
    assert_eq!(brotli.headers["content-type"], "application/wasm");
    assert_eq!(
        brotli.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(brotli.headers["vary"]
        .to_str()
        .unwrap()
        .contains("accept-encoding"));
    let gzip = get(&format!("/{wasm}"), Some("gzip")).await;
    assert_eq!(gzip.text, "wasm as gzip");
    assert_eq!(gzip.headers["content-encoding"], "gzip");
    let identity = get(&format!("/{wasm}"), None).await;
    assert_eq!(identity.text, "the wasm itself ".repeat(100));
    assert!(!identity.headers.contains_key("content-encoding"));
    // The SPA fallback page has its copy too. Without a copy in an encoding the browser
    // names, the file is compressed on the fly, never sent in another encoding.
    let deep = get("/enroll/sms", Some("gzip")).await;
    assert_eq!(deep.text, "index as gzip");
    assert_eq!(deep.headers["content-encoding"], "gzip");
    assert_eq!(deep.headers["cache-control"], "no-cache");
    let on_the_fly = get("/enroll/sms", Some("br")).await;
    assert_eq!(on_the_fly.headers["content-encoding"], "br");
    assert_ne!(on_the_fly.text, "index as gzip");
    let plain = get("/enroll/sms", None).await;
    assert_eq!(plain.text, "<!doctype html><title>portal</title>");
}

#[tokio::test]
async fn sign_in_is_sent_as_its_shell_in_the_visitors_language() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().to_path_buf();
    std::fs::write(
        dist.join("index.html"),
        "<title>index</title><script type=module>a()</script>",
    )
    .unwrap();
    std::fs::create_dir(dist.join("shell")).unwrap();
    for lang in ["en", "fr", "de"] {
        std::fs::write(
            dist.join(format!("shell/sign-in.{lang}.html")),
            format!("<title>{lang}</title><script type=module>later()</script>"),
        )
        .unwrap();
    }
    std::fs::write(dist.join("shell/sign-in.fr.html.gz"), "fr as gzip").unwrap();
    let mut settings = demo_settings();
    settings.static_dir = Some(dist);
    let app = TestApp::with_settings(settings).await;
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        app.send(request.body(Body::empty()).unwrap())
    };

    let french = get(
        "/sign-in?next=%2F",
        &[("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")],
    )
    .await;
    assert_eq!(french.status, 200);
    assert_eq!(
        french.text,
        "<title>fr</title><script type=module>later()</script>"
    );
    assert_eq!(french.headers["cache-control"], "no-cache");
    let vary: Vec<_> = french
        .headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(vary.contains(&"accept-language, cookie"), "{vary:?}");
    // Its loader is allowed, with index.html's.
    let csp = french.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let hashes =
        portal_server::csp::inline_script_hashes("<script>a()</script><script>later()</script>");
    for hash in &hashes {
        assert!(csp.contains(hash.as_str()), "{csp}");
    }
    assert_eq!(
        get(
            "/sign-in",
            &[("accept-language", "fr"), ("accept-encoding", "gzip")]
        )
        .await
        .text,
        "fr as gzip"
    );
    // The choice saved in the portal comes first; a language without a shell, English.
    let saved = get(
        "/sign-in",
        &[("accept-language", "fr"), ("cookie", "portal_locale=de")],
    )
    .await;
    assert_eq!(
        saved.text,
        "<title>de</title><script type=module>later()</script>"
    );
    let other = get("/sign-in", &[("accept-language", "ja-JP")]).await;
    assert!(
        other.text.starts_with("<title>en</title>"),
        "{}",
        other.text
    );
    // Embedded, signed in (the app sends the visitor on), and on routes without a shell:
    // the plain page.
    for (path, headers) in [
        ("/sign-in?embed=1", &[("accept-language", "fr")][..]),
        (
            "/sign-in",
            &[
                ("accept-language", "fr"),
                ("cookie", "portal_locale=fr; portal_session=x"),
            ][..],
        ),
        ("/sign-in", &[("sec-fetch-dest", "iframe")][..]),
        ("/enroll/phone", &[("accept-language", "fr")][..]),
    ] {
        let plain = get(path, headers).await;
        assert!(
            plain.text.starts_with("<title>index</title>"),
            "{path}: {}",
            plain.text
        );
    }
}

#[tokio::test]
async fn account_management_is_served_its_own_page_and_both_loaders_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().to_path_buf();
    let page = |name: &str| {
        format!(
            "<!doctype html><title>{name}</title><script type=\"module\">load('{name}')</script>"
        )
    };
    std::fs::write(dist.join("index.html"), page("main")).unwrap();
    std::fs::write(dist.join(wire::ACCOUNT_PAGE), page("account")).unwrap();
    let mut settings = demo_settings();
    settings.static_dir = Some(dist);
    let app = TestApp::with_settings(settings).await;
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    for path in [
        "/account",
        "/account/",
        "/account/pin/update",
        "/account/unknown/deep",
    ] {
        assert!(wire::serves_account_page(path), "{path}");
        let answer = app.send(get(path)).await;
        assert_eq!(answer.status, 200, "{path}");
        assert!(
            answer.text.contains("<title>account</title>"),
            "{path}: {}",
            answer.text
        );
        assert_eq!(answer.headers["cache-control"], "no-cache");
    }
    for path in ["/", "/accounts", "/enroll/sms", "/sign-in"] {
        assert!(!wire::serves_account_page(path), "{path}");
        let answer = app.send(get(path)).await;
        assert!(
            answer.text.contains("<title>main</title>"),
            "{path}: {}",
            answer.text
        );
    }
    // One policy names both pages' loaders, whichever page is served.
    let csp = app.send(get("/account/phone")).await.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let hashes = csp.matches("'sha256-").count();
    assert_eq!(hashes, 2, "{csp}");
    assert!(!csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn the_outbox_exists_only_in_demo_mode() {
    let app = TestApp::with_settings(portal_server::config::Settings::new(fast_policy())).await;
    let answer = app.anonymous().get("/api/v1/dev/outbox").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json["status"], "FAILED");
    let demo = TestApp::new().await;
    assert_eq!(
        demo.client("new@demo.test")
            .await
            .get("/api/v1/dev/outbox")
            .await
            .assert_ok()["messages"],
        json!([])
    );
}

#[tokio::test]
async fn the_outbox_needs_a_session_and_shows_its_account_only() {
    let app = TestApp::new().await;
    let phone = app.client("phone@demo.test").await;
    let enrolled = app.client("enrolled@demo.test").await;
    phone
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    enrolled
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    let listed = |answer: Answer| -> Vec<String> {
        answer.assert_ok()["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["to"].as_str().unwrap().to_string())
            .collect()
    };
    let own_phone: String =
        sqlx::query_scalar("SELECT trusted_phone FROM accounts WHERE email = 'phone@demo.test'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(listed(phone.get(OUTBOX).await), [own_phone]);
    assert_eq!(listed(enrolled.get(OUTBOX).await), [ENROLLED_PHONE]);
    // Asking for another account's number shows nothing either.
    assert_eq!(
        listed(
            phone
                .get(&format!(
                    "{OUTBOX}?to={}",
                    ENROLLED_PHONE.replace('+', "%2B")
                ))
                .await
        ),
        Vec::<String>::new()
    );
    // Without a session, or without a proof, nothing.
    app.anonymous().get(OUTBOX).await.assert_error(2301);
    let mut unsigned = phone.clone();
    unsigned.device = None;
    unsigned.get(OUTBOX).await.assert_error(2101);
    // A session stolen to another key reads nothing.
    let mut thief = phone.clone();
    thief.device = Some(new_device());
    thief.get(OUTBOX).await.assert_error(2301);
}

/// Every call that needs a session, with a body good enough to reach the checks.
const AUTHENTICATED: &[(&str, &str)] = &[
    ("GET", "/api/v1/session"),
    (
        "GET",
        "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated",
    ),
    (
        "GET",
        "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked",
    ),
    ("GET", "/api/v1/pims/authentication/trustedphonenumber"),
    ("POST", "/api/v1/pims/authentication/smscode/request"),
    ("POST", "/api/v1/pims/authentication/smscode"),
    ("POST", "/api/v1/pims/authentication/enrollment"),
    ("POST", "/api/v1/pims/authentication/pincode"),
    ("POST", "/api/v1/pims/authentication/otp"),
    ("GET", "/api/v1/pims/authentication/devices"),
    ("GET", "/api/v1/pims/subscription/vehicle"),
    ("POST", "/api/v1/pims/subscription/vehicle"),
    ("GET", "/api/v1/account/events"),
];

#[tokio::test]
async fn every_authenticated_call_wants_a_session_and_a_proof() {
    let app = TestApp::new().await;
    let anonymous = app.anonymous();
    let signed_in = app.client("enrolled@demo.test").await;
    for (method, path) in AUTHENTICATED {
        let body = (*method == "POST").then(|| json!({"action": "remove"}));
        let method: axum::http::Method = method.parse().unwrap();
        let answer = app
            .send(anonymous.request(method.clone(), path, body.clone()))
            .await;
        answer.assert_error(2301);
        let answer = app
            .send(signed_in.request_with_proof(
                method.clone(),
                path,
                body.clone(),
                Some("e30.e30.e30"),
            ))
            .await;
        answer.assert_error(2102);
        let answer = app
            .send(signed_in.request_with_proof(method, path, body, None))
            .await;
        answer.assert_error(2101);
    }
}

#[tokio::test]
async fn a_database_failure_is_2204_without_internals() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    app.state.pool.close().await;
    let answer = client.get("/api/v1/session").await;
    answer.assert_error(2204);
    assert_eq!(answer.json["error"]["label"], "Server error");
}

#[tokio::test]
async fn the_config_says_who_is_signed_in_and_nothing_to_anyone_else() {
    let app = TestApp::new().await;
    let mut anonymous = app.anonymous();
    let answer = anonymous.get("/api/v1/config").await;
    assert_eq!(answer.status, 200);
    assert!(answer.result().get("login").is_none(), "{}", answer.text);
    anonymous.token = Some("bm90LWEtdG9rZW4".into());
    let answer = anonymous.get("/api/v1/config").await;
    assert_eq!(answer.status, 200, "an unknown token is no error here");
    assert!(answer.result().get("login").is_none(), "{}", answer.text);

    let client = app.client("new@demo.test").await;
    let answer = client.get("/api/v1/config").await;
    assert_eq!(answer.result()["login"], "new@demo.test");
    assert_eq!(answer.headers["cache-control"], "no-store");
    // An expired session is nobody.
    app.clock.advance(13 * 60 * 60);
    let answer = client.get("/api/v1/config").await;
    assert!(answer.result().get("login").is_none(), "{}", answer.text);
}

/// Steps 1-3 as the SDK reads them, one call each, in the status read's shape.
async fn three_reads(client: &Client<'_>) -> serde_json::Value {
    let phone = client
        .get("/api/v1/pims/authentication/trustedphonenumber")
        .await
        .assert_ok()
        .clone();
    json!({
        "isDeviceActivated": client.is_enrolled().await,
        "isAccountBlocked": client.block_state().await,
        "phoneNumber": phone["phoneNumber"],
        "maskedPhoneNumber": phone["maskedPhoneNumber"],
        "enrolledDevices": client.get(DEVICES).await.assert_ok()["devices"].as_array().unwrap().len(),
    })
}

/// One round trip after the sign-in: its answer carries steps 1-3 for the key that signed
/// in, and `GET /api/v1/account/status` answers the three SDK reads at once, the same.
#[tokio::test]
async fn the_sign_in_and_the_status_read_answer_steps_one_to_three_at_once() {
    let app = TestApp::new().await;
    // An account with no phone, then one with a phone on a device not enrolled.
    let new = app.client("new@demo.test").await;
    let fresh = json!({"isDeviceActivated": false, "isAccountBlocked": "NotBlocked",
        "phoneNumber": null, "maskedPhoneNumber": null, "enrolledDevices": 0});
    assert_eq!(new.get("/api/v1/account/status").await.assert_ok(), &fresh);
    assert_eq!(three_reads(&new).await, fresh);

    let device = new_device();
    let enrolled = app.client_on("enrolled@demo.test", &device).await;
    let before = enrolled
        .get("/api/v1/account/status")
        .await
        .assert_ok()
        .clone();
    assert_eq!(before["isDeviceActivated"], false);
    assert_eq!(before["phoneNumber"], ENROLLED_PHONE);
    assert_eq!(before, three_reads(&enrolled).await);

    // Enrolled: the next sign-in on that key says so in its own answer.
    enrolled.enroll(ENROLLED_PHONE, PIN).await;
    let after = enrolled
        .get("/api/v1/account/status")
        .await
        .assert_ok()
        .clone();
    assert_eq!(after["isDeviceActivated"], true);
    assert_eq!(
        after["enrolledDevices"],
        before["enrolledDevices"].as_u64().unwrap() + 1
    );
    assert_eq!(after, three_reads(&enrolled).await);
    let again = app
        .anonymous_on(&device)
        .post(
            "/api/v1/session",
            json!({"email": "enrolled@demo.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.assert_ok()["status"], after);
    // Another key signing in to the same account is not that device.
    let other = app
        .anonymous()
        .post(
            "/api/v1/session",
            json!({"email": "enrolled@demo.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(other.assert_ok()["status"]["isDeviceActivated"], false);

    // A session is needed, as for the three reads.
    app.anonymous()
        .get("/api/v1/account/status")
        .await
        .assert_error(2301);
}
