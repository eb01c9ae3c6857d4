//! Issue 15: every API call carries a DPoP proof (RFC 9449) by the device's key,
//! and a session works only with the key it was opened with. Each refusal answers
//! its documented code and leaves the database as it was.

use axum::http::Method;
use dpop_client::DeviceKey;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::*;

/// What a refused request could have changed, as text: accounts (PIN, its
/// counters, phone), sessions (and their idle expiry), devices, vehicles,
/// events, codes, step-up proofs, tickets, sign-in failures.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT email || '|' || COALESCE(pin_hash, '') || '|' || CAST(pin_failures AS TEXT) || '|'
             || CAST(pin_blocked AS TEXT) || '|' || COALESCE(trusted_phone, '') || '|'
             || CAST(sms_failures AS TEXT) FROM accounts ORDER BY id",
        "SELECT token_hash || '|' || device_key || '|' || CAST(last_used_at AS TEXT) || '|'
             || CAST(expires_at AS TEXT) FROM sessions ORDER BY token_hash",
        "SELECT device_id || '|' || label || '|' || CAST(last_seen_at AS TEXT) FROM devices
             ORDER BY account_id, device_id",
        "SELECT vin FROM vehicles ORDER BY account_id, vin",
        "SELECT CAST(id AS TEXT) || '|' || kind FROM security_events ORDER BY id",
        "SELECT CAST(id AS TEXT) || '|' || CAST(attempts_left AS TEXT) || '|' || CAST(used AS TEXT)
             FROM sms_codes ORDER BY id",
        "SELECT CAST(id AS TEXT) || '|' || CAST(used AS TEXT) FROM step_up_proofs ORDER BY id",
        "SELECT device_id FROM enrollment_tickets ORDER BY account_id, device_id",
        "SELECT email_key || '|' || CAST(consecutive AS TEXT) FROM sign_in_failures ORDER BY email_key",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let found: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
        rows.push(format!("{sql}\n{}", found.join("\n")));
    }
    rows
}

fn url(path: &str) -> String {
    format!("http://{HOST}{path}")
}

