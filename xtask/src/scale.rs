//! `cargo xtask bench scale`: does the server slow down as accounts pile up? For each
//! database (SQLite, PostgreSQL) and each size (10^3, 10^5, 10^6 accounts by default) it
//! makes a fresh database (the real server creates the schema and the demo accounts), seeds
//! the accounts by bulk SQL through the `sqlite3` or `psql` CLI (each with a phone, most
//! with a PIN and 1-3 devices, 1-2 vehicles, 5 security events, every other one a session,
//! some an old SMS code), then runs wrk against the `bench-server` binary on it: the probe's
//! three status reads, sign-in, an SMS request and an enrollment. Target: p99 at the largest
//! size within 20% of p99 at the smallest.
//!
//! Every size is measured through the same [`SAMPLE`] accounts, spread evenly over the id
//! range: each of them sees the same number of requests at every size, so only the size of
//! the tables differs between two runs. Their sessions are seeded with tokens the bench
//! knows (a session row holds the token's HMAC under the server key, which the bench gives
//! the server), bound to the bench's one device key, and each has an enrollment ticket for
//! that key (the state `enroll` needs after the SMS step).
//!
//! Hashes are copied, never computed per row: the password and PIN hashes of the demo
//! account `enrolled@demo.test` (the demo password and PIN, at the server's argon2 cost and
//! under the bench's pepper) go into every seeded account, so sign-in and the PIN check
//! cost what they cost in production.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::{self, figure, BenchOptions, Report};
use crate::http::{self, DeviceKey};
use crate::json::Value;
use crate::load::{self, Process, Signer, WrkResult};
use crate::postgres::{self, LocalDatabase};
use crate::process::{format_duration, step};
use crate::server::{sqlite_url, TempDir};

/// The sizes measured by default.
pub const SIZES: [u64; 3] = [1_000, 100_000, 1_000_000];
/// Accounts every request goes to, at every size (all of them at 10^3).
pub const SAMPLE: u64 = 1_000;
/// Length of each wrk run unless `--seconds` says otherwise: 6 runs for each of the 3 sizes
/// on 2 databases, with their signing and seeding, fit in about 10 minutes on 2 cores.
pub const DEFAULT_SECONDS: u64 = 5;
/// p99 at the largest size over p99 at the smallest above this: flagged.
pub const RATIO_LIMIT: f64 = 1.2;
/// Seeded account `i` (from 1) has id `ID_BASE + i`: the demo accounts take the first ids.
const ID_BASE: u64 = 1_000;
/// Seeded phone numbers are `+336` and 8 digits.
const MAX_SIZE: u64 = 99_999_999;
/// The PostgreSQL database the section makes, seeds and drops (not the tests' one).
const PG_DATABASE: &str = "portal_scale";
/// The bench's HMAC key and PIN pepper, given to the server in its environment so that the
/// bench can compute the MACs of the session tokens it seeds. Bench data only, on loopback.
const SERVER_KEY: [u8; 32] = [0x5c; 32];
const PIN_PEPPER: [u8; 32] = [0x36; 32];

/// The demo account whose hashes every seeded account gets, with their clear text.
const DEMO_ACCOUNT: &str = "enrolled@demo.test";
const PASSWORD: &str = "demo-password";
const PIN: &str = "246801";

/// A database the section runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres,
}

impl Database {
    pub const ALL: [Database; 2] = [Database::Sqlite, Database::Postgres];

    pub fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
        }
    }

    fn parse(name: &str) -> Option<Database> {
        Database::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The rows `1..=n` as `s(i)`: the `WITH` before the statement and what it selects from.
    fn series(self, n: u64) -> (String, String) {
        match self {
            Database::Sqlite => (
                format!("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})\n"),
                "s".to_string(),
            ),
            Database::Postgres => (String::new(), format!("generate_series(1, {n}) AS s(i)")),
        }
    }

    /// `expr` as decimal digits, zero-padded to `width`.
    fn pad(self, expr: &str, width: usize) -> String {
        match self {
            Database::Sqlite => format!("printf('%0{width}d', {expr})"),
            Database::Postgres => format!("lpad(({expr})::text, {width}, '0')"),
        }
    }

    /// A random lowercase hex string of 32 or 64 digits, as a stored MAC looks.
    fn random_hex(self, digits: usize) -> String {
        match (self, digits) {
            (Database::Sqlite, _) => format!("lower(hex(randomblob({})))", digits / 2),
            (Database::Postgres, 32) => "md5(random()::text)".to_string(),
            (Database::Postgres, _) => "md5(random()::text) || md5(random()::text)".to_string(),
        }
    }
}

/// What `--sizes` and `--databases` (and `--seconds`) choose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleOptions {
    pub sizes: Vec<u64>,
    pub databases: Vec<Database>,
    pub seconds: u64,
}

impl Default for ScaleOptions {
    fn default() -> ScaleOptions {
        ScaleOptions {
            sizes: SIZES.to_vec(),
            databases: Database::ALL.to_vec(),
            seconds: DEFAULT_SECONDS,
        }
    }
}

/// `1000,100000,1e6`: ascending, without repeats.
pub fn parse_sizes(text: &str) -> Result<Vec<u64>, String> {
    let mut sizes = Vec::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let size = match word.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => {
                let mantissa: u64 = mantissa.replace('_', "").parse().ok().unwrap_or(0);
                let exponent: u32 = exponent.parse().unwrap_or(u32::MAX);
                10u64
                    .checked_pow(exponent)
                    .and_then(|p| p.checked_mul(mantissa))
                    .unwrap_or(0)
            }
            None => word.replace('_', "").parse().unwrap_or(0),
        };
        if size == 0 || size > MAX_SIZE {
            return Err(format!(
                "bench: --sizes takes account counts from 1 to {MAX_SIZE}, got `{word}`"
            ));
        }
        sizes.push(size);
    }
    if sizes.is_empty() {
        return Err("bench: --sizes takes a list such as 1000,100000".into());
    }
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

/// `sqlite,postgres`, in that order whatever the order given.
pub fn parse_databases(text: &str) -> Result<Vec<Database>, String> {
    let mut chosen = Vec::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let database = match word {
            "pg" | "postgresql" => Database::Postgres,
            other => Database::parse(other).ok_or_else(|| {
                format!("bench: --databases takes sqlite and/or postgres, got `{word}`")
            })?,
        };
        chosen.push(database);
    }
    if chosen.is_empty() {
        return Err("bench: --databases takes sqlite and/or postgres".into());
    }
    Ok(Database::ALL
        .into_iter()
        .filter(|d| chosen.contains(d))
        .collect())
}

