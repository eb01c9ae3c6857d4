//! `cargo xtask`: the project's bootstrap and task runner.
//!
//! Std only, so it compiles in seconds on a fresh machine. Every command first installs
//! what it needs (wasm32 target, trunk 0.21, wasm-bindgen-cli at Cargo.lock's version,
//! wasm-opt from npm `binaryen` under `.tools/`, Debian chromium, firefox-esr and
//! webkit2gtk-driver and geckodriver from crates.io for the tests), skipping
//! what is present at the right version.

mod bench;
mod bootstrap;
mod budget;
mod fuzz;
mod host;
mod http;
mod imports;
mod json;
mod lighthouse;
mod load;
mod nav;
mod postgres;
mod process;
mod reliability;
mod scale;
mod server;
mod shells;
mod sizes;
mod snapshot;
mod soak;
mod tasks;
mod transfer;
mod versions;
mod wasm_release;
mod workspace;

use std::process::ExitCode;

use tasks::Suite;
use workspace::Workspace;

const USAGE_HEAD: &str = "\
usage: cargo xtask <command>

commands:
  build                      install what is missing, trunk build --release, print the sizes of dist/
  serve [--bind ADDR]        build, then portal-server --demo at http://127.0.0.1:8080 (database in data/)
  test [SUITE...] [-- ARGS]  install what is missing, run the suites (default: all, in order);
                             ARGS go to the one suite chosen (cargo test / playwright test)
  fuzz-api [--max-examples N]
                             schemathesis (venv under target/) against a fresh demo server
";

const USAGE_TAIL: &str = "  bootstrap                  only install what every command needs
  help                       this text

suites: native (cargo test --workspace), wasm (wasm-bindgen-test in headless Chromium,
        then headless Firefox ESR), budget (release build; first-load gzip -9 at most
        150 KB = 150 000 B), e2e (Playwright against a fresh portal-server --demo),
        engines (the core flows in Firefox ESR and WebKitGTK over WebDriver), reliability (crash test,
        server suite on PostgreSQL, two instances, API fuzzing; installs PostgreSQL if needed)
";

/// The whole usage text.
fn usage() -> String {
    format!("{USAGE_HEAD}{}{USAGE_TAIL}", bench::USAGE)
}

fn main() -> ExitCode {
    let workspace = Workspace::locate();
    workspace.put_tools_on_path();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&workspace, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command; `Ok(false)` when it ran and something failed (tests).
fn dispatch(workspace: &Workspace, args: &[String]) -> Result<bool, String> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    match command {
        "build" => {
            no_arguments(command, rest)?;
            tasks::build(workspace).map(|()| true)
        }
        "serve" => {
            let bind = match rest {
                [] => "127.0.0.1:8080",
                [flag, address] if flag == "--bind" => address.as_str(),
                _ => return Err(format!("serve takes only --bind ADDR\n\n{}", usage())),
            };
            tasks::serve(workspace, bind).map(|()| true)
        }
        "test" => {
            let (suites, extra) = parse_test_args(rest)?;
            tasks::test(workspace, &suites, extra)
        }
        "fuzz-api" => {
            let max_examples = match rest {
                [] => fuzz::DEFAULT_MAX_EXAMPLES,
                [flag, n] if flag == "--max-examples" => n
                    .parse()
                    .map_err(|_| format!("--max-examples takes a number, not `{n}`"))?,
                _ => {
                    return Err(format!(
                        "fuzz-api takes only --max-examples N\n\n{}",
                        usage()
                    ))
                }
            };
            fuzz::fuzz_api(workspace, max_examples).map(|()| true)
        }
        "bench" => {
            let options = bench::parse_args(rest).map_err(|e| format!("{e}\n\n{}", usage()))?;
            bench::bench(workspace, &options)
        }
        "bootstrap" => {
            no_arguments(command, rest)?;
            let needs = Suite::ALL
                .iter()
                .fold(bootstrap::Needs::BUILD, |needs, suite| {
                    needs.union(suite.needs())
                });
            bootstrap::ensure(workspace, needs).map(|()| true)
        }
        "help" | "--help" | "-h" => {
            print!("{}", usage());
            Ok(true)
        }
        other => Err(format!("unknown command `{other}`\n\n{}", usage())),
    }
}

fn no_arguments(command: &str, rest: &[String]) -> Result<(), String> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!("`{command}` takes no arguments\n\n{}", usage()))
    }
}

/// `[SUITE...] [-- ARGS...]`: the suites in the canonical order (all when none is named) and
/// the arguments for the one named suite.
fn parse_test_args(args: &[String]) -> Result<(Vec<Suite>, &[String]), String> {
    let (names, extra) = match args.iter().position(|arg| arg == "--") {
        Some(at) => (&args[..at], &args[at + 1..]),
        None => (args, &[][..]),
    };
    let mut chosen = Vec::new();
    for name in names {
        let suite = Suite::parse(name).ok_or_else(|| {
            format!(
                "unknown test suite `{name}` (native, wasm, budget, e2e, engines or reliability)"
            )
        })?;
        chosen.push(suite);
    }
    if !extra.is_empty() && chosen.len() != 1 {
        return Err("arguments after `--` need exactly one suite, e.g. \
                    `cargo xtask test e2e -- --grep sign`"
            .into());
    }
    let suites = if chosen.is_empty() {
        Suite::ALL.to_vec()
    } else {
        Suite::ALL
            .into_iter()
            .filter(|suite| chosen.contains(suite))
            .collect()
    };
    Ok((suites, extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn test_runs_every_suite_in_order_by_default() {
        let (suites, extra) = parse_test_args(&[]).unwrap();
        assert_eq!(
            suites,
            [
                Suite::Native,
                Suite::Wasm,
                Suite::Budget,
                Suite::E2e,
                Suite::Engines,
                Suite::Reliability
            ]
        );
        assert!(extra.is_empty());
    }

    #[test]
    fn usage_lists_every_command_indented() {
        let text = usage();
        for command in [
            "build",
            "serve",
            "test",
            "fuzz-api",
            "bench",
            "bootstrap",
            "help",
        ] {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("  {command} "))),
                "{command}:\n{text}"
            );
        }
    }

    #[test]
    fn named_suites_keep_the_canonical_order() {
        let args = strings(&["e2e", "native"]);
        let (suites, _) = parse_test_args(&args).unwrap();
        assert_eq!(suites, [Suite::Native, Suite::E2e]);
    }

    #[test]
    fn extra_arguments_go_to_exactly_one_suite() {
        let args = strings(&["e2e", "--", "--grep", "sign"]);
        let (suites, extra) = parse_test_args(&args).unwrap();
        assert_eq!(suites, [Suite::E2e]);
        assert_eq!(extra, ["--grep", "sign"]);
        assert!(parse_test_args(&strings(&["--", "--grep", "x"])).is_err());
        assert!(parse_test_args(&strings(&["unit"])).is_err());
    }
}
