//! `cargo xtask bench server`: throughput and latency of the release `portal-server` (profile
//! `bench-server`) under `wrk` (Debian) at a fixed concurrency, loopback only, each run
//! bounded in time: the three status reads of the portal's probe and a PIN check (a correct
//! PIN: the lockout counts only wrong ones and nothing limits the rate of right ones, so every
//! answer is 200). Every answer that is not 200 is counted (a `response` hook in the wrk
//! script). Then the server's peak resident memory (VmHWM).

use std::fs::{self, File};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::{self, figure, BenchOptions, Report};
use crate::http;
use crate::json::{self, Value};
use crate::process::step;
use crate::server::{free_port, http_status, sqlite_url, TempDir, READY_PATH};

/// The demo account with a PIN and an enrolled device, and that device (seeded).
const ACCOUNT: &str = "enrolled@demo.test";
const DEVICE: &str = "0e5a1c2d-7b3f-4c8e-9a6d-1f2e3d4c5b6a";
const PIN_BODY: &str = r#"{"action":"withPIN","pinCode":"246801","operation":"removeProperty"}"#;

/// One thing measured.
struct Target {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
}

const TARGETS: [Target; 4] = [
    Target {
        name: "GET account isDeviceActivated",
        method: "GET",
        path: "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated",
        body: None,
    },
    Target {
        name: "GET account isAccountBlocked",
        method: "GET",
        path: "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked",
        body: None,
    },
    Target {
        name: "GET trustedphonenumber",
        method: "GET",
        path: "/api/v1/pims/authentication/trustedphonenumber",
        body: None,
    },
    Target {
        name: "POST otp withPIN (right PIN, argon2id)",
        method: "POST",
        path: "/api/v1/pims/authentication/otp",
        body: Some(PIN_BODY),
    },
];

/// The figures of one wrk run.
#[derive(Clone, Debug, PartialEq)]
pub struct WrkResult {
    pub requests: f64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    pub non200: f64,
    pub socket_errors: f64,
}

pub fn run(binary: &Path, options: &BenchOptions, out_dir: &Path, report: &mut Report) {
    let work = match TempDir::new("portal-bench-server") {
        Ok(dir) => dir,
        Err(error) => return report.fail(error),
    };
    let log = out_dir.join("server-load.log");
    let server = match Process::start(binary, work.path(), &log) {
        Ok(server) => server,
        Err(error) => return report.fail(error),
    };
    report.set(
        "profile",
        Value::str(format!("{} (opt-level 3, thin LTO)", bench::SERVER_PROFILE)),
    );
    report.set("database", Value::str("SQLite (temp file)"));
    report.set("connections", Value::num(options.connections));
    report.set("threads", Value::num(options.threads));
    report.set("secondsPerRun", Value::num(options.seconds as f64));
    report.set(
        "idleRssKib",
        Value::opt_num(server.memory("VmRSS:").map(|k| k as f64)),
    );

    let token = match sign_in(&server.bind) {
        Ok(token) => token,
        Err(error) => return report.fail(error),
    };
    let mut runs = Vec::new();
    for target in &TARGETS {
        step(format!(
            "wrk: {} for {} s, {} connections",
            target.name, options.seconds, options.connections
        ));
        match measure(&server.bind, &token, target, options, work.path()) {
            Ok(result) => {
                report.row(
                    format!(
                        "{} ({} conn, {} s)",
                        target.name, options.connections, options.seconds
                    ),
                    format!(
                        "{} req/s, p50 {} ms, p99 {} ms, non-200 {:.0}{}",
                        figure(result.rps),
                        figure(result.p50_ms),
                        figure(result.p99_ms),
                        result.non200,
                        if result.socket_errors > 0.0 {
                            format!(", socket errors {:.0}", result.socket_errors)
                        } else {
                            String::new()
                        }
                    ),
                );
                if result.non200 > 0.0 || result.socket_errors > 0.0 {
                    report.fail(format!(
                        "{}: {:.0} answers were not 200 and {:.0} socket errors",
                        target.name, result.non200, result.socket_errors
                    ));
                }
                runs.push(run_json(target, &result));
            }
            Err(error) => report.fail(format!("{}: {error}", target.name)),
        }
    }
    // The PIN checks were all right: the account must not be blocked now.
    match http::request(
        &server.bind,
        "GET",
        TARGETS[1].path,
        Some(&token),
        Some(DEVICE),
        None,
    ) {
        Ok(reply) if reply.body.contains("\"isAccountBlocked\":\"NotBlocked\"") => {}
        Ok(reply) => report.fail(format!("after the PIN checks: {}", reply.body)),
        Err(error) => report.fail(format!("after the PIN checks: {error}")),
    }
    let peak = server.memory("VmHWM:");
    let end = server.memory("VmRSS:");
    report.row(
        "peak RSS of the server (VmHWM)",
        match peak {
            Some(kib) => format!(
                "{:.1} MiB (idle before the runs {:.1} MiB, at the end {:.1} MiB)",
                kib as f64 / 1024.0,
                report_idle(report) / 1024.0,
                end.unwrap_or(0) as f64 / 1024.0
            ),
            None => "-".into(),
        },
    );
    report.set("peakRssKib", Value::opt_num(peak.map(|k| k as f64)));
    report.set("endRssKib", Value::opt_num(end.map(|k| k as f64)));
    report.set("runs", Value::Array(runs));
    drop(server);
}