/// A proof made by `key` with these header and claim changes.
fn tampered(key: &DeviceKey, change: impl FnOnce(&mut Value, &mut Value)) -> String {
    let mut header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.public_jwk()});
    let mut claims = json!({
        "jti": "a-fresh-jti-0001",
        "htm": "POST",
        "htu": url(PIN_CODE),
        "iat": START + 10,
    });
    change(&mut header, &mut claims);
    key.sign_raw(&header, &claims)
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn every_bad_proof_is_refused_with_its_code_and_changes_nothing() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let token = client.token.clone().unwrap();
    // Later than sign-in: a request that got through would slide the session's expiry.
    app.clock.advance(10);
    let change_pin = json!({"action": "update", "oldPIN": PIN, "newPIN": "135790"});
    let key = client.key();
    let with_ath = |claims: &mut Value| {
        claims["ath"] = json!(dpop_client::access_token_hash(&token));
    };
    let unsigned = |header: Value, claims: Value| {
        format!("{}.{}.", b64(header.to_string()), b64(claims.to_string()))
    };
    let claims = json!({"jti": "j-1", "htm": "POST", "htu": url(PIN_CODE), "iat": START + 10,
        "ath": dpop_client::access_token_hash(&token)});
    let hs256 = {
        let header = json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": key.public_jwk()});
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        // Keyed with the public key, the classic algorithm-confusion forgery.
        let mut mac =
            Hmac::<Sha256>::new_from_slice(key.public_jwk().to_string().as_bytes()).unwrap();
        mac.update(input.as_bytes());
        format!("{input}.{}", b64(mac.finalize().into_bytes()))
    };
    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("no proof", None, 2101),
        (
            "another method",
            Some(app.proof(key, "GET", PIN_CODE, Some(&token))),
            2102,
        ),
        (
            "another URL",
            Some(app.proof(key, "POST", OTP, Some(&token))),
            2102,
        ),
        (
            "another host",
            Some(key.proof(
                "POST",
                &format!("http://evil.test{PIN_CODE}"),
                Some(&token),
                START + 10,
            )),
            2102,
        ),
        (
            "iat 61 s old",
            Some(key.proof("POST", &url(PIN_CODE), Some(&token), START + 10 - 61)),
            2102,
        ),
        (
            "no ath with a bearer token",
            Some(key.proof("POST", &url(PIN_CODE), None, START + 10)),
            2102,
        ),
        (
            "ath of another token",
            Some(key.proof("POST", &url(PIN_CODE), Some("another-token"), START + 10)),
            2102,
        ),
        (
            "alg none, unsigned",
            Some(unsigned(
                json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.public_jwk()}),
                claims.clone(),
            )),
            2102,
        ),
        (
            "alg none, signed anyway",
            Some(tampered(key, |h, c| {
                h["alg"] = json!("none");
                with_ath(c);
            })),
            2102,
        ),
        ("alg HS256 keyed with the public key", Some(hs256), 2102),
        (
            "a jwk with its private part",
            Some(tampered(key, |h, c| {
                h["jwk"]["d"] = json!(b64([7u8; 32]));
                with_ath(c);
            })),
            2102,
        ),
        (
            "typ of another JWT",
            Some(tampered(key, |h, c| {
                h["typ"] = json!("JWT");
                with_ath(c);
            })),
            2102,
        ),
        ("malformed: two parts", Some("e30.e30".into()), 2102),
        ("malformed: not base64url", Some("a b.c d.e f".into()), 2102),
        (
            "malformed: not JSON",
            Some(format!("{}.{}.", b64("x"), b64("y"))),
            2102,
        ),
        (
            "signed by another key than the jwk",
            Some({
                let proof = tampered(key, |_, c| with_ath(c));
                let other = tampered(&new_device(), |h, c| {
                    h["jwk"] = key.public_jwk();
                    with_ath(c);
                });
                let signature = other.rsplit('.').next().unwrap();
                let (input, _) = proof.rsplit_once('.').unwrap();
                format!("{input}.{signature}")
            }),
            2102,
        ),
        (
            "a valid proof by another key than the session's",
            Some(app.proof(&new_device(), "POST", PIN_CODE, Some(&token))),
            2301,
        ),
    ];
    let before = snapshot(&app).await;
    for (case, proof, code) in cases {
        let answer = client
            .send_with_proof(
                Method::POST,
                PIN_CODE,
                Some(change_pin.clone()),
                proof.as_deref(),
            )
            .await;
        assert_eq!(
            answer.json["error"]["code"], code,
            "{case}: {}",
            answer.text
        );
        answer.assert_error(code);
        match code {
            2101 => assert_eq!(answer.json["error"]["label"], "Missing parameter: DPoP"),
            2102 => assert_eq!(
                answer.json["error"]["label"], "Invalid parameter: DPoP",
                "{case}"
            ),
            _ => {}
        }
        assert_eq!(snapshot(&app).await, before, "{case} changed the database");
    }
    // A vehicle removal by another key, even with a genuine step-up proof, did not happen.
    let step_up = client.step_up(PIN).await;
    let before = snapshot(&app).await;
    let remove = json!({"action": "removeProperty", "vin": "VF1RJA00X68123456"});
    let mut request = client.request_with_proof(
        Method::POST,
        VEHICLES,
        Some(remove.clone()),
        Some(&app.proof(&new_device(), "POST", VEHICLES, Some(&token))),
    );
    request
        .headers_mut()
        .insert(wire::STRONG_AUTH_HEADER, step_up.parse().unwrap());
    app.send(request).await.assert_error(2301);
    assert_eq!(snapshot(&app).await, before, "the vehicle removal happened");
    // The same request by the session's key goes through: the refusals were the proofs.
    client
        .post_with(VEHICLES, remove, (wire::STRONG_AUTH_HEADER, &step_up))
        .await
        .assert_ok();
    client.post(PIN_CODE, change_pin).await.assert_ok();
}

