//! The hub's list of signed-in sessions, and signing them out one by one or all but this
//! one.

use serde_json::json;

use crate::common::*;

const SESSIONS: &str = "/api/v1/account/sessions";
const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn alive(client: &Client<'_>) -> bool {
    client.get("/api/v1/session").await.status == 200
}

fn ids(answer: &Answer) -> Vec<(String, bool, String)> {
    answer.result()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["current"].as_bool().unwrap(),
                s["device"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_hub_lists_the_accounts_sessions_and_signs_them_out() {
    let app = TestApp::new().await;
    let mine = app.client("enrolled@demo.test").await;
    app.clock.advance(10);
    let mut other = app.anonymous();
    other.user_agent = Some(FIREFOX_WINDOWS.into());
    let answer = other
        .post(
            "/api/v1/session",
            json!({"email": "enrolled@demo.test", "password": PASSWORD}),
        )
        .await;
    other.token = Some(answer.assert_ok()["token"].as_str().unwrap().to_string());
    app.clock.advance(10);
    let third = app.client("enrolled@demo.test").await;
    let stranger = app.client("phone@demo.test").await;

    let listed = mine.get(SESSIONS).await;
    listed.assert_ok();
    let sessions = ids(&listed);
    assert_eq!(sessions.len(), 3, "{}", listed.text);
    assert_eq!(sessions.iter().filter(|s| s.1).count(), 1);
    assert!(sessions.iter().any(|s| !s.1 && s.2 == "Firefox on Windows"));
    // The id names a session; it is not its token.
    let token = mine.token.clone().unwrap();
    assert!(!listed.text.contains(&token));
    // Newest use first: the third session signed in last.
    let third_id = ids(&third.get(SESSIONS).await)
        .into_iter()
        .find(|s| s.1)
        .unwrap()
        .0;
    assert_eq!(sessions[0].0, third_id);

    // One by one.
    let answer = mine
        .post(
            SESSIONS,
            json!({"action": "signOut", "sessionId": third_id}),
        )
        .await;
    assert_eq!(answer.assert_ok()["signedOut"], 1);
    assert!(!alive(&third).await);
    assert!(alive(&mine).await && alive(&other).await);
    // Another account's session is as unknown as a made-up one, and survives.
    let strangers_id = ids(&stranger.get(SESSIONS).await)[0].0.clone();
    mine.post(
        SESSIONS,
        json!({"action": "signOut", "sessionId": strangers_id}),
    )
    .await
    .assert_error(2102);
    mine.post(SESSIONS, json!({"action": "signOut", "sessionId": "nope"}))
        .await
        .assert_error(2102);
    mine.post(SESSIONS, json!({"action": "signOut"}))
        .await
        .assert_error(2101);
    mine.post(SESSIONS, json!({"action": "signOutEverything"}))
        .await
        .assert_error(2102);
    assert!(alive(&stranger).await);

    // Everywhere else.
    let again = app.client("enrolled@demo.test").await;
    let answer = mine
        .post(SESSIONS, json!({"action": "signOutOthers"}))
        .await;
    assert_eq!(answer.assert_ok()["signedOut"], 2);
    assert!(alive(&mine).await);
    assert!(!alive(&other).await && !alive(&again).await);
    assert!(alive(&stranger).await);
    assert_eq!(ids(&mine.get(SESSIONS).await).len(), 1);
    assert_eq!(
        mine.event_kinds().await,
        ["sessionsSignedOut", "sessionsSignedOut"]
    );
    // Nothing left to sign out: no event.
    let answer = mine
        .post(SESSIONS, json!({"action": "signOutOthers"}))
        .await;
    assert_eq!(answer.assert_ok()["signedOut"], 0);
    assert_eq!(mine.event_kinds().await.len(), 2);
}

#[tokio::test]
async fn idle_and_expired_sessions_are_not_listed() {
    let app = TestApp::new().await;
    let _old = app.client("enrolled@demo.test").await;
    app.clock.advance(31 * 60);
    let fresh = app.client("enrolled@demo.test").await;
    assert_eq!(ids(&fresh.get(SESSIONS).await).len(), 1);
    app.anonymous().get(SESSIONS).await.assert_error(2301);
}