/// The seeded accounts the requests go to: `SAMPLE` of them (all when fewer), evenly spread
/// over `1..=size`.
pub fn sample_indices(size: u64) -> Vec<u64> {
    let count = size.min(SAMPLE);
    let step = size / count;
    (0..count).map(|k| 1 + k * step).collect()
}

fn account_id(index: u64) -> u64 {
    ID_BASE + index
}

fn email(index: u64) -> String {
    format!("user{index}@scale.test")
}

/// A sampled account and the session the bench seeds for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchAccount {
    pub index: u64,
    pub token: String,
    pub token_hash: String,
}

impl BenchAccount {
    pub fn new(index: u64) -> BenchAccount {
        let token = format!("scale-bench-session-{index:024}");
        BenchAccount {
            index,
            token_hash: server_mac(&SERVER_KEY, "session", &[token.as_bytes()]),
            token,
        }
    }
}

/// What one database is seeded with.
pub struct SeedPlan<'a> {
    pub size: u64,
    pub now: i64,
    pub password_hash: &'a str,
    pub pin_hash: &'a str,
    /// The bench key's thumbprint: the device of the seeded sessions and tickets.
    pub device_id: &'a str,
    pub sample: &'a [BenchAccount],
}

/// A string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `SELECT 1 AS j UNION ALL ... SELECT count`: the rows of one account.
fn each(count: u32) -> String {
    let rows: Vec<String> = (1..=count)
        .map(|j| {
            if j == 1 {
                "SELECT 1 AS j".to_string()
            } else {
                format!("SELECT {j}")
            }
        })
        .collect();
    format!("({}) AS k", rows.join(" UNION ALL "))
}

/// The seeding script: one transaction of `INSERT ... SELECT` over a generated series (no
/// row goes through the client), then what makes the database as a running one would be.
pub fn seed_sql(database: Database, plan: &SeedPlan) -> String {
    let SeedPlan { size, now, .. } = *plan;
    let (with, from) = database.series(size);
    let sample = sample_indices(size);
    let step = size / sample.len() as u64;
    let last = sample.last().copied().unwrap_or(1);
    let sampled = format!("((i - 1) % {step} = 0 AND i <= {last})");
    // Four in five accounts have enrolled (a PIN and devices); every sampled one has.
    let enrolled = format!("(i % 5 <> 0 OR {sampled})");
    let pad = |expr: &str, width| database.pad(expr, width);
    let jwk = r#"{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
    let mut sql = String::new();
    sql.push_str(match database {
        // The CLI's connection only: the server keeps FULL.
        Database::Sqlite => "PRAGMA synchronous = OFF;\nPRAGMA cache_size = -262144;\n",
        Database::Postgres => "SET synchronous_commit = off;\n",
    });
    sql.push_str("BEGIN;\n");
    sql.push_str(&format!(
        "{with}INSERT INTO accounts (id, email, password_hash, locale, trusted_phone, pin_hash, \
         pin_failures, pin_blocked, created_at, demo)\n\
         SELECT {ID_BASE} + i, 'user' || i || '@scale.test', {password}, \
         CASE i % 7 WHEN 0 THEN 'fr' WHEN 1 THEN 'de' ELSE 'en' END, '+336' || {phone}, \
         CASE WHEN {enrolled} THEN {pin} END, 0, 0, {now} - 86400 - i % 31536000, 0\n\
         FROM {from};\n",
        password = quote(plan.password_hash),
        pin = quote(plan.pin_hash),
        phone = pad("i", 8),
    ));
    sql.push_str(&format!(
        "{with}INSERT INTO devices (account_id, device_id, label, enrolled_at, last_seen_at, \
         public_jwk)\n\
         SELECT {ID_BASE} + i, 'dev' || j || {device}, CASE j WHEN 1 THEN 'Chrome on Windows' \
         WHEN 2 THEN 'Safari on iOS' ELSE 'Firefox on Linux' END, {now} - 86400 * (40 - j), \
         {now} - 3600 * j, {jwk}\n\
         FROM {from} CROSS JOIN {each} WHERE j <= 1 + i % 3 AND {enrolled};\n",
        device = pad("i", 39),
        jwk = quote(jwk),
        each = each(3),
    ));
    sql.push_str(&format!(
        "{with}INSERT INTO vehicles (account_id, vin, label)\n\
         SELECT {ID_BASE} + i, 'VF1' || j || {vin}, CASE j WHEN 1 THEN 'Renault Clio' \
         ELSE 'Peugeot 208' END\n\
         FROM {from} CROSS JOIN {each} WHERE j <= 1 + i % 2;\n",
        vin = pad("i", 13),
        each = each(2),
    ));
    sql.push_str(&format!(
        "{with}INSERT INTO security_events (account_id, kind, at, device_label)\n\
         SELECT {ID_BASE} + i, CASE j WHEN 1 THEN 'phoneAdded' WHEN 2 THEN 'pinSet' \
         WHEN 3 THEN 'enrolled' WHEN 4 THEN 'vehicleRemoved' ELSE 'sessionsSignedOut' END, \
         {now} - 86400 * (40 - j) - i % 86400, 'Chrome on Windows'\n\
         FROM {from} CROSS JOIN {each};\n",
        each = each(5),
    ));
    sql.push_str(&format!(
        "{with}INSERT INTO sessions (token_hash, account_id, created_at, last_used_at, \
         expires_at, public_id, device_label, device_key, family)\n\
         SELECT {token}, {ID_BASE} + i, {now} - 600, {now} - 600, {now} + 42600, {public}, \
         'Chrome on Windows', 'dev1' || {device}, 'family' || i\n\
         FROM {from} WHERE i % 2 = 0;\n",
        token = database.random_hex(64),
        public = database.random_hex(32),
        device = pad("i", 39),
    ));
    sql.push_str(&format!(
        "{with}INSERT INTO sms_codes (account_id, purpose, phone, code_mac, created_at, \
         expires_at, attempts_left, used, sent)\n\
         SELECT {ID_BASE} + i, 'enrollment', '+336' || {phone}, {mac}, {now} - 7200, \
         {now} - 6600, 5, 1, 1\n\
         FROM {from} WHERE i % 10 = 3;\n",
        phone = pad("i", 8),
        mac = database.random_hex(64),
    ));
    // The sample's sessions and tickets, few enough to list.
    for chunk in plan.sample.chunks(500) {
        let sessions: Vec<String> = chunk
            .iter()
            .map(|a| {
                format!(
                    "({hash}, {id}, {now}, {now}, {expires}, {public}, 'wrk', {key}, {hash})",
                    hash = quote(&a.token_hash),
                    id = account_id(a.index),
                    expires = now + 43_200,
                    public = quote(&a.token_hash[..32]),
                    key = quote(plan.device_id),
                )
            })
            .collect();
        sql.push_str(&format!(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_used_at, expires_at, \
             public_id, device_label, device_key, family) VALUES\n{};\n",
            sessions.join(",\n")
        ));
        let tickets: Vec<String> = chunk
            .iter()
            .map(|a| {
                format!(
                    "({}, {}, {})",
                    account_id(a.index),
                    quote(plan.device_id),
                    now + 86_400
                )
            })
            .collect();
        sql.push_str(&format!(
            "INSERT INTO enrollment_tickets (account_id, device_id, expires_at) VALUES\n{};\n",
            tickets.join(",\n")
        ));
    }
    sql.push_str("COMMIT;\n");
    sql.push_str(match database {
        // The server starts on an empty write-ahead log, as after a quiet night.
        Database::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE);\n",
        // What autovacuum would have done by the time a database is this full: without
        // statistics the planner guesses, and no guess is what production runs on.
        Database::Postgres => {
            "VACUUM ANALYZE accounts, devices, vehicles, security_events, sessions, sms_codes, \
             enrollment_tickets;\n"
        }
    });
    sql
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The server's `ServerKey::mac` (crates/server/src/crypto.rs): HMAC over the domain and
/// the parts, each after its length as 8 bytes big-endian, in lowercase hex.
pub fn server_mac(key: &[u8; 32], domain: &str, parts: &[&[u8]]) -> String {
    let mut message = Vec::new();
    for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
        message.extend_from_slice(&(part.len() as u64).to_be_bytes());
        message.extend_from_slice(part);
    }
    hex(&hmac_sha256(key, &message))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A status read with the account's session.
    Read,
    /// `POST /api/v1/session` with the account's email and the demo password.
    SignIn,
    /// An enrollment code sent to the account's trusted number.
    Sms,
    /// `enroll` with the PIN, on the ticket seeded for the bench key: one per account.
    Enroll,
}

