//! Reads and writes of account state shared by several routes. Every query is
//! scoped to one account id, the session's.

use sqlx::any::AnyRow;
use sqlx::{Executor, FromRow, Row};
use wire::api::{BlockState, EventKind};
use wire::ErrorCode;

use crate::db::{Db, Pool};
use crate::error::ApiError;
use crate::AppState;

/// The account row.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub locale: String,
    pub trusted_phone: Option<String>,
    pub pin_hash: Option<String>,
    pub pin_failures: i64,
    pub pin_blocked: bool,
    /// When D last replaced the trusted number.
    pub phone_changed_at: Option<i64>,
}

/// By hand: flags are 0/1 integers in both databases.
impl<'r> FromRow<'r, AnyRow> for Account {
    fn from_row(row: &'r AnyRow) -> Result<Account, sqlx::Error> {
        Ok(Account {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            locale: row.try_get("locale")?,
            trusted_phone: row.try_get("trusted_phone")?,
            pin_hash: row.try_get("pin_hash")?,
            pin_failures: row.try_get("pin_failures")?,
            pin_blocked: row.try_get::<i64, _>("pin_blocked")? != 0,
            phone_changed_at: row.try_get("phone_changed_at")?,
        })
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, email, locale, trusted_phone, pin_hash, pin_failures, pin_blocked, phone_changed_at";

pub async fn account<'e, E: Executor<'e, Database = Db>>(
    executor: E,
    account_id: i64,
) -> Result<Account, ApiError> {
    sqlx::query_as::<_, Account>(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(account_id)
    .fetch_optional(executor)
    .await?
    .ok_or_else(|| ApiError::new(ErrorCode::NeedBasicAuthentication))
}

pub async fn is_enrolled<'e, E: Executor<'e, Database = Db>>(
    executor: E,
    account_id: i64,
    device_id: &str,
) -> Result<bool, ApiError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM devices WHERE account_id = $1 AND device_id = $2")
            .bind(account_id)
            .bind(device_id)
            .fetch_optional(executor)
            .await?;
    Ok(found.is_some())
}

pub async fn device_count<'e, E: Executor<'e, Database = Db>>(
    executor: E,
    account_id: i64,
) -> Result<i64, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(executor)
            .await?,
    )
}

/// The block state as this device sees it.
pub async fn block_state(
    state: &AppState,
    account: &Account,
    device_id: &str,
) -> Result<BlockState, ApiError> {
    if account.pin_blocked {
        return Ok(BlockState::PinBlocked);
    }
    let devices = devices_of(&state.pool, account.id, device_id).await?;
    Ok(block_of(state, account, devices))
}

/// The account's enrolled devices as `device_id` sees them: how many, and whether it is one.
#[derive(Clone, Copy, Debug)]
pub struct DevicesSeen {
    pub count: i64,
    pub this_one: bool,
}

pub async fn devices_of<'e, E: Executor<'e, Database = Db>>(
    executor: E,
    account_id: i64,
    device_id: &str,
) -> Result<DevicesSeen, ApiError> {
    let (count, this): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN device_id = $2 THEN 1 ELSE 0 END), 0)
         FROM devices WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(device_id)
    .fetch_one(executor)
    .await?;
    Ok(DevicesSeen {
        count,
        this_one: this > 0,
    })
}

/// [`block_state`] from what was read already.
pub fn block_of(state: &AppState, account: &Account, devices: DevicesSeen) -> BlockState {
    if account.pin_blocked {
        BlockState::PinBlocked
    } else if !devices.this_one && devices.count >= i64::from(state.policy().device_limit) {
        BlockState::AccountBlocked
    } else {
        BlockState::NotBlocked
    }
}

/// The account has its limit of enrolled devices and this one is not among them.
pub async fn at_device_limit<'e, E>(
    executor: E,
    state: &AppState,
    account_id: i64,
    device_id: &str,
) -> Result<bool, ApiError>
where
    E: Executor<'e, Database = Db>,
{
    let devices = devices_of(executor, account_id, device_id).await?;
    Ok(!devices.this_one && devices.count >= i64::from(state.policy().device_limit))
}

