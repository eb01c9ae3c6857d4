//! `cargo xtask bench server`: throughput and latency of the release `portal-server` (profile
//! `bench-server`) under `wrk` (Debian) at a fixed concurrency, loopback only, each run
//! bounded in time: the three status reads of the portal's probe and a PIN check (a correct
//! PIN: the lockout counts only wrong ones and nothing limits the rate of right ones, so every
//! answer is 200), all on a device the bench enrolls with its own DPoP key.
//!
//! A DPoP proof is good for one request (the server refuses a replayed `jti`) and wrk cannot
//! sign, so each run's proofs are signed beforehand, as many as the server could possibly
//! verify in the run (it cannot verify faster than xtask signs on all cores), into one file
//! per wrk thread; the script sends the next line of its file with each request. A thread
//! whose file runs out stops and the run is repeated with more proofs: its figures would
//! describe a shorter run. Every answer that is not 200 is counted (a `response` hook in the
//! wrk script), and the rate reported is that of the 200s alone. Then the server's peak
//! resident memory (VmHWM).

use std::fs::{self, File};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::{self, figure, BenchOptions, Report};
use crate::http::{self, DeviceKey, Reply};
use crate::json::{self, Value};
use crate::process::step;
use crate::server::{free_port, http_status, sqlite_url, TempDir, READY_PATH};
use crate::workspace::Workspace;

/// The demo account with a PIN and a phone: the bench enrolls a device of its own on it (the
/// seeded devices' private keys are thrown away at seed time).
const ACCOUNT: &str = "enrolled@demo.test";
const PHONE: &str = "+12015550124";
const PIN: &str = "246801";
const PIN_BODY: &str = r#"{"action":"withPIN","pinCode":"246801","operation":"removeProperty"}"#;

/// One thing measured.
struct Target {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    /// Fewer connections than `--connections`, where more would not measure the same thing.
    max_connections: Option<u32>,
}

