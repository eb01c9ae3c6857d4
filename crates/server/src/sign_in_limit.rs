//! The limit on password guesses per account (NIST SP 800-63B 5.2.2): from the 5th
//! consecutive wrong password the account waits, 30 s doubling up to an hour, and the
//! 100th locks it until an operator runs `portal-server unlock EMAIL`.
//!
//! Counted per email, whether or not an account has it, under a MAC of the email (never
//! the email itself): an unknown email is throttled exactly like a known one, so the
//! answers tell an attacker nothing about which emails exist. Each guess is counted in
//! one statement before its password is compared, so concurrent guesses are all counted
//! and none is compared past the wait or the lock, on every instance sharing the
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
    rate::take_for_client(state, limit, client)
        .await
        .map(drop)
        .inspect_err(|refused| {
            if let Some(retry_after) = refused.body.retry_after_seconds {
                tracing::warn!(
                    retry_after,
                    "sign-in refused: too many attempts from this address"
                );
            }
        })
}

/// The account of a refused email (none for an unknown one), for the log only.
async fn account_of(state: &AppState, email: &str) -> Option<i64> {
    store::account_by_email(&state.pool, email)
        .await
        .ok()
        .flatten()
        .map(|(id, _, _)| id)
}

/// One more failure for the email (`$1`) at `$2`, unless it waits or is locked (`$3`
/// failures), with the wait that failure brings ([`backoff_seconds`]) set in the same
/// statement: no other try can come in between.
static TAKE_TRY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut waits = String::new();
    let mut failures = BACKOFF_FROM;
    while backoff_seconds(failures) < BACKOFF_MAX_SECONDS {
        waits += &format!("WHEN {failures} THEN $2 + {} ", backoff_seconds(failures));
        failures += 1;
    }
    format!(
        "INSERT INTO sign_in_failures (email_key, consecutive, blocked_until) VALUES ($1, 1, 0)
         ON CONFLICT (email_key) DO UPDATE SET
             consecutive = sign_in_failures.consecutive + 1,
             blocked_until = CASE
                 WHEN sign_in_failures.consecutive + 1 < {BACKOFF_FROM}
                     THEN sign_in_failures.blocked_until
                 ELSE CASE sign_in_failures.consecutive + 1 {waits}
                     ELSE $2 + {BACKOFF_MAX_SECONDS} END
             END
         WHERE sign_in_failures.consecutive < $3 AND sign_in_failures.blocked_until <= $2
         RETURNING consecutive"
    )
});

/// A guess counted by [`take_try`] before its password is compared.
#[must_use = "a try is settled: wrong, right or given back"]
pub struct Try {
    key: String,
    consecutive: i64,
}

/// Before any hashing: counts this guess as a wrong password now, and starts the wait it
/// brings, so that guesses sent together cannot all be compared while the count stands
/// still (a right password then starts the count again). 2317 when the account is
/// locked, 2391 with the seconds left while it waits.
pub async fn take_try(state: &AppState, email: &str) -> Result<Try, ApiError> {
    let key = email_key(&state.key, email);
    let now = state.now();
    let taken: Option<i64> = sqlx::query_scalar(&TAKE_TRY)
        .bind(&key)
        .bind(now)
        .bind(LOCK_AT)
        .fetch_optional(&state.pool)
        .await?;
    if let Some(consecutive) = taken {
        return Ok(Try { key, consecutive });
    }
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT consecutive, blocked_until FROM sign_in_failures WHERE email_key = $1",
    )
    .bind(&key)
    .fetch_optional(&state.pool)
    .await?;
    let (consecutive, blocked_until) = row.unwrap_or((0, now + 1));
    if consecutive >= LOCK_AT {
        let account_id = account_of(state, email).await;
        tracing::warn!(
            account_id,
            "sign-in refused: the account is locked after too many wrong passwords"
        );
        return Err(ErrorCode::AccountBlocked.into());
    }
    let account_id = account_of(state, email).await;
    let wait = (blocked_until - now).max(1);
    tracing::info!(account_id, wait, "sign-in refused: back-off");
    Err(ApiError::rate_limited(wait as u64))
}

impl Try {
    /// The password was wrong (or the email unknown): the try stays counted.
    pub fn wrong(self) {
        let wait = backoff_seconds(self.consecutive);
        if self.consecutive == LOCK_AT {
            tracing::warn!(
                consecutive = self.consecutive,
                "account locked after too many wrong passwords"
            );
        } else {
            tracing::info!(consecutive = self.consecutive, wait, "wrong password");
        }
    }

    /// A right password: the count starts again.
    pub async fn right(self, state: &AppState) -> Result<(), ApiError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE email_key = $1")
            .bind(&self.key)
            .execute(&state.pool)
            .await?;
        Ok(())
    }

    /// The password was never compared (the hashing queue shed it, or it failed): the try
    /// is given back, unless another try came after it, and below the 5th failure its
    /// wait too (from the 5th on, its own longer wait stays).
    pub async fn give_back(self, state: &AppState) -> Result<(), ApiError> {
        sqlx::query(
            "UPDATE sign_in_failures SET consecutive = consecutive - 1,
                 blocked_until = CASE WHEN consecutive - 1 >= $3 THEN blocked_until ELSE 0 END
             WHERE email_key = $1 AND consecutive = $2",
        )
        .bind(&self.key)
        .bind(self.consecutive)
        .bind(BACKOFF_FROM)
        .execute(&state.pool)
        .await?;
        Ok(())
    }
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
