//! A test server: a fresh SQLite file, the demo accounts, cheap argon2, a
//! manual clock, and a client that speaks the envelope and signs every request
//! with its device key (DPoP), as the portal does.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request};
use axum::Router;
use dpop_client::DeviceKey;
use http_body_util::BodyExt;
use portal_server::clock::{Clock, ManualClock};
use portal_server::config::{HashCost, Policy, Settings, SmsSettings};
use portal_server::{app, db, seed, AppState};
use serde_json::Value;
use tower::ServiceExt;

pub const START: i64 = 1_700_000_000;
pub const PASSWORD: &str = "demo-password";
pub const PIN: &str = "246801";
/// The `Host` of every test request: the authority the proofs name.
pub const HOST: &str = "portal.test";
/// The trusted number of `enrolled@demo.test`.
pub const ENROLLED_PHONE: &str = "+12015550124";
pub const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

/// Cheap hashing, and the flood limits at their ceilings: every test request comes from
/// one address and the test clock stands still, so the spec's 20 sign-ins a minute or
/// 5 SMS a number an hour would stop the tests that are about something else. The tests
/// of those limits use [`spec_limits_policy`].
pub fn fast_policy() -> Policy {
    Policy {
        sign_in_per_ip_per_minute: portal_server::config::MAX_SIGN_IN_PER_IP_PER_MINUTE,
        sms_per_number_per_hour: portal_server::config::MAX_SMS_PER_NUMBER_PER_HOUR,
        sms_per_minute: portal_server::config::MAX_SMS_PER_MINUTE,
        wrong_guesses_per_ip_per_hour: portal_server::config::MAX_WRONG_GUESSES_PER_IP_PER_HOUR,
        ..spec_limits_policy()
    }
}

/// Cheap hashing, every limit as the spec has it.
pub fn spec_limits_policy() -> Policy {
    Policy {
        argon2: HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..Policy::default()
    }
}

/// Demo settings with [`spec_limits_policy`].
pub fn spec_limits_settings() -> Settings {
    let mut settings = demo_settings();
    settings.policy = spec_limits_policy();
    settings
}

/// The address test requests come from, unless a test sets its own (the `ConnectInfo`
/// extension, what the server's listener gives each request).
pub const TEST_PEER: &str = "127.0.0.1:40000";

/// `request` as if it came from `ip`.
pub fn from_ip(mut request: Request<Body>, ip: std::net::IpAddr) -> Request<Body> {
    request
        .extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::new(ip, 40000)));
    request
}

pub fn demo_settings() -> Settings {
    let mut settings = Settings::new(fast_policy());
    settings.demo = true;
    settings.sms = SmsSettings::Outbox;
    settings
}

/// A new device: a fresh key pair, whose thumbprint is the device id.
pub fn new_device() -> DeviceKey {
    DeviceKey::generate()
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub settings: Settings,
    pub database: TestDatabase,
    /// Keys the test put in seeded device rows, by (email, index): see
    /// [`TestApp::enrolled_device`].
    adopted: std::sync::Mutex<std::collections::HashMap<(String, usize), DeviceKey>>,
}

/// The environment variable that runs these tests on PostgreSQL:
/// `PORTAL_TEST_DATABASE_URL=postgres://user:password@127.0.0.1/db`.
pub const TEST_DATABASE_URL: &str = "PORTAL_TEST_DATABASE_URL";

/// Where one test keeps its data: a fresh SQLite file in its folder or, when
/// `PORTAL_TEST_DATABASE_URL` names a PostgreSQL database, a fresh schema in
/// it. The schemas are left behind (dropping one at the end of a test could
/// wait on a connection the test's stopped runtime never returns): `cargo
/// xtask test` recreates its test database before each run.
pub struct TestDatabase {
    pub url: String,
    /// The schema, on PostgreSQL.
    pub schema: Option<String>,
}