#[tokio::test]
async fn a_replayed_proof_is_refused_even_for_another_body() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let token = client.token.clone().unwrap();
    let proof = app.proof(client.key(), "POST", PIN_CODE, Some(&token));
    // First use: a PIN update to the same PIN, refused by the route (2315), proof spent.
    client
        .send_with_proof(
            Method::POST,
            PIN_CODE,
            Some(json!({"action": "update", "oldPIN": PIN, "newPIN": PIN})),
            Some(&proof),
        )
        .await
        .assert_error(2315);
    let before = snapshot(&app).await;
    // The proof captured on the way, replayed with a body of the attacker's choosing.
    let answer = client
        .send_with_proof(
            Method::POST,
            PIN_CODE,
            Some(json!({"action": "update", "oldPIN": PIN, "newPIN": "135790"})),
            Some(&proof),
        )
        .await;
    answer.assert_error(2102);
    assert_eq!(answer.json["error"]["label"], "Invalid parameter: DPoP");
    assert_eq!(
        snapshot(&app).await,
        before,
        "the replay changed the database"
    );
    // Still refused later in the window, and after it (stale then).
    app.clock.advance(59);
    client
        .send_with_proof(Method::POST, PIN_CODE, Some(json!({})), Some(&proof))
        .await
        .assert_error(2102);
    app.clock.advance(5);
    client
        .send_with_proof(Method::POST, PIN_CODE, Some(json!({})), Some(&proof))
        .await
        .assert_error(2102);
    // Rows of proofs whose window has passed are pruned, not kept for ever.
    // (Writes' proofs: the database keeps those; reads' stay in the process's memory.)
    for _ in 0..100 {
        client.post(PIN_CODE, json!({})).await.assert_error(2101);
        app.clock.advance(1);
    }
    let oldest: i64 = sqlx::query_scalar("SELECT MIN(expires_at) FROM dpop_jtis")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert!(
        oldest >= START + 64 - 1,
        "expired jti rows were pruned: {oldest}"
    );
}

#[tokio::test]
async fn a_refused_sign_in_opens_no_session() {
    let app = TestApp::new().await;
    let visitor = app.anonymous();
    let key = visitor.key();
    let body = json!({"email": "enrolled@demo.test", "password": PASSWORD});
    let session = "/api/v1/session";
    let accepted = app.proof(key, "POST", session, None);
    visitor
        .send_with_proof(Method::POST, session, Some(body.clone()), Some(&accepted))
        .await
        .assert_ok();
    let before = snapshot(&app).await;
    for (case, proof, code) in [
        ("no proof", None, 2101),
        ("replayed", Some(accepted), 2102),
        ("for GET", Some(app.proof(key, "GET", session, None)), 2102),
        (
            "61 s old",
            Some(key.proof("POST", &url(session), None, START - 61)),
            2102,
        ),
        (
            "alg none",
            Some(tampered(key, |h, c| {
                h["alg"] = json!("none");
                c["htu"] = json!(url(session));
            })),
            2102,
        ),
        (
            "jwk with d",
            Some(tampered(key, |h, c| {
                h["jwk"]["d"] = json!(b64([1u8; 32]));
                c["htu"] = json!(url(session));
            })),
            2102,
        ),
    ] {
        let answer = visitor
            .send_with_proof(Method::POST, session, Some(body.clone()), proof.as_deref())
            .await;
        answer.assert_error(code);
        assert!(!answer.headers.contains_key("set-cookie"), "{case}");
        assert_eq!(snapshot(&app).await, before, "{case} changed the database");
    }
}

