//! `cargo xtask fuzz-api`: schemathesis against a fresh `portal-server --demo`.
//!
//! schemathesis (pinned) lives in a virtual environment under `target/xtask/`. The run reads
//! `/api/openapi.json`, signs in as `enrolled@demo.test` on its enrolled device, and sends the
//! session token and device id with every request; every check schemathesis has is on (its
//! default). One setting is ours: the positive-data check also takes 422 and 423 as answers to
//! valid requests, since the contract answers a well-formed request that the account's state
//! refuses (wrong PIN or code, PIN lockout) with 422/423, not with 4xx for malformed input.
//! Sign-out runs in a second pass, so that it cannot end the session of the first.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::http;
use crate::process::{format_duration, is_root, probe, run, step, timed};
use crate::server::{free_port, sqlite_url, Server, ServerOptions, TempDir};
use crate::tasks;
use crate::workspace::Workspace;

/// The schemathesis release this project is checked with.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Examples per operation in `cargo xtask test` (about a minute on two cores).
pub const CI_MAX_EXAMPLES: u32 = 60;

/// Examples per operation of a plain `cargo xtask fuzz-api`.
pub const DEFAULT_MAX_EXAMPLES: u32 = 300;

/// The demo account and its enrolled device (see the server's demo seed).
const ACCOUNT: &str = "enrolled@demo.test";
const PASSWORD: &str = "demo-password";
const DEVICE: &str = "0e5a1c2d-7b3f-4c8e-9a6d-1f2e3d4c5b6a";

/// The environment variable the token reaches schemathesis by (never a command line).
const TOKEN_VARIABLE: &str = "PORTAL_FUZZ_TOKEN";

/// The one operation run apart (it ends the session the others use).
const SIGN_OUT: &str = "sign_out";

fn config(device: &str) -> String {
    format!(
        r#"# Written by `cargo xtask fuzz-api`. Every check is on (schemathesis' default).
headers = {{ Authorization = "Bearer ${{{TOKEN_VARIABLE}}}", X-Device-Id = "{device}" }}

[checks.positive_data_acceptance]
# A valid request the account's state refuses: 422 (wrong PIN, wrong or spent SMS code, same
# PIN) and 423 (PIN lockout) are the contract's answers, not a rejection of the data.
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "423", "429", "5xx"]
"#
    )
}

/// `cargo xtask fuzz-api [--max-examples N]`.
pub fn fuzz_api(workspace: &Workspace, max_examples: u32) -> Result<(), String> {
    let schemathesis = ensure_schemathesis(workspace)?;
    let binary = tasks::build_server(workspace)?;
    let database = TempDir::new("portal-fuzz")?;
    let port = free_port()?;
    let work = workspace.target_dir().join("xtask").join("fuzz");
    fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let log = work.join("server.log");
    let options = ServerOptions {
        bind: format!("127.0.0.1:{port}"),
        database_url: sqlite_url(database.path()),
        static_dir: database.path().join("no-dist"),
        demo: true,
        log: Some(log.clone()),
        hermetic: true,
    };
    step(format!(
        "starting portal-server --demo on 127.0.0.1:{port} (log: {})",
        log.display()
    ));
    let mut server = Server::start(&binary, &workspace.root, &options)?;
    server.wait_ready(Duration::from_secs(90))?;
    let bind = options.bind.clone();
    let sign_in = http::request(
        &bind,
        "POST",
        "/api/v1/session",
        None,
        Some(DEVICE),
        Some(&format!(
            r#"{{"email":"{ACCOUNT}","password":"{PASSWORD}"}}"#
        )),
    )
    .map_err(|e| format!("signing in for the fuzz run: {e}"))?;
    let token = http::json_string(&sign_in.body, "token")
        .ok_or_else(|| format!("sign-in answered {}", sign_in.status))?;
    let config_file = work.join("schemathesis.toml");
    fs::write(&config_file, config(DEVICE))
        .map_err(|e| format!("{}: {e}", config_file.display()))?;

    let schema = format!("{}/api/openapi.json", server.base_url());
    let passes: [(&str, &[&str]); 2] = [
        (
            "every operation but sign-out",
            &["--exclude-operation-id", SIGN_OUT],
        ),
        ("sign-out", &["--include-operation-id", SIGN_OUT]),
    ];
    let mut failed = Vec::new();
    for (what, filter) in passes {
        step(format!(
            "schemathesis {SCHEMATHESIS_VERSION}: {what}, {max_examples} examples per operation"
        ));
        let mut command = Command::new(&schemathesis);
        command
            .current_dir(&work)
            .arg("--config-file")
            .arg(&config_file)
            .args(["run", &schema, "--max-examples"])
            .arg(max_examples.to_string())
            .args(filter)
            .env(TOKEN_VARIABLE, &token)
            .env("NO_COLOR", "1");
        let (result, took) = timed(|| run(&mut command));
        step(format!("schemathesis {what}: {}", format_duration(took)));
        if let Err(error) = result {
            failed.push(format!("{what}: {error}"));
        }
    }
    drop(server);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "schemathesis found failures ({}); server log: {}",
            failed.join("; "),
            log.display()
        ))
    }
}

/// The `schemathesis` executable of the virtual environment, created and filled when missing
/// or at another version.
fn ensure_schemathesis(workspace: &Workspace) -> Result<PathBuf, String> {
    let venv = workspace
        .target_dir()
        .join("xtask")
        .join("schemathesis-venv");
    let executable = venv.join("bin").join("schemathesis");
    let installed = probe(&executable, &["--version"]).unwrap_or_default();
    if installed.ends_with(SCHEMATHESIS_VERSION) {
        return Ok(executable);
    }
    step(format!(
        "installing schemathesis {SCHEMATHESIS_VERSION} from PyPI into {}",
        venv.display()
    ));
    create_venv(&venv)?;
    run(Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")))?;
    Ok(executable)
}

/// `python3 -m venv`; on Debian that needs `python3-venv`, installed when root.
fn create_venv(venv: &Path) -> Result<(), String> {
    let create = || run(Command::new("python3").arg("-m").arg("venv").arg(venv));
    if create().is_ok() {
        return Ok(());
    }
    if !is_root() {
        return Err(
            "python3 -m venv failed: install python3 and python3-venv (Debian) and retry".into(),
        );
    }
    step("installing python3-venv (apt-get)");
    let _ = fs::remove_dir_all(venv);
    let install = || {
        run(Command::new("apt-get")
            .args([
                "install",
                "-y",
                "--no-install-recommends",
                "python3",
                "python3-venv",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    if install().is_err() {
        run(Command::new("apt-get").arg("update"))?;
        install()?;
    }
    create()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_carries_the_device_and_a_token_placeholder_only() {
        let text = config(DEVICE);
        assert!(text.contains("Bearer ${PORTAL_FUZZ_TOKEN}"));
        assert!(text.contains(DEVICE));
        assert!(text.contains("\"422\", \"423\""));
    }
}
