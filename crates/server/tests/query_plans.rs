//! Every SQL statement the server runs while serving requests uses an index: no request
//! may cost more as the tables grow (the target: p99 at 10^6 accounts within 20% of p99
//! at 10^3).
//!
//! The statements are not listed by hand, where a new query could slip by: sqlx reports
//! each statement it executes as a `tracing` event (target `sqlx::query`), which a
//! process-wide subscriber records while the test drives the portal's flows through the
//! router. Each distinct statement is then planned on the same database: SQLite's
//! `EXPLAIN QUERY PLAN`, and PostgreSQL's `EXPLAIN` of a generic plan with sequential
//! scans disabled (on tables this small the planner would rightly prefer them). A
//! `SCAN` (SQLite) or a `Seq Scan` or an index scan without an index condition
//! (PostgreSQL) reads the whole table, or a whole index, and fails the test.
//!
//! Its own test binary: the subscriber is the process's global default, the only kind that
//! sees SQLite's statements, which sqlx runs on a worker thread of its own per connection.
//!
//! `cargo test -p portal-server --test query_plans -- --nocapture` prints each statement
//! with its plan. The PostgreSQL half needs `PORTAL_TEST_DATABASE_URL` (skipped without
//! it), as `cargo xtask test reliability` sets it.

#[path = "api/common.rs"]
mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use axum::http::Method;
use common::*;
use portal_server::config::HashCost;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, Row};

/// Fewer distinct statements than this means the capture broke, not that the server
/// got simpler: the flows below run about 70.
const FLOOR: usize = 60;

/// Only one test records at a time: the recorder is process-wide.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The recorder: a `tracing` layer that keeps the SQL of each `sqlx::query` event while
/// a recording is open.
mod capture {
    use std::sync::{Mutex, Once};

    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    static RECORDING: Mutex<Option<Vec<String>>> = Mutex::new(None);

    struct Statements;

    impl<S: tracing::Subscriber> Layer<S> for Statements {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            if event.metadata().target() != "sqlx::query" {
                return;
            }
            let mut sql = Sql::default();
            event.record(&mut sql);
            // sqlx puts the whole statement in `db.statement` unless it is no longer
            // than its first four words, the `summary` (see sqlx-core's `logger.rs`).
            let text = if sql.statement.trim().is_empty() {
                sql.summary
            } else {
                sql.statement
            };
            if let Some(recording) = RECORDING.lock().unwrap().as_mut() {
                recording.push(text.trim().to_string());
            }
        }
    }

    #[derive(Default)]
    struct Sql {
        summary: String,
        statement: String,
    }

    impl Visit for Sql {
        fn record_str(&mut self, field: &Field, value: &str) {
            match field.name() {
                "summary" => self.summary = value.to_string(),
                "db.statement" => self.statement = value.to_string(),
                _ => {}
            }
        }

        fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
    }

    /// Global, not `with_default`: the latter is per thread, and sqlx-sqlite executes on
    /// a thread of its own per connection.
    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            tracing::subscriber::set_global_default(
                tracing_subscriber::registry().with(Statements),
            )
            .expect("the first global subscriber of this test binary");
        });
    }

    pub fn start() {
        *RECORDING.lock().unwrap() = Some(Vec::new());
    }

    pub fn stop() -> Vec<String> {
        RECORDING.lock().unwrap().take().unwrap_or_default()
    }
}

/// Statements that are no query of a table: connection set-up (sqlx opens pool
/// connections lazily, during requests) and transaction control. Nothing to plan.
fn is_control(sql: &str) -> bool {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "PRAGMA" | "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "SET" | "END"
    )
}

/// The distinct statements, first-seen order, control statements left out (and named).
fn distinct(statements: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut control = BTreeSet::new();
    let mut distinct = Vec::new();
    let total = statements.len();
    for sql in statements {
        if is_control(&sql) {
            control.insert(sql);
        } else if seen.insert(sql.split_whitespace().collect::<Vec<_>>().join(" ")) {
            distinct.push(sql);
        }
    }
    println!(
        "{total} statements recorded; not planned (connection set-up, transaction control): {}",
        control.into_iter().collect::<Vec<_>>().join(" | ")
    );
    distinct
}