#[tokio::test]
async fn the_session_is_bound_to_the_key_that_signed_in() {
    let app = TestApp::new().await;
    let owner = app.client("phone@demo.test").await;
    let stored: String = sqlx::query_scalar("SELECT device_key FROM sessions")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        owner.device(),
        "sessions.device_key is the thumbprint"
    );
    let mut thief = owner.clone();
    thief.device = Some(new_device());
    for path in ["/api/v1/session", TRUSTED_PHONE, DEVICES, EVENTS] {
        thief.get(path).await.assert_error(2301);
    }
    // A session cookie used with another key is cleared from that browser (so the public
    // config, which checks no key, stops naming its login there), and the session stays.
    let mut by_cookie = thief.clone();
    by_cookie.token = None;
    let mut request = by_cookie.request(Method::GET, TRUSTED_PHONE, None);
    request.headers_mut().insert(
        "cookie",
        format!("portal_session={}", owner.token.as_deref().unwrap())
            .parse()
            .unwrap(),
    );
    let answer = app.send(request).await;
    answer.assert_error(2301);
    let cleared = answer
        .headers
        .get("set-cookie")
        .expect("the cookie is cleared");
    assert!(cleared.to_str().unwrap().starts_with("portal_session=;"));
    assert!(cleared.to_str().unwrap().contains("Max-Age=0"));
    // Nor can the thief end the owner's session.
    thief.delete("/api/v1/session").await.assert_ok();
    owner.get("/api/v1/session").await.assert_ok();
    // AuthSession.device_id is the thumbprint: the devices list marks none of the
    // account's as this one until it is enrolled with this key.
    let listed = owner.get(DEVICES).await;
    assert!(listed.assert_ok()["devices"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn enrollment_stores_the_public_key_its_device_id_is_the_thumbprint_of() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let number = "+33698765432";
    let code = client.sms_code("phoneNumberCertification", number).await;
    client
        .post(
            ENROLLMENT,
            json!({"action": "enrollWithPhoneNumber", "pinCode": "135790", "smsCode": code, "phoneNumber": number}),
        )
        .await
        .assert_ok();
    let (device_id, jwk): (String, String) = sqlx::query_as(
        "SELECT d.device_id, d.public_jwk FROM devices d JOIN accounts a ON a.id = d.account_id
         WHERE a.email = 'new@demo.test'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(device_id, client.device());
    let jwk: Value = serde_json::from_str(&jwk).unwrap();
    assert_eq!(jwk, client.key().public_jwk());
    assert!(client.is_enrolled().await);
    // The same account on another key is another, unenrolled device.
    let other = app.client("new@demo.test").await;
    assert!(!other.is_enrolled().await);
}

#[tokio::test]
async fn seeded_devices_have_real_keys_no_one_holds() {
    let app = TestApp::new().await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT device_id, public_jwk FROM devices ORDER BY device_id")
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 7);
    for (device_id, jwk) in &rows {
        assert_eq!(wire::validate::device_id(device_id), Ok(()), "{device_id}");
        let jwk: Value = serde_json::from_str(jwk).unwrap();
        assert!(jwk.get("d").is_none());
        assert_eq!(
            portal_server::dpop::thumbprint(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap()),
            *device_id
        );
    }
}

/// Issue 15's takeover chain: the password and a copied device id are no longer
/// enough for any change of factor, while the owner's ways still work.
#[tokio::test]
async fn the_password_and_a_copied_device_id_take_nothing_over() {
    let app = TestApp::new().await;
    let owner = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let copied = owner.device();
    let attacker = app.client("enrolled@demo.test").await;
    let claims_copied = ("x-device-id", copied.as_str());
    let before = snapshot(&app).await;

    // Change the phone: no step-up (the PIN is not even tried), no code to a new number.
    attacker
        .post_with(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "modifyPhoneNumber"}),
            claims_copied,
        )
        .await
        .assert_error(2302);
    attacker
        .post_with(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "+33698765432"}),
            claims_copied,
        )
        .await
        .assert_error(2302);
    // Reset the PIN: not from here without the trusted phone's code, nor update it.
    attacker
        .post_with(
            PIN_CODE,
            json!({"action": "update", "oldPIN": PIN, "newPIN": "135790"}),
            claims_copied,
        )
        .await
        .assert_error(2302);
    // Remove a vehicle.
    attacker
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF1RJA00X68123456"}),
            claims_copied,
        )
        .await
        .assert_error(2302);
    // The owner's token with the attacker's key: no session at all.
    let mut with_token = attacker.clone();
    with_token.token = owner.token.clone();
    with_token
        .post_with(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
            claims_copied,
        )
        .await
        .assert_error(2301);
    assert_eq!(
        snapshot(&app).await,
        before,
        "the attempts changed something"
    );
    assert_eq!(attacker.get("/api/v1/session").await.status, 200);

    // The owner's ways: B with the trusted phone's code (which ends the attacker's session) ...
    let code = owner.sms_code("resetPIN", ENROLLED_PHONE).await;
    owner
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "135790", "smsCode": code}),
        )
        .await
        .assert_ok();
    attacker.get("/api/v1/session").await.assert_error(2301);
    // ... and with the enrolled key and the PIN: remove a vehicle, change the phone.
    let proof = owner.step_up("135790").await;
    owner
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF1RJA00X68123456"}),
            (wire::STRONG_AUTH_HEADER, &proof),
        )
        .await
        .assert_ok();
    owner
        .change_phone("135790", "+33698765432")
        .await
        .assert_ok();
}

