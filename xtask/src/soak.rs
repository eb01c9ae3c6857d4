//! `cargo xtask bench`, first part: a soak run of `portal-server` (loopback only, bounded).
//!
//! Four virtual users send mixed traffic at a fixed total rate for a fixed time: two enroll a
//! new device again and again (a fresh DPoP key each time: sign in, status reads, enrollment
//! SMS code, outbox, code, PIN), one enrolls a device of its own once and then steps up on it
//! (a wrong PIN, then the right one: a counter that goes up and back to zero), one reads
//! everything a portal reads. Every request carries a DPoP proof by the user's current key. Then the server is stopped with SIGTERM, started
//! again on the same database, and every write that was answered SUCCEEDED is looked for.
//! Pass: zero 5xx, zero failed connections, zero unexpected answers, zero lost writes, a clean
//! exit on SIGTERM, and memory flat: the floor of the resident size (its minimum over a
//! window, so that the 19 MiB of an argon2 hash in flight does not count) at the end is within
//! a margin of the floor after the warm-up.

use std::fs::{self, File};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::http::{self, DeviceKey, Reply};
use crate::process::step;
use crate::server::{free_port, http_status, sqlite_url, TempDir, READY_PATH};
use crate::tasks;
use crate::workspace::Workspace;

/// How long and how fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoakOptions {
    pub seconds: u64,
    /// Requests per second, all users together.
    pub rate: u32,
}

impl Default for SoakOptions {
    fn default() -> SoakOptions {
        SoakOptions {
            seconds: 60,
            rate: 40,
        }
    }
}

const PASSWORD: &str = "demo-password";
const PIN: &str = "246801";
const WRONG_PIN: &str = "975310";
/// Memory is flat when the end is within this of the size after the warm-up…
const MEMORY_MARGIN_KIB: u64 = 16 * 1024;
/// …or within this share of it.
const MEMORY_MARGIN_PERCENT: u64 = 15;

/// `cargo xtask bench`: the soak (the first and, for now, only part).
pub fn bench(workspace: &Workspace, options: SoakOptions) -> Result<(), String> {
    let binary = tasks::build_server(workspace)?;
    soak(workspace, &binary, options)
}

/// A server process of the soak: started with the soak's policy, stopped with SIGTERM.
struct Process {
    child: Child,
    bind: String,
}

impl Process {
    fn start(binary: &Path, args: &[String], log: &Path) -> Result<Process, String> {
        let file = File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let copy = file.try_clone().map_err(|e| e.to_string())?;
        let mut command = Command::new(binary);
        command
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
        let child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let bind = args
            .windows(2)
            .find(|pair| pair[0] == "--bind")
            .map(|pair| pair[1].clone())
            .unwrap_or_default();
        let mut process = Process { child, bind };
        process.wait_ready()?;
        Ok(process)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "portal-server exited ({status}) before it was ready"
                ));
            }
            if http_status(&self.bind, READY_PATH).ok() == Some(200) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(90) {
                return Err("portal-server was not ready within 90 s".into());
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Resident memory, KiB.
    fn rss_kib(&self) -> Option<u64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    }

    /// SIGTERM, then the exit status (an error after 30 s).
    fn terminate(mut self) -> Result<std::process::ExitStatus, String> {
        extern "C" {
            fn kill(pid: i32, signal: i32) -> i32;
        }
        const SIGTERM: i32 = 15;
        let pid = i32::try_from(self.child.id()).map_err(|e| e.to_string())?;
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        if unsafe { kill(pid, SIGTERM) } != 0 {
            return Err(format!(
                "kill(SIGTERM): {}",
                std::io::Error::last_os_error()
            ));
        }
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status);
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err("portal-server did not stop within 30 s of SIGTERM".into());
            }
            thread::sleep(Duration::from_millis(50));
        }
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

/// What the server acknowledged, to look for after the restart.
#[derive(Default)]
struct Ledger {
    /// Sessions: (token, the key it is bound to).
    sessions: Vec<(String, DeviceKey)>,
    /// Enrolled devices: (token of the session that enrolled it, the device's key).
    enrolled: Vec<(String, DeviceKey)>,
    /// SMS codes sent, per phone number.
    codes: Vec<(String, u32)>,
}

impl Ledger {
    fn code_sent(&mut self, phone: &str) {
        match self.codes.iter_mut().find(|(p, _)| p == phone) {
            Some((_, count)) => *count += 1,
            None => self.codes.push((phone.to_string(), 1)),
        }
    }
}

