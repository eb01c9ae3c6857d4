//! `cargo xtask bench lighthouse`: Lighthouse (npm `lighthouse`, a devDependency of `e2e/`)
//! in Debian's Chromium, default settings (mobile form factor, simulated throttling),
//! categories performance, accessibility and best practices, on three pages of a fresh demo
//! server (release build): `/sign-in` signed out (Lighthouse's CLI), `/enroll/phone` (the
//! method choice step) as `new@demo.test` and the account hub `/account` as
//! `enrolled@demo.test`. A session is bound to the browser's device key, so the signed-in
//! pages are audited by `e2e/bench/lighthouse.audit.ts`: Playwright lets the portal make its
//! key in a profile of its own, signs in with it, empties the HTTP cache, and has Lighthouse
//! audit the page in that browser without its storage reset. Each audited page's final URL
//! is checked, so a sign-in screen is never reported as the page meant.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::bench::{self, figure, median, Report};
use crate::json::{self, Value};
use crate::process::step;
use crate::server::free_port;
use crate::workspace::Workspace;

/// What Chromium runs with (the e2e suite's flags, headless=new).
pub const CHROME_FLAGS: &str = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
     --disable-background-networking --disable-component-update --disable-sync --no-first-run";
const CATEGORIES: [(&str, &str); 3] = [
    ("performance", "performance"),
    ("accessibility", "accessibility"),
    ("best-practices", "bestPractices"),
];
/// (audit id, JSON key) of the metrics reported.
const METRICS: [(&str, &str); 4] = [
    ("first-contentful-paint", "fcpMs"),
    ("largest-contentful-paint", "lcpMs"),
    ("total-blocking-time", "tbtMs"),
    ("cumulative-layout-shift", "cls"),
];
/// One Lighthouse run may take this long (it waits up to 45 s for a load itself).
const RUN_LIMIT: Duration = Duration::from_secs(240);

/// A page to audit.
struct Audited {
    name: &'static str,
    path: &'static str,
    /// Signed in as this demo account first.
    account: Option<&'static str>,
}

const PAGES: [Audited; 3] = [
    Audited {
        name: "sign-in",
        path: "/sign-in",
        account: None,
    },
    Audited {
        name: "enroll-phone",
        path: "/enroll/phone",
        account: Some("new@demo.test"),
    },
    Audited {
        name: "account",
        path: "/account",
        account: Some("enrolled@demo.test"),
    },
];

/// Named figures, in a fixed order.
type Figures = Vec<(String, Option<f64>)>;

/// The figures of one run on one page.
#[derive(Clone, Debug, PartialEq)]
pub struct Audit {
    pub final_url: String,
    /// 0-100, per category key of `CATEGORIES` (None: not scored).
    pub scores: Figures,
    pub metrics: Figures,
    /// Per category below 100: the ids of its audits scored below 1, with their scores.
    pub failing: Vec<(String, Vec<(String, f64)>)>,
    /// The largest contentful paint element's label (shows what the page displayed).
    pub lcp_element: Option<String>,
    /// What `errors-in-console` found: `source: description (url)`.
    pub console_errors: Vec<String>,
    pub version: String,
}

pub fn run(
    workspace: &Workspace,
    binary: &Path,
    dist: &Path,
    runs: u32,
    out_dir: &Path,
    report: &mut Report,
) {
    let cli = workspace.e2e().join("node_modules/lighthouse/cli/index.js");
    let log = out_dir.join("lighthouse-server.log");
    let Some((server, _database)) =
        bench::tool_and_server(workspace, binary, dist, &cli, &log, report)
    else {
        return;
    };
    let base = server.base_url();
    let bind = base.trim_start_matches("http://").to_string();
    let mut pages = Vec::new();
    for page in &PAGES {
        let mut audits = Vec::new();
        for index in 0..runs {
            step(format!(
                "lighthouse {} ({}/{runs}) {base}{}",
                page.name,
                index + 1,
                page.path
            ));
            let result = audit_once(workspace, &cli, &bind, page, index, out_dir);
            match result {
                Ok(audit) => audits.push(audit),
                Err(error) => report.fail(format!("{}: {error}", page.path)),
            }
        }
        if audits.is_empty() {
            continue;
        }
        let combined = combine(&audits);
        rows(page, &combined, audits.len(), report);
        pages.push(page_json(page, &combined, &audits));
    }
    report.set("formFactor", Value::str("mobile"));
    report.set("throttling", Value::str("simulated (Lighthouse default)"));
    report.set("runsPerPage", Value::num(runs));
    report.set("pages", Value::Array(pages));
    drop(server);
}

