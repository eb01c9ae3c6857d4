//! Token buckets kept in the database, so that every instance sharing it draws from the
//! same ones: sign-ins and wrong guesses (PINs, SMS codes) per client address, SMS per
//! destination number, SMS in all.
//!
//! A bucket holds up to `capacity` tokens and refills at `capacity` per `period`; each
//! attempt takes one. Refill and take are one statement (an upsert whose update only
//! happens while a token is there), so concurrent attempts, on one instance or several,
//! never take more than the bucket holds. Keys are MACs under the server key: the table
//! names no address or number.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyConnection;

use crate::error::ApiError;

/// One kind of bucket.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// The bucket's kind, also the MAC's domain.
    pub kind: &'static str,
    pub capacity: u32,
    /// The time to refill a whole bucket. At most [`LONGEST_PERIOD`].
    pub period_seconds: i64,
}

/// Every bucket is full again after this long: older rows are dropped (a missing row is a
/// full bucket).
pub const LONGEST_PERIOD: i64 = 60 * 60;

/// Sign-in attempts per client address: `per_minute` a minute, as a burst or spread.
pub fn sign_in_per_ip(per_minute: u32) -> Limit {
    Limit {
        kind: "sign-in-ip",
        capacity: per_minute,
        period_seconds: 60,
    }
}

/// Wrong PINs and SMS codes per client address, whatever the accounts: `per_hour` an
/// hour, as a burst or spread. Each guess takes a token before it is compared and a right
/// one gives it back ([`give_back`]), so only wrong guesses are counted.
pub fn wrong_guesses_per_ip(per_hour: u32) -> Limit {
    Limit {
        kind: "guess-ip",
        capacity: per_hour,
        period_seconds: 60 * 60,
    }
}

/// SMS codes per destination number, whatever the account.
pub fn sms_per_number(per_hour: u32) -> Limit {
    Limit {
        kind: "sms-number",
        capacity: per_hour,
        period_seconds: 60 * 60,
    }
}

/// SMS codes in all.
pub fn sms_total(per_minute: u32) -> Limit {
    Limit {
        kind: "sms-total",
        capacity: per_minute,
        period_seconds: 60,
    }
}

/// Takes counted since the last pruning, in this process.
static TAKES: AtomicU64 = AtomicU64::new(0);
const PRUNE_EVERY: u64 = 1000;

/// Takes a token from the bucket `key` (a MAC) of `limit`: 2391 with the seconds until the
/// next token when there is none. `conn`: the pool's or a transaction's connection (the
/// SMS limits are taken in the transaction that records the code, so a refusal later in
/// it gives the token back).
pub async fn take(
    conn: &mut AnyConnection,
    limit: Limit,
    key: &str,
    now: i64,
) -> Result<(), ApiError> {
    let capacity = f64::from(limit.capacity);
    let per_second = capacity / limit.period_seconds as f64;
    // The stored tokens plus what the time since refilled, at most a full bucket; time
    // never runs backwards here (a clock set back refills nothing). A token is there from
    // 0.999999: a bucket refilled to exactly one in decimal is a hair below in binary.
    let refilled = "CASE WHEN rate_buckets.tokens + \
         (CASE WHEN $3 > rate_buckets.updated_at THEN $3 - rate_buckets.updated_at ELSE 0 END) * $4 > $5 \
         THEN $5 \
         ELSE rate_buckets.tokens + \
         (CASE WHEN $3 > rate_buckets.updated_at THEN $3 - rate_buckets.updated_at ELSE 0 END) * $4 END";
    let statement = format!(
        "INSERT INTO rate_buckets (kind, bucket, tokens, updated_at) VALUES ($1, $2, $5 - 1, $3)
         ON CONFLICT (kind, bucket) DO UPDATE SET
             tokens = {refilled} - 1,
             updated_at = CASE WHEN $3 > rate_buckets.updated_at THEN $3 ELSE rate_buckets.updated_at END
         WHERE {refilled} >= 0.999999"
    );
    let taken = sqlx::query(&statement)
        .bind(limit.kind)
        .bind(key)
        .bind(now)
        .bind(per_second)
        .bind(capacity)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if TAKES.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
        sqlx::query("DELETE FROM rate_buckets WHERE updated_at < $1")
            .bind(now - 2 * LONGEST_PERIOD)
            .execute(&mut *conn)
            .await?;
    }
    if taken {
        return Ok(());
    }
    // Only the hint of when to come back: read after the refusal, not part of it.
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT CAST(tokens * 1000000 AS BIGINT), updated_at FROM rate_buckets
         WHERE kind = $1 AND bucket = $2",
    )
    .bind(limit.kind)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let wait = match row {
        Some((micro_tokens, updated_at)) => {
            let missing = 1.0 - micro_tokens as f64 / 1e6;
            let ready_at = updated_at as f64 + missing / per_second;
            // Less a hundredth of a second: the stored tokens are read to a millionth.
            (ready_at - now as f64 - 0.01).ceil().max(1.0) as u64
        }
        None => 1,
    };
    Err(ApiError::rate_limited(wait))
}

/// [`take`] from the bucket of `client` (its address, or its /64 for IPv6): the bucket's
/// key, to give the token back with, or the error (2391 when the bucket is empty).
pub async fn take_for_client(
    state: &crate::AppState,
    limit: Limit,
    client: crate::client_ip::ClientIp,
) -> Result<String, ApiError> {
    let key = state.key.mac(limit.kind, &[client.limit_key().as_bytes()]);
    let mut conn = state.pool.acquire().await?;
    take(&mut conn, limit, &key, state.now()).await?;
    Ok(key)
}

/// Returns the token that [`take`] took from the bucket `key` of `limit`, never past a full
/// bucket: for an attempt that turned out not to count (a right guess, or one never
/// compared).
pub async fn give_back(conn: &mut AnyConnection, limit: Limit, key: &str) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE rate_buckets SET tokens = CASE WHEN tokens + 1 > $3 THEN $3 ELSE tokens + 1 END
         WHERE kind = $1 AND bucket = $2",
    )
    .bind(limit.kind)
    .bind(key)
    .bind(f64::from(limit.capacity))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
