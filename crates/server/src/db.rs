//! The database: opening (SQLite, WAL), migrations, write transactions and the
//! server key.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::crypto::{self, ServerKey};

pub type Db = Sqlite;
pub type Pool = SqlitePool;
pub type Tx = Transaction<'static, Db>;

/// Opens (creating the file and its directory when missing) and migrates.
pub async fn open(url: &str) -> Result<Pool, String> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| format!("invalid database URL: {e}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: every commit syncs the write-ahead log before the answer goes
        // out, so an acknowledged write survives a power cut, not only a crash
        // of the process (NORMAL in WAL mode may lose the last commits then).
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let path = options.get_filename();
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && path.as_os_str() != ":memory:" {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Closes the pool once the requests are done: the write-ahead log is first
/// checkpointed into the database file and truncated, so that a stopped
/// server leaves one self-contained file (SQLite only checkpoints on close
/// when it can tell it is the last connection, which concurrent closes hide).
pub async fn close(pool: &Pool) -> Result<(), String> {
    let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(|e| format!("checkpoint: {e}"));
    pool.close().await;
    checkpoint
}

/// Applies the embedded migrations.
pub async fn migrate(pool: &Pool) -> Result<(), String> {
    sqlx::migrate!()
        .run(pool)
        .await
        .map_err(|e| format!("migrations failed: {e}"))
}

/// A transaction that holds the write lock from its first statement, so that
/// read-then-write sequences inside it cannot interleave with another writer.
/// (`BEGIN IMMEDIATE` on SQLite; on PostgreSQL this becomes `BEGIN` plus
/// `SELECT ... FOR UPDATE` of the account row.)
pub async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// The server's MAC key, generated on first start and kept in the database.
pub async fn server_key(pool: &Pool) -> Result<ServerKey, String> {
    let fresh = crypto::hex(&crypto::random_key());
    sqlx::query(
        "INSERT INTO server_keys (name, key_hex) VALUES ('mac', $1) ON CONFLICT (name) DO NOTHING",
    )
    .bind(&fresh)
    .execute(pool)
    .await
    .map_err(|e| format!("cannot store the server key: {e}"))?;
    let stored: String = sqlx::query_scalar("SELECT key_hex FROM server_keys WHERE name = 'mac'")
        .fetch_one(pool)
        .await
        .map_err(|e| format!("cannot read the server key: {e}"))?;
    let bytes: [u8; 32] = crypto::unhex(&stored)
        .and_then(|b| b.try_into().ok())
        .ok_or("the stored server key is malformed")?;
    Ok(ServerKey::new(bytes))
}