const TARGETS: [Target; 4] = [
    Target {
        name: "GET account isDeviceActivated",
        method: "GET",
        path: "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated",
        body: None,
        max_connections: None,
    },
    Target {
        name: "GET account isAccountBlocked",
        method: "GET",
        path: "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked",
        body: None,
        max_connections: None,
    },
    Target {
        name: "GET trustedphonenumber",
        method: "GET",
        path: "/api/v1/pims/authentication/trustedphonenumber",
        body: None,
        max_connections: None,
    },
    Target {
        name: "POST otp withPIN (right PIN, argon2id)",
        method: "POST",
        path: "/api/v1/pims/authentication/otp",
        body: Some(PIN_BODY),
        // One account's PIN: a check takes one of its three tries before argon2 runs, so a
        // fourth at once waits a second (2391). Three keep both cores hashing.
        max_connections: Some(3),
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
    /// Answers that were 200: the only ones `rps` counts.
    pub ok: f64,
    /// wrk threads that ran out of proofs (and stopped) before the end.
    pub exhausted: f64,
}

/// A proof's `iat` may be this far from the server's clock (the server's window, 60 s, less
/// a margin for the time between signing and the run).
pub const PROOF_WINDOW_SECONDS: i64 = 50;
/// Pre-signed proofs per run at most (about 550 bytes each on disk and in memory).
pub const MAX_PROOFS: usize = 400_000;

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

    let (device, token) = match enroll(&server.bind) {
        Ok(enrolled) => enrolled,
        Err(error) => return report.fail(error),
    };
    let mut runs = Vec::new();
    for target in &TARGETS {
        let connections = target
            .max_connections
            .map_or(options.connections, |max| options.connections.min(max));
        let options = &BenchOptions {
            connections,
            threads: options.threads.min(connections),
            ..options.clone()
        };
        step(format!(
            "wrk: {} for {} s, {} connections",
            target.name, options.seconds, options.connections
        ));
        match measure(&server.bind, &device, &token, target, options, work.path()) {
            Ok(result) => {
                report.row(
                    format!(
                        "{} ({} conn, {} s)",
                        target.name, options.connections, options.seconds
                    ),
                    format!(
                        "{} req/s (200s only), p50 {} ms, p99 {} ms, non-200 {:.0}{}",
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
        Some(&device),
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

/// What checking one DPoP proof costs the server (`crates/server/examples/proof_cost.rs`:
/// `dpop::verify` on proofs signed beforehand, built with the bench's profile): the share of
/// every request that device binding adds.
pub fn proof_cost(workspace: &Workspace, report: &mut Report) {
    step(format!(
        "cargo run --profile {} -p portal-server --example proof_cost",
        bench::SERVER_PROFILE
    ));
    let output = workspace
        .cargo()
        .args(["run", "--quiet", "--profile", bench::SERVER_PROFILE])
        .args(["--package", "portal-server", "--example", "proof_cost"])
        .output()
        .map_err(|e| format!("cargo run --example proof_cost: {e}"))
        .and_then(|output| {
            if output.status.success() {
                parse_proof_cost(&String::from_utf8_lossy(&output.stdout))
            } else {
                Err(format!(
                    "cargo run --example proof_cost exited {}: {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
        });
    match output {
        Ok(cost) => {
            report.row(
                "DPoP proof check per request (parse, key, ES256 signature, claims)",
                format!(
                    "{} us (median of 7 rounds of 500 proofs; min {}, max {})",
                    figure(cost.median_us),
                    figure(cost.min_us),
                    figure(cost.max_us)
                ),
            );
            report.set("proofCheckUs", Value::num(cost.median_us));
        }
        Err(error) => report.fail(error),
    }
}

/// The figures of `proof_cost`'s line.
#[derive(Debug, PartialEq)]
pub struct ProofCost {
    pub median_us: f64,
    pub min_us: f64,
    pub max_us: f64,
}

/// Reads `proof_check_us median=90.7 min=85.3 max=128.9 proofs=3500`.
pub fn parse_proof_cost(output: &str) -> Result<ProofCost, String> {
    let line = output
        .lines()
        .find(|l| l.starts_with("proof_check_us "))
        .ok_or_else(|| format!("no proof_check_us line in {output:?}"))?;
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|part| part.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| format!("no {name} in {line:?}"))
    };
    Ok(ProofCost {
        median_us: field("median")?,
        min_us: field("min")?,
        max_us: field("max")?,
    })
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
        ("ok", Value::num(result.ok)),
        ("non200", Value::num(result.non200)),
        ("socketErrors", Value::num(result.socket_errors)),
    ])
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Enrolls a new device of `enrolled@` as the portal does (sign in, SMS code from the demo
/// outbox, PIN): its key and the session's bearer token, bound to that key.
fn enroll(bind: &str) -> Result<(DeviceKey, String), String> {
    let device = DeviceKey::generate();
    let call = |method: &str, path: &str, token: Option<&str>, body: Option<&str>| {
        let reply = http::request(bind, method, path, token, Some(&device), body)
            .map_err(|e| format!("enrolling a device: {method} {path}: {e}"))?;
        if !reply.succeeded() {
            return Err(format!(
                "enrolling a device: {method} {path}: HTTP {} {}",
                reply.status, reply.body
            ));
        }
        Ok::<Reply, String>(reply)
    };
    let body = format!(r#"{{"email":"{ACCOUNT}","password":"demo-password"}}"#);
    let reply = call("POST", "/api/v1/session", None, Some(&body))?;
    let token = http::json_string(&reply.body, "token")
        .ok_or_else(|| format!("no token in {}", reply.body))?;
    let bearer = Some(token.as_str());
    call(
        "POST",
        "/api/v1/pims/authentication/smscode/request",
        bearer,
        Some(r#"{"type":"enrollment"}"#),
    )?;
    let outbox = format!("/api/v1/dev/outbox?to={}", PHONE.replace('+', "%2B"));
    // As the account: the outbox shows a session its own account's messages only.
    let outbox = http::request(bind, "GET", &outbox, bearer, Some(&device), None)
        .map_err(|e| format!("reading the demo outbox: {e}"))?;
    let text = http::json_string(&outbox.body, "text").unwrap_or_default();
    let code = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|word| word.len() == 6)
        .ok_or_else(|| format!("no SMS code in the outbox: {}", outbox.body))?;
    let body = format!(r#"{{"action":"enrollment","smsCode":"{code}"}}"#);
    call(
        "POST",
        "/api/v1/pims/authentication/smscode",
        bearer,
        Some(&body),
    )?;
    let body = format!(r#"{{"action":"enroll","pinCode":"{PIN}"}}"#);
    call(
        "POST",
        "/api/v1/pims/authentication/enrollment",
        bearer,
        Some(&body),
    )?;
    Ok((device, token))
}

/// One request by hand (it must be 200 and SUCCEEDED), then the wrk run, repeated with more
/// proofs if a wrk thread ran out of them.
fn measure(
    bind: &str,
    device: &DeviceKey,
    token: &str,
    target: &Target,
    options: &BenchOptions,
    work: &Path,
) -> Result<WrkResult, String> {
    if options.seconds > MAX_RUN_SECONDS {
        return Err(format!(
            "runs of at most {MAX_RUN_SECONDS} s: each request's DPoP proof is signed before \
             the run, and the server takes a proof only within 60 s of its iat"
        ));
    }
    let reply = http::request(
        bind,
        target.method,
        target.path,
        Some(token),
        Some(device),
        target.body,
    )
    .map_err(|e| e.to_string())?;
    if reply.status != 200 || !reply.succeeded() {
        return Err(format!(
            "the first request answered HTTP {}: {}",
            reply.status, reply.body
        ));
    }
    let signer = Signer::measure(device);
    let mut count = signer.proofs_for(options.seconds);
    loop {
        let result = run_wrk(bind, &signer, token, target, options, work, count)?;
        if result.exhausted == 0.0 {
            return Ok(result);
        }
        if count >= MAX_PROOFS {
            return Err(format!(
                "the server took all {count} proofs signed for the run before its end: \
                 lower --seconds"
            ));
        }
        count = (count * 4).min(MAX_PROOFS);
        step(format!(
            "wrk: a thread ran out of proofs before the end; again with {count}"
        ));
    }
}

/// The longest wrk run whose pre-signed proofs all stay within the server's `iat` window.
pub const MAX_RUN_SECONDS: u64 = 2 * PROOF_WINDOW_SECONDS as u64;

/// Signs proofs on every core, at a rate measured on this machine.
pub struct Signer<'a> {
    pub device: &'a DeviceKey,
    pub workers: usize,
    /// Proofs a second, all workers together.
    pub per_second: f64,
}

impl<'a> Signer<'a> {
    pub fn measure(device: &'a DeviceKey) -> Signer<'a> {
        let started = Instant::now();
        let mut signed = 0u32;
        while started.elapsed() < Duration::from_millis(200) {
            device.proof("GET", "http://127.0.0.1:1/", Some("token"), 0);
            signed += 1;
        }
        let workers = thread::available_parallelism().map_or(1, |n| n.get());
        Signer {
            device,
            workers,
            per_second: f64::from(signed) / started.elapsed().as_secs_f64() * workers as f64,
        }
    }

    /// What the server could at most verify in `seconds`: an ECDSA verification costs more
    /// than a signature, and the server has no more cores than this machine (it is on it).
    pub fn proofs_for(&self, seconds: u64) -> usize {
        ((self.per_second * seconds as f64) as usize).clamp(1_000, MAX_PROOFS)
    }

    /// `count` requests of `method` `url`, each signed for `token` and sent with `body`.
    fn write(
        &self,
        (method, url): (&str, &str),
        (token, body): (&str, &str),
        count: usize,
        run_seconds: u64,
        files: &[PathBuf],
    ) -> Result<(), String> {
        self.write_lines(count, run_seconds, files, |_, iat| {
            let proof = self.device.proof(method, url, Some(token), iat);
            format!("{proof}\t{token}\t{body}")
        })
    }

    /// `count` request lines for [`wrk_script`], line `n` made by `line(n, iat)` on every
    /// core and written to file `n % files.len()`. `iat` is the middle of the run as
    /// foreseen, so that every proof is fresh throughout.
    pub fn write_lines(
        &self,
        count: usize,
        run_seconds: u64,
        files: &[PathBuf],
        line: impl Fn(usize, i64) -> String + Sync,
    ) -> Result<(), String> {
        let signing_seconds = (count as f64 / self.per_second).ceil() as i64;
        let iat = http::unix_now() + signing_seconds + (run_seconds / 2) as i64;
        let workers = self.workers.max(1);
        let line = &line;
        let chunks: Vec<Vec<String>> = thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|worker| {
                    scope.spawn(move || {
                        (worker..count)
                            .step_by(workers)
                            .map(|n| line(n, iat))
                            .collect::<Vec<String>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap_or_default())
                .collect()
        });
        let mut writers = files
            .iter()
            .map(|path| {
                File::create(path)
                    .map(BufWriter::new)
                    .map_err(|e| format!("{}: {e}", path.display()))
            })
            .collect::<Result<Vec<_>, String>>()?;
        for n in 0..count {
            let line = &chunks[n % workers][n / workers];
            writeln!(writers[n % files.len()], "{line}").map_err(|e| e.to_string())?;
        }
        for mut writer in writers {
            writer.flush().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// One wrk run with `count` fresh proofs.
fn run_wrk(
    bind: &str,
    signer: &Signer<'_>,
    token: &str,
    target: &Target,
    options: &BenchOptions,
    work: &Path,
    count: usize,
) -> Result<WrkResult, String> {
    let files: Vec<PathBuf> = (0..options.threads.max(1))
        .map(|thread| work.join(format!("proofs-{thread}.txt")))
        .collect();
    let url = format!("http://{bind}{}", target.path);
    let started = Instant::now();
    signer.write(
        (target.method, &url),
        (token, target.body.unwrap_or_default()),
        count,
        options.seconds,
        &files,
    )?;
    step(format!(
        "wrk: {count} DPoP proofs signed in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let script = work.join("wrk.lua");
    fs::write(&script, wrk_script(target.method, &files))
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
            .arg(&url)
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
    for path in &files {
        let _ = fs::remove_file(path);
    }
    if !status.success() {
        return Err(format!("wrk exited {status}"));
    }
    parse_wrk(&text)
}

/// The Lua script: `method`, each request the next line of its thread's file (proof, token
/// and body, tab-separated; token and body may be empty), a count of the answers that were
/// 200 and of those that were not over all threads, and the summary as one JSON line for
/// [`parse_wrk`].
pub fn wrk_script(method: &str, files: &[PathBuf]) -> String {
    let mut script = format!("wrk.method = \"{method}\"\nlocal proof_files = {{\n");
    for path in files {
        script.push_str(&format!("  [==[{}]==],\n", path.display()));
    }
    script.push_str("}\n");
    script.push_str(
        r#"local threads = {}
function setup(thread)
  thread:set("proof_file", proof_files[#threads % #proof_files + 1])
  table.insert(threads, thread)
end
function init(args)
  ok = 0
  non200 = 0
  exhausted = 0
  proofs = assert(io.open(proof_file))
end
function request()
  local line = proofs:read("*l")
  if line == nil then
    -- A proof sent again is refused as a replay: stop, rather than measure refusals.
    exhausted = 1
    wrk.thread:stop()
    return wrk.format(nil, nil, { ["DPoP"] = "exhausted" })
  end
  local proof, token, body = string.match(line, "^([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = { ["Accept"] = "application/json", ["DPoP"] = proof }
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if body == "" then
    body = nil
  else
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(nil, nil, headers, body)
end
function response(status, headers, body)
  if exhausted == 1 then return end
  if status == 200 then ok = ok + 1 else non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local ok, non, exhausted = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("ok")
    non = non + t:get("non200")
    exhausted = exhausted + t:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format('XTASK-WRK {"requests":%.0f,"durationUs":%.0f,"ok":%.0f,"non200":%.0f,' ..
    '"exhausted":%.0f,"connectErrors":%.0f,"readErrors":%.0f,"writeErrors":%.0f,"timeouts":%.0f,' ..
    '"meanUs":%.1f,"p50Us":%.0f,"p90Us":%.0f,"p99Us":%.0f,"maxUs":%.0f}\n',
    summary.requests, summary.duration, ok, non, exhausted, e.connect, e.read, e.write, e.timeout,
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
        // Only right answers count: a refusal is cheap and would flatter the figure.
        rps: if seconds > 0.0 {
            n("ok") / seconds
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
        ok: n("ok"),
        exhausted: n("exhausted"),
    })
}

/// The server under load: API only (no portal files), demo accounts, warnings only in its
/// log (a log line per request would be measured too), killed when dropped.
pub struct Process {
    child: Child,
    pub bind: String,
}

impl Process {
    fn start(binary: &Path, dir: &Path, log: &Path) -> Result<Process, String> {
        let mut args: Vec<String> = ["--database-url", &sqlite_url(dir), "--demo"]
            .into_iter()
            .chain(crate::server::RELAXED_LIMITS)
            .map(String::from)
            .collect();
        args.push("--static-dir".into());
        args.push(dir.join("no-portal").to_string_lossy().into_owned());
        Process::spawn(binary, &args, &[], log)
    }

    /// `binary --bind <a free loopback port> args...` with `env` as its only `PORTAL_*`
    /// variables; waits until it answers.
    pub fn spawn(
        binary: &Path,
        args: &[String],
        env: &[(&str, String)],
        log: &Path,
    ) -> Result<Process, String> {
        let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let copy = file.try_clone().map_err(|e| e.to_string())?;
        let bind = format!("127.0.0.1:{}", free_port()?);
        let mut command = Command::new(binary);
        command
            .args(["--bind", &bind])
            .args(args)
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(copy)
            .env("RUST_LOG", "warn");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PORTAL_") {
                command.env_remove(name);
            }
        }
        command.envs(env.iter().map(|(name, value)| (name, value)));
        step(format!(
            "starting {} {} on {bind} (API only; log: {})",
            binary.display(),
            args.iter()
                .filter(|a| a.starts_with("--demo"))
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
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
    pub fn memory(&self, field: &str) -> Option<u64> {
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
    fn the_proof_cost_line_is_read() {
        assert_eq!(
            parse_proof_cost("noise\nproof_check_us median=90.7 min=85.3 max=128.9 proofs=3500\n"),
            Ok(ProofCost {
                median_us: 90.7,
                min_us: 85.3,
                max_us: 128.9
            })
        );
        assert!(parse_proof_cost("proof_check_us min=1 max=2").is_err());
        assert!(parse_proof_cost("").is_err());
    }

    #[test]
    fn the_wrk_summary_line_is_read() {
        let output = "Running 10s test @ http://127.0.0.1:1/x\n  2 threads and 16 connections\n\
            XTASK-WRK {\"requests\":50000,\"durationUs\":10000000,\"ok\":49990,\"non200\":10,\
            \"exhausted\":0,\"connectErrors\":0,\
            \"readErrors\":1,\"writeErrors\":0,\"timeouts\":2,\"meanUs\":3100.5,\"p50Us\":2800,\
            \"p90Us\":4000,\"p99Us\":9500,\"maxUs\":20000}\n";
        let result = parse_wrk(output).unwrap();
        assert_eq!(result.requests, 50000.0);
        assert_eq!(result.rps, 4999.0, "200s only");
        assert_eq!(
            (result.ok, result.non200, result.exhausted),
            (49990.0, 10.0, 0.0)
        );
        assert_eq!(result.p50_ms, 2.8);
        assert_eq!(result.p99_ms, 9.5);
        assert_eq!(result.socket_errors, 3.0);
        assert!(parse_wrk("Running 10s test\n").is_err());
    }

    #[test]
    fn the_script_sends_each_line_as_proof_token_and_body() {
        let files = [
            PathBuf::from("/tmp/w/proofs-0.txt"),
            PathBuf::from("/tmp/w/proofs-1.txt"),
        ];
        let script = wrk_script("POST", &files);
        assert!(script.starts_with("wrk.method = \"POST\"\n"), "{script}");
        assert!(script.contains("[==[/tmp/w/proofs-0.txt]==],\n  [==[/tmp/w/proofs-1.txt]==]"));
        assert!(script.contains(r#"string.match(line, "^([^\t]*)\t([^\t]*)\t(.*)$")"#));
        assert!(script.contains(r#"headers["Authorization"] = "Bearer " .. token"#));
        assert!(script.contains("function response(status"));
        assert!(script.contains("XTASK-WRK"));
    }

    #[test]
    fn proofs_are_dealt_to_the_files_one_a_line_each_for_the_run() {
        let dir = TempDir::new("portal-load-test").unwrap();
        let device = DeviceKey::generate();
        let signer = Signer {
            device: &device,
            workers: 3,
            per_second: 1_000.0,
        };
        let files: Vec<PathBuf> = (0..2)
            .map(|n| dir.path().join(format!("proofs-{n}.txt")))
            .collect();
        let url = "http://127.0.0.1:9/api/v1/pims/authentication/trustedphonenumber";
        signer
            .write(("POST", url), ("tok", PIN_BODY), 101, 10, &files)
            .unwrap();
        let mut lines = Vec::new();
        for path in &files {
            lines.extend(fs::read_to_string(path).unwrap().lines().map(String::from));
        }
        assert_eq!(lines.len(), 101);
        assert_eq!(fs::read_to_string(&files[0]).unwrap().lines().count(), 51);
        let unique: std::collections::HashSet<&str> = lines
            .iter()
            .map(|line| line.split('\t').next().unwrap())
            .collect();
        assert_eq!(unique.len(), 101, "a proof is good for one request");
        for line in &lines {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "{line}");
            assert_eq!(fields[0].split('.').count(), 3, "a JWS: {line}");
            assert_eq!(&fields[1..], ["tok", PIN_BODY]);
        }
    }
}