/// One Lighthouse run; the full report is kept as `target/bench/lighthouse-<page>.json`.
fn audit_once(
    workspace: &Workspace,
    cli: &Path,
    bind: &str,
    page: &Audited,
    index: u32,
    out_dir: &Path,
) -> Result<Audit, String> {
    let output = out_dir.join(if index == 0 {
        format!("lighthouse-{}.json", page.name)
    } else {
        format!("lighthouse-{}-{}.json", page.name, index + 1)
    });
    let _ = fs::remove_file(&output);
    let url = format!("http://{bind}{}", page.path);
    let mut command = match page.account {
        None => {
            let mut command = workspace.command("node");
            command
                .arg(cli)
                .arg(&url)
                .args([
                    "--output=json",
                    "--only-categories=performance,accessibility,best-practices",
                    "--quiet",
                ])
                .arg(format!("--output-path={}", output.display()))
                .arg(format!("--chrome-flags={CHROME_FLAGS}"))
                .env("CHROME_PATH", "/usr/bin/chromium");
            command
        }
        Some(account) => {
            let mut command =
                workspace.command(workspace.e2e().join("node_modules/.bin/playwright"));
            command
                .current_dir(workspace.e2e())
                .args(["test", "--config", "bench/lighthouse.config.ts"])
                .env("LH_URL", &url)
                .env("LH_ACCOUNT", account)
                .env("LH_PORT", free_port()?.to_string())
                .env("LH_OUTPUT", &output);
            command
        }
    };
    let status = bench::run_bounded(&mut command, RUN_LIMIT)?;
    let text = fs::read_to_string(&output).map_err(|e| {
        format!(
            "lighthouse exited {status} without a report at {}: {e}",
            output.display()
        )
    })?;
    let lhr = json::parse(&text).map_err(|e| format!("{}: {e}", output.display()))?;
    let audit = read_report(&lhr)?;
    check_page(page.path, &audit)?;
    if !status.success() {
        return Err(format!("lighthouse exited {status}"));
    }
    Ok(audit)
}