struct Endpoint {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    kind: Kind,
}

const SMS_BODY: &str = r#"{"type":"enrollment"}"#;

const ENDPOINTS: [Endpoint; 6] = [
    Endpoint {
        name: "GET isDeviceActivated",
        method: "GET",
        path: "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated",
        kind: Kind::Read,
    },
    Endpoint {
        name: "GET isAccountBlocked",
        method: "GET",
        path: "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked",
        kind: Kind::Read,
    },
    Endpoint {
        name: "GET trustedphonenumber",
        method: "GET",
        path: "/api/v1/pims/authentication/trustedphonenumber",
        kind: Kind::Read,
    },
    Endpoint {
        name: "POST session (sign-in)",
        method: "POST",
        path: "/api/v1/session",
        kind: Kind::SignIn,
    },
    Endpoint {
        name: "POST smscode/request",
        method: "POST",
        path: "/api/v1/pims/authentication/smscode/request",
        kind: Kind::Sms,
    },
    Endpoint {
        name: "POST enrollment enroll",
        method: "POST",
        path: "/api/v1/pims/authentication/enrollment",
        kind: Kind::Enroll,
    },
];

impl Endpoint {
    /// The bearer token and body of a request as `account`.
    fn request<'a>(&self, account: &'a BenchAccount) -> (Option<&'a str>, Option<String>) {
        let token = Some(account.token.as_str());
        match self.kind {
            Kind::Read => (token, None),
            Kind::SignIn => (
                None,
                Some(format!(
                    r#"{{"email":"{}","password":"{PASSWORD}"}}"#,
                    email(account.index)
                )),
            ),
            Kind::Sms => (token, Some(SMS_BODY.to_string())),
            Kind::Enroll => (
                token,
                Some(format!(r#"{{"action":"enroll","pinCode":"{PIN}"}}"#)),
            ),
        }
    }

    /// Proofs to sign for a run: as many as the server could verify, or for the argon2
    /// calls as many as it could hash (a few dozen a core and a second at the spec's cost).
    fn proofs(&self, signer: &Signer, seconds: u64, accounts: usize) -> usize {
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        match self.kind {
            Kind::Read | Kind::Sms => signer.proofs_for(seconds),
            Kind::SignIn => (cores * 150 * seconds as usize).clamp(1_000, load::MAX_PROOFS),
            Kind::Enroll => (cores * 150 * seconds as usize).min(accounts),
        }
    }
}

/// The measurements of one endpoint at one size.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub database: Database,
    pub size: u64,
    pub endpoint: String,
    pub result: WrkResult,
}

/// p99 at the largest size over p99 at the smallest, per database and endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Ratio {
    pub database: Database,
    pub endpoint: String,
    pub from: u64,
    pub to: u64,
    pub p99_from_ms: f64,
    pub p99_to_ms: f64,
    pub ratio: f64,
    /// The same for p50: a p99 ratio with a p50 ratio near 1 is more likely the noise of a
    /// busy machine than the tables' size.
    pub p50_ratio: f64,
}

impl Ratio {
    pub fn flagged(&self) -> bool {
        self.ratio > RATIO_LIMIT
    }
}