#[tokio::test]
async fn a_host_hands_a_session_to_the_iframes_key_only() {
    let app = TestApp::new().await;
    let host = app.client("phone@demo.test").await;
    let host_row = |app: &TestApp| {
        let pool = app.state.pool.clone();
        async move {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT device_key, expires_at FROM sessions ORDER BY created_at, token_hash",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        }
    };
    let before = host_row(&app).await;
    // Apart in time, so the rows sort host first.
    app.clock.advance(1);
    let iframe_key = new_device();
    let answer = host
        .post(
            wire::api::paths::SESSION_HANDOFF,
            json!({"deviceId": iframe_key.thumbprint()}),
        )
        .await;
    let result = answer.assert_ok().clone();
    assert!(!answer.headers.contains_key("set-cookie"), "no cookie");
    let embed_token = result["embedToken"].as_str().unwrap().to_string();
    assert!(result.get("token").is_none(), "the host gets no session");
    // An embed token is no session token.
    let mut holder = app.anonymous();
    holder.device = Some(iframe_key.clone());
    holder.token = Some(embed_token.clone());
    holder.get("/api/v1/session").await.assert_error(2301);

    // Only the iframe's key can trade it, and only once.
    let mut iframe = app.anonymous();
    iframe.device = Some(iframe_key.clone());
    let mut other = iframe.clone();
    other.device = Some(host.key().clone());
    let exchange = json!({"embedToken": embed_token});
    other
        .post(wire::api::paths::SESSION_EXCHANGE, exchange.clone())
        .await
        .assert_error(2301);
    // The refused attempt used it up: a token shown to the wrong key is gone.
    iframe
        .post(wire::api::paths::SESSION_EXCHANGE, exchange.clone())
        .await
        .assert_error(2301);
    let embed_token = host
        .post(
            wire::api::paths::SESSION_HANDOFF,
            json!({"deviceId": iframe_key.thumbprint()}),
        )
        .await
        .assert_ok()["embedToken"]
        .as_str()
        .unwrap()
        .to_string();
    let exchange = json!({"embedToken": embed_token});
    let answer = iframe
        .post(wire::api::paths::SESSION_EXCHANGE, exchange.clone())
        .await;
    let result = answer.assert_ok().clone();
    assert!(!answer.headers.contains_key("set-cookie"), "no cookie");
    assert_eq!(result["login"], "phone@demo.test");
    let token = result["token"].as_str().unwrap().to_string();
    assert_ne!(Some(&token), host.token.as_ref());
    iframe
        .post(wire::api::paths::SESSION_EXCHANGE, exchange)
        .await
        .assert_error(2301);

    // The new session works with the iframe's key, and with no other.
    iframe.token = Some(token.clone());
    assert_eq!(
        iframe.get("/api/v1/session").await.assert_ok()["login"],
        "phone@demo.test"
    );
    for key in [host.key().clone(), new_device()] {
        let mut other = iframe.clone();
        other.device = Some(key);
        other.get("/api/v1/session").await.assert_error(2301);
    }
    // The host's session is as it was, and still the host's.
    let after = host_row(&app).await;
    assert_eq!(after[0], before[0]);
    assert_eq!(after.len(), 2);
    assert_eq!(after[1].0, iframe_key.thumbprint());
    assert!(after[1].1 <= before[0].1, "no longer than the host's");
    host.get("/api/v1/session").await.assert_ok();

    // One sign-in on two keys: ending the others from the iframe (as every factor change
    // does) ends another sign-in of the account, never the host's.
    let elsewhere = app.client("phone@demo.test").await;
    iframe
        .post(
            wire::api::paths::SESSIONS,
            json!({"action": "signOutOthers"}),
        )
        .await
        .assert_ok();
    elsewhere.get("/api/v1/session").await.assert_error(2301);
    host.get("/api/v1/session").await.assert_ok();
    iframe.get("/api/v1/session").await.assert_ok();
}

#[tokio::test]
async fn a_handoff_needs_a_session_a_proof_and_a_device_id() {
    let app = TestApp::new().await;
    let path = wire::api::paths::SESSION_HANDOFF;
    let body = json!({"deviceId": new_device().thumbprint()});
    let before = snapshot(&app).await;
    app.anonymous()
        .post(path, body.clone())
        .await
        .assert_error(2301);
    let host = app.client("phone@demo.test").await;
    let before_host = snapshot(&app).await;
    assert_ne!(before, before_host);
    host.send_with_proof(Method::POST, path, Some(body.clone()), None)
        .await
        .assert_error(2101);
    let mut thief = host.clone();
    thief.device = Some(new_device());
    thief.post(path, body).await.assert_error(2301);
    for device_id in [
        json!("3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"),
        json!(""),
        json!(7),
    ] {
        let answer = host.post(path, json!({"deviceId": device_id})).await;
        assert!(
            [2101, 2102].contains(&answer.code()),
            "{device_id}: {}",
            answer.text
        );
    }
    let answer = host
        .post(path, json!({"deviceId": "not-a-thumbprint"}))
        .await;
    answer.assert_error(2102);
    assert_eq!(answer.json["error"]["label"], "Invalid parameter: deviceId");
    assert_eq!(
        snapshot(&app).await,
        before_host,
        "no session was handed off"
    );
}

#[tokio::test]
async fn an_embed_token_lasts_a_minute() {
    let app = TestApp::new().await;
    let host = app.client("phone@demo.test").await;
    let iframe_key = new_device();
    let handoff = || async {
        host.post(
            wire::api::paths::SESSION_HANDOFF,
            json!({"deviceId": iframe_key.thumbprint()}),
        )
        .await
        .assert_ok()["embedToken"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut iframe = app.anonymous();
    iframe.device = Some(iframe_key.clone());
    let late = handoff().await;
    let in_time = handoff().await;
    app.clock
        .advance(portal_server::routes::session::EMBED_TOKEN_SECONDS - 1);
    iframe
        .post(
            wire::api::paths::SESSION_EXCHANGE,
            json!({"embedToken": in_time}),
        )
        .await
        .assert_ok();
    app.clock.advance(1);
    iframe
        .post(
            wire::api::paths::SESSION_EXCHANGE,
            json!({"embedToken": late}),
        )
        .await
        .assert_error(2301);
    for bad in [json!(""), json!("x".repeat(200)), json!(5)] {
        let answer = iframe
            .post(
                wire::api::paths::SESSION_EXCHANGE,
                json!({"embedToken": bad}),
            )
            .await;
        assert!([2101, 2102].contains(&answer.code()), "{}", answer.text);
    }
}

/// A read's proof is good once too, within its window, though its `jti` stays in the
/// process's memory rather than the database (no write per read).
#[tokio::test]
async fn a_replayed_read_is_refused_and_costs_no_write() {
    let app = TestApp::new().await;
    let client = app.client("enrolled@demo.test").await;
    let token = client.token.clone().unwrap();
    let rows = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM dpop_jtis")
            .fetch_one(&app.state.pool)
            .await
            .unwrap()
    };
    let before = rows().await;
    let proof = app.proof(client.key(), "GET", "/api/v1/account/status", Some(&token));
    client
        .send_with_proof(Method::GET, "/api/v1/account/status", None, Some(&proof))
        .await
        .assert_ok();
    assert_eq!(rows().await, before, "a read wrote its jti");
    app.clock.advance(30);
    let replayed = client
        .send_with_proof(Method::GET, "/api/v1/account/status", None, Some(&proof))
        .await;
    replayed.assert_error(2102);
    assert_eq!(replayed.json["error"]["label"], "Invalid parameter: DPoP");
    // A fresh proof of the same key reads again.
    client.get("/api/v1/account/status").await.assert_ok();
}