impl TestDatabase {
    pub async fn new(dir: &tempfile::TempDir) -> TestDatabase {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(base) if base.starts_with("postgres") => {
                use sqlx::{Connection, Executor};
                let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&base)
                    .await
                    .expect("connect to PORTAL_TEST_DATABASE_URL");
                admin
                    .execute(format!("CREATE SCHEMA {schema}").as_str())
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let separator = if base.contains('?') { '&' } else { '?' };
                TestDatabase {
                    url: format!("{base}{separator}options[search_path]={schema}"),
                    schema: Some(schema),
                }
            }
            _ => TestDatabase::sqlite(dir),
        }
    }

    /// A fresh SQLite file in `dir`, whatever `PORTAL_TEST_DATABASE_URL` says.
    pub fn sqlite(dir: &tempfile::TempDir) -> TestDatabase {
        TestDatabase {
            url: format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("data/portal.db").display()
            ),
            schema: None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.schema.is_some()
    }
}

impl TestApp {
    /// Demo mode, outbox, demo accounts seeded.
    pub async fn new() -> TestApp {
        TestApp::with_settings(demo_settings()).await
    }

    pub async fn with_settings(settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(START);
        let database = TestDatabase::new(&dir).await;
        TestApp::open(dir, database, clock, settings).await
    }

    /// On SQLite even when `PORTAL_TEST_DATABASE_URL` names a PostgreSQL database: for
    /// the tests that look at SQLite itself.
    pub async fn on_sqlite(settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::sqlite(&dir);
        TestApp::open(dir, database, ManualClock::new(START), settings).await
    }

    async fn open(
        dir: tempfile::TempDir,
        database: TestDatabase,
        clock: ManualClock,
        settings: Settings,
    ) -> TestApp {
        let pool = db::open(&database.url).await.unwrap();
        let state = AppState::new(pool, settings.clone(), Arc::new(clock.clone()))
            .await
            .unwrap();
        // As `main` does: demo accounts seeded in demo mode, deleted otherwise.
        seed::prepare(&state).await.unwrap();
        TestApp {
            router: app(state.clone()),
            state,
            clock,
            dir,
            settings,
            database,
            adopted: Default::default(),
        }
    }

    /// A new server process on the same database (and the same clock).
    pub async fn restart(self) -> TestApp {
        let settings = self.settings.clone();
        self.restart_with(settings).await
    }

    /// [`TestApp::restart`] with other settings.
    pub async fn restart_with(self, settings: Settings) -> TestApp {
        let TestApp {
            state,
            clock,
            dir,
            database,
            adopted,
            ..
        } = self;
        state.pool.close().await;
        let app = TestApp::open(dir, database, clock, settings).await;
        *app.adopted.lock().unwrap() = adopted.into_inner().unwrap();
        app
    }

    pub fn static_dir(&self) -> PathBuf {
        self.dir.path().join("dist")
    }

    pub async fn send(&self, mut request: Request<Body>) -> Answer {
        if request
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .is_none()
        {
            let peer: std::net::SocketAddr = TEST_PEER.parse().unwrap();
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            json,
            text,
        }
    }

    /// A DPoP proof by `key` for `method` `path` (over http, or https when the public
    /// URL is, to [`HOST`]), made now by the test clock, bound to `token` when given.
    pub fn proof(&self, key: &DeviceKey, method: &str, path: &str, token: Option<&str>) -> String {
        let scheme = if self.settings.https { "https" } else { "http" };
        let url = format!("{scheme}://{HOST}{}", path.split('?').next().unwrap());
        key.proof(method, &url, token, self.clock.now())
    }

    /// A hand-built request made acceptable: [`HOST`] and a proof by `key`
    /// (without `ath`, as the portal sends with the cookie).
    pub fn signed(&self, mut request: Request<Body>, key: &DeviceKey) -> Request<Body> {
        let proof = self.proof(
            key,
            request.method().as_str(),
            &request.uri().to_string(),
            None,
        );
        let headers = request.headers_mut();
        headers.insert("host", HOST.parse().unwrap());
        headers.insert("dpop", proof.parse().unwrap());
        request
    }

