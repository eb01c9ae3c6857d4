//! Password guesses are limited per email (NIST SP 800-63B 5.2.2): a doubling wait from
//! the 5th consecutive failure, a lock at the 100th that only an operator lifts, and the
//! same answers for an email that has no account.

use serde_json::json;

use crate::common::*;

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Answer {
    app.anonymous()
        .post(
            "/api/v1/session",
            json!({"email": email, "password": password}),
        )
        .await
}

/// What each attempt answered: the code (0 for success) and the wait.
async fn attempt(app: &TestApp, email: &str, password: &str) -> (u64, Option<u64>) {
    let answer = sign_in(app, email, password).await;
    if answer.status == 200 {
        return (0, None);
    }
    let wait = answer.json["error"]["retryAfterSeconds"].as_u64();
    if let Some(seconds) = wait {
        assert_eq!(answer.headers["retry-after"], seconds.to_string().as_str());
    }
    (answer.code(), wait)
}

/// Each failure's wait is the one `backoff_seconds` gives, doubling up to the hour and
/// staying there: the server writes the wait in the statement that counts the failure.
#[tokio::test]
async fn each_failures_wait_doubles_up_to_the_hour() {
    use portal_server::sign_in_limit::backoff_seconds;
    let app = TestApp::new().await;
    for consecutive in 1..=14 {
        let (code, _) = attempt(&app, "enrolled@demo.test", "wrong-password").await;
        assert_eq!(code, 2301, "failure {consecutive}");
        let wait = backoff_seconds(consecutive);
        if wait > 0 {
            assert_eq!(
                attempt(&app, "enrolled@demo.test", PASSWORD).await,
                (2391, Some(wait as u64)),
                "after {consecutive} failures"
            );
            app.clock.advance(wait);
        }
    }
}

#[tokio::test]
async fn from_the_fifth_wrong_password_the_email_waits_doubling_and_known_and_unknown_alike() {
    let app = TestApp::new().await;
    for email in ["enrolled@demo.test", "nobody@demo.test"] {
        let mut answers = Vec::new();
        for _ in 0..5 {
            answers.push(attempt(&app, email, "wrong-password").await);
        }
        assert_eq!(answers, vec![(2301, None); 5], "{email}");
        // Even the right password waits now, before any hashing.
        assert_eq!(
            attempt(&app, email, PASSWORD).await,
            (2391, Some(30)),
            "{email}"
        );
    }
    app.clock.advance(30);
    // The 6th failure doubles the wait.
    attempt(&app, "enrolled@demo.test", "wrong-password").await;
    assert_eq!(
        attempt(&app, "enrolled@demo.test", PASSWORD).await,
        (2391, Some(60))
    );
    app.clock.advance(60);
    assert_eq!(
        attempt(&app, "enrolled@demo.test", PASSWORD).await,
        (0, None)
    );
    // A success starts the count again: four failures bring no wait.
    for _ in 0..4 {
        attempt(&app, "enrolled@demo.test", "wrong-password").await;
    }
    assert_eq!(
        attempt(&app, "enrolled@demo.test", PASSWORD).await,
        (0, None)
    );
    // Another account never waited.
    assert_eq!(attempt(&app, "phone@demo.test", PASSWORD).await, (0, None));
}

#[tokio::test]
async fn the_hundredth_wrong_password_locks_until_an_operator_unlocks() {
    let app = TestApp::new().await;
    for email in ["enrolled@demo.test", "nobody@demo.test"] {
        let mut failures = 0;
        while failures < 100 {
            match attempt(&app, email, "wrong-password").await {
                (2301, None) => failures += 1,
                (2391, Some(wait)) => app.clock.advance(wait as i64),
                other => panic!("{email} after {failures} failures: {other:?}"),
            }
        }
        // Locked: waiting changes nothing, the right password neither.
        app.clock.advance(24 * 60 * 60);
        assert_eq!(
            attempt(&app, email, PASSWORD).await,
            (2317, None),
            "{email}"
        );
    }
    let unlocked = portal_server::sign_in_limit::unlock(
        &app.state.pool,
        &app.state.key,
        " Enrolled@Demo.test ",
    )
    .await
    .unwrap();
    assert!(unlocked);
    assert_eq!(
        attempt(&app, "enrolled@demo.test", PASSWORD).await,
        (0, None)
    );
    assert_eq!(
        attempt(&app, "nobody@demo.test", PASSWORD).await,
        (2317, None)
    );
}