const NOBODY: &str = "nobody@demo.test";
const NEW_NUMBER: &str = "+33698765432";
const OTHER_NUMBER: &str = "+33698765433";
const PHONE_OF_PHONE: &str = "+12015550123";
const PHONE_OF_BLOCKED: &str = "+12015550125";
const PHONE_OF_FULL: &str = "+12015550126";

/// Drives what the portal does, every route and the refusals that take their own
/// queries, and returns the SQL the server ran meanwhile. The start-up (migrations, the
/// demo seed, the key) is over before the recording opens; the test's own look-ups
/// (`enrolled_device`) are made before it too, so all that is recorded is the server's.
async fn record_flows(app: TestApp) -> (TestApp, Vec<String>) {
    let enrolled_key = app.enrolled_device("enrolled@demo.test", 0).await;
    capture::start();

    // Nobody signed in: the configuration, wrong passwords up to the back-off.
    let visitor = app.anonymous();
    visitor.get("/api/v1/config").await.assert_ok();
    let wrong = json!({"email": NOBODY, "password": "not-the-password"});
    for _ in 0..6 {
        let answer = visitor.post("/api/v1/session", wrong.clone()).await;
        assert_ne!(answer.status, 200, "{}", answer.text);
    }

    // A phone, no PIN: the status reads, each list, a wrong code, enrollment.
    let phone = app.client("phone@demo.test").await;
    phone.get("/api/v1/session").await.assert_ok();
    assert!(!phone.is_enrolled().await);
    assert_eq!(phone.block_state().await, "NotBlocked");
    phone.get(TRUSTED_PHONE).await.assert_ok();
    phone.get("/api/v1/account/status").await.assert_ok();
    phone.get(EVENTS).await.assert_ok();
    phone.get(DEVICES).await.assert_ok();
    phone.get(VEHICLES).await.assert_ok();
    phone.get("/api/v1/account/sessions").await.assert_ok();
    let code = phone.sms_code("enrollment", PHONE_OF_PHONE).await;
    let submit = |code: &str| json!({"action": "enrollment", "smsCode": code});
    phone
        .post(SMS_SUBMIT, submit(&other_code(&code)))
        .await
        .assert_error(2305);
    phone.post(SMS_SUBMIT, submit(&code)).await.assert_ok();
    phone
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": "135790"}))
        .await
        .assert_ok();
    assert!(phone.is_enrolled().await);
    // A used code again: the server reads the newest code to say why not.
    assert_ne!(phone.post(SMS_SUBMIT, submit(&code)).await.status, 200);

    // No phone yet: its certification and enrollment in one.
    let new = app.client("new@demo.test").await;
    let code = new.sms_code("phoneNumberCertification", NEW_NUMBER).await;
    new.post(
        ENROLLMENT,
        json!({"action": "enrollWithPhoneNumber", "pinCode": "135790", "smsCode": code, "phoneNumber": NEW_NUMBER}),
    )
    .await
    .assert_ok();

    // Enrolled: a wrong PIN, step-ups, a vehicle removed, the iframe hand-off, sessions.
    let owner = app.client_on("enrolled@demo.test", &enrolled_key).await;
    assert!(owner.is_enrolled().await);
    owner.get(VEHICLES).await.assert_ok();
    owner
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "975310", "operation": "removeProperty"}),
        )
        .await
        .assert_error(2308);
    let proof = owner.step_up(PIN).await;
    owner
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF1RJA00X68123456"}),
            (wire::STRONG_AUTH_HEADER, &proof),
        )
        .await
        .assert_ok();
    let iframe_key = new_device();
    let embed_token = owner
        .post(
            wire::api::paths::SESSION_HANDOFF,
            json!({"deviceId": iframe_key.thumbprint()}),
        )
        .await
        .assert_ok()["embedToken"]
        .as_str()
        .unwrap()
        .to_string();
    let mut iframe = app.anonymous();
    iframe.device = Some(iframe_key);
    let token = iframe
        .post(
            wire::api::paths::SESSION_EXCHANGE,
            json!({"embedToken": embed_token}),
        )
        .await
        .assert_ok()["token"]
        .as_str()
        .unwrap()
        .to_string();
    iframe.token = Some(token);
    iframe.get(VEHICLES).await.assert_ok();
    let second = app.client("enrolled@demo.test").await;
    let _third = app.client("enrolled@demo.test").await;
    let listed = owner.get("/api/v1/account/sessions").await;
    let second_id = listed.assert_ok()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false && s["id"].is_string())
        .map(|s| s["id"].as_str().unwrap().to_string())
        .expect("another session");
    owner
        .post(
            "/api/v1/account/sessions",
            json!({"action": "signOut", "sessionId": second_id}),
        )
        .await
        .assert_ok();
    owner
        .post(
            "/api/v1/account/sessions",
            json!({"action": "signOutOthers"}),
        )
        .await
        .assert_ok();
    drop(second);

    // The factor changes: C (PIN update), B (PIN reset by SMS), D (phone change).
    owner
        .post(
            PIN_CODE,
            json!({"action": "update", "oldPIN": PIN, "newPIN": "135790"}),
        )
        .await
        .assert_ok();
    let code = owner.sms_code("resetPIN", ENROLLED_PHONE).await;
    owner
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "975312", "smsCode": code}),
        )
        .await
        .assert_ok();
    owner.change_phone("975312", OTHER_NUMBER).await.assert_ok();
    owner.event_kinds().await;

    // At the device limit: a device removed with the PIN, this one enrolled instead.
    let full = app.client("full@demo.test").await;
    assert_eq!(full.block_state().await, "AccountBlocked");
    let devices = full.get(DEVICES).await;
    let ids: Vec<String> = devices.assert_ok()["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    let proof = full.step_up_for(PIN, "removeDevice").await;
    full.post_with(
        DEVICES,
        json!({"action": "removeDevice", "deviceId": ids[4]}),
        (wire::STRONG_AUTH_HEADER, &proof),
    )
    .await
    .assert_ok();
    full.pass_enrollment_sms(PHONE_OF_FULL).await;
    full.post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_ok();

    // A blocked PIN: every enrollment removed by SMS.
    let blocked = app.client("blocked@demo.test").await;
    assert_eq!(blocked.block_state().await, "PinBlocked");
    blocked
        .remove_enrollments_by_sms(PHONE_OF_BLOCKED)
        .await
        .assert_ok();

    // Sign-out, and a session used after its idle expiry.
    phone.delete("/api/v1/session").await.assert_ok();
    app.clock.advance(31 * 60);
    new.get("/api/v1/session").await.assert_error(2301);

    // The flood limit on sign-ins: refusals read the bucket for the hint, and every
    // thousandth take prunes the idle buckets. A thousand takes cross one prune,
    // wherever this process's count stood.
    let flood_ip: std::net::IpAddr = "192.0.2.7".parse().unwrap();
    let limit = app.settings.policy.sign_in_per_ip_per_minute;
    let mut refused = 0;
    for _ in 0..1000 {
        let request = visitor.request(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": "flood@demo.test", "password": "not-the-password"})),
        );
        let answer = app.send(from_ip(request, flood_ip)).await;
        if answer.status == 429 {
            refused += 1;
        }
    }
    assert!(
        refused > 0,
        "the limit of {limit} sign-ins a minute never hit"
    );

    // A password hash made at an older policy's cost: re-hashed at sign-in. A new
    // process, which is no request: not recorded.
    let mut statements = capture::stop();
    let mut settings = app.settings.clone();
    settings.policy.argon2 = HashCost {
        memory_kib: settings.policy.argon2.memory_kib * 2,
        ..settings.policy.argon2
    };
    let app = app.restart_with(settings).await;
    capture::start();
    app.client("phone@demo.test").await;
    statements.extend(capture::stop());
    (app, statements)
}

