//! `cargo xtask fuzz-api`: schemathesis against a fresh `portal-server --demo`.
//!
//! schemathesis (pinned, with `cryptography` for ECDSA) lives in a virtual environment under
//! `target/xtask/`. The run reads `/api/openapi.json`; its hooks (`fuzz_hooks.py`) make a P-256
//! key, sign in as `enrolled@demo.test` with it and enroll it as a device (SMS code from the
//! demo outbox, PIN), then send the session token and a fresh DPoP proof with every request
//! (but a case whose headers are invalid on purpose keeps its own `DPoP`); every check
//! schemathesis has is on (its default). One setting is ours: the positive-data check also takes 422 and 423 as answers to
//! valid requests, since the contract answers a well-formed request that the account's state
//! refuses (wrong PIN or code, PIN lockout) with 422/423, not with 4xx for malformed input.
//! Sign-out runs in a second pass, so that it cannot end the session of the first.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

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

/// The `cryptography` release the hooks sign proofs with.
pub const CRYPTOGRAPHY_VERSION: &str = "50.0.2";

/// The demo account with a PIN and a phone, on which the hooks enroll their key (see the
/// server's demo seed).
const ACCOUNT: &str = "enrolled@demo.test";
const PASSWORD: &str = "demo-password";
const PHONE: &str = "+12015550124";
const PIN: &str = "246801";

/// The hooks: a DPoP-signing, enrolling client inside schemathesis.
const HOOKS: &str = include_str!("fuzz_hooks.py");

/// The one operation run apart (it ends the session the others use).
const SIGN_OUT: &str = "sign_out";

/// No credentials in it: the hooks sign in and authenticate each request themselves.
fn config() -> &'static str {
    r#"# Written by `cargo xtask fuzz-api`. Every check is on (schemathesis' default).
# Authorization and DPoP come from the hooks (fuzz_hooks.py, SCHEMATHESIS_HOOKS).

[checks.positive_data_acceptance]
# A valid request the account's state refuses: 422 (wrong PIN, wrong or spent SMS code, same
# PIN) and 423 (PIN lockout) are the contract's answers, not a rejection of the data.
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "423", "429", "5xx"]
"#
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
        relaxed_limits: true,
    };
    step(format!(
        "starting portal-server --demo on 127.0.0.1:{port} (log: {})",
        log.display()
    ));
    let mut server = Server::start(&binary, &workspace.root, &options)?;
    server.wait_ready(Duration::from_secs(90))?;
    let config_file = work.join("schemathesis.toml");
    fs::write(&config_file, config()).map_err(|e| format!("{}: {e}", config_file.display()))?;
    let hooks_file = work.join("fuzz_hooks.py");
    fs::write(&hooks_file, HOOKS).map_err(|e| format!("{}: {e}", hooks_file.display()))?;

    let schema = format!("{}/api/openapi.json", server.base_url());
    // (what, filter, whether the hooks enroll their key: the sign-out pass needs a session
    // only, and the first pass may have changed the PIN).
    let passes: [(&str, &[&str], &str); 2] = [
        (
            "every operation but sign-out",
            &["--exclude-operation-id", SIGN_OUT],
            "1",
        ),
        // A well-formed `sessionId` that is not one of the account's sessions is refused by
        // contract (2102 naming it), which no schema can express: the positive-data check
        // would call that answer a rejection of valid data.
        (
            "sign-out",
            &[
                "--include-operation-id",
                SIGN_OUT,
                "--exclude-checks",
                "positive_data_acceptance",
            ],
            "0",
        ),
    ];
    let mut failed = Vec::new();
    for (what, filter, enroll) in passes {
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
            .env("SCHEMATHESIS_HOOKS", &hooks_file)
            .env("PORTAL_FUZZ_BASE_URL", server.base_url())
            .env("PORTAL_FUZZ_ACCOUNT", ACCOUNT)
            .env("PORTAL_FUZZ_PASSWORD", PASSWORD)
            .env("PORTAL_FUZZ_PHONE", PHONE)
            .env("PORTAL_FUZZ_PIN", PIN)
            .env("PORTAL_FUZZ_ENROLL", enroll)
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
/// or at another version (of schemathesis or of `cryptography`, which the hooks sign with).
fn ensure_schemathesis(workspace: &Workspace) -> Result<PathBuf, String> {
    let venv = workspace
        .target_dir()
        .join("xtask")
        .join("schemathesis-venv");
    let executable = venv.join("bin").join("schemathesis");
    let installed = probe(&executable, &["--version"]).unwrap_or_default();
    let cryptography = probe(
        venv.join("bin").join("python"),
        &["-c", "import cryptography; print(cryptography.__version__)"],
    )
    .unwrap_or_default();
    if installed.ends_with(SCHEMATHESIS_VERSION) && cryptography.trim() == CRYPTOGRAPHY_VERSION {
        return Ok(executable);
    }
    step(format!(
        "installing schemathesis {SCHEMATHESIS_VERSION} and cryptography {CRYPTOGRAPHY_VERSION} \
         from PyPI into {}",
        venv.display()
    ));
    create_venv(&venv)?;
    run(Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}"))
        .arg(format!("cryptography=={CRYPTOGRAPHY_VERSION}")))?;
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
    fn the_config_carries_no_credentials() {
        let text = config();
        assert!(!text.contains("Authorization ="));
        assert!(!text.contains("X-Device-Id"));
        assert!(!text.contains(PASSWORD));
        assert!(text.contains("\"422\", \"423\""));
    }

    #[test]
    fn the_hooks_sign_every_request_and_read_their_settings_from_the_environment() {
        assert!(HOOKS.contains("requests.adapters.HTTPAdapter.send = _send_signed"));
        assert!(HOOKS.contains("def before_call(ctx, case, **kwargs):"));
        assert!(HOOKS.contains("@schemathesis.auth(refresh_interval=None)"));
        for variable in [
            "PORTAL_FUZZ_BASE_URL",
            "PORTAL_FUZZ_ACCOUNT",
            "PORTAL_FUZZ_PASSWORD",
            "PORTAL_FUZZ_PHONE",
            "PORTAL_FUZZ_PIN",
            "PORTAL_FUZZ_ENROLL",
        ] {
            assert!(HOOKS.contains(variable), "{variable}");
        }
        assert!(!HOOKS.contains("X-Device-Id"));
    }
}
