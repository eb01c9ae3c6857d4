//! `cargo xtask bench nav`: the Playwright bench (`e2e/bench/`, its own config, so the e2e
//! suite never runs it) against a fresh demo server (release build) serving the measured
//! build: the median time from `page.goto` to the first interactive screen, and the HTTP
//! requests of each user action of the main flows. The spec writes its figures to the JSON
//! file named by `BENCH_OUT`, which this module reads into the table and `bench.json`.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::bench::{self, figure, Report};
use crate::json::{self, Value};
use crate::workspace::Workspace;

/// The whole Playwright run may take this long.
const RUN_LIMIT: Duration = Duration::from_secs(900);

pub fn run(
    workspace: &Workspace,
    binary: &Path,
    dist: &Path,
    runs: u32,
    out_dir: &Path,
    report: &mut Report,
) {
    let playwright = workspace.e2e().join("node_modules/.bin/playwright");
    let log = out_dir.join("nav-server.log");
    let Some((server, _database)) =
        bench::tool_and_server(workspace, binary, dist, &playwright, &log, report)
    else {
        return;
    };
    let out = out_dir.join("nav.json");
    let _ = fs::remove_file(&out);
    let status = bench::run_bounded(
        workspace
            .command(&playwright)
            .current_dir(workspace.e2e())
            .args(["test", "--config", "bench/playwright.config.ts"])
            .env("PORTAL_URL", server.base_url())
            .env("PORTAL_STATIC_DIR", dist)
            .env("BENCH_RUNS", runs.to_string())
            .env("BENCH_OUT", &out),
        RUN_LIMIT,
    );
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => report.fail(format!(
            "playwright test --config bench/playwright.config.ts exited {status}{}",
            server.log_tail(15)
        )),
        Err(error) => report.fail(error),
    }
    drop(server);
    match fs::read_to_string(&out)
        .map_err(|e| format!("{}: {e}", out.display()))
        .and_then(|text| json::parse(&text))
    {
        Ok(results) => describe(&results, report),
        Err(error) => report.fail(format!("no results from the Playwright bench: {error}")),
    }
}

/// The round trips a user action may cost once its page is there (issue 18).
const ROUND_TRIP_TARGET: f64 = 1.0;

/// Rows and JSON of what the spec wrote (see `e2e/bench/nav.spec.ts`).
pub fn describe(results: &Value, report: &mut Report) {
    for item in results
        .get("navigation")
        .map(Value::as_array)
        .unwrap_or_default()
    {
        let text = |key| item.get(key).and_then(Value::as_str).unwrap_or("?");
        let number = |key| item.get(key).and_then(Value::as_f64);
        let runs = item.get("runsMs").map(Value::as_array).unwrap_or_default();
        let runs: Vec<f64> = runs.iter().filter_map(Value::as_f64).collect();
        let min = runs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = runs.iter().copied().fold(0.0, f64::max);
        report.row(
            format!(
                "{} -> {} (median of {})",
                text("path"),
                text("ready"),
                runs.len()
            ),
            match number("medianMs") {
                Some(median) => format!(
                    "{} ms (min {}, max {}; in page {} ms)",
                    figure(median),
                    figure(min),
                    figure(max),
                    number("inPageMedianMs").map_or("?".into(), figure)
                ),
                None => "-".into(),
            },
        );
    }
    for item in results
        .get("requests")
        .map(Value::as_array)
        .unwrap_or_default()
    {
        let text = |key| item.get(key).and_then(Value::as_str).unwrap_or("?");
        let count = |key| item.get(key).and_then(Value::as_f64).unwrap_or(0.0);
        let trips = match item.get("tripsAfterLoad").and_then(Value::as_f64) {
            Some(after_load) => format!(
                "; round trips {after_load:.0}{} (with the page's load {:.0}, api {:.0})",
                if after_load > ROUND_TRIP_TARGET {
                    format!(", over the target of {ROUND_TRIP_TARGET:.0}")
                } else {
                    String::new()
                },
                count("trips"),
                count("apiTrips"),
            ),
            None => String::new(),
        };
        report.row(
            format!("requests: {}: {}", text("flow"), text("action")),
            format!("{:.0} (api {:.0}){trips}", count("all"), count("api")),
        );
    }
    for error in results
        .get("errors")
        .map(Value::as_array)
        .unwrap_or_default()
    {
        let test = error.get("test").and_then(Value::as_str).unwrap_or("?");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("?");
        report.fail(format!(
            "{test}: {}",
            message.lines().next().unwrap_or_default()
        ));
    }
    for key in ["runs", "navigation", "requests"] {
        if let Some(value) = results.get(key) {
            report.set(key, value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::Section;

    #[test]
    fn the_spec_results_become_rows() {
        let results = json::parse(
            r#"{"runs":3,"navigation":[{"path":"/sign-in","ready":"email field enabled",
              "runsMs":[300,250,400],"medianMs":300,"inPageMedianMs":280.5}],
              "requests":[{"flow":"sign-in","action":"open /sign-in","all":6,"api":2,
              "calls":["GET /api/v1/config"]},
              {"flow":"hub","action":"open","all":9,"api":5,"trips":3,"apiTrips":2,
              "tripsAfterLoad":1},
              {"flow":"pin","action":"change","all":2,"api":2,"trips":2,"apiTrips":2,
              "tripsAfterLoad":2}],
              "errors":[{"test":"account flows","message":"Timeout 10000ms\nmore"}]}"#,
        )
        .unwrap();
        let mut report = Report::new(Section::Nav);
        describe(&results, &mut report);
        let rows: Vec<(&str, &str)> = report
            .rows
            .iter()
            .map(|r| (r.measure.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "/sign-in -> email field enabled (median of 3)",
                    "300.0 ms (min 250.0, max 400.0; in page 280.5 ms)"
                ),
                ("requests: sign-in: open /sign-in", "6 (api 2)"),
                (
                    "requests: hub: open",
                    "9 (api 5); round trips 1 (with the page's load 3, api 2)"
                ),
                (
                    "requests: pin: change",
                    "2 (api 2); round trips 2, over the target of 1 (with the page's load 2, api 2)"
                ),
            ]
        );
        assert_eq!(report.errors, ["account flows: Timeout 10000ms"]);
        assert_eq!(report.json.len(), 3);
    }
}