/// Demo settings with the spec's sign-in limit per address, so that the flood above
/// meets it; the other limits stay out of the way of the flows.
fn settings() -> portal_server::config::Settings {
    let mut settings = demo_settings();
    settings.policy.sign_in_per_ip_per_minute = spec_limits_policy().sign_in_per_ip_per_minute;
    settings
}

/// SQLite: `EXPLAIN QUERY PLAN` of each statement (its parameters unbound, so NULL). A
/// `SCAN` row reads a whole table, or a whole index (`SCAN t USING INDEX i`): both grow
/// with the table. `SCAN CONSTANT ROW` and the scan of a subquery's result do not.
fn sqlite_full_scans(plan: &[(i64, i64, String)]) -> Vec<String> {
    plan.iter()
        .map(|(_, _, detail)| detail)
        .filter(|detail| {
            detail.starts_with("SCAN ")
                && detail.as_str() != "SCAN CONSTANT ROW"
                && !detail.starts_with("SCAN (subquery")
        })
        .cloned()
        .collect()
}

fn sqlite_plan_text(plan: &[(i64, i64, String)]) -> String {
    let mut text = String::new();
    for (id, parent, detail) in plan {
        let mut depth = 0;
        let mut up = *parent;
        while up != 0 {
            depth += 1;
            up = plan
                .iter()
                .find(|(i, _, _)| *i == up)
                .map_or(0, |(_, p, _)| *p);
        }
        let _ = writeln!(text, "    {}{detail}  [{id}]", "  ".repeat(depth));
    }
    if text.is_empty() {
        text.push_str("    (no table read)\n");
    }
    text
}

