//! `portal-server`: parse the configuration, open and migrate the database,
//! seed the demo accounts when asked, serve.

use std::sync::Arc;

use clap::Parser;
use portal_server::clock::SystemClock;
use portal_server::config::{Cli, Settings};
use portal_server::{app, db, seed, AppState};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .init();
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("portal-server: {error}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
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
    let pool = db::open(&cli.database_url).await?;
    let state = AppState::new(pool, settings, Arc::new(SystemClock)).await?;
    if state.settings.demo {
        seed::seed_demo(&state)
            .await
            .map_err(|e| format!("demo seed failed: {e}"))?;
    }
    let listener = tokio::net::TcpListener::bind(cli.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("portal-server listening on http://{address}");
    tracing::info!(%address, demo = state.settings.demo, "listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}

/// Ctrl-C, or SIGTERM (what process managers and test runners send).
async fn shutdown_signal() {
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
        () = ctrl_c => {},
        () = terminate => {},
    }
}