/// Requests and their outcomes.
#[derive(Default)]
struct Stats {
    latencies_ms: Vec<u64>,
    server_errors: u32,
    connection_errors: u32,
    unexpected: Vec<String>,
    writes: u32,
}

/// One virtual user's paced sender: its k-th request leaves at start + (k·users + index)/rate.
struct User {
    bind: String,
    index: u32,
    users: u32,
    rate: u32,
    start: Instant,
    deadline: Instant,
    sent: u32,
    stats: Arc<Mutex<Stats>>,
    ledger: Arc<Mutex<Ledger>>,
    phones: Arc<Phones>,
    token: Option<String>,
    /// Signs every request: the device the user is at the moment.
    device: DeviceKey,
}

/// One lock per phone, held from an SMS code's request to its use: two users enrolling on
/// one account (the step-up user enrolls its device on an account another user enrolls on
/// again and again) must not read each other's code from the outbox, whose newest message
/// is all they go by; a wrong code would count towards the account's SMS pause.
#[derive(Default)]
struct Phones(Mutex<Vec<(String, Arc<Mutex<()>>)>>);

impl Phones {
    fn lock_for(&self, phone: &str) -> Arc<Mutex<()>> {
        let mut locks = self.0.lock().unwrap();
        if let Some((_, lock)) = locks.iter().find(|(p, _)| p == phone) {
            return lock.clone();
        }
        let lock = Arc::new(Mutex::new(()));
        locks.push((phone.to_string(), lock.clone()));
        lock
    }
}

/// Why a user stops a journey.
enum Halt {
    TimeUp,
    Failed,
}