/// The figures of a Lighthouse report (LHR).
pub fn read_report(lhr: &Value) -> Result<Audit, String> {
    if let Some(error) = lhr.get("runtimeError") {
        let code = error.get("code").and_then(Value::as_str).unwrap_or("?");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        return Err(format!("lighthouse runtime error {code}: {message}"));
    }
    let final_url = lhr
        .get("finalDisplayedUrl")
        .or_else(|| lhr.get("finalUrl"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let audits = lhr.get("audits").ok_or("no audits in the report")?;
    let mut scores = Vec::new();
    let mut failing = Vec::new();
    for (id, key) in CATEGORIES {
        let category = lhr.at(&["categories", id]);
        let score = category
            .and_then(|c| c.get("score"))
            .and_then(Value::as_f64)
            .map(|s| (s * 100.0).round());
        scores.push((key.to_string(), score));
        if score.is_some_and(|s| s < 100.0) {
            let refs = category.and_then(|c| c.get("auditRefs"));
            let mut below = Vec::new();
            for reference in refs.map(Value::as_array).unwrap_or_default() {
                let Some(audit_id) = reference.get("id").and_then(Value::as_str) else {
                    continue;
                };
                let Some(audit) = audits.get(audit_id) else {
                    continue;
                };
                let mode = audit
                    .get("scoreDisplayMode")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let score = audit.get("score").and_then(Value::as_f64);
                if matches!(mode, "binary" | "numeric" | "metricSavings") {
                    if let Some(score) = score.filter(|s| *s < 1.0) {
                        below.push((audit_id.to_string(), score));
                    }
                }
            }
            failing.push((key.to_string(), below));
        }
    }
    let metrics = METRICS
        .iter()
        .map(|(id, key)| {
            let value = audits.at(&[id, "numericValue"]).and_then(Value::as_f64);
            (key.to_string(), value)
        })
        .collect();
    let lcp_element = audits
        .get("largest-contentful-paint-element")
        .and_then(|a| find_string(a, "nodeLabel"));
    let console_errors = audits
        .at(&["errors-in-console", "details", "items"])
        .map(Value::as_array)
        .unwrap_or_default()
        .iter()
        .map(|item| {
            let text = |key| item.get(key).and_then(Value::as_str).unwrap_or("?");
            let url = item
                .at(&["sourceLocation", "url"])
                .and_then(Value::as_str)
                .map(|url| format!(" ({url})"))
                .unwrap_or_default();
            format!("{}: {}{url}", text("source"), text("description"))
        })
        .collect();
    Ok(Audit {
        final_url,
        scores,
        metrics,
        failing,
        lcp_element,
        console_errors,
        version: lhr
            .get("lighthouseVersion")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
    })
}

/// The first string under `key`, anywhere below `value`.
fn find_string(value: &Value, key: &str) -> Option<String> {
    match value {
        Value::Object(pairs) => pairs.iter().find_map(|(k, v)| match v {
            Value::String(s) if k == key => Some(s.clone()),
            other => find_string(other, key),
        }),
        Value::Array(items) => items.iter().find_map(|v| find_string(v, key)),
        _ => None,
    }
}

/// The audited page must still be `path` at the end (a session that did not work sends the
/// portal to `/sign-in?next=...`).
pub fn check_page(path: &str, audit: &Audit) -> Result<(), String> {
    let after_host = audit
        .final_url
        .split_once("://")
        .map_or("", |(_, rest)| rest);
    let final_path = after_host
        .find('/')
        .map_or("/", |at| &after_host[at..])
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    if final_path == path {
        Ok(())
    } else {
        Err(format!(
            "the audited page ended on {} instead of {path}: not the screen meant",
            audit.final_url
        ))
    }
}

/// Several runs of one page as one: the median of each score and metric; the failing
/// audits and the rest of the run whose performance score is the median.
fn combine(audits: &[Audit]) -> Audit {
    if audits.len() == 1 {
        return audits[0].clone();
    }
    let median_of = |pick: fn(&Audit) -> &Figures, key: &str| {
        let values: Vec<f64> = audits
            .iter()
            .filter_map(|a| value_of(pick(a), key))
            .collect();
        median(&values)
    };
    let performance = |a: &Audit| a.scores[0].1.unwrap_or(0.0);
    let mut by_performance: Vec<&Audit> = audits.iter().collect();
    by_performance.sort_by(|a, b| performance(a).total_cmp(&performance(b)));
    let mut combined = by_performance[by_performance.len() / 2].clone();
    combined.scores = CATEGORIES
        .iter()
        .map(|(_, key)| (key.to_string(), median_of(|a| &a.scores, key)))
        .collect();
    combined.metrics = METRICS
        .iter()
        .map(|(_, key)| (key.to_string(), median_of(|a| &a.metrics, key)))
        .collect();
    combined
}

fn value_of(pairs: &[(String, Option<f64>)], key: &str) -> Option<f64> {
    pairs.iter().find(|(k, _)| k == key).and_then(|(_, v)| *v)
}

fn rows(page: &Audited, audit: &Audit, runs: usize, report: &mut Report) {
    let score = |key| value_of(&audit.scores, key).map_or("-".to_string(), |s| format!("{s:.0}"));
    let ms = |key| {
        value_of(&audit.metrics, key).map_or("-".to_string(), |v| format!("{} ms", figure(v)))
    };
    let who = page
        .account
        .map_or(String::from("signed out"), |a| format!("as {a}"));
    let median_note = if runs > 1 {
        format!(", median of {runs}")
    } else {
        String::new()
    };
    report.row(
        format!(
            "{} ({who}{median_note}) perf / a11y / best practices",
            page.path
        ),
        format!(
            "{} / {} / {}",
            score("performance"),
            score("accessibility"),
            score("bestPractices")
        ),
    );
    report.row(
        format!("{} FCP / LCP / TBT / CLS", page.path),
        format!(
            "{} / {} / {} / {}",
            ms("fcpMs"),
            ms("lcpMs"),
            ms("tbtMs"),
            value_of(&audit.metrics, "cls").map_or("-".to_string(), |v| format!("{v:.3}"))
        ),
    );
    if !audit.console_errors.is_empty() {
        report.row(
            format!("{} console errors", page.path),
            audit.console_errors.join(" | "),
        );
    }
    for (category, below) in &audit.failing {
        let ids: Vec<String> = below
            .iter()
            .map(|(id, score)| format!("{id} ({score:.2})"))
            .collect();
        report.row(
            format!("{} failing audits: {category}", page.path),
            if ids.is_empty() {
                "(none scored below 1)".to_string()
            } else {
                ids.join(", ")
            },
        );
    }
}

fn page_json(page: &Audited, audit: &Audit, audits: &[Audit]) -> Value {
    // Milliseconds to 0.1, CLS to 4 decimals, scores as they are (whole numbers).
    let pairs = |values: &[(String, Option<f64>)]| {
        Value::Object(
            values
                .iter()
                .map(|(k, v)| {
                    let scale = if k == "cls" { 10_000.0 } else { 10.0 };
                    (
                        k.clone(),
                        Value::opt_num(v.map(|v| (v * scale).round() / scale)),
                    )
                })
                .collect(),
        )
    };
    Value::object([
        ("name", Value::str(page.name)),
        ("path", Value::str(page.path)),
        ("signedInAs", page.account.map_or(Value::Null, Value::str)),
        ("finalUrl", Value::str(audit.final_url.clone())),
        (
            "lcpElement",
            audit.lcp_element.clone().map_or(Value::Null, Value::String),
        ),
        (
            "consoleErrors",
            Value::Array(
                audit
                    .console_errors
                    .iter()
                    .map(|e| Value::str(e.clone()))
                    .collect(),
            ),
        ),
        ("lighthouseVersion", Value::str(audit.version.clone())),
        ("runs", Value::num(audits.len() as f64)),
        ("scores", pairs(&audit.scores)),
        ("metrics", pairs(&audit.metrics)),
        (
            "failingAudits",
            Value::Object(
                audit
                    .failing
                    .iter()
                    .map(|(category, below)| {
                        (
                            category.clone(),
                            Value::Array(
                                below
                                    .iter()
                                    .map(|(id, score)| {
                                        Value::object([
                                            ("id", Value::str(id.clone())),
                                            ("score", Value::num(*score)),
                                        ])
                                    })
                                    .collect(),
                            ),
                        )
                    })
                    .collect(),
            ),
        ),
        (
            "performanceScoresOfRuns",
            Value::Array(
                audits
                    .iter()
                    .map(|a| Value::opt_num(a.scores[0].1))
                    .collect(),
            ),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of a Lighthouse 12 report that `read_report` reads.
    const LHR: &str = r#"{"lighthouseVersion":"12.8.2","finalDisplayedUrl":"http://127.0.0.1:4000/enroll/phone",
      "categories":{
        "performance":{"score":0.87,"auditRefs":[{"id":"first-contentful-paint","weight":10},
          {"id":"unused-javascript","weight":0},{"id":"diagnostics","weight":0}]},
        "accessibility":{"score":1,"auditRefs":[{"id":"color-contrast","weight":7}]},
        "best-practices":{"score":0.96,"auditRefs":[{"id":"errors-in-console","weight":1},
          {"id":"inspector-issues","weight":0}]}},
      "audits":{
        "first-contentful-paint":{"score":0.8,"scoreDisplayMode":"numeric","numericValue":2400.5},
        "largest-contentful-paint":{"score":0.9,"scoreDisplayMode":"numeric","numericValue":2600},
        "total-blocking-time":{"score":1,"scoreDisplayMode":"numeric","numericValue":12},
        "cumulative-layout-shift":{"score":1,"scoreDisplayMode":"numeric","numericValue":0.0012},
        "unused-javascript":{"score":0.5,"scoreDisplayMode":"metricSavings"},
        "diagnostics":{"score":null,"scoreDisplayMode":"informative"},
        "color-contrast":{"score":1,"scoreDisplayMode":"binary"},
        "errors-in-console":{"score":0,"scoreDisplayMode":"binary","details":{"items":[{"source":"network",
          "description":"Failed to load resource: 401","sourceLocation":{"url":"http://x/api/v1/session"}}]}},
        "inspector-issues":{"score":null,"scoreDisplayMode":"notApplicable"},
        "largest-contentful-paint-element":{"details":{"type":"list","items":[{"type":"table",
          "items":[{"node":{"type":"node","nodeLabel":"Add a trusted phone number"}}]}]}}}}"#;

    #[test]
    fn a_report_gives_scores_metrics_and_failing_audits() {
        let audit = read_report(&json::parse(LHR).unwrap()).unwrap();
        assert_eq!(
            audit.scores,
            [
                ("performance".to_string(), Some(87.0)),
                ("accessibility".to_string(), Some(100.0)),
                ("bestPractices".to_string(), Some(96.0)),
            ]
        );
        assert_eq!(value_of(&audit.metrics, "fcpMs"), Some(2400.5));
        assert_eq!(value_of(&audit.metrics, "cls"), Some(0.0012));
        assert_eq!(
            audit.failing,
            [
                (
                    "performance".to_string(),
                    vec![
                        ("first-contentful-paint".to_string(), 0.8),
                        ("unused-javascript".to_string(), 0.5)
                    ]
                ),
                (
                    "bestPractices".to_string(),
                    vec![("errors-in-console".to_string(), 0.0)]
                ),
            ]
        );
        assert_eq!(
            audit.lcp_element.as_deref(),
            Some("Add a trusted phone number")
        );
        assert_eq!(
            audit.console_errors,
            ["network: Failed to load resource: 401 (http://x/api/v1/session)"]
        );
        assert_eq!(check_page("/enroll/phone", &audit), Ok(()));
        let error = check_page("/sign-in", &audit).unwrap_err();
        assert!(error.contains("instead of /sign-in"), "{error}");
    }

    #[test]
    fn a_page_that_fell_back_to_sign_in_is_refused() {
        let audit = Audit {
            final_url: "http://127.0.0.1:4000/sign-in?next=/enroll/phone".into(),
            scores: vec![],
            metrics: vec![],
            failing: vec![],
            lcp_element: None,
            console_errors: vec![],
            version: "12".into(),
        };
        assert!(check_page("/enroll/phone", &audit).is_err());
        assert!(check_page("/sign-in", &audit).is_ok());
        let broken = json::parse(
            r#"{"runtimeError":{"code":"NO_FCP","message":"The page did not paint"},"audits":{}}"#,
        )
        .unwrap();
        let error = read_report(&broken).unwrap_err();
        assert!(error.contains("NO_FCP"), "{error}");
    }

    #[test]
    fn several_runs_give_medians() {
        let run = |performance: f64, fcp: f64| Audit {
            final_url: "http://x/sign-in".into(),
            scores: vec![
                ("performance".into(), Some(performance)),
                ("accessibility".into(), Some(100.0)),
                ("bestPractices".into(), Some(100.0)),
            ],
            metrics: vec![("fcpMs".into(), Some(fcp))],
            failing: vec![],
            lcp_element: None,
            console_errors: vec![],
            version: "12".into(),
        };
        let combined = combine(&[run(90.0, 1000.0), run(70.0, 3000.0), run(80.0, 2000.0)]);
        assert_eq!(value_of(&combined.scores, "performance"), Some(80.0));
        assert_eq!(value_of(&combined.metrics, "fcpMs"), Some(2000.0));
    }
}
