//! PIN checks with the lockout: each check takes a try by one atomic statement
//! before the PIN is compared, so concurrent guesses cannot get more than
//! `max_pin_failures` tries, and a wrong one keeps it and may set the block.

use wire::api::EventKind;
use wire::ErrorCode;

use crate::client_ip::ClientIp;
use crate::db;
use crate::error::ApiError;
use crate::guesses;
use crate::store;
use crate::AppState;

/// A PIN field being checked: 2101 absent, 2102 not `pin_length` digits.
pub fn parse_pin(value: Option<&str>, length: u8, parameter: &str) -> Result<String, ApiError> {
    let text = value.unwrap_or_default();
    wire::validate::pin_format(text, length).map_err(|p| ApiError::problem(p, parameter))?;
    Ok(text.to_string())
}

/// A PIN being chosen: also refuses weak PINs (2102).
pub fn parse_new_pin(value: Option<&str>, length: u8, parameter: &str) -> Result<String, ApiError> {
    let text = value.unwrap_or_default();
    wire::validate::pin(text, length).map_err(|p| ApiError::problem(p, parameter))?;
    Ok(text.to_string())
}

/// Marks a PIN hash made from the peppered PIN. A hash without it dates from before the
/// pepper: it still verifies (the PIN itself went into argon2) and is replaced by a
/// peppered one at its next right PIN.
const PEPPERED: &str = "pepper1:";

/// The stored form of a new PIN: argon2id, at the policy's cost, of the peppered PIN.
pub async fn hash(state: &AppState, pin: &str) -> Result<String, ApiError> {
    let phc = state.hasher.hash(state.pin_pepper.apply(pin)).await?;
    Ok(format!("{PEPPERED}{phc}"))
}

/// The outcome of [`verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    /// `stale`: the hash should be replaced by [`hash`] (made before the pepper, or at
    /// other argon2 parameters than the policy's).
    Right {
        stale: bool,
    },
}

/// Whether `pin` matches the stored PIN hash `stored`; counts nothing.
pub async fn verify(state: &AppState, pin: &str, stored: &str) -> Result<Verdict, ApiError> {
    let (input, phc, peppered) = match stored.strip_prefix(PEPPERED) {
        Some(phc) => (state.pin_pepper.apply(pin), phc, true),
        None => (pin.to_string(), stored, false),
    };
    if !state.hasher.verify(input, phc.to_string()).await? {
        return Ok(Verdict::Wrong);
    }
    Ok(Verdict::Right {
        stale: !peppered || !crate::crypto::hash_is_current(phc, state.policy().argon2),
    })
}

/// How long a taken try may wait for its answer (the hashing queue sheds far sooner):
/// past it, a try still taken is one whose answer never came, and stands as a wrong PIN.
pub const PIN_CHECK_SECONDS: i64 = 10;

/// Why no try was left to take: 2317 when the account is locked or its PIN changed
/// meanwhile; 2391 while every try left is being checked. Tries taken and never answered
/// (past [`PIN_CHECK_SECONDS`]) stand as wrong PINs: the account is locked now.
async fn refuse_without_a_try(
    state: &AppState,
    account_id: i64,
    pin_hash: &str,
    max: i64,
    device_label: &str,
) -> Result<ApiError, ApiError> {
    let now = state.now();
    // A plain read: the write lock is taken only to lock the account, whose update
    // checks again what this read saw.
    let row: Option<(i64, i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT pin_failures, pin_blocked, pin_hash, pin_checks_until FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_optional(&state.pool)
    .await?;
    let Some((failures, blocked, hash, checks_until)) = row else {
        return Ok(ErrorCode::NeedBasicAuthentication.into());
    };
    if blocked != 0 || hash.as_deref() != Some(pin_hash) {
        tracing::warn!(account_id, "PIN refused: blocked or changed meanwhile");
        return Ok(ErrorCode::AccountBlocked.into());
    }
    if failures >= max && checks_until <= now {
        let mut tx = db::begin_write(&state.pool, account_id).await?;
        let locked = sqlx::query(
            "UPDATE accounts SET pin_blocked = 1
             WHERE id = $1 AND pin_blocked = 0 AND pin_hash = $2 AND pin_failures >= $3
               AND pin_checks_until <= $4",
        )
        .bind(account_id)
        .bind(pin_hash)
        .bind(max)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if locked.rows_affected() == 0 {
            // Another request locked it first, and said so in the events.
            return Ok(ErrorCode::AccountBlocked.into());
        }
        store::record_event(
            &mut *tx,
            account_id,
            EventKind::Lockout,
            now,
            Some(device_label),
        )
        .await?;
        tx.commit().await?;
        tracing::warn!(
            account_id,
            failures,
            "PIN refused: tries taken and never answered stand; the account is now PIN-blocked"
        );
        return Ok(ErrorCode::AccountBlocked.into());
    }
    tracing::warn!(
        account_id,
        "PIN check refused: every try left is being checked"
    );
    Ok(ApiError::rate_limited((checks_until - now).max(1) as u64))
}

/// Gives back a try taken for a PIN that was never compared.
async fn give_back_try(state: &AppState, account_id: i64, pin_hash: &str) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE accounts SET pin_failures = pin_failures - 1
         WHERE id = $1 AND pin_blocked = 0 AND pin_hash = $2 AND pin_failures > 0",
    )
    .bind(account_id)
    .bind(pin_hash)
    .execute(&state.pool)
    .await?;
    Ok(())
}