    /// A client on a fresh device, not signed in.
    pub fn anonymous(&self) -> Client<'_> {
        Client {
            app: self,
            token: None,
            device: Some(new_device()),
            user_agent: Some(CHROME_LINUX.into()),
        }
    }

    /// A client on `device`, not signed in.
    pub fn anonymous_on(&self, device: &DeviceKey) -> Client<'_> {
        Client {
            device: Some(device.clone()),
            ..self.anonymous()
        }
    }

    /// Signs `email` in from a fresh device.
    pub async fn client(&self, email: &str) -> Client<'_> {
        self.client_on(email, &new_device()).await
    }

    /// Signs `email` in from `device`.
    pub async fn client_on(&self, email: &str, device: &DeviceKey) -> Client<'_> {
        let mut client = Client {
            app: self,
            token: None,
            device: Some(device.clone()),
            user_agent: Some(CHROME_LINUX.into()),
        };
        let answer = client
            .post(
                "/api/v1/session",
                serde_json::json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(answer.status, 200, "sign in {email}: {}", answer.text);
        client.token = Some(answer.result()["token"].as_str().unwrap().to_string());
        client
    }

    /// Signs `email` in from a device that holds the key of the account's
    /// `index`-th enrolled device (oldest first). The seed's keys are thrown
    /// away, so the test puts its own key in that row, as if that device had
    /// been enrolled with it: the account keeps the same devices, labels and count.
    pub async fn client_on_enrolled(&self, email: &str, index: usize) -> Client<'_> {
        let key = self.enrolled_device(email, index).await;
        self.client_on(email, &key).await
    }

    /// The key of the account's `index`-th enrolled device (see
    /// [`Self::client_on_enrolled`]): the same key every time in one test.
    pub async fn enrolled_device(&self, email: &str, index: usize) -> DeviceKey {
        let slot = (email.to_string(), index);
        if let Some(key) = self.adopted.lock().unwrap().get(&slot) {
            return key.clone();
        }
        let key = new_device();
        let account_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.pool)
            .await
            .unwrap();
        let devices: Vec<String> = sqlx::query_scalar(
            "SELECT device_id FROM devices WHERE account_id = $1 ORDER BY enrolled_at, device_id",
        )
        .bind(account_id)
        .fetch_all(&self.state.pool)
        .await
        .unwrap();
        let jwk = key.public_jwk();
        let canonical = portal_server::dpop::canonical_jwk(
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap(),
        );
        let changed = sqlx::query(
            "UPDATE devices SET device_id = $1, public_jwk = $2 WHERE account_id = $3 AND device_id = $4",
        )
        .bind(key.thumbprint())
        .bind(canonical)
        .bind(account_id)
        .bind(&devices[index])
        .execute(&self.state.pool)
        .await
        .unwrap();
        assert_eq!(changed.rows_affected(), 1);
        self.adopted.lock().unwrap().insert(slot, key.clone());
        key
    }

    /// The account's count of wrong PINs in a row, as stored.
    pub async fn pin_failures(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT pin_failures FROM accounts WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.pool)
            .await
            .unwrap()
    }

    /// The newest code the outbox holds for `to`, read as the account it was sent to
    /// (signed in on a fresh device: the outbox shows an account its own messages only).
    pub async fn last_code(&self, to: &str) -> String {
        let email: String = sqlx::query_scalar(
            "SELECT a.email FROM outbox o JOIN accounts a ON a.id = o.account_id
             WHERE o.to_phone = $1 ORDER BY o.id DESC LIMIT 1",
        )
        .bind(to)
        .fetch_optional(&self.state.pool)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no message to {to} in the outbox"));
        self.client(&email).await.last_code(to).await
    }
}

