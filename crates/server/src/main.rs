//! `portal-server`: parse the configuration, open and migrate the database, load
//! the secrets (key file or environment), seed the demo accounts when asked (or
//! delete them when not), serve; on SIGTERM or Ctrl-C stop
//! accepting, let the requests in flight finish, close the database.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use portal_server::clock::SystemClock;
use portal_server::config::{Cli, Command, Settings};
use portal_server::secrets::{self, KeySource};
use portal_server::{app, db, seed, AppState};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    return_large_allocations_to_the_system();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .init();
    if let Err(error) = match Cli::parse_checked() {
        Ok(cli) => run(cli).await,
        Err(error) => Err(error),
    } {
        eprintln!("portal-server: {error}");
        std::process::exit(1);
    }
}

/// The secrets of the key file or the environment, checked against the database.
async fn load_secrets(cli: &Cli, pool: &db::Pool) -> Result<secrets::Secrets, String> {
    let source = KeySource::new(cli.key_file(), &|name| std::env::var(name).ok());
    secrets::load(&source, pool).await
}

async fn run(cli: Cli) -> Result<(), String> {
    let database_url = cli.database_url()?;
    if let Some(Command::Unlock { email }) = &cli.command {
        let pool = db::open(&database_url).await?;
        let key = load_secrets(&cli, &pool).await?.server_key;
        let lifted = portal_server::sign_in_limit::unlock(&pool, &key, email).await?;
        db::close(&pool).await?;
        println!(
            "{}",
            if lifted {
                "unlocked: the email may sign in again"
            } else {
                "nothing to unlock: that email had no wrong passwords counted"
            }
        );
        return Ok(());
    }
    let mut settings = Settings::from_cli(&cli)?;
    if !cli.static_dir.is_dir() {
        tracing::warn!(
            static_dir = %cli.static_dir.display(),
            "static directory not found: serving the API only (build the portal with trunk)"
        );
        settings.static_dir = None;
    }
    if !settings.demo && settings.sms == portal_server::config::SmsSettings::None {
        tracing::warn!("no SMS gateway: SMS requests will fail (use --demo or --sms-webhook-url)");
    }
    let pool = db::open(&database_url).await?;
    settings.secrets = Some(load_secrets(&cli, &pool).await?);
    let state = AppState::new(pool, settings, Arc::new(SystemClock)).await?;
    seed::prepare(&state).await.map_err(|e| {
        if state.settings.demo {
            format!("demo seed failed: {e}")
        } else {
            format!("deleting the demo accounts failed: {e}")
        }
    })?;
    let listener = tokio::net::TcpListener::bind(cli.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("portal-server listening on http://{address}");
    tracing::info!(%address, demo = state.settings.demo, "listening");
    let pool = state.pool.clone();
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let signal = async move {
        let name = shutdown_signal().await;
        tracing::info!(
            signal = name,
            "shutting down: no new connections, finishing the requests in flight"
        );
        let _ = stopping_tx.send(true);
    };
    // The peer's address: the client, or the proxy that names it (see `client_ip`).
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service)
        .with_graceful_shutdown(signal)
        .into_future();
    let drained = tokio::select! {
        result = server => {
            result.map_err(|e| format!("server error: {e}"))?;
            true
        }
        () = grace_period_over(stopping) => false,
    };
    if !drained {
        tracing::warn!(
            grace_seconds = SHUTDOWN_GRACE.as_secs(),
            "requests still in flight after the grace period: stopping anyway"
        );
    }
    // Waits for the connections to come back, then closes them.
    match tokio::time::timeout(Duration::from_secs(10), db::close(&pool)).await {
        Ok(Ok(())) => tracing::info!("database closed"),
        Ok(Err(error)) => tracing::warn!(%error, "database closed without a checkpoint"),
        Err(_) => tracing::warn!("database connections still busy: exiting without closing them"),
    }
    Ok(())
}

/// Each argon2 hash allocates its whole cost (19 MiB by default) and frees it.
/// glibc's malloc raises its mmap threshold after the first such free and then
/// keeps later ones in per-thread arenas: resident memory climbs to about
/// (threads that ever hashed) × cost and stays there. A fixed threshold keeps
/// them mmapped, so every hash gives its memory back when it ends.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_allocations_to_the_system() {
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    // SAFETY: mallopt only sets a tunable of the allocator; called first thing in main.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_allocations_to_the_system() {}

/// How long in-flight requests may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

/// Completes `SHUTDOWN_GRACE` after the shutdown began (never, if it does not).
async fn grace_period_over(mut stopping: tokio::sync::watch::Receiver<bool>) {
    if stopping.wait_for(|stopping| *stopping).await.is_err() {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(SHUTDOWN_GRACE).await;
}

/// Ctrl-C, or SIGTERM (what process managers and test runners send): the
/// name of the one that came.
async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "SIGINT",
        () = terminate => "SIGTERM",
    }
}