/// The ratios of `measured` (none for an endpoint measured at one size only).
pub fn ratios(measured: &[Measured]) -> Vec<Ratio> {
    let mut ratios = Vec::new();
    for database in Database::ALL {
        let mut endpoints: Vec<&str> = Vec::new();
        for m in measured.iter().filter(|m| m.database == database) {
            if !endpoints.contains(&m.endpoint.as_str()) {
                endpoints.push(&m.endpoint);
            }
        }
        for endpoint in endpoints {
            let runs: Vec<&Measured> = measured
                .iter()
                .filter(|m| m.database == database && m.endpoint == endpoint)
                .collect();
            let smallest = runs.iter().min_by_key(|m| m.size);
            let largest = runs.iter().max_by_key(|m| m.size);
            let (Some(small), Some(large)) = (smallest, largest) else {
                continue;
            };
            if small.size == large.size || small.result.p99_ms <= 0.0 {
                continue;
            }
            ratios.push(Ratio {
                database,
                endpoint: endpoint.to_string(),
                from: small.size,
                to: large.size,
                p99_from_ms: small.result.p99_ms,
                p99_to_ms: large.result.p99_ms,
                ratio: large.result.p99_ms / small.result.p99_ms,
                p50_ratio: if small.result.p50_ms > 0.0 {
                    large.result.p50_ms / small.result.p50_ms
                } else {
                    0.0
                },
            });
        }
    }
    ratios
}

/// `1,000,000`.
fn accounts(size: u64) -> String {
    crate::budget::thousands(size)
}