fn report_idle(report: &Report) -> f64 {
    report
        .json
        .iter()
        .find(|(k, _)| k == "idleRssKib")
        .and_then(|(_, v)| v.as_f64())
        .unwrap_or(0.0)
}

fn run_json(target: &Target, result: &WrkResult) -> Value {
    Value::object([
        ("name", Value::str(target.name)),
        ("method", Value::str(target.method)),
        ("path", Value::str(target.path)),
        ("requests", Value::num(result.requests)),
        ("rps", Value::num((result.rps * 10.0).round() / 10.0)),
        ("meanMs", Value::num(round3(result.mean_ms))),
        ("p50Ms", Value::num(round3(result.p50_ms))),
        ("p90Ms", Value::num(round3(result.p90_ms))),
        ("p99Ms", Value::num(round3(result.p99_ms))),
        ("maxMs", Value::num(round3(result.max_ms))),
        ("non200", Value::num(result.non200)),
        ("socketErrors", Value::num(result.socket_errors)),
    ])
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `POST /api/v1/session` as `enrolled@` on its enrolled device: the bearer token.
fn sign_in(bind: &str) -> Result<String, String> {
    let body = format!(r#"{{"email":"{ACCOUNT}","password":"demo-password"}}"#);
    let reply = http::request(
        bind,
        "POST",
        "/api/v1/session",
        None,
        Some(DEVICE),
        Some(&body),
    )
    .map_err(|e| format!("signing in: {e}"))?;
    if !reply.succeeded() {
        return Err(format!("signing in: HTTP {} {}", reply.status, reply.body));
    }
    http::json_string(&reply.body, "token").ok_or_else(|| format!("no token in {}", reply.body))
}

/// One request by hand (it must be 200 and SUCCEEDED), then the wrk run.
fn measure(
    bind: &str,
    token: &str,
    target: &Target,
    options: &BenchOptions,
    work: &Path,
) -> Result<WrkResult, String> {
    let reply = http::request(
        bind,
        target.method,
        target.path,
        Some(token),
        Some(DEVICE),
        target.body,
    )
    .map_err(|e| e.to_string())?;
    if reply.status != 200 || !reply.succeeded() {
        return Err(format!(
            "the first request answered HTTP {}: {}",
            reply.status, reply.body
        ));
    }
    let script = work.join("wrk.lua");
    fs::write(&script, wrk_script(target, token))
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let output = work.join("wrk.out");
    let file = File::create(&output).map_err(|e| format!("{}: {e}", output.display()))?;
    let status = bench::run_bounded(
        Command::new("wrk")
            .arg(format!("--threads={}", options.threads))
            .arg(format!("--connections={}", options.connections))
            .arg(format!("--duration={}s", options.seconds))
            .args(["--timeout=10s", "--latency", "--script"])
            .arg(&script)
            .arg(format!("http://{bind}{}", target.path))
            .stdin(Stdio::null())
            .stdout(file),
        Duration::from_secs(options.seconds + 60),
    )?;
    let text = fs::read_to_string(&output).map_err(|e| format!("{}: {e}", output.display()))?;
    print!(
        "{}",
        text.lines()
            .filter(|l| !l.starts_with("XTASK-WRK"))
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    if !status.success() {
        return Err(format!("wrk exited {status}"));
    }
    parse_wrk(&text)
}

/// The Lua script: method, body and headers of `target`, a count of the answers other than
/// 200 over all threads, and the summary as one JSON line.
fn wrk_script(target: &Target, token: &str) -> String {
    let mut script = format!(
        "wrk.method = \"{}\"\n\
         wrk.headers[\"Accept\"] = \"application/json\"\n\
         wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
         wrk.headers[\"X-Device-Id\"] = \"{DEVICE}\"\n",
        target.method
    );
    if let Some(body) = target.body {
        script.push_str(&format!(
            "wrk.body = '{body}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
        ));
    }
    script.push_str(
        r#"local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local non = 0
  for _, t in ipairs(threads) do non = non + t:get("non200") end
  local e = summary.errors
  io.write(string.format('XTASK-WRK {"requests":%.0f,"durationUs":%.0f,"non200":%.0f,' ..
    '"connectErrors":%.0f,"readErrors":%.0f,"writeErrors":%.0f,"timeouts":%.0f,' ..
    '"meanUs":%.1f,"p50Us":%.0f,"p90Us":%.0f,"p99Us":%.0f,"maxUs":%.0f}\n',
    summary.requests, summary.duration, non, e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"#,
    );
    script
}

/// The `XTASK-WRK {...}` line of the script's `done`.
pub fn parse_wrk(output: &str) -> Result<WrkResult, String> {
    let line = output
        .lines()
        .find_map(|l| l.strip_prefix("XTASK-WRK "))
        .ok_or("wrk printed no summary (XTASK-WRK line)")?;
    let value = json::parse(line)?;
    let n = |key: &str| value.get(key).and_then(Value::as_f64).unwrap_or(0.0);
    let seconds = n("durationUs") / 1e6;
    Ok(WrkResult {
        requests: n("requests"),
        rps: if seconds > 0.0 {
            n("requests") / seconds
        } else {
            0.0
        },
        p50_ms: n("p50Us") / 1000.0,
        p90_ms: n("p90Us") / 1000.0,
        p99_ms: n("p99Us") / 1000.0,
        max_ms: n("maxUs") / 1000.0,
        mean_ms: n("meanUs") / 1000.0,
        non200: n("non200"),
        socket_errors: n("connectErrors") + n("readErrors") + n("writeErrors") + n("timeouts"),
    })
}

/// The server under load: API only (no portal files), demo accounts, warnings only in its
/// log (a log line per request would be measured too), killed when dropped.
struct Process {
    child: Child,
    bind: String,
}

impl Process {
    fn start(binary: &Path, dir: &Path, log: &Path) -> Result<Process, String> {
        let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let copy = file.try_clone().map_err(|e| e.to_string())?;
        let bind = format!("127.0.0.1:{}", free_port()?);
        let mut command = Command::new(binary);
        command
            .args([
                "--bind",
                &bind,
                "--database-url",
                &sqlite_url(dir),
                "--demo",
            ])
            .arg("--static-dir")
            .arg(dir.join("no-portal"))
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(copy)
            .env("RUST_LOG", "warn");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PORTAL_") {
                command.env_remove(name);
            }
        }
        step(format!(
            "starting {} --demo on {bind} (API only; log: {})",
            binary.display(),
            log.display()
        ));
        let child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let mut process = Process { child, bind };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(format!(
                    "portal-server exited ({status}) before it was ready; see {}",
                    log.display()
                ));
            }
            if http_status(&process.bind, READY_PATH).ok() == Some(200) {
                return Ok(process);
            }
            if started.elapsed() > Duration::from_secs(90) {
                return Err("portal-server was not ready within 90 s".into());
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// A `/proc/<pid>/status` figure in KiB (`VmRSS:`, `VmHWM:`).
    fn memory(&self, field: &str) -> Option<u64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrk_summary_line_is_read() {
        let output = "Running 10s test @ http://127.0.0.1:1/x\n  2 threads and 16 connections\n\
            XTASK-WRK {\"requests\":50000,\"durationUs\":10000000,\"non200\":0,\"connectErrors\":0,\
            \"readErrors\":1,\"writeErrors\":0,\"timeouts\":2,\"meanUs\":3100.5,\"p50Us\":2800,\
            \"p90Us\":4000,\"p99Us\":9500,\"maxUs\":20000}\n";
        let result = parse_wrk(output).unwrap();
        assert_eq!(result.rps, 5000.0);
        assert_eq!(result.p50_ms, 2.8);
        assert_eq!(result.p99_ms, 9.5);
        assert_eq!(result.socket_errors, 3.0);
        assert!(parse_wrk("Running 10s test\n").is_err());
    }

    #[test]
    fn the_script_sets_method_headers_and_body() {
        let script = wrk_script(&TARGETS[3], "tok");
        assert!(script.starts_with("wrk.method = \"POST\"\n"), "{script}");
        assert!(script.contains("wrk.headers[\"Authorization\"] = \"Bearer tok\""));
        assert!(script.contains(&format!("wrk.body = '{PIN_BODY}'")));
        assert!(script.contains("function response(status"));
        assert!(!wrk_script(&TARGETS[0], "tok").contains("wrk.body"));
    }
}
