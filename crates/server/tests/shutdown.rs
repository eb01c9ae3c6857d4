//! SIGTERM stops the server gracefully: the request in flight gets its answer,
//! new connections are refused, the database is closed cleanly (the SQLite
//! write-ahead log checkpointed away) and the process exits 0.

#[path = "support/process.rs"]
mod process;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::post;
use process::*;
use serde_json::json;
use tokio::sync::Notify;

/// An SMS gateway that takes `delay` to accept each message and says when one arrives.
async fn slow_gateway(delay: Duration, arrived: Arc<Notify>) -> String {
    let app = axum::Router::new().route(
        "/sms",
        post(move || {
            let arrived = arrived.clone();
            async move {
                arrived.notify_one();
                tokio::time::sleep(delay).await;
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/sms")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_closes_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let arrived = Arc::new(Notify::new());
    let gateway = slow_gateway(Duration::from_millis(1500), arrived.clone()).await;
    let database = dir.path().join("portal.db");
    let database_url = format!("sqlite://{}?mode=rwc", database.display());
    let policy = policy_file(dir.path(), "");
    let static_dir = dir.path().join("no-dist");
    let mut server = ServerProcess::start_with_env(
        free_port(),
        &[
            "--demo",
            "--database-url",
            &database_url,
            "--static-dir",
            static_dir.to_str().unwrap(),
            "--config",
            policy.to_str().unwrap(),
            "--demo-force",
            "--sms-webhook-url",
            &gateway,
        ],
        &[("PORTAL_SMS_WEBHOOK_SECRET", "shutdown-test-secret")],
        &dir.path().join("server.log"),
    );
    server.wait_ready(Duration::from_secs(60)).await;

    let mut api = Api::new(&server.base_url());
    assert!(api.sign_in("phone@demo.test", PASSWORD).await.unwrap());
    let caller = api.clone();
    let in_flight = tokio::spawn(async move {
        caller
            .post(SMS_REQUEST, json!({"type": "enrollment"}))
            .await
    });
    // The request is inside the server, waiting on the gateway.
    tokio::time::timeout(Duration::from_secs(10), arrived.notified())
        .await
        .expect("the SMS request reached the gateway");
    server.terminate();

    let mut refused = false;
    for _ in 0..50 {
        if server.refuses_connections() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "new connections are refused once SIGTERM came");
    assert!(
        !in_flight.is_finished(),
        "the request in flight is still being served"
    );

    let reply = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    assert!(reply.succeeded(), "{:?}", reply.json);

    let status = server.wait_exit(Duration::from_secs(20));
    assert!(
        status.success(),
        "exit status {status}\n{}",
        server.log_tail(20)
    );
    let log = server.log_text();
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("database closed"), "{log}");
    // The last connection's close checkpointed the write-ahead log into the
    // database file and removed it.
    let wal = dir.path().join("portal.db-wal");
    assert!(
        !wal.exists() || wal.metadata().unwrap().len() == 0,
        "the WAL is left behind"
    );

    // What was acknowledged is in the file.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", database.display()))
        .await
        .unwrap();
    let sent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sms_codes c JOIN accounts a ON a.id = c.account_id
         WHERE a.email = 'phone@demo.test' AND c.sent = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(sent, 1);
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
}