/// Checks every plan, prints them all, and fails with the list of full scans.
fn report(backend: &str, checked: &[(String, String, Vec<String>)]) {
    println!(
        "{backend}: {} distinct statements run by the request path",
        checked.len()
    );
    for (i, (sql, plan, _)) in checked.iter().enumerate() {
        let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        println!("\n[{}] {one_line}\n{plan}", i + 1);
    }
    let failures: Vec<String> = checked
        .iter()
        .filter(|(_, _, scans)| !scans.is_empty())
        .map(|(sql, plan, scans)| {
            let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("{one_line}\n  full scan: {}\n{plan}", scans.join("; "))
        })
        .collect();
    assert!(
        checked.len() >= FLOOR,
        "{backend}: only {} distinct statements recorded (at least {FLOOR} expected): \
         the capture missed some",
        checked.len()
    );
    assert!(
        failures.is_empty(),
        "{backend}: {} statement(s) of the request path read a whole table or index:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_sqlite_query_of_the_request_path_uses_an_index() {
    let _one = ONE_AT_A_TIME.lock().await;
    capture::install();
    let app = TestApp::on_sqlite(settings()).await;
    let (app, statements) = record_flows(app).await;
    let statements = distinct(statements);
    let url = app.database.url.clone();

    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let mut checked = Vec::new();
    for sql in statements {
        // Unbound parameters are NULL: the plan does not depend on their values.
        let rows = conn
            .fetch_all(format!("EXPLAIN QUERY PLAN {sql}").as_str())
            .await
            .unwrap_or_else(|e| panic!("EXPLAIN QUERY PLAN {sql}: {e}"));
        let plan: Vec<(i64, i64, String)> = rows
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(3)))
            .collect();
        let scans = sqlite_full_scans(&plan);
        checked.push((sql, sqlite_plan_text(&plan), scans));
    }
    conn.close().await.unwrap();
    report("SQLite", &checked);
    assert_sqlite_reads_events_in_index_order(&checked);
}

/// The events list (the newest 100 of an account's) walks its index in order and stops
/// there, rather than sorting every event the account ever had: its plan has no sort
/// (SQLite's `USE TEMP B-TREE`).
fn assert_sqlite_reads_events_in_index_order(checked: &[(String, String, Vec<String>)]) {
    let (_, plan, _) = checked
        .iter()
        .find(|(sql, _, _)| sql.contains("FROM security_events"))
        .expect("the flows read the events list");
    assert!(
        !plan.contains("TEMP B-TREE"),
        "the events list sorts:\n{plan}"
    );
}

/// The number of parameters: the highest `$N`.
fn parameter_count(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let mut highest = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if *byte == b'$' {
            let digits: String = sql[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = digits.parse::<usize>() {
                highest = highest.max(n);
            }
        }
    }
    highest
}

