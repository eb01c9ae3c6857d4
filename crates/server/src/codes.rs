//! SMS codes: issued under the rate limits, stored as an HMAC bound to
//! (account, purpose, phone number), checked with a try reserved atomically
//! before the comparison, consumed once. Wrong codes are also counted across codes: each
//! code's 5 tries would otherwise renew with every new code (10 an hour, 50 guesses an
//! hour, forever); the 20th in a row stops SMS verification for a day.

use wire::api::{SmsCodeSent, SmsPurpose};
use wire::ErrorCode;

use crate::client_ip::ClientIp;
use crate::db::{self, Tx};
use crate::error::ApiError;
use crate::guesses;
use crate::sms::{self, SmsMessage};
use crate::store::Account;
use crate::AppState;
use crate::{crypto, rate};

/// Wrong codes in a row, across codes, after which SMS verification stops.
pub const MAX_CONSECUTIVE_WRONG_CODES: i64 = 20;
/// How long it stops.
pub const WRONG_CODES_BLOCK_SECONDS: i64 = 24 * 60 * 60;

/// 2317 with the seconds left while the account's SMS verification is blocked after too
/// many wrong codes: no code is sent or checked meanwhile.
async fn refuse_while_blocked(state: &AppState, account_id: i64) -> Result<(), ApiError> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT sms_blocked_until FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&state.pool)
            .await?;
    let now = state.now();
    match until {
        Some(until) if until > now => {
            tracing::info!(
                account_id,
                "SMS refused: verification paused after wrong codes"
            );
            Err(ApiError::paused(
                wire::Pause::WrongSmsCodes,
                (until - now) as u64,
            ))
        }
        _ => Ok(()),
    }
}

/// One more wrong code in a row; the 20th blocks SMS verification for a day and starts
/// the count again. One statement counts and blocks, so parallel guesses are all counted
/// and exactly one of them blocks.
async fn count_wrong_code(state: &AppState, account_id: i64) -> Result<(), ApiError> {
    let blocked_until: i64 = sqlx::query_scalar(
        "UPDATE accounts SET
             sms_blocked_until = CASE WHEN sms_failures + 1 >= $1 THEN $2 ELSE sms_blocked_until END,
             sms_failures = CASE WHEN sms_failures + 1 >= $1 THEN 0 ELSE sms_failures + 1 END
         WHERE id = $3 RETURNING sms_blocked_until",
    )
    .bind(MAX_CONSECUTIVE_WRONG_CODES)
    .bind(state.now() + WRONG_CODES_BLOCK_SECONDS)
    .bind(account_id)
    .fetch_one(&state.pool)
    .await?;
    if blocked_until > state.now() {
        tracing::warn!(
            account_id,
            "SMS verification blocked for a day: too many wrong codes"
        );
    }
    Ok(())
}

fn code_mac(
    state: &AppState,
    account_id: i64,
    purpose: SmsPurpose,
    phone: &str,
    code: &str,
) -> String {
    state.key.mac(
        "sms-code",
        &[
            account_id.to_string().as_bytes(),
            purpose.as_str().as_bytes(),
            phone.as_bytes(),
            code.as_bytes(),
        ],
    )
}

/// Sends a new code for `purpose` to `phone`. Refused with 2391 inside the
/// resend cooldown of the purpose, past the hourly limit of the account (counted in the
/// account's write transaction, which serialises its requests on every instance), of the
/// number (across accounts) or the server's per-minute ceiling.
/// When the gateway fails: 2204, and the account is as before (the new code is
/// dropped, older ones stay valid).
pub async fn issue(
    state: &AppState,
    account: &Account,
    purpose: SmsPurpose,
    phone: &str,
) -> Result<SmsCodeSent, ApiError> {
    refuse_while_blocked(state, account.id).await?;
    let policy = state.policy();
    let now = state.now();
    let code = crypto::random_digits(wire::validate::SMS_CODE_LENGTH);
    let mac = code_mac(state, account.id, purpose, phone, &code);

    let mut tx = db::begin_write(&state.pool, account.id).await?;
    sqlx::query("DELETE FROM sms_codes WHERE account_id = $1 AND created_at < $2")
        .bind(account.id)
        .bind(now - 86_400)
        .execute(&mut *tx)
        .await?;
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(created_at) FROM sms_codes WHERE account_id = $1 AND purpose = $2",
    )
    .bind(account.id)
    .bind(purpose.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if let Some(last) = last {
        let ready_at = last + policy.sms_resend_cooldown_seconds;
        if now < ready_at {
            return Err(ApiError::rate_limited((ready_at - now) as u64));
        }
    }
    let (sent_last_hour, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM sms_codes WHERE account_id = $1 AND created_at > $2",
    )
    .bind(account.id)
    .bind(now - 3600)
    .fetch_one(&mut *tx)
    .await?;
    if sent_last_hour >= i64::from(policy.sms_per_account_per_hour) {
        let ready_at = oldest.unwrap_or(now) + 3600;
        return Err(ApiError::rate_limited((ready_at - now).max(1) as u64));
    }
    // SMS pumping: whatever the accounts, one number gets few codes, and the server sends
    // few in all. Taken in this transaction, so a refusal gives back what it took.
    let per_number = rate::sms_per_number(policy.sms_per_number_per_hour);
    let number_key = state.key.mac(per_number.kind, &[phone.as_bytes()]);
    if let Err(refused) = rate::take(&mut tx, per_number, &number_key, now).await {
        tracing::warn!(
            account_id = account.id,
            "SMS refused: too many to this number"
        );
        return Err(refused);
    }
    let total = rate::sms_total(policy.sms_per_minute);
    if let Err(refused) = rate::take(&mut tx, total, "all", now).await {
        tracing::warn!(
            account_id = account.id,
            "SMS refused: the server's per-minute ceiling"
        );
        return Err(refused);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sms_codes (account_id, purpose, phone, code_mac, created_at, expires_at, attempts_left, used, sent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0) RETURNING id",
    )
    .bind(account.id)
    .bind(purpose.as_str())
    .bind(phone)
    .bind(&mac)
    .bind(now)
    .bind(now + policy.sms_code_ttl_seconds)
    .bind(i64::from(policy.sms_code_attempts))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;

    let message = SmsMessage {
        account_id: account.id,
        to: phone.to_string(),
        text: sms::message_text(&account.locale, purpose, &code, policy.sms_code_ttl_seconds),
        purpose,
        at: now,
    };
    if let Err(cause) = state.sms.send(&message).await {
        sqlx::query("DELETE FROM sms_codes WHERE id = $1")
            .bind(id)
            .execute(&state.pool)
            .await?;
        return Err(ApiError::server(cause));
    }

    // The newest code of a purpose supersedes the older ones.
    let mut tx = db::begin_write(&state.pool, account.id).await?;
    sqlx::query(
        "UPDATE sms_codes SET used = 1 WHERE account_id = $1 AND purpose = $2 AND id < $3 AND used = 0",
    )
    .bind(account.id)
    .bind(purpose.as_str())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE sms_codes SET sent = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(
        account_id = account.id,
        purpose = purpose.as_str(),
        "SMS code sent"
    );

    Ok(SmsCodeSent {
        expires_in_seconds: policy.sms_code_ttl_seconds as u64,
        resend_after_seconds: policy.sms_resend_cooldown_seconds as u64,
        masked_phone_number: wire::validate::mask_phone_number(phone),
    })
}

