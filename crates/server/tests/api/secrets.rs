//! Issue 16, secrets: the HMAC key and PIN pepper come from a key file (mode 0600) or
//! the environment, never the database; PINs are peppered, and hashes made before the
//! pepper or at another argon2 cost are replaced at their next right use; demo accounts
//! are deleted when the server starts without demo mode.

use std::path::Path;

use portal_server::config::{HashCost, Settings};
use portal_server::crypto;
use portal_server::secrets::{self, KeySource};
use serde_json::json;

use crate::common::*;

async fn pin_hash(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT pin_hash FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

async fn password_hash(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT password_hash FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn pins_are_peppered_before_argon2() {
    let app = TestApp::new().await;
    let stored = pin_hash(&app, "enrolled@demo.test").await;
    let phc = stored
        .strip_prefix("pepper1:")
        .unwrap_or_else(|| panic!("a peppered hash is marked: {stored}"));
    // argon2 of the PIN itself does not match: a copy of the database alone cannot be
    // searched through the 10^6 PINs.
    assert!(!app
        .state
        .hasher
        .verify(PIN.into(), phc.to_string())
        .await
        .unwrap());
    assert!(app
        .state
        .hasher
        .verify(app.state.pin_pepper.apply(PIN), phc.to_string())
        .await
        .unwrap());
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    client.step_up(PIN).await;
    // Another pepper (another key file) makes the right PIN wrong.
    let mut settings = app.settings.clone();
    settings.secrets = Some(secrets::Secrets::generate());
    let app = app.restart_with(settings).await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
        )
        .await
        .assert_error(2308);
}

#[tokio::test]
async fn a_pin_hash_from_before_the_pepper_still_verifies_and_is_replaced() {
    let app = TestApp::new().await;
    let legacy = app.state.hasher.hash(PIN.to_string()).await.unwrap();
    assert!(legacy.starts_with("$argon2id$"));
    sqlx::query("UPDATE accounts SET pin_hash = $1 WHERE email = 'enrolled@demo.test'")
        .bind(&legacy)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    // A wrong PIN is still wrong, and changes nothing.
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "975310", "operation": "removeProperty"}),
        )
        .await
        .assert_error(2308);
    assert_eq!(pin_hash(&app, "enrolled@demo.test").await, legacy);
    client.step_up(PIN).await;
    let replaced = pin_hash(&app, "enrolled@demo.test").await;
    assert!(replaced.starts_with("pepper1:$argon2id$"), "{replaced}");
    client.step_up(PIN).await;
    assert_eq!(
        client.block_state().await,
        "NotBlocked",
        "the wrong PIN's count was reset"
    );
}

#[tokio::test]
async fn hashes_at_an_old_argon2_cost_are_replaced_at_the_next_right_use() {
    let app = TestApp::new().await;
    let old_password = password_hash(&app, "enrolled@demo.test").await;
    let old_pin = pin_hash(&app, "enrolled@demo.test").await;
    let mut settings = app.settings.clone();
    let cost = HashCost {
        memory_kib: 128,
        iterations: 2,
        parallelism: 1,
    };
    settings.policy.argon2 = cost;
    let app = app.restart_with(settings).await;
    assert!(!crypto::hash_is_current(&old_password, cost));
    // The unknown-email answer costs what a known one does.
    assert!(crypto::hash_is_current(
        &app.state.dummy_password_hash,
        cost
    ));

    // A wrong password changes nothing.
    app.anonymous()
        .post(
            "/api/v1/session",
            json!({"email": "enrolled@demo.test", "password": "nope"}),
        )
        .await
        .assert_error(2301);
    assert_eq!(
        password_hash(&app, "enrolled@demo.test").await,
        old_password
    );

    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let new_password = password_hash(&app, "enrolled@demo.test").await;
    assert_ne!(new_password, old_password);
    assert!(
        crypto::hash_is_current(&new_password, cost),
        "{new_password}"
    );
    assert_eq!(pin_hash(&app, "enrolled@demo.test").await, old_pin);
    client.step_up(PIN).await;
    let new_pin = pin_hash(&app, "enrolled@demo.test").await;
    assert!(
        crypto::hash_is_current(new_pin.strip_prefix("pepper1:").unwrap(), cost),
        "{new_pin}"
    );
    // Both still verify, and are left alone from now on.
    app.client("enrolled@demo.test").await;
    client.step_up(PIN).await;
    assert_eq!(
        password_hash(&app, "enrolled@demo.test").await,
        new_password
    );
    assert_eq!(pin_hash(&app, "enrolled@demo.test").await, new_pin);
}