/// `PREPARE name AS sql`, each parameter's type inferred from its context (`unknown`)
/// as when the server runs it, except those the context cannot tell (`$2 IS NULL`):
/// text, which is what the server binds there (sqlx sends its types, PREPARE cannot).
async fn prepare(conn: &mut sqlx::PgConnection, name: &str, sql: &str, count: usize) {
    let mut types = vec!["unknown"; count];
    loop {
        let declared = if count == 0 {
            String::new()
        } else {
            format!(" ({})", types.join(", "))
        };
        let error = match conn
            .execute(format!("PREPARE {name}{declared} AS {sql}").as_str())
            .await
        {
            Ok(_) => return,
            Err(error) => error.to_string(),
        };
        let undetermined = error
            .split_once("could not determine data type of parameter $")
            .and_then(|(_, n)| n.trim().parse::<usize>().ok())
            .filter(|n| (1..=count).contains(n) && types[n - 1] == "unknown");
        match undetermined {
            Some(n) => types[n - 1] = "text",
            None => panic!("PREPARE {sql}: {error}"),
        }
    }
}

/// PostgreSQL: the plan nodes that read a whole table or index. With `enable_seqscan`
/// off, a table without a usable index still gets a `Seq Scan`, or a walk along some
/// other index with no `Index Cond` (cheaper than a disabled seq scan): both count.
fn postgres_full_scans(node: &Value, found: &mut Vec<String>) {
    let kind = node["Node Type"].as_str().unwrap_or("");
    let relation = node["Relation Name"].as_str().unwrap_or("?");
    match kind {
        "Seq Scan" => found.push(format!("Seq Scan on {relation}")),
        "Index Scan" | "Index Only Scan" | "Bitmap Index Scan"
            if node.get("Index Cond").is_none() =>
        {
            let index = node["Index Name"].as_str().unwrap_or("?");
            found.push(format!("{kind} using {index} without a condition"));
        }
        _ => {}
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        postgres_full_scans(child, found);
    }
}

#[tokio::test]
async fn every_postgres_query_of_the_request_path_uses_an_index() {
    let Ok(base) = std::env::var(TEST_DATABASE_URL) else {
        eprintln!("skipped: set {TEST_DATABASE_URL}=postgres://... to plan on PostgreSQL");
        return;
    };
    assert!(
        base.starts_with("postgres"),
        "{TEST_DATABASE_URL}: postgres://..."
    );
    let _one = ONE_AT_A_TIME.lock().await;
    capture::install();
    let app = TestApp::with_settings(settings()).await;
    assert!(app.database.is_postgres());
    let (app, statements) = record_flows(app).await;
    let statements = distinct(statements);
    let url = app.database.url.clone();

    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    // A generic plan: with the NULL arguments of a custom one, `id = NULL` plans to
    // nothing at all and would hide the scan.
    conn.execute("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    let mut checked = Vec::new();
    for (i, sql) in statements.into_iter().enumerate() {
        // `EXPLAIN` cannot take parameters on PostgreSQL 15 (no GENERIC_PLAN option):
        // a prepared statement can.
        let count = parameter_count(&sql);
        prepare(&mut conn, &format!("plan_{i}"), &sql, count).await;
        let arguments = if count == 0 {
            String::new()
        } else {
            format!("({})", vec!["NULL"; count].join(", "))
        };
        let execute = format!("EXECUTE plan_{i}{arguments}");
        let json_row = conn
            .fetch_one(format!("EXPLAIN (FORMAT JSON) {execute}").as_str())
            .await
            .unwrap_or_else(|e| panic!("EXPLAIN {sql}: {e}"));
        // json, which sqlx decodes without its `json` feature as the text it is.
        let json: String = json_row.try_get_unchecked(0).unwrap();
        let json: Value = serde_json::from_str(&json).unwrap();
        let mut scans = Vec::new();
        postgres_full_scans(&json[0]["Plan"], &mut scans);
        let text_rows = conn
            .fetch_all(format!("EXPLAIN (COSTS OFF) {execute}").as_str())
            .await
            .unwrap();
        let mut plan = String::new();
        for row in text_rows {
            let line: String = row.get(0);
            let _ = writeln!(plan, "    {line}");
        }
        conn.execute(format!("DEALLOCATE plan_{i}").as_str())
            .await
            .unwrap();
        checked.push((sql, plan, scans));
    }
    conn.close().await.unwrap();
    // No check of the events list's order here: on the test's few rows PostgreSQL's
    // planner rightly prefers a bitmap scan and a sort of them to the ordered index.
    report("PostgreSQL", &checked);
}
