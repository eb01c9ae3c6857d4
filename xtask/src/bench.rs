//! `cargo xtask bench`: the measurements of the portal and its server, printed as one table
//! and written to `target/bench/bench.json` (and a timestamped copy).
//!
//! Sections (all but `soak` and `scale` by default, in this order): `size` (first-load
//! transfer of the release build, gzip and brotli as served, gzip -9 to compare),
//! `lighthouse` (mobile, two pages), `nav` (Playwright: navigation to the first interactive
//! screen, requests per user action), `server` (wrk against the release server: status reads
//! and a PIN check), `soak` (the long mixed traffic run of `soak.rs`, on demand) and `scale`
//! (`scale.rs`: the same server on SQLite and PostgreSQL seeded with 10^3 to 10^6 accounts,
//! on demand). A section that fails reports its error in its row and in the JSON; the
//! others still run.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::bootstrap::{self, Needs};
use crate::json::Value;
use crate::process::{describe, format_duration, probe, run, step, timed};
use crate::scale::{self, ScaleOptions};
use crate::server::{free_port, sqlite_url, NotReady, Server, ServerOptions, TempDir};
use crate::snapshot;
use crate::soak::SoakOptions;
use crate::tasks;
use crate::workspace::Workspace;

/// The cargo profile the bench builds `portal-server` with (root `Cargo.toml`).
pub const SERVER_PROFILE: &str = "bench-server";

/// One part of the bench.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Size,
    Lighthouse,
    Nav,
    Server,
    Soak,
    Scale,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Size,
        Section::Lighthouse,
        Section::Nav,
        Section::Server,
        Section::Soak,
        Section::Scale,
    ];
    /// What `cargo xtask bench` runs when no section is named.
    pub const DEFAULT: [Section; 4] = [
        Section::Size,
        Section::Lighthouse,
        Section::Nav,
        Section::Server,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Section::Size => "size",
            Section::Lighthouse => "lighthouse",
            Section::Nav => "nav",
            Section::Server => "server",
            Section::Soak => "soak",
            Section::Scale => "scale",
        }
    }

    pub fn parse(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether it measures the portal's build.
    fn needs_dist(self) -> bool {
        matches!(self, Section::Size | Section::Lighthouse | Section::Nav)
    }

    /// Whether it runs the release server.
    fn needs_release_server(self) -> bool {
        matches!(
            self,
            Section::Lighthouse | Section::Nav | Section::Server | Section::Scale
        )
    }

    /// The tools it needs besides the build's.
    fn needs(self) -> Needs {
        match self {
            Section::Size => Needs {
                brotli: true,
                ..Needs::default()
            },
            Section::Lighthouse | Section::Nav => Needs {
                browser: true,
                playwright: true,
                ..Needs::default()
            },
            Section::Server => Needs {
                wrk: true,
                ..Needs::default()
            },
            Section::Soak => Needs::default(),
            // PostgreSQL comes with `postgres::local_database` (apt, as for the tests).
            Section::Scale => Needs {
                wrk: true,
                sqlite3: true,
                ..Needs::default()
            },
        }
    }
}

/// Which build of the portal the bench measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DistSource {
    /// `trunk build --release` now (under the dist lock), then a checked copy.
    Build,
    /// A checked copy of the `dist/` already there (`--no-build`).
    Existing,
    /// This folder as it is (`--dist DIR`).
    Dir(PathBuf),
}

/// Everything `cargo xtask bench` takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchOptions {
    pub sections: Vec<Section>,
    /// Navigation timings: the median of this many runs.
    pub runs: u32,
    /// Lighthouse runs per page (medians when more than one).
    pub lighthouse_runs: u32,
    pub dist: DistSource,
    /// Length of each wrk run.
    pub seconds: u64,
    pub connections: u32,
    pub threads: u32,
    pub soak: SoakOptions,
    pub scale: ScaleOptions,
}

impl Default for BenchOptions {
    fn default() -> BenchOptions {
        BenchOptions {
            sections: Section::DEFAULT.to_vec(),
            runs: 7,
            // The figure (18): each score the median of 5 runs of one page.
            lighthouse_runs: 5,
            dist: DistSource::Build,
            seconds: 10,
            connections: 16,
            threads: 2,
            soak: SoakOptions::default(),
            scale: ScaleOptions::default(),
        }
    }
}

