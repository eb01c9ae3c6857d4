//! The binary refuses to start with settings past the spec's limits or with a
//! `--frame-ancestors` entry that is no origin (exit 1, the setting named on
//! stderr), and starts with the flags the e2e and `cargo xtask serve` give it.

#[path = "support/process.rs"]
mod process;

use std::process::{Command, Stdio};
use std::time::Duration;

use process::*;

/// Runs `portal-server <args>` on a database in `dir`, without the caller's
/// `PORTAL_*` variables, and returns its exit code and stderr.
fn refused(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let mut command = Command::new(binary());
    command
        .arg("--bind")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}?mode=rwc",
            dir.join("portal.db").display()
        ))
        .args(args)
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PORTAL_") {
            command.env_remove(name);
        }
    }
    let output = command.output().expect("run portal-server");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_policy_below_the_spec_floors_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let cheap = policy_file(dir.path(), "[argon2]\nmemory_kib = 64\niterations = 1");
    let (code, stderr) = refused(dir.path(), &["--config", cheap.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "portal-server: policy setting argon2.memory_kib must be at least 19456 (19 MiB), \
             got 64"
        ),
        "{stderr}"
    );
    let (code, stderr) = refused(dir.path(), &["--max-pin-failures", "11"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("policy setting max_pin_failures must be between 1 and 10, got 11"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("portal.db").exists(),
        "refused before the database was opened"
    );
}

#[test]
fn a_frame_ancestor_that_is_no_origin_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = refused(
        dir.path(),
        &[
            "--frame-ancestors",
            "https://cars.example.com,https://cars.example.com/embed",
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "portal-server: --frame-ancestors (PORTAL_FRAME_ANCESTORS) entry \
             \"https://cars.example.com/embed\" refused"
        ),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_e2e_flags_still_start_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("http://127.0.0.1:{}", free_port());
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("portal.db").display()
    );
    let static_dir = dir.path().join("no-dist");
    let mut server = ServerProcess::start(
        free_port(),
        &[
            "--demo",
            "--database-url",
            &database_url,
            "--static-dir",
            static_dir.to_str().unwrap(),
            "--frame-ancestors",
            &host,
            "--cors-origins",
            &host,
        ],
        &dir.path().join("server.log"),
    );
    server.wait_ready(Duration::from_secs(60)).await;
    let csp = reqwest::get(format!("{}/api/v1/config", server.base_url()))
        .await
        .unwrap()
        .headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.ends_with(&format!("frame-ancestors 'self' {host}")),
        "{csp}"
    );
    server.terminate();
    assert!(server.wait_exit(Duration::from_secs(30)).success());
}