#[derive(Clone)]
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub token: Option<String>,
    /// The key that signs each request's proof; `None` sends none.
    pub device: Option<DeviceKey>,
    pub user_agent: Option<String>,
}

impl Client<'_> {
    /// The device id: the key's thumbprint.
    pub fn device(&self) -> String {
        self.device.as_ref().unwrap().thumbprint()
    }

    pub fn key(&self) -> &DeviceKey {
        self.device.as_ref().unwrap()
    }

    /// A request with a fresh proof by this client's key (if it has one).
    pub fn request(&self, method: Method, path: &str, body: Option<Value>) -> Request<Body> {
        let proof = self.device.as_ref().map(|key| {
            self.app
                .proof(key, method.as_str(), path, self.token.as_deref())
        });
        self.request_with_proof(method, path, body, proof.as_deref())
    }

    /// A request carrying `proof` as its `DPoP` header (or none), for tests of
    /// what the server does with a bad one.
    pub fn request_with_proof(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        proof: Option<&str>,
    ) -> Request<Body> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", HOST);
        if let Some(token) = &self.token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if let Some(proof) = proof {
            builder = builder.header("dpop", proof);
        }
        if let Some(ua) = &self.user_agent {
            builder = builder.header("user-agent", ua);
        }
        match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.app.send(self.request(Method::GET, path, None)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.app
            .send(self.request(Method::POST, path, Some(body)))
            .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.app
            .send(self.request(Method::DELETE, path, None))
            .await
    }

    /// Sends with `proof` in place of a fresh one by this client's key.
    pub async fn send_with_proof(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        proof: Option<&str>,
    ) -> Answer {
        self.app
            .send(self.request_with_proof(method, path, body, proof))
            .await
    }

    pub async fn post_with(&self, path: &str, body: Value, header: (&str, &str)) -> Answer {
        let mut request = self.request(Method::POST, path, Some(body));
        request.headers_mut().insert(
            axum::http::HeaderName::from_bytes(header.0.as_bytes()).unwrap(),
            header.1.parse().unwrap(),
        );
        self.app.send(request).await
    }
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Answer {
    pub fn result(&self) -> &Value {
        assert_eq!(self.json["status"], "SUCCEEDED", "{}", self.text);
        &self.json["result"]
    }

    pub fn code(&self) -> u64 {
        assert_eq!(self.json["status"], "FAILED", "{}", self.text);
        self.json["error"]["code"].as_u64().unwrap()
    }

    /// Asserts a FAILED envelope with `code` and the HTTP status the contract gives it.
    #[track_caller]
    pub fn assert_error(&self, code: u16) {
        assert_eq!(
            self.json["status"], "FAILED",
            "expected {code}, got {}",
            self.text
        );
        assert_eq!(self.json["error"]["code"], code, "{}", self.text);
        let expected = wire::ErrorCode::from_code(code).unwrap().http_status();
        assert_eq!(
            self.status, expected,
            "HTTP status of {code}: {}",
            self.text
        );
        assert!(self.json["transactionId"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        self.result()
    }
}

pub const STATUS_ACTIVATED: &str =
    "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated";
pub const STATUS_BLOCKED: &str =
    "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked";
pub const SMS_REQUEST: &str = "/api/v1/pims/authentication/smscode/request";
pub const OUTBOX: &str = "/api/v1/dev/outbox";
pub const SMS_SUBMIT: &str = "/api/v1/pims/authentication/smscode";
pub const ENROLLMENT: &str = "/api/v1/pims/authentication/enrollment";
pub const PIN_CODE: &str = "/api/v1/pims/authentication/pincode";
pub const OTP: &str = "/api/v1/pims/authentication/otp";
pub const VEHICLES: &str = "/api/v1/pims/subscription/vehicle";
pub const DEVICES: &str = "/api/v1/pims/authentication/devices";
pub const EVENTS: &str = "/api/v1/account/events";
pub const TRUSTED_PHONE: &str = "/api/v1/pims/authentication/trustedphonenumber";

impl Client<'_> {
    /// The newest code in this account's outbox for `to`.
    pub async fn last_code(&self, to: &str) -> String {
        let answer = self
            .get(&format!("/api/v1/dev/outbox?to={}", to.replace('+', "%2B")))
            .await;
        let text = answer.assert_ok()["messages"][0]["text"]
            .as_str()
            .expect("a message")
            .to_string();
        text.split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .expect("a 6-digit code")
            .to_string()
    }

    /// Requests a code of `kind` (to `phone` for certification) and reads it from the outbox.
    pub async fn sms_code(&self, kind: &str, phone: &str) -> String {
        let body = if kind == "phoneNumberCertification" {
            serde_json::json!({"type": kind, "phoneNumber": phone})
        } else {
            serde_json::json!({"type": kind})
        };
        self.post(SMS_REQUEST, body).await.assert_ok();
        self.last_code(phone).await
    }

    /// Steps 5-6: the enrollment code, submitted; returns the status.
    pub async fn pass_enrollment_sms(&self, phone: &str) -> String {
        let code = self.sms_code("enrollment", phone).await;
        let answer = self
            .post(
                SMS_SUBMIT,
                serde_json::json!({"action": "enrollment", "smsCode": code}),
            )
            .await;
        answer.assert_ok()["status"].as_str().unwrap().to_string()
    }

    /// Steps 5-8 with `pin`: this device ends enrolled.
    pub async fn enroll(&self, phone: &str, pin: &str) {
        self.pass_enrollment_sms(phone).await;
        self.post(
            ENROLLMENT,
            serde_json::json!({"action": "enroll", "pinCode": pin}),
        )
        .await
        .assert_ok();
    }

    pub async fn is_enrolled(&self) -> bool {
        self.get(STATUS_ACTIVATED).await.assert_ok()["isDeviceActivated"]
            .as_bool()
            .unwrap()
    }

    pub async fn block_state(&self) -> String {
        self.get(STATUS_BLOCKED).await.assert_ok()["isAccountBlocked"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The kinds of the account's security events, newest first.
    pub async fn event_kinds(&self) -> Vec<String> {
        let answer = self.get(EVENTS).await;
        answer.assert_ok()["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    }

    /// A step-up proof for removing a vehicle.
    pub async fn step_up(&self, pin: &str) -> String {
        self.step_up_for(pin, "removeProperty").await
    }

    /// A step-up proof for `operation`.
    pub async fn step_up_for(&self, pin: &str, operation: &str) -> String {
        let answer = self
            .post(
                OTP,
                serde_json::json!({"action": "withPIN", "pinCode": pin, "operation": operation}),
            )
            .await;
        answer.assert_ok()["otp"].as_str().unwrap().to_string()
    }

    /// A with a `removeEnrollments` code sent to `phone`, the trusted number.
    pub async fn remove_enrollments_by_sms(&self, phone: &str) -> Answer {
        let code = self.sms_code("removeEnrollments", phone).await;
        self.post(
            ENROLLMENT,
            serde_json::json!({"action": "remove", "smsCode": code}),
        )
        .await
    }

    /// D from this (enrolled) device: the PIN, the code to `new_number`, the change.
    pub async fn change_phone(&self, pin: &str, new_number: &str) -> Answer {
        let proof = self.step_up_for(pin, "modifyPhoneNumber").await;
        let header = (wire::STRONG_AUTH_HEADER, proof.as_str());
        self.post_with(
            SMS_REQUEST,
            serde_json::json!({"type": "phoneNumberCertification", "phoneNumber": new_number}),
            header,
        )
        .await
        .assert_ok();
        let code = self.last_code(new_number).await;
        self.post_with(
            SMS_SUBMIT,
            serde_json::json!({"action": "modifyPhoneNumber", "smsCode": code, "phoneNumber": new_number}),
            header,
        )
        .await
    }
}

/// A code that is not `code`.
pub fn other_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}
