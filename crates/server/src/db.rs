//! The database: SQLite (one instance, the default) or PostgreSQL (several
//! instances sharing one database), both through sqlx's `Any` driver so that
//! one set of queries serves both. Opening, migrations (one folder per
//! backend, the same schema), write transactions, closing.
//!
//! The queries stay in the SQL both understand: `$1` parameters, BIGINT
//! numbers read as `i64`, 0/1 integer flags (never SQL booleans), `ON
//! CONFLICT`, `RETURNING`.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, Executor, Transaction};

pub type Db = Any;
pub type Pool = AnyPool;
pub type Tx = Transaction<'static, Db>;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Connections per server process.
const MAX_CONNECTIONS: u32 = 8;

/// Which database a URL or a pool is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// From the URL's scheme. The URL itself is never echoed: it may hold a password.
    pub fn of_url(url: &str) -> Result<Backend, String> {
        match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => Err("unsupported database URL: use sqlite://... or postgres://...".into()),
        }
    }

    pub fn of(pool: &Pool) -> Backend {
        match pool.connect_options().database_url.scheme() {
            "sqlite" => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Opens and migrates. SQLite: the file (and its directory) is created when
/// missing, in WAL mode with `synchronous=FULL`. PostgreSQL: the database
/// must exist; concurrent starts of several instances migrate once (sqlx
/// holds an advisory lock while migrating).
pub async fn open(url: &str) -> Result<Pool, String> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let url = match backend {
        Backend::Sqlite => prepare_sqlite(url)?,
        Backend::Postgres => url.to_string(),
    };
    let options =
        AnyConnectOptions::from_str(&url).map_err(|e| format!("invalid database URL: {e}"))?;
    let pool = AnyPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |connection, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // Per connection: the lock wait, durability and foreign keys.
                    // `journal_mode` is kept in the file; setting it again is free.
                    for pragma in [
                        "PRAGMA busy_timeout = 10000",
                        "PRAGMA journal_mode = WAL",
                        // FULL: each commit syncs the write-ahead log before the
                        // answer goes out, so an acknowledged write survives a
                        // power cut too (NORMAL may lose the last commits then).
                        "PRAGMA synchronous = FULL",
                        "PRAGMA foreign_keys = ON",
                        // Reads through a memory map of the file rather than a read() per
                        // page into each connection's 2 MB cache: with a million accounts
                        // the pages one request touches are rarely in that cache
                        // (`cargo xtask bench scale`). Address space only, not memory.
                        "PRAGMA mmap_size = 1073741824",
                    ] {
                        connection.execute(pragma).await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| format!("cannot open the {} database: {e}", backend.name()))?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Creates the SQLite file's directory; a URL without `mode=` gets `mode=rwc`
/// (create the file when missing).
fn prepare_sqlite(url: &str) -> Result<String, String> {
    let options =
        SqliteConnectOptions::from_str(url).map_err(|e| format!("invalid database URL: {e}"))?;
    let path = options.get_filename();
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && path.as_os_str() != ":memory:" {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
    }
    let has_mode = url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("mode=")));
    Ok(match (has_mode, url.contains('?')) {
        (true, _) => url.to_string(),
        (false, true) => format!("{url}&mode=rwc"),
        (false, false) => format!("{url}?mode=rwc"),
    })
}

/// Applies the embedded migrations of the pool's backend.
pub async fn migrate(pool: &Pool) -> Result<(), String> {
    let migrator = match Backend::of(pool) {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator
        .run(pool)
        .await
        .map_err(|e| format!("migrations failed: {e}"))
}

/// A write transaction on one account's state: read-then-write sequences
/// inside it cannot interleave with another writer of that account, in this
/// process or another. SQLite: `BEGIN IMMEDIATE` (the database's write lock
/// from the first statement). PostgreSQL: `BEGIN` and a row lock on the
/// account (`FOR NO KEY UPDATE`, which leaves inserts referencing the account
/// free), held until commit or rollback, by every instance alike.
pub async fn begin_write(pool: &Pool, account_id: i64) -> Result<Tx, sqlx::Error> {
    match Backend::of(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

/// A write transaction not tied to an existing account (the demo seed).
pub async fn begin(pool: &Pool) -> Result<Tx, sqlx::Error> {
    match Backend::of(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// Closes the pool once the requests are done. SQLite: the write-ahead log
/// is first checkpointed into the database file and truncated, so a stopped
/// server leaves one self-contained file (SQLite only does it on close when
/// it can tell it is the last connection, which concurrent closes hide).
pub async fn close(pool: &Pool) -> Result<(), String> {
    let checkpoint = match Backend::of(pool) {
        Backend::Sqlite => sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(|e| format!("checkpoint: {e}")),
        Backend::Postgres => Ok(()),
    };
    pool.close().await;
    checkpoint
}

/// Where the key file (see `secrets`) goes unless configured: next to the SQLite
/// database file, else `data/portal.key`.
pub fn default_key_file(url: &str) -> PathBuf {
    if Backend::of_url(url) == Ok(Backend::Sqlite) {
        if let Ok(options) = SqliteConnectOptions::from_str(url) {
            let path = options.get_filename();
            if path.as_os_str() != ":memory:" {
                if let Some(parent) = path.parent() {
                    return parent.join("portal.key");
                }
            }
        }
    }
    PathBuf::from("data/portal.key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_told_by_the_scheme_without_echoing_the_url() {
        assert_eq!(
            Backend::of_url("sqlite://data/portal.db?mode=rwc"),
            Ok(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of_url("postgres://u:secret@127.0.0.1/portal"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            Backend::of_url("postgresql://127.0.0.1/portal"),
            Ok(Backend::Postgres)
        );
        let error = Backend::of_url("mysql://u:secret@host/db").unwrap_err();
        assert!(!error.contains("secret"));
    }

    #[test]
    fn sqlite_urls_create_the_file_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/portal.db");
        let url = format!("sqlite://{}", file.display());
        assert_eq!(prepare_sqlite(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.path().join("a/b").is_dir());
        let read_only = format!("{url}?mode=ro");
        assert_eq!(prepare_sqlite(&read_only).unwrap(), read_only);
        assert_eq!(
            default_key_file(&read_only),
            dir.path().join("a/b/portal.key")
        );
        assert_eq!(
            default_key_file("sqlite://data/portal.db?mode=rwc"),
            PathBuf::from("data/portal.key")
        );
        assert_eq!(
            default_key_file("postgres://u@127.0.0.1/portal"),
            PathBuf::from("data/portal.key")
        );
    }
}