pub const USAGE: &str =
    "  bench [SECTION...] [--runs N] [--lighthouse-runs N (5)] [--no-build | --dist DIR]
        [--seconds S] [--connections C] [--threads T] [--soak-seconds S] [--rate R]
        [--sizes N,N...] [--databases sqlite,postgres]
                             measure and print one table, also in target/bench/bench.json;
                             SECTION: size, lighthouse, nav, server (default: these four), soak
                             (mixed traffic for --soak-seconds S (60) at --rate R/s (40); the
                             soak flags alone, or --soak, run the soak), scale (the server on
                             --databases (both) seeded with --sizes accounts (1000,100000,
                             1000000), --seconds S (5) per endpoint; its flags alone run it)
";

/// `[SECTION...] [flags]` (see `USAGE`).
pub fn parse_args(args: &[String]) -> Result<BenchOptions, String> {
    let mut options = BenchOptions::default();
    let mut sections = Vec::new();
    let mut soak_flag = false;
    let mut scale_flag = false;
    let mut rest = args.iter();
    let number = |flag: &str, value: Option<&String>| -> Result<u64, String> {
        value
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("bench: {flag} takes a positive number"))
    };
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--runs" => options.runs = number(arg, rest.next())? as u32,
            "--lighthouse-runs" => options.lighthouse_runs = number(arg, rest.next())? as u32,
            "--seconds" => {
                options.seconds = number(arg, rest.next())?;
                options.scale.seconds = options.seconds;
            }
            "--sizes" => {
                let list = rest
                    .next()
                    .ok_or("bench: --sizes takes a list such as 1000,100000")?;
                options.scale.sizes = scale::parse_sizes(list)?;
                scale_flag = true;
            }
            "--databases" => {
                let list = rest
                    .next()
                    .ok_or("bench: --databases takes sqlite and/or postgres")?;
                options.scale.databases = scale::parse_databases(list)?;
                scale_flag = true;
            }
            "--connections" => options.connections = number(arg, rest.next())? as u32,
            "--threads" => options.threads = number(arg, rest.next())? as u32,
            "--soak-seconds" => {
                options.soak.seconds = number(arg, rest.next())?;
                soak_flag = true;
            }
            "--rate" => {
                options.soak.rate = number(arg, rest.next())? as u32;
                soak_flag = true;
            }
            "--soak" => soak_flag = true,
            "--no-build" => options.dist = DistSource::Existing,
            "--dist" => {
                let dir = rest.next().ok_or("bench: --dist takes a folder")?;
                options.dist = DistSource::Dir(PathBuf::from(dir));
            }
            name => match Section::parse(name) {
                Some(section) => {
                    if !sections.contains(&section) {
                        sections.push(section);
                    }
                }
                None => {
                    return Err(format!(
                        "bench: unknown section or flag `{name}` (sections: size, lighthouse, \
                         nav, server, soak, scale)"
                    ))
                }
            },
        }
    }
    if soak_flag && !sections.contains(&Section::Soak) {
        sections.push(Section::Soak);
    }
    if scale_flag && !sections.contains(&Section::Scale) {
        sections.push(Section::Scale);
    }
    if !sections.is_empty() {
        options.sections = Section::ALL
            .into_iter()
            .filter(|s| sections.contains(s))
            .collect();
    }
    if options.threads > options.connections {
        return Err("bench: --threads cannot exceed --connections (wrk)".into());
    }
    Ok(options)
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub section: String,
    pub measure: String,
    pub value: String,
}

/// What a section measured: rows for the table, members of its JSON object, and errors
/// (the section failed, perhaps after measuring part of it).
#[derive(Debug, Default)]
pub struct Report {
    section: &'static str,
    pub rows: Vec<Row>,
    pub json: Vec<(String, Value)>,
    pub errors: Vec<String>,
}

impl Report {
    pub fn new(section: Section) -> Report {
        Report {
            section: section.name(),
            ..Report::default()
        }
    }

    pub fn row(&mut self, measure: impl Into<String>, value: impl Into<String>) {
        self.rows.push(Row {
            section: self.section.to_string(),
            measure: measure.into(),
            value: value.into(),
        });
    }

    pub fn set(&mut self, key: &str, value: Value) {
        self.json.push((key.to_string(), value));
    }

    /// Records an error (and prints it at once).
    pub fn fail(&mut self, error: impl Into<String>) {
        let error = error.into();
        eprintln!("xtask: bench {}: {error}", self.section);
        self.errors.push(error);
    }

    fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn into_json(self) -> Value {
        let mut pairs = vec![
            ("ok".to_string(), Value::Bool(self.errors.is_empty())),
            (
                "errors".to_string(),
                Value::Array(self.errors.into_iter().map(Value::String).collect()),
            ),
        ];
        pairs.extend(self.json);
        Value::Object(pairs)
    }
}

/// `cargo xtask bench`: `Ok(false)` when a section failed (its figures are still written).
pub fn bench(workspace: &Workspace, options: &BenchOptions) -> Result<bool, String> {
    let started = SystemTime::now();
    let out_dir = workspace.target_dir().join("bench");
    fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let sections = &options.sections;
    step(format!(
        "bench: {}",
        sections
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    ));

    // Tools: the build's first (the sections that measure it share one copy), then each
    // section's own, whose failure fails that section only.
    let wants_dist = sections.iter().any(|s| s.needs_dist());
    let mut tool_errors: Vec<(Section, String)> = Vec::new();
    let base = if wants_dist && options.dist == DistSource::Build {
        Needs::BUILD
    } else {
        Needs::default()
    };
    let base_ready = bootstrap::ensure(workspace, base);
    let mut ensured: Vec<(Needs, Result<(), String>)> = Vec::new();
    for &section in sections {
        let needs = section.needs();
        let result = match ensured.iter().find(|(n, _)| *n == needs) {
            Some((_, result)) => result.clone(),
            None => {
                let result = bootstrap::ensure(workspace, needs);
                ensured.push((needs, result.clone()));
                result
            }
        };
        if let Err(error) = result {
            tool_errors.push((section, error));
        }
    }

    // The build measured, once.
    let dist: Option<Result<Dist, String>> = wants_dist.then(|| {
        base_ready.clone()?;
        Dist::prepare(workspace, &options.dist)
    });
    // The release server, once, for the sections that run it.
    let server: Option<Result<PathBuf, String>> = sections
        .iter()
        .any(|s| s.needs_release_server())
        .then(|| build_release_server(workspace));

    let mut reports = Vec::new();
    for &section in sections {
        step(format!("bench section: {}", section.name()));
        let mut report = Report::new(section);
        let (_, took) = timed(|| {
            if let Some((_, error)) = tool_errors.iter().find(|(s, _)| *s == section) {
                report.fail(format!("missing tools: {error}"));
                return;
            }
            let dist = match (&dist, section.needs_dist()) {
                (Some(Ok(dist)), true) => Some(dist.path()),
                (Some(Err(error)), true) => {
                    report.fail(format!("no build to measure: {error}"));
                    return;
                }
                _ => None,
            };
            let binary = match (&server, section.needs_release_server()) {
                (Some(Ok(binary)), true) => Some(binary.as_path()),
                (Some(Err(error)), true) => {
                    report.fail(format!("no release server: {error}"));
                    return;
                }
                _ => None,
            };
            match section {
                Section::Size => crate::transfer::run(dist.expect("size has a build"), &mut report),
                Section::Lighthouse => crate::lighthouse::run(
                    workspace,
                    binary.expect("lighthouse has a server"),
                    dist.expect("lighthouse has a build"),
                    options.lighthouse_runs,
                    &out_dir,
                    &mut report,
                ),
                Section::Nav => crate::nav::run(
                    workspace,
                    binary.expect("nav has a server"),
                    dist.expect("nav has a build"),
                    options.runs,
                    &out_dir,
                    &mut report,
                ),
                Section::Server => {
                    crate::load::run(
                        binary.expect("server has a binary"),
                        options,
                        &out_dir,
                        &mut report,
                    );
                    crate::load::proof_cost(workspace, &mut report);
                }
                Section::Soak => match crate::soak::bench(workspace, options.soak) {
                    Ok(()) => report.row("soak (see its report above)", "ok"),
                    Err(error) => report.fail(error),
                },
                Section::Scale => scale::run(
                    binary.expect("scale has a server"),
                    options,
                    &out_dir,
                    &mut report,
                ),
            }
        });
        report.set("seconds", Value::num(took.as_secs_f64().round()));
        if !report.ok() {
            let first = report.errors[0]
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            report.row("FAILED", first);
        }
        reports.push((section, report));
    }

    let all_ok = reports.iter().all(|(_, r)| r.ok());
    let rows: Vec<Row> = reports.iter().flat_map(|(_, r)| r.rows.clone()).collect();
    let mut meta = vec![
        ("schema".to_string(), Value::num(1)),
        ("startedAt".to_string(), Value::str(iso_utc(started))),
        (
            "commit".to_string(),
            probe(
                "git",
                &["-C", &workspace.root.to_string_lossy(), "rev-parse", "HEAD"],
            )
            .map_or(Value::Null, Value::String),
        ),
        ("cpus".to_string(), Value::num(cpus() as f64)),
        ("loadAverage".to_string(), Value::opt_num(load_average())),
        (
            "dist".to_string(),
            match &dist {
                Some(Ok(dist)) => Value::str(dist.origin.clone()),
                _ => Value::Null,
            },
        ),
        ("ok".to_string(), Value::Bool(all_ok)),
    ];
    let mut section_values = Vec::new();
    for (section, report) in reports {
        section_values.push((section.name().to_string(), report.into_json()));
    }
    meta.push(("sections".to_string(), Value::Object(section_values)));
    let document = Value::Object(meta).pretty() + "\n";
    let latest = out_dir.join("bench.json");
    let stamped = out_dir.join(format!("bench-{}.json", file_stamp(started)));
    for path in [&latest, &stamped] {
        fs::write(path, &document).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!();
    print!("{}", format_table(&rows));
    println!(
        "\nfigures in {} (and {})",
        latest.display(),
        stamped.file_name().unwrap_or_default().to_string_lossy()
    );
    Ok(all_ok)
}

/// The build being measured: a checked private copy of `dist/` (so that a rebuild during
/// the bench cannot change it), or the folder given with `--dist`.
struct Dist {
    copy: Option<TempDir>,
    dir: PathBuf,
    /// What was measured, for the JSON: `dist/ (built now)`, `dist/ (as found)`, a folder.
    origin: String,
}

impl Dist {
    fn prepare(workspace: &Workspace, source: &DistSource) -> Result<Dist, String> {
        match source {
            DistSource::Build => {
                let copy = TempDir::new("portal-bench-dist")?;
                tasks::build_portal(workspace, Some(copy.path()), tasks::Flavor::Shipped)?;
                Ok(Dist {
                    dir: copy.path().to_path_buf(),
                    copy: Some(copy),
                    origin: "dist/ (built by the bench)".into(),
                })
            }
            DistSource::Existing => {
                let copy = TempDir::new("portal-bench-dist")?;
                step(format!(
                    "copying dist/ as it is to {} (--no-build)",
                    copy.path().display()
                ));
                snapshot::snapshot(&workspace.dist(), copy.path())?;
                Ok(Dist {
                    dir: copy.path().to_path_buf(),
                    copy: Some(copy),
                    origin: "dist/ (as found, --no-build)".into(),
                })
            }
            DistSource::Dir(dir) => {
                let dir = workspace.root.join(dir);
                if !dir.join("index.html").is_file() {
                    return Err(format!("{}/index.html is missing", dir.display()));
                }
                Ok(Dist {
                    origin: dir.display().to_string(),
                    dir,
                    copy: None,
                })
            }
        }
    }

    fn path(&self) -> &Path {
        match &self.copy {
            Some(copy) => copy.path(),
            None => &self.dir,
        }
    }
}

/// `cargo build --profile bench-server -p portal-server`: optimised like a production build
/// (opt-level 3, thin LTO), faster to build than the release profile's fat LTO.
pub fn build_release_server(workspace: &Workspace) -> Result<PathBuf, String> {
    step(format!(
        "cargo build --profile {SERVER_PROFILE} -p portal-server (first time: several minutes)"
    ));
    let (result, took) = timed(|| {
        run(workspace.cargo().args([
            "build",
            "--profile",
            SERVER_PROFILE,
            "--package",
            "portal-server",
            "--bin",
            "portal-server",
        ]))
    });
    result?;
    step(format!("release server built in {}", format_duration(took)));
    Ok(workspace
        .target_dir()
        .join(SERVER_PROFILE)
        .join("portal-server"))
}

/// The start of a section that drives a Node tool against a demo server: checks that
/// `tool` (installed by `npm ci` in e2e/) is there and starts the server, logging to `log`.
/// `None` when either fails, with the reason in `report`.
pub fn tool_and_server(
    workspace: &Workspace,
    binary: &Path,
    dist: &Path,
    tool: &Path,
    log: &Path,
    report: &mut Report,
) -> Option<(Server, TempDir)> {
    if !tool.exists() {
        report.fail(format!(
            "{} is missing (npm ci in e2e/ installs it)",
            tool.display()
        ));
        return None;
    }
    match start_demo_server(workspace, binary, dist, log) {
        Ok(started) => Some(started),
        Err(error) => {
            report.fail(error);
            None
        }
    }
}

/// `portal-server --demo` from `binary` on a free loopback port with a throw-away SQLite
/// database, serving `static_dir`; waits until it answers. The database folder lives as
/// long as the returned `TempDir`.
pub fn start_demo_server(
    workspace: &Workspace,
    binary: &Path,
    static_dir: &Path,
    log: &Path,
) -> Result<(Server, TempDir), String> {
    let mut attempts_left = 3;
    loop {
        let database = TempDir::new("portal-bench-db")?;
        let port = free_port()?;
        let options = ServerOptions {
            bind: format!("127.0.0.1:{port}"),
            database_url: sqlite_url(database.path()),
            static_dir: static_dir.to_path_buf(),
            demo: true,
            log: Some(log.to_path_buf()),
            hermetic: true,
            relaxed_limits: true,
        };
        let mut server = Server::start(binary, &workspace.root, &options)?;
        attempts_left -= 1;
        match server.wait_ready(Duration::from_secs(90)) {
            Ok(()) => return Ok((server, database)),
            Err(NotReady::Exited(_)) if server.lost_its_port() && attempts_left > 0 => {
                step(format!("port {port} was taken meanwhile; another one"));
            }
            Err(not_ready) => return Err(not_ready.into()),
        }
    }
}

/// Runs `command` (after printing it), killing it and everything it started (its own process
/// group) after `limit`. Errors when it cannot start or runs out of time; the exit status
/// otherwise.
pub fn run_bounded(command: &mut Command, limit: Duration) -> Result<ExitStatus, String> {
    use std::os::unix::process::CommandExt;
    let line = describe(command);
    println!("    $ {line}");
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        if started.elapsed() > limit {
            kill_group(child.id());
            let _ = child.wait();
            return Err(format!(
                "`{line}` ran past {} and was stopped",
                format_duration(limit)
            ));
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// SIGKILL to the process group led by `pid`.
fn kill_group(pid: u32) {
    extern "C" {
        fn kill(pid: i32, signal: i32) -> i32;
    }
    const SIGKILL: i32 = 9;
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) on a process group we created; no memory is shared.
        unsafe {
            kill(-pid, SIGKILL);
        }
    }
}

/// The longest rule between sections (long values wrap in a terminal anyway).
const RULE_MAX: usize = 100;

/// The table: section, measure, value; columns padded to the widest cell.
pub fn format_table(rows: &[Row]) -> String {
    let header = Row {
        section: "section".into(),
        measure: "measure".into(),
        value: "value".into(),
    };
    let width = |cell: fn(&Row) -> &str| {
        rows.iter()
            .chain([&header])
            .map(|r| cell(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (a, b) = (width(|r| &r.section), width(|r| &r.measure));
    let mut table = String::new();
    let mut previous = "";
    for (i, row) in std::iter::once(&header).chain(rows).enumerate() {
        if i == 1 || (i > 1 && row.section != previous) {
            table.push_str(&"-".repeat((a + b + 4 + width(|r| &r.value)).min(RULE_MAX)));
            table.push('\n');
        }
        previous = &row.section;
        let line = format!("{:<a$}  {:<b$}  {}", row.section, row.measure, row.value);
        table.push_str(line.trim_end());
        table.push('\n');
    }
    table
}

/// The median of `values` (the mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

fn cpus() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

pub fn load_average() -> Option<f64> {
    fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `2025-01-31T12:34:56Z`.
pub fn iso_utc(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(time);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `20250131T123456Z`, for file names.
fn file_stamp(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(time);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// UTC calendar date and time (Howard Hinnant's days-to-civil).
fn civil(time: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `1234.5` as `1,235`, `12.34` as `12.3`, `0.5` as `0.50`: figures for the table.
pub fn figure(value: f64) -> String {
    if value >= 1000.0 {
        crate::budget::thousands(value.round() as u64)
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn bench_runs_the_four_measurements_by_default_and_soak_on_demand() {
        let options = parse_args(&[]).unwrap();
        assert_eq!(options, BenchOptions::default());
        assert_eq!(options.sections, Section::DEFAULT);
        assert_eq!(options.runs, 7);

        let options =
            parse_args(&strings(&["server", "size", "--runs", "3", "--no-build"])).unwrap();
        assert_eq!(options.sections, [Section::Size, Section::Server]);
        assert_eq!((options.runs, options.dist), (3, DistSource::Existing));

        // The soak's own flags still run the soak (and only it).
        let options = parse_args(&strings(&["--soak-seconds", "30", "--rate", "10"])).unwrap();
        assert_eq!(options.sections, [Section::Soak]);
        assert_eq!((options.soak.seconds, options.soak.rate), (30, 10));
        assert_eq!(
            parse_args(&strings(&["--soak"])).unwrap().sections,
            [Section::Soak]
        );

        let options = parse_args(&strings(&["nav", "--dist", "/tmp/d"])).unwrap();
        assert_eq!(options.dist, DistSource::Dir(PathBuf::from("/tmp/d")));
        assert!(parse_args(&strings(&["--runs", "0"])).is_err());
        assert!(parse_args(&strings(&["--runs"])).is_err());
        assert!(parse_args(&strings(&["speed"])).is_err());
        assert!(parse_args(&strings(&["--threads", "4", "--connections", "2"])).is_err());
    }

    #[test]
    fn scale_runs_on_demand_with_its_sizes_databases_and_seconds() {
        assert!(!Section::DEFAULT.contains(&Section::Scale));
        let options = parse_args(&strings(&["scale"])).unwrap();
        assert_eq!(options.sections, [Section::Scale]);
        assert_eq!(options.scale, ScaleOptions::default());
        assert_eq!(
            (options.scale.seconds, options.seconds),
            (scale::DEFAULT_SECONDS, 10)
        );
        // Its flags alone run it; --seconds is the runs' length there too.
        let options = parse_args(&strings(&[
            "--sizes",
            "1000",
            "--seconds",
            "3",
            "--databases",
            "sqlite",
        ]))
        .unwrap();
        assert_eq!(options.sections, [Section::Scale]);
        assert_eq!(options.scale.sizes, [1_000]);
        assert_eq!(options.scale.databases, [scale::Database::Sqlite]);
        assert_eq!((options.scale.seconds, options.seconds), (3, 3));
        let options = parse_args(&strings(&["server", "--databases", "postgres"])).unwrap();
        assert_eq!(options.sections, [Section::Server, Section::Scale]);
        assert!(parse_args(&strings(&["--sizes"])).is_err());
        assert!(parse_args(&strings(&["--sizes", "0"])).is_err());
        assert!(parse_args(&strings(&["scale", "--databases", "oracle"])).is_err());
    }

    #[test]
    fn the_table_groups_rows_by_section() {
        let row = |section: &str, measure: &str, value: &str| Row {
            section: section.into(),
            measure: measure.into(),
            value: value.into(),
        };
        let table = format_table(&[
            row("size", "first load gzip -9", "120.0 KiB"),
            row("size", "budget", "ok"),
            row("server", "GET x", "1,000 req/s"),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "section  measure             value");
        assert!(lines[1].chars().all(|c| c == '-'));
        assert_eq!(lines[2], "size     first load gzip -9  120.0 KiB");
        assert_eq!(lines[3], "size     budget              ok");
        assert!(lines[4].chars().all(|c| c == '-'));
        assert_eq!(lines[5], "server   GET x               1,000 req/s");
    }

    #[test]
    fn medians_times_and_figures() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(iso_utc(time), "2023-11-14T22:13:20Z");
        assert_eq!(file_stamp(time), "20231114T221320Z");
        assert_eq!(
            iso_utc(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(figure(1234.5), "1,235");
        assert_eq!(figure(12.34), "12.3");
        assert_eq!(figure(0.5), "0.50");
    }

    #[test]
    fn a_bounded_command_is_stopped_with_its_children() {
        let mut slow = Command::new("sh");
        slow.args(["-c", "sleep 30 & sleep 30"]);
        let started = Instant::now();
        let error = run_bounded(&mut slow, Duration::from_millis(300)).unwrap_err();
        assert!(error.contains("was stopped"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let status = run_bounded(&mut Command::new("true"), Duration::from_secs(10)).unwrap();
        assert!(status.success());
    }
}
