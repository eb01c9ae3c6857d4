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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_file_is_made_private_and_a_readable_one_stops_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("portal.db").display()
    );
    let static_dir = dir.path().join("no-dist");
    let mut server = ServerProcess::start(
        free_port(),
        &[
            "--database-url",
            &database_url,
            "--static-dir",
            static_dir.to_str().unwrap(),
        ],
        &dir.path().join("server.log"),
    );
    server.wait_ready(Duration::from_secs(60)).await;
    server.terminate();
    assert!(server.wait_exit(Duration::from_secs(30)).success());
    let key_file = dir.path().join("portal.key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "created next to the database, private");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, stderr) = refused(dir.path(), &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the key file {} has mode 644: group or others may read it",
            key_file.display()
        )) && stderr.contains("chmod 600"),
        "{stderr}"
    );
}

#[test]
fn secrets_on_the_command_line_and_an_exposed_demo_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(binary())
        .args([
            "--database-url",
            "postgres://portal:hunter2@127.0.0.1:1/portal",
        ])
        .env_remove("PORTAL_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--database-url holds a password"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");

    let (code, stderr) = refused(dir.path(), &["--sms-webhook-secret", "s3cret"]);
    assert_eq!(code, Some(2), "no such flag: {stderr}");

    let secret = dir.path().join("webhook-secret");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let (code, stderr) = refused(
        dir.path(),
        &[
            "--sms-webhook-url",
            "http://sms.example.com/send",
            "--sms-webhook-secret-file",
            secret.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("--sms-webhook-url (PORTAL_SMS_WEBHOOK_URL) must be https://"),
        "{stderr}"
    );

    let output = Command::new(binary())
        .args(["--demo", "--bind", "0.0.0.0:0", "--database-url"])
        .arg(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("portal.db").display()
        ))
        .env_remove("PORTAL_DEMO_FORCE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--demo refused: this server listens on 0.0.0.0:0"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("portal.db").exists(),
        "refused before the database"
    );
}