#[tokio::test]
async fn demo_accounts_are_deleted_when_the_server_starts_without_demo() {
    let app = TestApp::new().await;
    let client = app.client("phone@demo.test").await;
    client
        .sms_code("enrollment", &client_phone(&app).await)
        .await;
    sqlx::query(
        "INSERT INTO accounts (email, password_hash, created_at) VALUES ('real@example.com', 'x', 0)",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    let count = |app: &TestApp, table: &'static str| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(&app, "accounts").await, 6);
    let mut settings = app.settings.clone();
    settings.demo = false;
    settings.sms = portal_server::config::SmsSettings::None;
    let app = app.restart_with(settings).await;
    let left: Vec<String> = sqlx::query_scalar("SELECT email FROM accounts")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(left, ["real@example.com"]);
    for table in ["devices", "sessions", "vehicles", "sms_codes", "outbox"] {
        assert_eq!(count(&app, table).await, 0, "{table}");
    }
    app.anonymous()
        .post(
            "/api/v1/session",
            json!({"email": "phone@demo.test", "password": PASSWORD}),
        )
        .await
        .assert_error(2301);
    // Back in demo mode, they are seeded afresh.
    let mut settings = app.settings.clone();
    settings.demo = true;
    settings.sms = portal_server::config::SmsSettings::Outbox;
    let app = app.restart_with(settings).await;
    app.client("phone@demo.test").await;
}

async fn client_phone(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT trusted_phone FROM accounts WHERE email = 'phone@demo.test'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

/// A fresh SQLite database in `dir`.
async fn database(dir: &Path) -> portal_server::db::Pool {
    portal_server::db::open(&format!(
        "sqlite://{}?mode=rwc",
        dir.join("portal.db").display()
    ))
    .await
    .unwrap()
}

fn from_file(path: &Path) -> KeySource {
    KeySource::new(path.to_path_buf(), &|_| None)
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_key_file_is_created_private_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let pool = database(dir.path()).await;
    let file = dir.path().join("keys/portal.key");
    let first = secrets::load(&from_file(&file), &pool).await.unwrap();
    assert_eq!(mode(&file), 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("server_key = \"") && text.contains("pin_pepper = \""));
    let again = secrets::load(&from_file(&file), &pool).await.unwrap();
    assert_eq!(
        first.server_key.mac("probe", &[]),
        again.server_key.mac("probe", &[])
    );
    assert_eq!(first.pin_pepper.apply("1"), again.pin_pepper.apply("1"));
    // Nothing in the database.
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(keys, 0);
}

#[tokio::test]
async fn a_key_file_others_may_read_stops_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let pool = database(dir.path()).await;
    let file = dir.path().join("portal.key");
    secrets::load(&from_file(&file), &pool).await.unwrap();
    for loose in [0o640, 0o604, 0o660] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(loose)).unwrap();
        let error = secrets::load(&from_file(&file), &pool).await.unwrap_err();
        assert!(
            error.contains(&format!("has mode {loose:o}")) && error.contains("chmod 600"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_key_kept_in_the_database_moves_into_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let pool = database(dir.path()).await;
    // What an older version left: its key in the database, MACs made with it.
    let old = crypto::random_key();
    sqlx::query("INSERT INTO server_keys (name, key_hex) VALUES ('mac', $1)")
        .bind(crypto::hex(&old))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO accounts (email, password_hash, created_at) VALUES ('a@example.com', 'x', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let file = dir.path().join("portal.key");
    let loaded = secrets::load(&from_file(&file), &pool).await.unwrap();
    assert_eq!(
        loaded.server_key.mac("session", &[b"t"]),
        crypto::ServerKey::new(old).mac("session", &[b"t"]),
        "the stored MACs stay valid"
    );
    assert_eq!(mode(&file), 0o600);
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(keys, 0, "deleted from the database");
    let again = secrets::load(&from_file(&file), &pool).await.unwrap();
    assert_eq!(
        again.server_key.mac("session", &[b"t"]),
        loaded.server_key.mac("session", &[b"t"])
    );

    // An environment key other than the database's is refused while the latter is there.
    sqlx::query("INSERT INTO server_keys (name, key_hex) VALUES ('mac', $1)")
        .bind(crypto::hex(&old))
        .execute(&pool)
        .await
        .unwrap();
    let other = KeySource {
        file: dir.path().join("unused.key"),
        server_key: Some(crypto::hex(&crypto::random_key())),
        pin_pepper: Some(crypto::hex(&crypto::random_key())),
    };
    let error = secrets::load(&other, &pool).await.unwrap_err();
    assert!(error.contains("differs"), "{error}");
    // The same key in the environment: taken, and the database's copy dropped.
    let same = KeySource {
        server_key: Some(crypto::hex(&old)),
        ..other
    };
    secrets::load(&same, &pool).await.unwrap();
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(keys, 0);
}

#[tokio::test]
async fn a_new_key_for_a_database_with_accounts_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pool = database(dir.path()).await;
    let file = dir.path().join("portal.key");
    secrets::load(&from_file(&file), &pool).await.unwrap();
    sqlx::query(
        "INSERT INTO accounts (email, password_hash, created_at) VALUES ('a@example.com', 'x', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    std::fs::remove_file(&file).unwrap();
    let error = secrets::load(&from_file(&file), &pool).await.unwrap_err();
    assert!(
        error.contains("does not exist, yet the database holds accounts"),
        "{error}"
    );
    assert!(!file.exists());
}

#[tokio::test]
async fn environment_secrets_come_in_pairs_and_parse_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let pool = database(dir.path()).await;
    let file = dir.path().join("portal.key");
    let key = crypto::hex(&[3; 32]);
    let only_key = KeySource {
        file: file.clone(),
        server_key: Some(key.clone()),
        pin_pepper: None,
    };
    let error = secrets::load(&only_key, &pool).await.unwrap_err();
    assert!(
        error.contains("PORTAL_SERVER_KEY and PORTAL_PIN_PEPPER go together"),
        "{error}"
    );
    let short = KeySource {
        pin_pepper: Some(key[..60].to_string()),
        ..only_key.clone()
    };
    let error = secrets::load(&short, &pool).await.unwrap_err();
    assert!(
        error.starts_with("PORTAL_PIN_PEPPER must be 32 bytes"),
        "{error}"
    );
    let both = KeySource {
        pin_pepper: Some(crypto::hex(&[4; 32])),
        ..only_key
    };
    let loaded = secrets::load(&both, &pool).await.unwrap();
    assert_eq!(
        loaded.server_key.mac("x", &[]),
        crypto::ServerKey::new([3; 32]).mac("x", &[])
    );
    assert!(!file.exists(), "no key file with the environment's secrets");
}

#[tokio::test]
async fn settings_built_in_code_carry_secrets_and_the_state_needs_them() {
    let dir = tempfile::tempdir().unwrap();
    let pool = database(dir.path()).await;
    let mut settings = Settings::new(fast_policy());
    settings.secrets = None;
    let error = portal_server::AppState::new(
        pool,
        settings,
        std::sync::Arc::new(portal_server::clock::ManualClock::new(START)),
    )
    .await
    .err()
    .expect("refused");
    assert!(error.contains("no server key"), "{error}");
}