impl User {
    /// Sends one request on schedule; `Err(TimeUp)` past the deadline, `Err(Failed)` (already
    /// counted) on a 5xx, a failed connection or an answer other than `expect`.
    fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
        expect: Expect,
    ) -> Result<Reply, Halt> {
        let slot = u64::from(self.sent) * u64::from(self.users) + u64::from(self.index);
        let due = self.start + Duration::from_micros(slot * 1_000_000 / u64::from(self.rate));
        if due >= self.deadline {
            return Err(Halt::TimeUp);
        }
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        self.sent += 1;
        let started = Instant::now();
        let reply = http::request(
            &self.bind,
            method,
            path,
            self.token.as_deref(),
            Some(&self.device),
            body,
        );
        let took = started.elapsed().as_millis() as u64;
        let mut stats = self.stats.lock().unwrap();
        stats.latencies_ms.push(took);
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) => {
                stats.connection_errors += 1;
                stats.unexpected.push(format!("{method} {path}: {error}"));
                return Err(Halt::Failed);
            }
        };
        if reply.status >= 500 {
            stats.server_errors += 1;
        }
        let fine = match expect {
            Expect::Succeeded => reply.succeeded(),
            Expect::Code(code) => reply.error_code() == Some(code),
            Expect::Status(status) => reply.status == status,
        };
        if !fine {
            if stats.unexpected.len() < 20 {
                stats.unexpected.push(format!(
                    "{method} {path}: {} {}",
                    reply.status,
                    reply.body.chars().take(200).collect::<String>()
                ));
            }
            return Err(Halt::Failed);
        }
        if method != "GET" {
            stats.writes += 1;
        }
        Ok(reply)
    }

    fn sign_in(&mut self, email: &str, device: DeviceKey) -> Result<(), Halt> {
        self.device = device;
        self.token = None;
        let body = format!(r#"{{"email":"{email}","password":"{PASSWORD}"}}"#);
        let reply = self.send("POST", "/api/v1/session", Some(&body), Expect::Succeeded)?;
        let token = http::json_string(&reply.body, "token").ok_or(Halt::Failed)?;
        self.ledger
            .lock()
            .unwrap()
            .sessions
            .push((token.clone(), self.device.clone()));
        self.token = Some(token);
        Ok(())
    }

    /// A new device of `email` (which has a PIN and `phone`) enrolls, then looks around.
    fn enroll_journey(&mut self, email: &str, phone: &str) -> Result<(), Halt> {
        self.sign_in(email, DeviceKey::generate())?;
        let reply = self.send("GET", ACTIVATED, None, Expect::Succeeded)?;
        if http::json_bool(&reply.body, "isDeviceActivated") != Some(false) {
            return self.unexpected("a new device is already enrolled");
        }
        self.send("GET", BLOCKED, None, Expect::Succeeded)?;
        self.send("GET", TRUSTED_PHONE, None, Expect::Succeeded)?;
        let phone_lock = self.phones.lock_for(phone);
        let _one_code_in_flight = phone_lock.lock().unwrap();
        self.send(
            "POST",
            SMS_REQUEST,
            Some(r#"{"type":"enrollment"}"#),
            Expect::Succeeded,
        )?;
        self.ledger.lock().unwrap().code_sent(phone);
        let outbox = self.send(
            "GET",
            &format!("/api/v1/dev/outbox?to={}", phone.replace('+', "%2B")),
            None,
            Expect::Succeeded,
        )?;
        let text = http::json_string(&outbox.body, "text").unwrap_or_default();
        let Some(code) = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| word.len() == 6)
        else {
            return self.unexpected("no code in the outbox");
        };
        let body = format!(r#"{{"action":"enrollment","smsCode":"{code}"}}"#);
        self.send("POST", SMS_SUBMIT, Some(&body), Expect::Succeeded)?;
        let body = format!(r#"{{"action":"enroll","pinCode":"{PIN}"}}"#);
        self.send("POST", ENROLLMENT, Some(&body), Expect::Succeeded)?;
        let token = self.token.clone().unwrap_or_default();
        self.ledger
            .lock()
            .unwrap()
            .enrolled
            .push((token, self.device.clone()));
        self.send("GET", DEVICES, None, Expect::Succeeded)?;
        self.send("GET", EVENTS, None, Expect::Succeeded)?;
        self.send("GET", VEHICLES, None, Expect::Succeeded)?;
        Ok(())
    }

    /// On the enrolled device: a wrong PIN (counted), the right one (count back to zero).
    fn step_up_round(&mut self) -> Result<(), Halt> {
        let wrong = format!(
            r#"{{"action":"withPIN","pinCode":"{WRONG_PIN}","operation":"removeProperty"}}"#
        );
        self.send("POST", OTP, Some(&wrong), Expect::Code(2308))?;
        let right =
            format!(r#"{{"action":"withPIN","pinCode":"{PIN}","operation":"removeProperty"}}"#);
        self.send("POST", OTP, Some(&right), Expect::Succeeded)?;
        self.send("GET", BLOCKED, None, Expect::Succeeded)?;
        self.send("GET", "/api/v1/session", None, Expect::Succeeded)?;
        Ok(())
    }

    /// What a portal reads, plus two refusals it must get right.
    fn read_round(&mut self, phone: &str) -> Result<(), Halt> {
        self.send("GET", "/api/v1/config", None, Expect::Succeeded)?;
        self.send("GET", "/api/v1/session", None, Expect::Succeeded)?;
        self.send("GET", ACTIVATED, None, Expect::Succeeded)?;
        self.send("GET", BLOCKED, None, Expect::Succeeded)?;
        self.send("GET", TRUSTED_PHONE, None, Expect::Succeeded)?;
        self.send("GET", DEVICES, None, Expect::Succeeded)?;
        self.send("GET", VEHICLES, None, Expect::Succeeded)?;
        self.send("GET", EVENTS, None, Expect::Succeeded)?;
        let outbox = format!("/api/v1/dev/outbox?to={}", phone.replace('+', "%2B"));
        self.send("GET", &outbox, None, Expect::Succeeded)?;
        self.send("GET", "/api/v1/nowhere", None, Expect::Status(404))?;
        let wrong = r#"{"email":"phone@demo.test","password":"not-the-password"}"#;
        let token = self.token.take();
        let refused = self.send("POST", "/api/v1/session", Some(wrong), Expect::Code(2301));
        self.token = token;
        refused?;
        Ok(())
    }

    fn unexpected(&mut self, what: &str) -> Result<(), Halt> {
        self.stats.lock().unwrap().unexpected.push(what.to_string());
        Err(Halt::Failed)
    }
}

#[derive(Clone, Copy)]
enum Expect {
    Succeeded,
    Code(u32),
    Status(u16),
}

const ACTIVATED: &str =
    "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated";
const BLOCKED: &str = "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked";
const TRUSTED_PHONE: &str = "/api/v1/pims/authentication/trustedphonenumber";
const SMS_REQUEST: &str = "/api/v1/pims/authentication/smscode/request";
const SMS_SUBMIT: &str = "/api/v1/pims/authentication/smscode";
const ENROLLMENT: &str = "/api/v1/pims/authentication/enrollment";
const OTP: &str = "/api/v1/pims/authentication/otp";
const DEVICES: &str = "/api/v1/pims/authentication/devices";
const VEHICLES: &str = "/api/v1/pims/subscription/vehicle";
const EVENTS: &str = "/api/v1/account/events";

/// The run itself, against the built `binary`.
pub fn soak(workspace: &Workspace, binary: &Path, options: SoakOptions) -> Result<(), String> {
    let dir = TempDir::new("portal-soak")?;
    let work = workspace.target_dir().join("xtask").join("soak");
    fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let log = work.join("server.log");
    let _ = fs::remove_file(&log);
    let policy = dir.path().join("policy.toml");
    // No resend cooldown and no hourly cap: the two enrolling users send a code every few
    // seconds (to the same two numbers); no device limit: they enroll a new device each
    // time; the flood limits at their ceilings: every sign-in comes from 127.0.0.1.
    fs::write(
        &policy,
        "sms_resend_cooldown_seconds = 0\nsms_per_account_per_hour = 1000000\ndevice_limit = 1000000\n\
         sign_in_per_ip_per_minute = 6000\nsms_per_number_per_hour = 1000\nsms_per_minute = 10000\n\
         wrong_guesses_per_ip_per_hour = 100000\n",
    )
    .map_err(|e| format!("{}: {e}", policy.display()))?;
    let bind = format!("127.0.0.1:{}", free_port()?);
    let args: Vec<String> = [
        "--bind",
        &bind,
        "--database-url",
        &sqlite_url(dir.path()),
        "--static-dir",
        &dir.path().join("no-dist").to_string_lossy(),
        "--config",
        &policy.to_string_lossy(),
        "--demo",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    step(format!(
        "soak: portal-server --demo on {bind} (debug build, SQLite; log: {}), {} requests/s \
         for {}s, 4 users",
        log.display(),
        options.rate,
        options.seconds
    ));
    let server = Process::start(binary, &args, &log)?;

    let stats = Arc::new(Mutex::new(Stats::default()));
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let phones = Arc::new(Phones::default());
    let start = Instant::now() + Duration::from_millis(200);
    let deadline = start + Duration::from_secs(options.seconds);
    let users = 4;
    let mut handles = Vec::new();
    for index in 0..users {
        let mut user = User {
            bind: bind.clone(),
            index,
            users,
            rate: options.rate.max(1),
            start,
            deadline,
            sent: 0,
            stats: stats.clone(),
            ledger: ledger.clone(),
            phones: phones.clone(),
            token: None,
            device: DeviceKey::generate(),
        };
        handles.push(thread::spawn(move || run_user(&mut user)));
    }
    // Resident memory four times a second.
    let mut memory = Vec::new();
    while Instant::now() < deadline {
        if let Some(rss) = server.rss_kib() {
            memory.push((start.elapsed().as_secs_f64(), rss));
        }
        thread::sleep(Duration::from_millis(250));
    }
    for handle in handles {
        handle.join().map_err(|_| "a soak user panicked")?;
    }
    let status = server.terminate()?;
    if !status.success() {
        return Err(format!("portal-server exited {status} on SIGTERM"));
    }

    // Everything acknowledged is there after a restart.
    let server = Process::start(binary, &args, &log)?;
    let ledger = ledger.lock().unwrap();
    let lost = verify(&bind, &ledger);
    drop(server);

    let stats = stats.lock().unwrap();
    let report = Report::new(&stats, &ledger, &memory, options, lost.len());
    print!("{}", report.text());
    let mut problems = Vec::new();
    if stats.server_errors > 0 {
        problems.push(format!("{} answers were 5xx", stats.server_errors));
    }
    if stats.connection_errors > 0 {
        problems.push(format!("{} connections failed", stats.connection_errors));
    }
    if !stats.unexpected.is_empty() {
        problems.push(format!(
            "unexpected answers: {}",
            stats.unexpected.join(" | ")
        ));
    }
    if !lost.is_empty() {
        problems.push(format!("lost writes: {}", lost.join(", ")));
    }
    if !report.memory_flat() {
        problems.push("memory grew".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("soak failed: {}", problems.join("; ")))
    }
}

fn run_user(user: &mut User) {
    match user.index {
        0 | 1 => {
            let (email, phone) = if user.index == 0 {
                ("enrolled@demo.test", "+12015550124")
            } else {
                ("full@demo.test", "+12015550126")
            };
            loop {
                match user.enroll_journey(email, phone) {
                    Ok(()) => {}
                    Err(Halt::TimeUp) => return,
                    Err(Halt::Failed) => thread::sleep(Duration::from_millis(200)),
                }
            }
        }
        2 => {
            // The seeded devices' private keys were dropped at seed time: a device to step
            // up on has to be enrolled by this user, with a key it holds.
            if user
                .enroll_journey("enrolled@demo.test", "+12015550124")
                .is_err()
            {
                return;
            }
            while !matches!(user.step_up_round(), Err(Halt::TimeUp)) {}
        }
        _ => {
            if user
                .sign_in("phone@demo.test", DeviceKey::generate())
                .is_err()
            {
                return;
            }
            while !matches!(user.read_round("+12015550123"), Err(Halt::TimeUp)) {}
        }
    }
}

/// Looks for every acknowledged write through the API; returns what is missing.
fn verify(bind: &str, ledger: &Ledger) -> Vec<String> {
    let mut lost = Vec::new();
    for (token, device) in &ledger.sessions {
        let reply = http::request(
            bind,
            "GET",
            "/api/v1/session",
            Some(token),
            Some(device),
            None,
        );
        if !reply.is_ok_and(|r| r.succeeded()) {
            lost.push(format!("session of device {}", device.thumbprint()));
        }
    }
    for (token, device) in &ledger.enrolled {
        let reply = http::request(bind, "GET", ACTIVATED, Some(token), Some(device), None);
        if !reply.is_ok_and(|r| http::json_bool(&r.body, "isDeviceActivated") == Some(true)) {
            lost.push(format!("enrollment of device {}", device.thumbprint()));
        }
    }
    for (phone, sent) in &ledger.codes {
        let path = format!("/api/v1/dev/outbox?to={}", phone.replace('+', "%2B"));
        // The outbox shows a session its own account's messages only: read as the owner.
        let device = DeviceKey::generate();
        let token = ["enrolled@demo.test", "full@demo.test", "phone@demo.test"]
            .iter()
            .find_map(|email| {
                let body = format!(r#"{{"email":"{email}","password":"{PASSWORD}"}}"#);
                let reply = http::request(
                    bind,
                    "POST",
                    "/api/v1/session",
                    None,
                    Some(&device),
                    Some(&body),
                )
                .ok()?;
                let token = http::json_string(&reply.body, "token")?;
                let owns = http::request(
                    bind,
                    "GET",
                    TRUSTED_PHONE,
                    Some(&token),
                    Some(&device),
                    None,
                )
                .is_ok_and(|r| http::json_string(&r.body, "phoneNumber").as_deref() == Some(phone));
                owns.then_some(token)
            });
        let listed = token
            .and_then(|token| {
                http::request(bind, "GET", &path, Some(&token), Some(&device), None).ok()
            })
            .map(|r| r.body.matches("\"purpose\":").count() as u32)
            .unwrap_or(0);
        // The outbox lists the newest 200.
        if listed < (*sent).min(200) {
            lost.push(format!("{} of {sent} SMS to {phone}", sent - listed));
        }
    }
    lost
}

/// The figures of a run.
struct Report {
    requests: usize,
    seconds: u64,
    rate: f64,
    writes: u32,
    server_errors: u32,
    connection_errors: u32,
    unexpected: usize,
    p50: u64,
    p99: u64,
    max: u64,
    sessions: usize,
    enrolled: usize,
    codes: u32,
    lost: usize,
    /// (seconds since the start, KiB).
    memory: Vec<(f64, u64)>,
}

impl Report {
    fn new(
        stats: &Stats,
        ledger: &Ledger,
        memory: &[(f64, u64)],
        options: SoakOptions,
        lost: usize,
    ) -> Report {
        let mut latencies = stats.latencies_ms.clone();
        latencies.sort_unstable();
        let percentile = |p: usize| {
            latencies
                .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        Report {
            requests: latencies.len(),
            seconds: options.seconds,
            rate: latencies.len() as f64 / options.seconds.max(1) as f64,
            writes: stats.writes,
            server_errors: stats.server_errors,
            connection_errors: stats.connection_errors,
            unexpected: stats.unexpected.len(),
            p50: percentile(50),
            p99: percentile(99),
            max: latencies.last().copied().unwrap_or(0),
            sessions: ledger.sessions.len(),
            enrolled: ledger.enrolled.len(),
            codes: ledger.codes.iter().map(|(_, n)| n).sum(),
            lost,
            memory: memory.to_vec(),
        }
    }

    /// The smallest resident size sampled in `[from, to)` seconds: what stays, without the
    /// memory of the hashes running at that instant.
    fn floor_between(&self, from: f64, to: f64) -> Option<u64> {
        self.memory
            .iter()
            .filter(|(at, _)| *at >= from && *at < to)
            .map(|(_, kib)| *kib)
            .min()
    }

    /// The floor after the warm-up (the second sixth of the run) and over the last sixth.
    fn memory_window(&self) -> Option<(u64, u64)> {
        let total = self.memory.last()?.0;
        let sixth = total / 6.0;
        Some((
            self.floor_between(sixth, 2.0 * sixth)?,
            self.floor_between(total - sixth, total + 1.0)?,
        ))
    }

    fn memory_flat(&self) -> bool {
        match self.memory_window() {
            Some((early, late)) => {
                late <= early + MEMORY_MARGIN_KIB.max(early * MEMORY_MARGIN_PERCENT / 100)
            }
            None => false,
        }
    }

    fn text(&self) -> String {
        let (early, late) = self.memory_window().unwrap_or((0, 0));
        let peak = self.memory.iter().map(|(_, kib)| *kib).max().unwrap_or(0);
        format!(
            "soak: {} requests in {} s ({:.1}/s; {} writes), 5xx: {}, failed connections: {}, \
             unexpected answers: {}; latency p50 {} ms, p99 {} ms, max {} ms\n\
             soak: acknowledged writes {} sessions, {} enrolled devices, {} SMS codes; after \
             SIGTERM and a restart {} lost\n\
             soak: server memory (RSS floor, {} samples) {:.1} MiB after the warm-up, {:.1} MiB \
             at the end, peak {:.1} MiB: {}\n",
            self.requests,
            self.seconds,
            self.rate,
            self.writes,
            self.server_errors,
            self.connection_errors,
            self.unexpected,
            self.p50,
            self.p99,
            self.max,
            self.sessions,
            self.enrolled,
            self.codes,
            self.lost,
            self.memory.len(),
            early as f64 / 1024.0,
            late as f64 / 1024.0,
            peak as f64 / 1024.0,
            if self.memory_flat() { "flat" } else { "GREW" },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(memory: Vec<(f64, u64)>) -> Report {
        Report::new(
            &Stats::default(),
            &Ledger::default(),
            &memory,
            SoakOptions::default(),
            0,
        )
    }

    #[test]
    fn memory_is_flat_within_the_margin_and_growth_is_caught() {
        let flat: Vec<(f64, u64)> = (0..60)
            .map(|s| (s as f64, 40_000 + s as u64 * 10))
            .collect();
        assert!(report(flat).memory_flat());
        let leak: Vec<(f64, u64)> = (0..60)
            .map(|s| (s as f64, 40_000 + s as u64 * 1_000))
            .collect();
        assert!(!report(leak).memory_flat());
        assert!(!report(Vec::new()).memory_flat());
    }

    #[test]
    fn users_of_one_phone_share_its_lock_and_other_phones_do_not() {
        let phones = Phones::default();
        let first = phones.lock_for("+12015550124");
        assert!(Arc::ptr_eq(&first, &phones.lock_for("+12015550124")));
        assert!(!Arc::ptr_eq(&first, &phones.lock_for("+12015550126")));
        let _held = first.lock().unwrap();
        assert!(phones.lock_for("+12015550124").try_lock().is_err());
        assert!(phones.lock_for("+12015550126").try_lock().is_ok());
    }

    #[test]
    fn the_ledger_counts_codes_per_phone() {
        let mut ledger = Ledger::default();
        ledger.code_sent("+12015550124");
        ledger.code_sent("+12015550124");
        ledger.code_sent("+12015550126");
        assert_eq!(
            ledger.codes,
            [
                ("+12015550124".to_string(), 2),
                ("+12015550126".to_string(), 1)
            ]
        );
    }
}
