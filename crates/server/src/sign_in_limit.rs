//! The limit on password guesses per account (NIST SP 800-63B 5.2.2): from the 5th
//! consecutive wrong password the account waits, 30 s doubling up to an hour, and the
//! 100th locks it until an operator runs `portal-server unlock EMAIL`.
//!
//! Counted per email, whether or not an account has it, under a MAC of the email (never
//! the email itself): an unknown email is throttled exactly like a known one, so the
//! answers tell an attacker nothing about which emails exist. The counter changes in one
//! statement, so concurrent guesses are all counted, on every instance sharing the
//! database.

use wire::ErrorCode;

use crate::client_ip::ClientIp;
use crate::crypto::ServerKey;
use crate::db::Pool;
use crate::error::ApiError;
use crate::{rate, store, AppState};

/// Consecutive failures from which each one makes the account wait.
pub const BACKOFF_FROM: i64 = 5;
/// The first wait, doubled by each further failure.
pub const BACKOFF_BASE_SECONDS: i64 = 30;
/// The longest wait.
pub const BACKOFF_MAX_SECONDS: i64 = 60 * 60;
/// Consecutive failures that lock the account until an operator unlocks it.
pub const LOCK_AT: i64 = 100;

fn email_key(key: &ServerKey, email: &str) -> String {
    key.mac("sign-in-email", &[email.trim().to_lowercase().as_bytes()])
}

/// How long the account waits after `consecutive` failures (0 below [`BACKOFF_FROM`]).
pub fn backoff_seconds(consecutive: i64) -> i64 {
    if consecutive < BACKOFF_FROM {
        return 0;
    }
    let doublings = (consecutive - BACKOFF_FROM).min(16) as u32;
    (BACKOFF_BASE_SECONDS << doublings).min(BACKOFF_MAX_SECONDS)
}

/// First of all, before the email's own limit and any hashing: a token from the client
/// address's bucket (`sign_in_per_ip_per_minute`), or 2391. One address trying many
/// emails is stopped here, where the per-email count cannot see it.
pub async fn check_client(state: &AppState, client: ClientIp) -> Result<(), ApiError> {
    let limit = rate::sign_in_per_ip(state.policy().sign_in_per_ip_per_minute);
    let key = state.key.mac(limit.kind, &[client.limit_key().as_bytes()]);
    let mut conn = state.pool.acquire().await?;
    let taken = rate::take(&mut conn, limit, &key, state.now()).await;
    if let Err(error) = &taken {
        tracing::warn!(
            retry_after = error.body.retry_after_seconds,
            "sign-in refused: too many attempts from this address"
        );
    }
    taken
}

/// Before any hashing: 2317 when the account is locked, 2391 with the seconds left while it
/// waits.
pub async fn check(state: &AppState, email: &str) -> Result<(), ApiError> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT consecutive, blocked_until FROM sign_in_failures WHERE email_key = $1",
    )
    .bind(email_key(&state.key, email))
    .fetch_optional(&state.pool)
    .await?;
    let Some((consecutive, blocked_until)) = row else {
        return Ok(());
    };
    if consecutive >= LOCK_AT {
        let account_id = account_of(state, email).await;
        tracing::warn!(
            account_id,
            "sign-in refused: the account is locked after too many wrong passwords"
        );
        return Err(ErrorCode::AccountBlocked.into());
    }
    let now = state.now();
    if blocked_until > now {
        let account_id = account_of(state, email).await;
        tracing::info!(
            account_id,
            wait = blocked_until - now,
            "sign-in refused: back-off"
        );
        return Err(ApiError::rate_limited((blocked_until - now) as u64));
    }
    Ok(())
}

/// The account of a refused email (none for an unknown one), for the log only.
async fn account_of(state: &AppState, email: &str) -> Option<i64> {
    store::account_by_email(&state.pool, email)
        .await
        .ok()
        .flatten()
        .map(|(id, _, _)| id)
}

/// A wrong password (or an unknown email): one more consecutive failure, and the wait it
/// brings.
pub async fn record_failure(state: &AppState, email: &str) -> Result<(), ApiError> {
    let key = email_key(&state.key, email);
    let consecutive: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (email_key, consecutive, blocked_until) VALUES ($1, 1, 0)
         ON CONFLICT (email_key) DO UPDATE SET consecutive = sign_in_failures.consecutive + 1
         RETURNING consecutive",
    )
    .bind(&key)
    .fetch_one(&state.pool)
    .await?;
    let wait = backoff_seconds(consecutive);
    if wait > 0 {
        // Only ever later: of two racing failures, the longer wait stands.
        sqlx::query(
            "UPDATE sign_in_failures SET blocked_until = $1
             WHERE email_key = $2 AND blocked_until < $1",
        )
        .bind(state.now() + wait)
        .bind(&key)
        .execute(&state.pool)
        .await?;
    }
    if consecutive == LOCK_AT {
        tracing::warn!(consecutive, "account locked after too many wrong passwords");
    } else {
        tracing::info!(consecutive, wait, "wrong password");
    }
    Ok(())
}

/// A right password: the count starts again.
pub async fn record_success(state: &AppState, email: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email_key = $1")
        .bind(email_key(&state.key, email))
        .execute(&state.pool)
        .await?;
    Ok(())
}

/// `portal-server unlock EMAIL`: lifts the lock and the wait. Whether there was one.
pub async fn unlock(pool: &Pool, key: &ServerKey, email: &str) -> Result<bool, String> {
    let done = sqlx::query("DELETE FROM sign_in_failures WHERE email_key = $1")
        .bind(email_key(key, email))
        .execute(pool)
        .await
        .map_err(|e| format!("unlock: {e}"))?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_the_fifth_failure_up_to_an_hour() {
        let waits: Vec<i64> = (1..=13).map(backoff_seconds).collect();
        assert_eq!(
            waits,
            [0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        );
        assert_eq!(backoff_seconds(99), 3600);
        assert_eq!(backoff_seconds(i64::MAX), 3600);
    }
}