/// The figures as one table: database, accounts, endpoint, req/s, p50, p99, non-200.
pub fn format_results(measured: &[Measured]) -> String {
    let header = [
        "database", "accounts", "endpoint", "req/s", "p50 ms", "p99 ms", "non-200",
    ]
    .map(String::from);
    let rows: Vec<[String; 7]> = measured
        .iter()
        .map(|m| {
            [
                m.database.name().to_string(),
                accounts(m.size),
                m.endpoint.clone(),
                figure(m.result.rps),
                figure(m.result.p50_ms),
                figure(m.result.p99_ms),
                format!("{:.0}", m.result.non200 + m.result.socket_errors),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            // Text left, figures right.
            .map(|(i, (cell, width))| {
                if i < 3 {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect();
        table.push_str(cells.join("  ").trim_end());
        table.push('\n');
    }
    table
}

/// One line per ratio, flagged past [`RATIO_LIMIT`].
pub fn format_ratio(ratio: &Ratio) -> String {
    format!(
        "p99 {} ms at {} / {} ms at {} = {:.2}{} (p50 ratio {:.2})",
        figure(ratio.p99_to_ms),
        accounts(ratio.to),
        figure(ratio.p99_from_ms),
        accounts(ratio.from),
        ratio.ratio,
        if ratio.flagged() {
            format!("  ABOVE {RATIO_LIMIT}")
        } else {
            String::new()
        },
        ratio.p50_ratio
    )
}

/// The section.
pub fn run(binary: &Path, options: &BenchOptions, out_dir: &Path, report: &mut Report) {
    let scale = &options.scale;
    if scale.seconds > load::MAX_RUN_SECONDS {
        return report.fail(format!(
            "runs of at most {} s: each request's DPoP proof is signed before the run",
            load::MAX_RUN_SECONDS
        ));
    }
    report.set(
        "profile",
        Value::str(format!("{} (opt-level 3, thin LTO)", bench::SERVER_PROFILE)),
    );
    report.set("connections", Value::num(options.connections));
    report.set("threads", Value::num(options.threads));
    report.set("secondsPerRun", Value::num(scale.seconds as f64));
    report.set("sampleAccounts", Value::num(SAMPLE as f64));
    report.set("ratioLimit", Value::num(RATIO_LIMIT));
    let device = DeviceKey::generate();
    let signer = Signer::measure(&device);
    let mut measured = Vec::new();
    let mut runs = Vec::new();
    for &database in &scale.databases {
        for &size in &scale.sizes {
            step(format!(
                "scale: {} with {} accounts",
                database.name(),
                accounts(size)
            ));
            let mut run = vec![
                ("database", Value::str(database.name())),
                ("accounts", Value::num(size as f64)),
            ];
            let outcome = measure_size(
                binary, database, size, options, out_dir, &device, &signer, &mut run,
            );
            let endpoints = match outcome {
                Ok(endpoints) => endpoints,
                Err((error, endpoints)) => {
                    report.fail(format!("{} {}: {error}", database.name(), accounts(size)));
                    endpoints
                }
            };
            if let Some(seed) = run.iter().find(|(k, _)| *k == "seedSeconds") {
                report.row(
                    format!("{} {} accounts: seed", database.name(), accounts(size)),
                    format!("{:.1} s", seed.1.as_f64().unwrap_or(0.0)),
                );
            }
            let mut values = Vec::new();
            for (endpoint, result) in endpoints {
                report.row(
                    format!("{} {} {}", database.name(), accounts(size), endpoint.name),
                    format!(
                        "{} req/s, p50 {} ms, p99 {} ms, non-200 {:.0}",
                        figure(result.rps),
                        figure(result.p50_ms),
                        figure(result.p99_ms),
                        result.non200 + result.socket_errors
                    ),
                );
                if result.non200 > 0.0 || result.socket_errors > 0.0 {
                    report.fail(format!(
                        "{} {} {}: {:.0} answers were not 200 and {:.0} socket errors",
                        database.name(),
                        accounts(size),
                        endpoint.name,
                        result.non200,
                        result.socket_errors
                    ));
                }
                values.push(endpoint_json(endpoint, &result));
                measured.push(Measured {
                    database,
                    size,
                    endpoint: endpoint.name.to_string(),
                    result,
                });
            }
            run.push(("endpoints", Value::Array(values)));
            runs.push(Value::object(run));
        }
    }
    let ratios = ratios(&measured);
    for ratio in &ratios {
        report.row(
            format!("{} p99 ratio {}", ratio.database.name(), ratio.endpoint),
            format_ratio(ratio),
        );
    }
    println!("\n{}", format_results(&measured));
    for ratio in &ratios {
        println!(
            "{} {}: {}",
            ratio.database.name(),
            ratio.endpoint,
            format_ratio(ratio)
        );
    }
    report.set("runs", Value::Array(runs));
    report.set(
        "ratios",
        Value::Array(
            ratios
                .iter()
                .map(|r| {
                    Value::object([
                        ("database", Value::str(r.database.name())),
                        ("endpoint", Value::str(r.endpoint.clone())),
                        ("fromAccounts", Value::num(r.from as f64)),
                        ("toAccounts", Value::num(r.to as f64)),
                        ("p99FromMs", Value::num(round3(r.p99_from_ms))),
                        ("p99ToMs", Value::num(round3(r.p99_to_ms))),
                        ("ratio", Value::num(round3(r.ratio))),
                        ("withinTarget", Value::Bool(!r.flagged())),
                        ("p50Ratio", Value::num(round3(r.p50_ratio))),
                    ])
                })
                .collect(),
        ),
    );
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn endpoint_json(endpoint: &Endpoint, result: &WrkResult) -> Value {
    Value::object([
        ("name", Value::str(endpoint.name)),
        ("method", Value::str(endpoint.method)),
        ("path", Value::str(endpoint.path)),
        ("requests", Value::num(result.requests)),
        ("rps", Value::num((result.rps * 10.0).round() / 10.0)),
        ("p50Ms", Value::num(round3(result.p50_ms))),
        ("p90Ms", Value::num(round3(result.p90_ms))),
        ("p99Ms", Value::num(round3(result.p99_ms))),
        ("maxMs", Value::num(round3(result.max_ms))),
        ("ok", Value::num(result.ok)),
        ("non200", Value::num(result.non200)),
        ("socketErrors", Value::num(result.socket_errors)),
    ])
}

/// Where a database lives while it is measured; a PostgreSQL one is dropped at the end.
enum Target {
    Sqlite { dir: TempDir },
    Postgres(LocalDatabase),
}

impl Target {
    fn create(database: Database) -> Result<Target, String> {
        match database {
            Database::Sqlite => Ok(Target::Sqlite {
                dir: TempDir::new("portal-bench-scale")?,
            }),
            Database::Postgres => Ok(Target::Postgres(postgres::local_database(PG_DATABASE)?)),
        }
    }

    fn sqlite_file(dir: &TempDir) -> PathBuf {
        dir.path().join("portal.db")
    }

    /// The server's flags and environment for this database (a PostgreSQL password only
    /// in the environment: the server refuses it on its command line).
    fn server(&self) -> (Vec<String>, Vec<(&'static str, String)>) {
        let hex_key = |bytes: &[u8; 32]| hex(bytes);
        let mut args: Vec<String> = vec!["--demo".into()];
        let mut env = vec![
            ("PORTAL_SERVER_KEY", hex_key(&SERVER_KEY)),
            ("PORTAL_PIN_PEPPER", hex_key(&PIN_PEPPER)),
        ];
        // The spec's limits per address and per number would stop a bench from one address
        // after 20 sign-ins; the resend cooldown and hourly count per account would stop
        // the sample's second code. Set as an operator would, within the server's ceilings.
        args.extend(crate::server::RELAXED_LIMITS.map(String::from));
        args.extend(
            [
                "--sms-resend-cooldown-seconds",
                "0",
                "--sms-per-account-per-hour",
                "100000",
            ]
            .map(String::from),
        );
        match self {
            Target::Sqlite { dir } => {
                args.push("--database-url".into());
                args.push(sqlite_url(dir.path()));
                args.push("--static-dir".into());
                args.push(dir.path().join("no-portal").to_string_lossy().into_owned());
            }
            Target::Postgres(database) => {
                // Demo mode (the outbox stands in for the SMS gateway) is refused on
                // PostgreSQL unless forced: this one is loopback-only bench data.
                args.push("--demo-force".into());
                args.push("--static-dir".into());
                args.push("/nonexistent/no-portal".into());
                env.push(("PORTAL_DATABASE_URL", database.url.clone()));
            }
        }
        (args, env)
    }

    /// One query's rows, `|` between columns.
    fn query(&self, sql: &str) -> Result<String, String> {
        let mut command = self.client();
        match self {
            Target::Sqlite { .. } => command.arg(sql),
            Target::Postgres(_) => command.args(["-t", "-A", "-c", sql]),
        };
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.client_name()))?;
        if !output.status.success() {
            return Err(format!(
                "{} failed ({}): {}",
                self.client_name(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// Runs the script in `file`, stopping at the first error.
    fn script(&self, file: &Path) -> Result<(), String> {
        let mut command = self.client();
        match self {
            Target::Sqlite { .. } => command.arg(format!(".read {}", file.display())),
            Target::Postgres(_) => command.arg("-f").arg(file),
        };
        let status = bench::run_bounded(&mut command, Duration::from_secs(30 * 60))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{} exited {status}", self.client_name()))
        }
    }

    fn client(&self) -> Command {
        match self {
            Target::Sqlite { dir } => {
                let mut command = Command::new("sqlite3");
                command.arg("-bail").arg(Target::sqlite_file(dir));
                command
            }
            Target::Postgres(database) => {
                let mut command = Command::new("psql");
                command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &database.url]);
                command
            }
        }
    }

    fn client_name(&self) -> &'static str {
        match self {
            Target::Sqlite { .. } => "sqlite3",
            Target::Postgres(_) => "psql",
        }
    }

    /// Writes the seed out now: a bulk load leaves its pages for the checkpointer and the
    /// kernel to write, which they would do during the first runs.
    fn flush(&self) -> Result<(), String> {
        if let Target::Postgres(database) = self {
            postgres::checkpoint(database)?;
        }
        let status = Command::new("sync")
            .status()
            .map_err(|e| format!("could not run sync: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("sync exited {status}"))
        }
    }

    /// The database's size on disk.
    fn bytes(&self) -> Option<u64> {
        match self {
            Target::Sqlite { dir } => fs::metadata(Target::sqlite_file(dir)).ok().map(|m| m.len()),
            Target::Postgres(_) => self
                .query("SELECT pg_database_size(current_database())")
                .ok()?
                .parse()
                .ok(),
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Target::Postgres(database) = self {
            if let Err(error) = postgres::drop_local_database(database) {
                eprintln!("xtask: bench scale: dropping {}: {error}", database.name);
            }
        }
    }
}

type Runs = Vec<(&'static Endpoint, WrkResult)>;

/// One database at one size: made, seeded, measured. On error, what was measured before it.
#[allow(clippy::too_many_arguments)]
fn measure_size(
    binary: &Path,
    database: Database,
    size: u64,
    options: &BenchOptions,
    out_dir: &Path,
    device: &DeviceKey,
    signer: &Signer,
    run: &mut Vec<(&'static str, Value)>,
) -> Result<Runs, (String, Runs)> {
    let mut done = Vec::new();
    let fail = |error: String, done: Runs| (error, done);
    let target = Target::create(database).map_err(|e| fail(e, Vec::new()))?;
    let (args, env) = target.server();
    let log = |what: &str| out_dir.join(format!("scale-{}-{size}-{what}.log", database.name()));

    // The schema and the demo accounts, by the server itself.
    let schema =
        Process::spawn(binary, &args, &env, &log("schema")).map_err(|e| fail(e, Vec::new()))?;
    drop(schema);
    let hashes = format!(
        "SELECT password_hash, pin_hash FROM accounts WHERE email = {}",
        quote(DEMO_ACCOUNT)
    );
    let row = target.query(&hashes).map_err(|e| fail(e, Vec::new()))?;
    let (password_hash, pin_hash) = row
        .split_once('|')
        .filter(|(p, h)| p.starts_with("$argon2") && !h.is_empty())
        .ok_or_else(|| fail(format!("no hashes for {DEMO_ACCOUNT}: {row:?}"), Vec::new()))?;

    let sample: Vec<BenchAccount> = sample_indices(size)
        .into_iter()
        .map(BenchAccount::new)
        .collect();
    let thumbprint = device.thumbprint();
    let plan = SeedPlan {
        size,
        now: http::unix_now(),
        password_hash,
        pin_hash,
        device_id: &thumbprint,
        sample: &sample,
    };
    let work = TempDir::new("portal-bench-scale-work").map_err(|e| fail(e, Vec::new()))?;
    let script = work.path().join("seed.sql");
    fs::write(&script, seed_sql(database, &plan))
        .map_err(|e| fail(format!("{}: {e}", script.display()), Vec::new()))?;
    step(format!(
        "seeding {} accounts by bulk SQL ({})",
        accounts(size),
        target.client_name()
    ));
    let started = Instant::now();
    target.script(&script).map_err(|e| fail(e, Vec::new()))?;
    let seeded = started.elapsed();
    step(format!("seeded in {}", format_duration(seeded)));
    run.push(("seedSeconds", Value::num(round3(seeded.as_secs_f64()))));
    let counts = target
        .query(
            "SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM devices), \
             (SELECT COUNT(*) FROM vehicles), (SELECT COUNT(*) FROM security_events), \
             (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM sms_codes)",
        )
        .map_err(|e| fail(e, Vec::new()))?;
    let counts: Vec<f64> = counts.split('|').filter_map(|c| c.parse().ok()).collect();
    let tables = [
        "accounts",
        "devices",
        "vehicles",
        "securityEvents",
        "sessions",
        "smsCodes",
    ];
    step(format!(
        "rows: {}; {:.0} MiB on disk",
        tables
            .iter()
            .zip(&counts)
            .map(|(t, c)| format!("{t} {}", crate::budget::thousands(*c as u64)))
            .collect::<Vec<_>>()
            .join(", "),
        target.bytes().unwrap_or(0) as f64 / 1_048_576.0
    ));
    run.push((
        "rows",
        Value::Object(
            tables
                .iter()
                .zip(&counts)
                .map(|(t, c)| (t.to_string(), Value::num(*c)))
                .collect(),
        ),
    ));
    run.push((
        "databaseBytes",
        Value::opt_num(target.bytes().map(|b| b as f64)),
    ));

    let started = Instant::now();
    target.flush().map_err(|e| fail(e, Vec::new()))?;
    step(format!(
        "seed written out in {} (checkpoint, sync)",
        format_duration(started.elapsed())
    ));

    let server =
        Process::spawn(binary, &args, &env, &log("server")).map_err(|e| fail(e, Vec::new()))?;
    // Two cores shared with other work: what else ran is the first thing to check when a
    // size's figures stand out.
    let load = bench::load_average();
    step(format!(
        "load average before the runs: {}",
        load.map_or("-".into(), |l| format!("{l:.2}"))
    ));
    run.push(("loadAverage", Value::opt_num(load)));
    run.push((
        "idleRssKib",
        Value::opt_num(server.memory("VmRSS:").map(|k| k as f64)),
    ));
    // A freshly started server reads every page for the first time, and the seeded sessions
    // all want their idle expiry slid at once: that is the first run's, not the size's.
    step(format!(
        "warm-up: a status read as each of the {} sampled accounts (not measured)",
        sample.len()
    ));
    let warm_up = &ENDPOINTS[2];
    for account in &sample {
        let (token, body) = warm_up.request(account);
        let reply = http::request(
            &server.bind,
            warm_up.method,
            warm_up.path,
            token,
            Some(device),
            body.as_deref(),
        )
        .map_err(|e| (format!("warm-up: {e}"), Vec::new()))?;
        if reply.status != 200 {
            return Err(fail(
                format!("warm-up: HTTP {} {}", reply.status, reply.body),
                done,
            ));
        }
    }
    // The last sampled account answers the check before each run; the runs use the others.
    let (check, accounts_used) = sample.split_last().expect("a size is at least 1");
    if accounts_used.is_empty() {
        return Err(fail(
            "a size of 1 leaves no account to measure".into(),
            done,
        ));
    }
    for endpoint in &ENDPOINTS {
        step(format!(
            "wrk: {} for {} s, {} connections",
            endpoint.name, options.scale.seconds, options.connections
        ));
        match measure(
            &server.bind,
            device,
            signer,
            endpoint,
            check,
            accounts_used,
            options,
            work.path(),
        ) {
            Ok(result) => done.push((endpoint, result)),
            Err(error) => return Err(fail(format!("{}: {error}", endpoint.name), done)),
        }
    }
    run.push((
        "peakRssKib",
        Value::opt_num(server.memory("VmHWM:").map(|k| k as f64)),
    ));
    drop(server);
    Ok(done)
}

/// A request by hand as `check` (it must succeed), then the wrk run over `accounts`,
/// again with more proofs if a wrk thread ran out of them.
#[allow(clippy::too_many_arguments)]
fn measure(
    bind: &str,
    device: &DeviceKey,
    signer: &Signer,
    endpoint: &Endpoint,
    check: &BenchAccount,
    accounts: &[BenchAccount],
    options: &BenchOptions,
    work: &Path,
) -> Result<WrkResult, String> {
    let (token, body) = endpoint.request(check);
    let reply = http::request(
        bind,
        endpoint.method,
        endpoint.path,
        token,
        Some(device),
        body.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    if reply.status != 200 || !reply.succeeded() {
        return Err(format!(
            "the first request answered HTTP {}: {}",
            reply.status, reply.body
        ));
    }
    let seconds = options.scale.seconds;
    let mut count = endpoint.proofs(signer, seconds, accounts.len());
    loop {
        let result = run_wrk(bind, signer, endpoint, accounts, options, work, count)?;
        if result.exhausted == 0.0 {
            return Ok(result);
        }
        if endpoint.kind == Kind::Enroll {
            return Err(format!(
                "all {count} sampled accounts enrolled before the end of the run: lower \
                 --seconds"
            ));
        }
        if count >= load::MAX_PROOFS {
            return Err(format!(
                "the server took all {count} proofs signed for the run before its end: \
                 lower --seconds"
            ));
        }
        count = (count * 4).min(load::MAX_PROOFS);
        step(format!(
            "wrk: a thread ran out of requests before the end; again with {count}"
        ));
    }
}

/// Signs `count` requests (request `n` as account `n % accounts`; for `enroll`, whose
/// ticket one request uses up, `count` is at most the accounts) into one file per wrk
/// thread, a line each: proof, token, body, tab-separated.
fn write_requests(
    signer: &Signer,
    endpoint: &Endpoint,
    url: &str,
    accounts: &[BenchAccount],
    count: usize,
    run_seconds: u64,
    files: &[PathBuf],
) -> Result<(), String> {
    signer.write_lines(count, run_seconds, files, |n, iat| {
        let account = &accounts[n % accounts.len()];
        let (token, body) = endpoint.request(account);
        let proof = signer.device.proof(endpoint.method, url, token, iat);
        format!(
            "{proof}\t{}\t{}",
            token.unwrap_or_default(),
            body.unwrap_or_default()
        )
    })
}

fn run_wrk(
    bind: &str,
    signer: &Signer,
    endpoint: &Endpoint,
    accounts: &[BenchAccount],
    options: &BenchOptions,
    work: &Path,
    count: usize,
) -> Result<WrkResult, String> {
    let seconds = options.scale.seconds;
    let files: Vec<PathBuf> = (0..options.threads.max(1))
        .map(|thread| work.join(format!("requests-{thread}.txt")))
        .collect();
    let url = format!("http://{bind}{}", endpoint.path);
    let started = Instant::now();
    write_requests(signer, endpoint, &url, accounts, count, seconds, &files)?;
    step(format!(
        "wrk: {count} requests signed in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let script = work.join("wrk.lua");
    fs::write(&script, load::wrk_script(endpoint.method, &files))
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let output = work.join("wrk.out");
    let file = fs::File::create(&output).map_err(|e| format!("{}: {e}", output.display()))?;
    let status = bench::run_bounded(
        Command::new("wrk")
            .arg(format!("--threads={}", options.threads))
            .arg(format!("--connections={}", options.connections))
            .arg(format!("--duration={seconds}s"))
            .args(["--timeout=10s", "--latency", "--script"])
            .arg(&script)
            .arg(&url)
            .stdin(Stdio::null())
            .stdout(file),
        Duration::from_secs(seconds + 60),
    )?;
    let text = fs::read_to_string(&output).map_err(|e| format!("{}: {e}", output.display()))?;
    for path in &files {
        let _ = fs::remove_file(path);
    }
    if !status.success() {
        return Err(format!("wrk exited {status}"));
    }
    let result = load::parse_wrk(&text)?;
    step(format!(
        "{} req/s, p50 {} ms, p99 {} ms, non-200 {:.0}",
        figure(result.rps),
        figure(result.p50_ms),
        figure(result.p99_ms),
        result.non200
    ));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_sql(database: Database, size: u64) -> String {
        let sample: Vec<BenchAccount> = sample_indices(size)
            .into_iter()
            .map(BenchAccount::new)
            .collect();
        seed_sql(
            database,
            &SeedPlan {
                size,
                now: 1_800_000_000,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
                pin_hash: "pepper1:$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$cGlu",
                device_id: "thumb'print",
                sample: &sample,
            },
        )
    }

    #[test]
    fn sizes_and_databases_are_parsed() {
        assert_eq!(parse_sizes("1000,100000").unwrap(), [1_000, 100_000]);
        assert_eq!(
            parse_sizes("1e6, 1000,1_000,1e5").unwrap(),
            [1_000, 100_000, 1_000_000]
        );
        for bad in ["", "0", "ten", "1e9", "-5", "1e"] {
            assert!(parse_sizes(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_databases("postgres,sqlite").unwrap(),
            [Database::Sqlite, Database::Postgres]
        );
        assert_eq!(parse_databases("pg").unwrap(), [Database::Postgres]);
        assert!(parse_databases("mysql").is_err());
        assert!(parse_databases(",").is_err());
    }

    #[test]
    fn the_sample_is_spread_over_the_whole_range() {
        assert_eq!(sample_indices(1_000), (1..=1_000).collect::<Vec<_>>());
        let sample = sample_indices(1_000_000);
        assert_eq!(sample.len(), 1_000);
        assert_eq!((sample[0], sample[1], sample[999]), (1, 1_001, 999_001));
        assert_eq!(sample_indices(10), (1..=10).collect::<Vec<_>>());
        // Not a multiple of the sample: still within the range, still 1000 distinct.
        let sample = sample_indices(1_500);
        assert_eq!((sample.len(), sample[999]), (1_000, 1_000));
    }

    #[test]
    fn hmac_and_the_servers_mac_framing() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Computed with Python's hmac over the same framing (u64 big-endian lengths).
        assert_eq!(
            server_mac(&[7; 32], "session", &[b"tok"]),
            "f978048d536a2c85c0e289f43e480cfdce8d7bdd04c86768b6f56bb1165a487a"
        );
        let account = BenchAccount::new(42);
        assert_eq!(
            account.token_hash,
            server_mac(&SERVER_KEY, "session", &[account.token.as_bytes()])
        );
        assert_ne!(account.token_hash, BenchAccount::new(43).token_hash);
    }

    #[test]
    fn sqlite_seeding_uses_a_recursive_series_and_postgres_generate_series() {
        let sqlite = plan_sql(Database::Sqlite, 100_000);
        let postgres = plan_sql(Database::Postgres, 100_000);
        assert!(sqlite.contains(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000)"
        ));
        assert!(!sqlite.contains("generate_series"));
        assert!(postgres.contains("FROM generate_series(1, 100000) AS s(i)"));
        assert!(!postgres.contains("WITH RECURSIVE"));
        assert!(sqlite.contains("printf('%08d', i)"));
        assert!(postgres.contains("lpad((i)::text, 8, '0')"));
        assert!(sqlite.contains("lower(hex(randomblob(32)))"));
        assert!(postgres.contains("md5(random()::text) || md5(random()::text)"));
        assert!(sqlite.ends_with("COMMIT;\nPRAGMA wal_checkpoint(TRUNCATE);\n"));
        assert!(postgres.ends_with("COMMIT;\nVACUUM ANALYZE accounts, devices, vehicles, security_events, sessions, sms_codes, enrollment_tickets;\n"));
        for sql in [&sqlite, &postgres] {
            // Every sampled account (every 100th from 1) is enrolled.
            assert!(sql.contains("((i - 1) % 100 = 0 AND i <= 99901)"), "{sql}");
            assert_eq!(sql.matches("INSERT INTO").count(), 6 + 2 * 2, "{sql}");
            // The quote in the thumbprint is escaped, the hashes copied as they are.
            assert!(sql.contains("'thumb''print'"));
            assert!(sql.contains("'$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'"));
            let first = BenchAccount::new(1);
            assert!(sql.contains(&format!(
                "('{}', 1001, 1800000000, 1800000000, 1800043200,",
                first.token_hash
            )));
            assert!(sql.contains("(100901, 'thumb''print', 1800086400)"));
        }
    }

    #[test]
    fn each_expands_to_numbered_rows() {
        assert_eq!(
            each(3),
            "(SELECT 1 AS j UNION ALL SELECT 2 UNION ALL SELECT 3) AS k"
        );
    }

    fn measured(database: Database, size: u64, endpoint: &str, p99_ms: f64) -> Measured {
        Measured {
            database,
            size,
            endpoint: endpoint.into(),
            result: WrkResult {
                requests: 100.0,
                rps: 20.0,
                p50_ms: p99_ms / 2.0,
                p90_ms: p99_ms,
                p99_ms,
                max_ms: p99_ms,
                mean_ms: p99_ms / 2.0,
                non200: 0.0,
                socket_errors: 0.0,
                ok: 100.0,
                exhausted: 0.0,
            },
        }
    }

    #[test]
    fn ratios_compare_the_largest_size_with_the_smallest_and_flag_past_the_limit() {
        let runs = [
            measured(Database::Sqlite, 1_000, "GET a", 10.0),
            measured(Database::Sqlite, 100_000, "GET a", 30.0),
            measured(Database::Sqlite, 1_000_000, "GET a", 12.0),
            measured(Database::Sqlite, 1_000, "POST b", 10.0),
            measured(Database::Sqlite, 1_000_000, "POST b", 12.5),
            measured(Database::Postgres, 1_000_000, "GET a", 50.0),
            measured(Database::Postgres, 1_000, "GET a", 40.0),
            measured(Database::Postgres, 1_000, "GET only once", 40.0),
        ];
        let ratios = ratios(&runs);
        let found: Vec<(Database, &str, f64, bool)> = ratios
            .iter()
            .map(|r| (r.database, r.endpoint.as_str(), r.ratio, r.flagged()))
            .collect();
        assert_eq!(
            found,
            [
                (Database::Sqlite, "GET a", 1.2, false),
                (Database::Sqlite, "POST b", 1.25, true),
                (Database::Postgres, "GET a", 1.25, true),
            ]
        );
        assert_eq!((ratios[2].from, ratios[2].to), (1_000, 1_000_000));
        assert!(format_ratio(&ratios[1]).ends_with("= 1.25  ABOVE 1.2 (p50 ratio 1.25)"));
        assert!(format_ratio(&ratios[0]).ends_with("= 1.20 (p50 ratio 1.20)"));
    }

    #[test]
    fn the_results_table_has_a_column_per_figure() {
        let table = format_results(&[measured(Database::Postgres, 1_000_000, "GET a", 12.0)]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "database  accounts   endpoint  req/s  p50 ms  p99 ms  non-200"
        );
        assert_eq!(
            lines[1],
            "postgres  1,000,000  GET a      20.0    6.00    12.0        0"
        );
    }

    #[test]
    fn each_request_line_carries_its_token_and_body() {
        let account = BenchAccount::new(7);
        let (token, body) = ENDPOINTS[3].request(&account);
        assert_eq!(token, None);
        assert_eq!(
            body.as_deref(),
            Some(r#"{"email":"user7@scale.test","password":"demo-password"}"#)
        );
        let (token, body) = ENDPOINTS[0].request(&account);
        assert_eq!((token, body), (Some(account.token.as_str()), None));
        let (_, body) = ENDPOINTS[5].request(&account);
        assert!(body.unwrap().contains(&format!("\"pinCode\":\"{PIN}\"")));
    }

    #[test]
    fn the_requests_are_dealt_to_the_files_one_account_after_another() {
        let dir = TempDir::new("portal-scale-test").unwrap();
        let device = DeviceKey::generate();
        let signer = Signer {
            device: &device,
            workers: 3,
            per_second: 1_000.0,
        };
        let accounts: Vec<BenchAccount> = (1..=4).map(BenchAccount::new).collect();
        let files: Vec<PathBuf> = (0..2)
            .map(|n| dir.path().join(format!("r-{n}.txt")))
            .collect();
        let url = "http://127.0.0.1:9/api/v1/session";
        write_requests(&signer, &ENDPOINTS[3], url, &accounts, 10, 5, &files).unwrap();
        let first: Vec<String> = fs::read_to_string(&files[0])
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(first.len(), 5);
        // Requests 0, 2, 4, 6, 8: accounts 1, 3, 1, 3, 1.
        let emails: Vec<&str> = first
            .iter()
            .map(|line| line.split('\t').nth(2).unwrap())
            .map(|body| if body.contains("user1@") { "1" } else { "3" })
            .collect();
        assert_eq!(emails, ["1", "3", "1", "3", "1"]);
        assert!(first.iter().all(|line| line.split('\t').nth(1) == Some("")));
    }
}