/// Checks `pin` against the account's PIN. Right: the failure count is reset
/// and the hash it matched is returned. Wrong: 2308 with the tries left (0 on
/// the try that locks the account), 2317 once locked (or without a PIN).
///
/// Each check takes its try before argon2 sees the PIN: counted only after, parallel
/// guesses would all be compared to the hash while the count still stood at zero, so one
/// lockout would let through as many guesses as there are cores to check them. While
/// every try left is being checked, another check is told to wait a second (2391).
/// A wrong PIN also costs `client` a token of its address's bucket ([`guesses`]): past
/// them, 2391, the account's try given back.
pub async fn check(
    state: &AppState,
    account_id: i64,
    pin: &str,
    device_label: &str,
    client: ClientIp,
) -> Result<String, ApiError> {
    // On a task of its own, so that a client leaving mid-check does not stop it between
    // taking its try and settling it; its logs stay in the request's span.
    let (state, pin, device_label) = (state.clone(), pin.to_string(), device_label.to_string());
    let check =
        async move { check_to_the_end(&state, account_id, &pin, &device_label, client).await };
    tokio::spawn(tracing::Instrument::instrument(
        check,
        tracing::Span::current(),
    ))
    .await
    .map_err(|e| ApiError::internal(format!("PIN check task: {e}")))?
}

async fn check_to_the_end(
    state: &AppState,
    account_id: i64,
    pin: &str,
    device_label: &str,
    client: ClientIp,
) -> Result<String, ApiError> {
    let account = store::account(&state.pool, account_id).await?;
    if account.pin_blocked {
        tracing::warn!(account_id, "PIN refused: the account is PIN-blocked");
        return Err(ErrorCode::AccountBlocked.into());
    }
    let Some(pin_hash) = account.pin_hash else {
        tracing::info!(account_id, "PIN refused: the account has no PIN");
        return Err(ErrorCode::AccountBlocked.into());
    };
    let max = i64::from(state.policy().max_pin_failures);
    let now = state.now();
    let taken: Option<i64> = sqlx::query_scalar(
        "UPDATE accounts SET pin_failures = pin_failures + 1, pin_checks_until = $4
         WHERE id = $1 AND pin_blocked = 0 AND pin_hash = $2 AND pin_failures < $3
         RETURNING pin_failures",
    )
    .bind(account_id)
    .bind(&pin_hash)
    .bind(max)
    .bind(now + PIN_CHECK_SECONDS)
    .fetch_optional(&state.pool)
    .await?;
    if taken.is_none() {
        return Err(refuse_without_a_try(state, account_id, &pin_hash, max, device_label).await?);
    }
    // Then the address's: one address guessing on many accounts is stopped here.
    let token = match guesses::take(state, client, "PIN").await {
        Ok(token) => token,
        Err(refused) => {
            give_back_try(state, account_id, &pin_hash).await?;
            return Err(refused);
        }
    };
    let verdict = match verify(state, pin, &pin_hash).await {
        Ok(verdict) => verdict,
        Err(error) => {
            // Not checked (the hashing queue shed it, or it failed): the try is given back.
            token.give_back(state).await;
            give_back_try(state, account_id, &pin_hash).await?;
            return Err(error);
        }
    };
    if let Verdict::Right { stale } = verdict {
        token.give_back(state).await;
        // A hash from before the pepper, or at another argon2 cost than the policy's, is
        // replaced now that the PIN is known: the only moment it can be.
        // Its try must still be given back, so a failed rehash keeps the old hash.
        let current = match stale {
            true => hash(state, pin).await.unwrap_or_else(|error| {
                tracing::warn!(account_id, %error, "PIN hash not renewed");
                pin_hash.clone()
            }),
            false => pin_hash.clone(),
        };
        let reset = sqlx::query(
            "UPDATE accounts SET pin_failures = 0, pin_hash = $3
             WHERE id = $1 AND pin_blocked = 0 AND pin_hash = $2",
        )
        .bind(account_id)
        .bind(&pin_hash)
        .bind(&current)
        .execute(&state.pool)
        .await?;
        if reset.rows_affected() == 0 {
            return Err(ErrorCode::AccountBlocked.into());
        }
        return Ok(current);
    }
    let mut tx = db::begin_write(&state.pool, account_id).await?;
    // The try was taken above; a wrong PIN keeps it, and the try that reaches the
    // limit locks the account (tries still being checked count: they were taken).
    let counted: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE accounts
         SET pin_blocked = CASE WHEN pin_failures >= $2 THEN 1 ELSE 0 END
         WHERE id = $1 AND pin_blocked = 0 AND pin_hash = $3
         RETURNING pin_failures, pin_blocked",
    )
    .bind(account_id)
    .bind(max)
    .bind(&pin_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((failures, blocked)) = counted else {
        tx.commit().await?;
        tracing::warn!(account_id, "PIN refused: blocked meanwhile");
        return Err(ErrorCode::AccountBlocked.into());
    };
    let blocked = blocked != 0;
    if blocked {
        store::record_event(
            &mut *tx,
            account_id,
            EventKind::Lockout,
            state.now(),
            Some(device_label),
        )
        .await?;
    }
    tx.commit().await?;
    if blocked {
        tracing::warn!(
            account_id,
            failures,
            "wrong PIN: the account is now PIN-blocked"
        );
    } else {
        tracing::info!(account_id, failures, "wrong PIN");
    }
    Err(ApiError::wrong_pin((max - failures).max(0) as u32))
}