/// Appends a security event.
pub async fn record_event<'e, E: Executor<'e, Database = Db>>(
    executor: E,
    account_id: i64,
    kind: EventKind,
    at: i64,
    device_label: Option<&str>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO security_events (account_id, kind, at, device_label) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(kind.as_str())
    .bind(at)
    .bind(device_label)
    .execute(executor)
    .await?;
    tracing::info!(account_id, event = kind.as_str(), "security event");
    Ok(())
}

/// Ends one session, and the step-up proofs it held: sign-out, and "sign out" in the hub.
/// The proofs are found through their account: `session_hash` has no index of its own.
pub async fn end_session(
    tx: &mut crate::db::Tx,
    account_id: i64,
    token_hash: &str,
) -> Result<u64, ApiError> {
    sqlx::query("DELETE FROM step_up_proofs WHERE account_id = $1 AND session_hash = $2")
        .bind(account_id)
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// After a change of factor (B, C, D, A): every other session of the account ends, and
/// with it the step-up proofs it held. Whoever else was signed in (perhaps the one the
/// change is meant to lock out) must sign in again, now against the new factor.
pub async fn revoke_other_sessions(
    tx: &mut crate::db::Tx,
    account_id: i64,
    keep_token_hash: &str,
) -> Result<u64, ApiError> {
    sqlx::query("DELETE FROM step_up_proofs WHERE account_id = $1 AND session_hash <> $2")
        .bind(account_id)
        .bind(keep_token_hash)
        .execute(&mut **tx)
        .await?;
    // The sign-in the change was made in stays whole: a session an embedding host handed
    // to its iframe shares the host's `family`, and the host must not lose its own.
    let revoked = sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1
         AND family <> COALESCE((SELECT family FROM sessions WHERE token_hash = $2), '')",
    )
    .bind(account_id)
    .bind(keep_token_hash)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if revoked > 0 {
        tracing::info!(
            account_id,
            revoked,
            "other sessions revoked after a factor change"
        );
    }
    Ok(revoked)
}

/// Enrolls (or re-enrolls) a device: its id is the thumbprint of `public_jwk`.
pub async fn enroll_device<'e, E: Executor<'e, Database = Db>>(
    executor: E,
    account_id: i64,
    device_id: &str,
    public_jwk: &str,
    label: &str,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO devices (account_id, device_id, public_jwk, label, enrolled_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (account_id, device_id)
         DO UPDATE SET public_jwk = excluded.public_jwk, label = excluded.label,
             enrolled_at = excluded.enrolled_at, last_seen_at = excluded.last_seen_at",
    )
    .bind(account_id)
    .bind(device_id)
    .bind(public_jwk)
    .bind(label)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

/// Looks an account up by email (case-insensitive, stored lowercase).
pub async fn account_by_email(
    pool: &Pool,
    email: &str,
) -> Result<Option<(i64, String, String)>, ApiError> {
    Ok(
        sqlx::query_as("SELECT id, email, password_hash FROM accounts WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(pool)
            .await?,
    )
}

/// After a right password: replaces a hash made at other argon2 parameters than the
/// policy's (an older policy) by one at the policy's, the only moment the password is
/// known. Best effort: a failure leaves the old hash, which still verifies.
pub async fn refresh_password_hash(state: &AppState, account_id: i64, old: &str, password: String) {
    if crate::crypto::hash_is_current(old, state.policy().argon2) {
        return;
    }
    let refreshed = async {
        let new = state.hasher.hash_sign_in(password).await?;
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(&new)
            .bind(account_id)
            .bind(old)
            .execute(&state.pool)
            .await?;
        Ok::<(), ApiError>(())
    };
    match refreshed.await {
        Ok(()) => tracing::info!(account_id, "password re-hashed at the policy's argon2 cost"),
        Err(error) => tracing::warn!(account_id, error = ?error, "password re-hash failed"),
    }
}