/// The `smsCode` field, checked for shape: 2101 absent, 2102 malformed.
pub fn parse_code(value: Option<&str>) -> Result<String, ApiError> {
    wire::validate::sms_code(value.unwrap_or_default()).map_err(|p| ApiError::problem(p, "smsCode"))
}

/// A code that matched; [`consume`] it in the transaction that acts on it.
#[derive(Debug)]
pub struct CheckedCode {
    id: i64,
}

/// Checks `code` against the newest code of `purpose` sent to `phone`: each
/// call spends one try first, in one statement, so concurrent guesses cannot
/// get more tries than the policy gives. 2305 wrong (or none, or used), 2306
/// expired or out of tries. A wrong code also costs `client` a token of its address's
/// bucket ([`guesses`]): past them, 2391, the code's try given back.
pub async fn check(
    state: &AppState,
    account_id: i64,
    purpose: SmsPurpose,
    phone: &str,
    code: &str,
    client: ClientIp,
) -> Result<CheckedCode, ApiError> {
    refuse_while_blocked(state, account_id).await?;
    let now = state.now();
    let reserved: Option<(i64, String)> = sqlx::query_as(
        "UPDATE sms_codes SET attempts_left = attempts_left - 1
         WHERE id = (SELECT id FROM sms_codes WHERE account_id = $1 AND purpose = $2 AND sent = 1
                     ORDER BY id DESC LIMIT 1)
           AND used = 0 AND attempts_left > 0 AND expires_at > $3
         RETURNING id, code_mac",
    )
    .bind(account_id)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&state.pool)
    .await?;
    let Some((id, stored)) = reserved else {
        let newest: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT used, attempts_left, expires_at FROM sms_codes
             WHERE account_id = $1 AND purpose = $2 AND sent = 1 ORDER BY id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(purpose.as_str())
        .fetch_optional(&state.pool)
        .await?;
        return Err(match newest {
            Some((0, attempts_left, expires_at)) if attempts_left <= 0 || expires_at <= now => {
                ErrorCode::ExpiredSmsCode.into()
            }
            _ => ErrorCode::InvalidSmsCode.into(),
        });
    };
    let token = match guesses::take(state, client, "SMS code").await {
        Ok(token) => token,
        Err(refused) => {
            sqlx::query("UPDATE sms_codes SET attempts_left = attempts_left + 1 WHERE id = $1")
                .bind(id)
                .execute(&state.pool)
                .await?;
            return Err(refused);
        }
    };
    let given = code_mac(state, account_id, purpose, phone, code);
    if crypto::same_mac(&given, &stored) {
        token.give_back(state).await;
        sqlx::query("UPDATE accounts SET sms_failures = 0 WHERE id = $1 AND sms_failures > 0")
            .bind(account_id)
            .execute(&state.pool)
            .await?;
        Ok(CheckedCode { id })
    } else {
        tracing::info!(account_id, purpose = purpose.as_str(), "wrong SMS code");
        count_wrong_code(state, account_id).await?;
        Err(ErrorCode::InvalidSmsCode.into())
    }
}

/// Marks a checked code used; 2305 when another request used it first.
pub async fn consume(tx: &mut Tx, code: CheckedCode) -> Result<(), ApiError> {
    let done = sqlx::query("UPDATE sms_codes SET used = 1 WHERE id = $1 AND used = 0")
        .bind(code.id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ErrorCode::InvalidSmsCode.into())
    }
}
