//! Two `portal-server` processes on one PostgreSQL database, the attacks of
//! `tests/api/concurrency.rs` split across both: the limits hold exactly as
//! on one instance (3 counted wrong PINs, 5 tries per SMS code, one code per
//! resend cooldown, 10 SMS an hour, sign-ins per client address, SMS per
//! destination number), and a DPoP proof one instance accepted is a replay to the other.
//!
//! Needs `PORTAL_TEST_DATABASE_URL=postgres://...` (skipped without it); run
//! by `cargo xtask test` (suite `reliability`), or
//! `cargo test -p portal-server --test instances -- --ignored --nocapture`.

#[path = "support/process.rs"]
mod process;

use std::path::Path;
use std::time::{Duration, Instant};

use process::*;
use serde_json::{json, Value};
use sqlx::{Connection, Executor};

/// A fresh schema in the test database; the URL the servers get.
async fn fresh_schema(base: &str) -> (String, String) {
    let schema = format!("instances_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(base).await.unwrap();
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    admin.close().await.unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    (
        format!("{base}{separator}options[search_path]={schema}"),
        schema,
    )
}

/// The secrets both instances share, as every instance on one database must (a MAC
/// or a PIN hash made by one is checked by the other).
const SERVER_KEY: &str = "6b6579206f6620626f746820696e7374616e6365732c20666f72207465737473";
const PIN_PEPPER: &str = "70657070657220666f7220626f746820696e7374616e6365732c207465737473";

/// Two servers on `database_url` with the given extra flags, started together. The URL
/// (it holds the password) and the secrets go in the environment, never on the
/// command line; demo mode on PostgreSQL needs `--demo-force`.
async fn two_instances(
    dir: &Path,
    database_url: &str,
    extra: &[&str],
) -> (ServerProcess, ServerProcess) {
    let policy = policy_file(dir, "");
    let static_dir = dir.join("no-dist");
    let env = [
        ("PORTAL_DATABASE_URL", database_url),
        ("PORTAL_SERVER_KEY", SERVER_KEY),
        ("PORTAL_PIN_PEPPER", PIN_PEPPER),
    ];
    let mut args = vec![
        "--demo",
        "--demo-force",
        "--static-dir",
        static_dir.to_str().unwrap(),
        "--config",
        policy.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut first = ServerProcess::start_with_env(free_port(), &args, &env, &dir.join("first.log"));
    let mut second =
        ServerProcess::start_with_env(free_port(), &args, &env, &dir.join("second.log"));
    first.wait_ready(Duration::from_secs(60)).await;
    second.wait_ready(Duration::from_secs(60)).await;
    (first, second)
}

/// Sends `body` to `path` `count` times at once, alternating the two instances;
/// returns the error codes (0 for SUCCEEDED).
async fn split_attack(
    clients: [&Api; 2],
    path: &str,
    count: usize,
    body: impl Fn(usize) -> Value,
) -> Vec<u64> {
    let mut tasks = Vec::new();
    for i in 0..count {
        let client = clients[i % 2].clone();
        let body = body(i);
        let path = path.to_string();
        tasks.push(tokio::spawn(async move {
            let reply = client.post(&path, body).await.expect("an answer");
            assert!(reply.status < 500, "{:?}", reply.json);
            reply
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        codes.push(if reply.succeeded() { 0 } else { reply.code() });
    }
    codes
}

fn count(codes: &[u64], code: u64) -> usize {
    codes.iter().filter(|c| **c == code).count()
}

async fn scalar(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts two servers on PostgreSQL: run by `cargo xtask test` (reliability)"]
async fn limits_hold_exactly_with_attacks_split_across_two_instances() {
    let Some(base) = postgres_base() else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (database_url, schema) = fresh_schema(&base).await;
    let (first, second) = two_instances(dir.path(), &database_url, &[]).await;
    let inspect = sqlx::PgPool::connect(&database_url).await.unwrap();
    let accounts = scalar(&inspect, "SELECT COUNT(*) FROM accounts").await;
    assert_eq!(accounts, 5, "both instances seeded the demo accounts once");
    let migrations = scalar(&inspect, "SELECT COUNT(*) FROM _sqlx_migrations").await;
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count() as i64;
    assert_eq!(migrations, files, "each migration ran once");

    // 1. Wrong PINs: a session opened on one instance, used on both.
    let mut on_first = Api::new(&first.base_url());
    assert!(on_first
        .sign_in("enrolled@demo.test", PASSWORD)
        .await
        .unwrap());
    let on_second = on_first.on(&second.base_url());
    let reply = on_first
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .unwrap();
    assert!(reply.succeeded(), "{:?}", reply.json);
    let code = on_second.last_code("+12015550124").await.unwrap().unwrap();
    let reply = on_second
        .post(SMS_SUBMIT, json!({"action": "enrollment", "smsCode": code}))
        .await
        .unwrap();
    assert_eq!(reply.result()["status"], "AlreadyEnrolled");
    let pins = split_attack(
        [&on_first, &on_second],
        ENROLLMENT,
        100,
        |i| json!({"action": "enroll", "pinCode": format!("{:06}", 900_000 + i * 7)}),
    )
    .await;
    // Each check takes its try before the PIN is compared: three are compared, and the
    // others wait (2391) or find the account locked (2317).
    let counted = count(&pins, 2308);
    let refused = count(&pins, 2317) + count(&pins, 2391);
    assert!((1..=3).contains(&counted), "{pins:?}");
    assert_eq!(counted + refused, 100, "{pins:?}");
    let reply = on_second
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .unwrap();
    assert_eq!(reply.code(), 2317, "the right PIN after the lockout");
    let failures = scalar(
        &inspect,
        "SELECT pin_failures FROM accounts WHERE email = 'enrolled@demo.test'",
    )
    .await;
    assert_eq!(failures, 3);
    let lockouts = scalar(
        &inspect,
        "SELECT COUNT(*) FROM security_events e JOIN accounts a ON a.id = e.account_id
         WHERE a.email = 'enrolled@demo.test' AND e.kind = 'lockout'",
    )
    .await;
    assert_eq!(lockouts, 1);

    // 2. Wrong SMS codes: 5 tries per code, whichever instance checks it.
    let mut on_first = Api::new(&first.base_url());
    assert!(on_first.sign_in("phone@demo.test", PASSWORD).await.unwrap());
    let on_second = on_first.on(&second.base_url());
    let reply = on_second
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .unwrap();
    assert!(reply.succeeded(), "{:?}", reply.json);
    let code = on_first.last_code("+12015550123").await.unwrap().unwrap();
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let guesses = split_attack(
        [&on_first, &on_second],
        SMS_SUBMIT,
        50,
        |_| json!({"action": "enrollment", "smsCode": wrong}),
    )
    .await;
    let checked = count(&guesses, 2305);
    let dead = count(&guesses, 2306);
    assert_eq!(checked, 5, "{guesses:?}");
    assert_eq!(dead, 45, "{guesses:?}");
    let reply = on_first
        .post(SMS_SUBMIT, json!({"action": "enrollment", "smsCode": code}))
        .await
        .unwrap();
    assert_eq!(
        reply.code(),
        2306,
        "the right code after its tries are spent"
    );

    // 3. The resend cooldown: 20 requests at once, one code sent.
    let mut on_first = Api::new(&first.base_url());
    assert!(on_first.sign_in("full@demo.test", PASSWORD).await.unwrap());
    let on_second = on_first.on(&second.base_url());
    let cooldown = split_attack(
        [&on_first, &on_second],
        SMS_REQUEST,
        20,
        |_| json!({"type": "enrollment"}),
    )
    .await;
    let sent_in_cooldown = count(&cooldown, 0);
    let cooled = count(&cooldown, 2391);
    assert_eq!(sent_in_cooldown, 1, "{cooldown:?}");
    assert_eq!(cooled, 19, "{cooldown:?}");
    let messages = scalar(
        &inspect,
        "SELECT COUNT(*) FROM outbox WHERE to_phone = '+12015550126'",
    )
    .await;
    assert_eq!(messages, 1);
    drop((first, second));

    // 4. The hourly limit, with the cooldown off: both instances restarted. (The number's
    // own limit, 5 an hour across accounts, is raised: the account's is the one tested.)
    let (first, second) = two_instances(
        dir.path(),
        &database_url,
        &[
            "--sms-resend-cooldown-seconds",
            "0",
            "--sms-per-number-per-hour",
            "1000",
        ],
    )
    .await;
    let mut on_first = Api::new(&first.base_url());
    assert!(on_first
        .sign_in("blocked@demo.test", PASSWORD)
        .await
        .unwrap());
    let on_second = on_first.on(&second.base_url());
    let requests = split_attack(
        [&on_first, &on_second],
        SMS_REQUEST,
        30,
        |_| json!({"type": "enrollment"}),
    )
    .await;
    let sent_in_hour = count(&requests, 0);
    let limited = count(&requests, 2391);
    assert_eq!(sent_in_hour, 10, "{requests:?}");
    assert_eq!(limited, 20, "{requests:?}");
    let messages = scalar(
        &inspect,
        "SELECT COUNT(*) FROM outbox WHERE to_phone = '+12015550125'",
    )
    .await;
    assert_eq!(messages, 10);
    drop((first, second));

    inspect.close().await;
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
    println!(
        "two instances on one PostgreSQL database, every attack split half and half: \
         {} concurrent wrong PINs -> {counted} counted (2308), {refused} refused (2317), \
         pin_failures = {failures}, {lockouts} lockout event; {} concurrent wrong SMS codes -> \
         {checked} checked (2305), {dead} refused (2306), then the right code 2306; \
         {} concurrent code requests in the 30 s cooldown -> {sent_in_cooldown} sent, \
         {cooled} refused (2391); {} requests without cooldown -> {sent_in_hour} sent \
         (the hourly limit), {limited} refused (2391); took {:.1}s",
        pins.len(),
        guesses.len(),
        cooldown.len(),
        requests.len(),
        started.elapsed().as_secs_f64(),
    );
}

/// A request that changes state and leaves nothing changed: the account's other sessions
/// signed out, of which there are none.
const SESSIONS: &str = "/api/v1/account/sessions";

fn sign_out_others() -> serde_json::Value {
    serde_json::json!({"action": "signOutOthers"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts two servers on PostgreSQL: run by `cargo xtask test` (reliability)"]
async fn a_proof_accepted_by_one_instance_is_refused_by_the_other() {
    let Some(base) = postgres_base() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (database_url, schema) = fresh_schema(&base).await;
    let (first, second) = two_instances(dir.path(), &database_url, &[]).await;
    // Both instances behind one name, as a load balancer would put them: a
    // proof for that name is valid at either, so only the jti table stops a replay.
    // A write's: a read's jti is remembered by the instance that took it (the spec's
    // allowance, `auth::ReadJtis`), since a replayed read reads only what its session could.
    let mut on_first = Api::new(&first.base_url());
    on_first.host = Some("portal.example".into());
    assert!(on_first.sign_in("phone@demo.test", PASSWORD).await.unwrap());
    let on_second = on_first.on(&second.base_url());

    let proof = on_first.proof(&reqwest::Method::POST, SESSIONS);
    let accepted = on_first
        .call_with_proof(
            reqwest::Method::POST,
            SESSIONS,
            Some(sign_out_others()),
            Some(&proof),
        )
        .await
        .unwrap();
    assert!(accepted.succeeded(), "{:?}", accepted.json);
    let replayed = on_second
        .call_with_proof(
            reqwest::Method::POST,
            SESSIONS,
            Some(sign_out_others()),
            Some(&proof),
        )
        .await
        .unwrap();
    assert_eq!(replayed.status, 400, "{:?}", replayed.json);
    assert_eq!(replayed.code(), 2102, "{:?}", replayed.json);
    assert_eq!(replayed.json["error"]["label"], "Invalid parameter: DPoP");
    // And the other way round, for a proof the second instance saw first.
    let proof = on_second.proof(&reqwest::Method::POST, SESSIONS);
    let accepted = on_second
        .call_with_proof(
            reqwest::Method::POST,
            SESSIONS,
            Some(sign_out_others()),
            Some(&proof),
        )
        .await
        .unwrap();
    assert!(accepted.succeeded(), "{:?}", accepted.json);
    let replayed = on_first
        .call_with_proof(
            reqwest::Method::POST,
            SESSIONS,
            Some(sign_out_others()),
            Some(&proof),
        )
        .await
        .unwrap();
    assert_eq!(replayed.code(), 2102, "{:?}", replayed.json);
    // A fresh proof is taken by either: the refusal was the replay, not the key.
    assert!(on_second.get("/api/v1/session").await.unwrap().succeeded());
    assert!(on_first.get("/api/v1/session").await.unwrap().succeeded());
    drop((first, second));

    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
    println!("a DPoP proof accepted by one instance was refused (2102) by the other, both ways");
}

/// The flood limits of issue 16 are buckets in the database: the two instances draw from
/// the same ones. Sign-ins per client address (every request here comes from 127.0.0.1):
/// 60 at once, half to each instance, get the one address's 20 (and what the bucket
/// refilled meanwhile), not 20 on each. SMS per destination number: 10 requests at once
/// from two accounts, split across the instances, send exactly 5 codes to the number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts two servers on PostgreSQL: run by `cargo xtask test` (reliability)"]
async fn flood_limits_hold_across_two_instances() {
    let Some(base) = postgres_base() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (database_url, schema) = fresh_schema(&base).await;
    let (first, second) = two_instances(dir.path(), &database_url, &[]).await;
    let on_first = Api::new(&first.base_url());
    let on_second = Api::new(&second.base_url());
    let started = Instant::now();
    let guesses = split_attack(
        [&on_first, &on_second],
        "/api/v1/session",
        60,
        |i| json!({"email": format!("guess{i}@demo.test"), "password": "wrong-password"}),
    )
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let hashed = count(&guesses, 2301);
    let limited = count(&guesses, 2391);
    assert_eq!(hashed + limited, 60, "{guesses:?}");
    // A token every 3 s: what the attack's own duration refilled may pass too.
    let refilled = (seconds / 3.0).ceil() as usize;
    assert!(
        (20..=20 + refilled).contains(&hashed),
        "{hashed} hashed in {seconds:.1}s: {guesses:?}"
    );
    drop((first, second));

    let (sms_url, sms_schema) = fresh_schema(&base).await;
    let (first, second) = two_instances(
        dir.path(),
        &sms_url,
        &["--sms-resend-cooldown-seconds", "0"],
    )
    .await;
    let mut stranger = Api::new(&first.base_url());
    assert!(stranger.sign_in("new@demo.test", PASSWORD).await.unwrap());
    let mut owner = Api::new(&second.base_url());
    assert!(owner.sign_in("phone@demo.test", PASSWORD).await.unwrap());
    // phone@'s trusted number, asked for by both accounts, on both instances.
    let number = "+12015550123";
    let (stranger, owner) = (stranger.on(&second.base_url()), owner.on(&first.base_url()));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (client, body) = if i % 2 == 0 {
            (
                stranger.clone(),
                json!({"type": "phoneNumberCertification", "phoneNumber": number}),
            )
        } else {
            (owner.clone(), json!({"type": "enrollment"}))
        };
        tasks.push(tokio::spawn(async move {
            client.post(SMS_REQUEST, body).await.expect("an answer")
        }));
    }
    let mut requests = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        requests.push(if reply.succeeded() { 0 } else { reply.code() });
    }
    assert_eq!(count(&requests, 0), 5, "{requests:?}");
    assert_eq!(count(&requests, 2391), 5, "{requests:?}");
    let inspect = sqlx::PgPool::connect(&sms_url).await.unwrap();
    let messages = scalar(
        &inspect,
        &format!("SELECT COUNT(*) FROM outbox WHERE to_phone = '{number}'"),
    )
    .await;
    assert_eq!(messages, 5);
    inspect.close().await;
    drop((first, second));

    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    for schema in [schema, sms_schema] {
        admin
            .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
            .await
            .unwrap();
    }
    println!(
        "two instances on one PostgreSQL database: 60 sign-ins from one address split \
         across both -> {hashed} hashed, {limited} refused (2391) in {seconds:.1}s; 10 codes \
         to one number from two accounts on both -> 5 sent, 5 refused (2391)"
    );
}

/// The PostgreSQL server the reliability suite gives these tests, or `None` (skipped) without one.
fn postgres_base() -> Option<String> {
    let Ok(base) = std::env::var("PORTAL_TEST_DATABASE_URL") else {
        println!("two-instance test skipped: set PORTAL_TEST_DATABASE_URL=postgres://...");
        return None;
    };
    assert!(
        base.starts_with("postgres"),
        "PORTAL_TEST_DATABASE_URL is not PostgreSQL"
    );
    Some(base)
}
