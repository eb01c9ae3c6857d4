//! The `reliability` suite of `cargo xtask test`: what the server survives.
//!
//! 1. the crash test: SIGKILL at random moments under load, SQLite (figures printed);
//! 2. PostgreSQL (installed and started when needed, see `postgres`), then the server's
//!    integration suite on it (the `native` suite runs it on SQLite), and the query plans
//!    of the request path there;
//! 3. two server instances on one PostgreSQL database, attacks split across both (figures);
//! 4. schemathesis against a fresh demo server, bounded for CI (see `fuzz`).
//!
//! Every part runs even when an earlier one failed; the suite fails if any did.

use std::process::Command;

use crate::fuzz;
use crate::postgres::{self, TEST_DATABASE_URL};
use crate::process::{format_duration, run, step, timed};
use crate::workspace::Workspace;

pub fn run_suite(workspace: &Workspace, extra: &[String]) -> Result<(), String> {
    if !extra.is_empty() {
        return Err("the reliability suite takes no arguments".into());
    }
    let mut failed = Vec::new();
    let mut part = |name: &str, result: Result<(), String>| {
        if let Err(error) = result {
            eprintln!("xtask: reliability: {name} failed: {error}");
            failed.push(name.to_string());
        }
    };

    step("crash test: SIGKILL at random moments, restart on the same SQLite file");
    part(
        "crash test",
        run(&mut server_test(
            workspace,
            &["--test", "crash", "--", "--ignored", "--nocapture"],
        )),
    );

    match postgres::test_database() {
        Ok(url) => {
            step("the server's integration suite on PostgreSQL");
            part(
                "PostgreSQL suite",
                // Each test's pool may open 8 connections: 4 tests at a time stay well
                // inside PostgreSQL's default max_connections (100) on any machine.
                run(server_test(
                    workspace,
                    &[
                        "--test",
                        "api",
                        "--test",
                        "no_secrets_in_logs",
                        "--test",
                        "query_plans",
                        "--",
                        "--test-threads",
                        "4",
                    ],
                )
                .env(TEST_DATABASE_URL, &url)),
            );
            step("two instances on one PostgreSQL database");
            part(
                "two instances",
                run(server_test(
                    workspace,
                    &["--test", "instances", "--", "--ignored", "--nocapture"],
                )
                .env(TEST_DATABASE_URL, &url)),
            );
        }
        Err(error) => part("PostgreSQL", Err(error)),
    }

    let (result, took) = timed(|| fuzz::fuzz_api(workspace, fuzz::CI_MAX_EXAMPLES));
    step(format!("API fuzzing took {}", format_duration(took)));
    part("API fuzzing", result);

    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

/// `cargo test -p portal-server <args>`.
fn server_test(workspace: &Workspace, args: &[&str]) -> Command {
    let mut command = workspace.cargo();
    command
        .args(["test", "--package", "portal-server"])
        .args(args);
    command
}
