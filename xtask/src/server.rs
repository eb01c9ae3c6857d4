//! Starting `portal-server`, waiting until it answers, and stopping it for sure.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The request that tells the server is ready (200 once it serves the API).
pub const READY_PATH: &str = "/api/v1/config";

/// How to start the server.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// `host:port` for `--bind`.
    pub bind: String,
    pub database_url: String,
    pub static_dir: PathBuf,
    pub demo: bool,
    /// Where its stdout and stderr go; `None` shares xtask's console.
    pub log: Option<PathBuf>,
    /// Drop the `PORTAL_*` environment twins of the flags (a test server must not pick up
    /// a developer's settings).
    pub hermetic: bool,
    /// The flood limits at their ceilings ([`RELAXED_LIMITS`]): for servers that test
    /// suites drive from one loopback address, many times over the same demo accounts.
    pub relaxed_limits: bool,
}

/// What `relaxed_limits` adds: every e2e test, bench or fuzz request signs in from
/// 127.0.0.1 (the spec's 20 sign-ins a minute per address), and the ~50 e2e tests send
/// codes to the same demo numbers (5 an hour per number), and the tests of wrong PINs and
/// codes all guess from that one address (60 wrong guesses an hour). The tests of those
/// limits are the server's own (`crates/server/tests/api/floods.rs`).
pub const RELAXED_LIMITS: [&str; 8] = [
    "--sign-in-per-ip-per-minute",
    "6000",
    "--sms-per-number-per-hour",
    "1000",
    "--sms-per-minute",
    "10000",
    "--wrong-guesses-per-ip-per-hour",
    "100000",
];

impl ServerOptions {
    /// The flags of `portal-server` (see the shared spec, "The reference server as a program").
    pub fn args(&self) -> Vec<String> {
        let mut args = vec![
            "--bind".to_owned(),
            self.bind.clone(),
            "--database-url".to_owned(),
            self.database_url.clone(),
            "--static-dir".to_owned(),
            self.static_dir.to_string_lossy().into_owned(),
        ];
        if self.demo {
            args.push("--demo".to_owned());
        }
        if self.relaxed_limits {
            args.extend(RELAXED_LIMITS.map(str::to_owned));
        }
        args
    }
}

/// Why a started server is not serving.
#[derive(Debug)]
pub enum NotReady {
    /// The process ended (message with the log's tail).
    Exited(String),
    /// Still running but not answering 200 in time.
    TimedOut(String),
}

impl From<NotReady> for String {
    fn from(not_ready: NotReady) -> String {
        match not_ready {
            NotReady::Exited(message) | NotReady::TimedOut(message) => message,
        }
    }
}

/// A running `portal-server`; dropping it kills the process (on success, failure or panic).
pub struct Server {
    child: Child,
    bind: String,
    log: Option<PathBuf>,
}

impl Server {
    pub fn start(binary: &Path, root: &Path, options: &ServerOptions) -> Result<Server, String> {
        let mut command = Command::new(binary);
        command
            .current_dir(root)
            .args(options.args())
            .stdin(Stdio::null());
        if options.hermetic {
            for (name, _) in std::env::vars_os() {
                if name.to_string_lossy().starts_with("PORTAL_") {
                    command.env_remove(name);
                }
            }
        }
        if let Some(log) = &options.log {
            if let Some(parent) = log.parent() {
                fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
            let copy = file.try_clone().map_err(|e| e.to_string())?;
            command.stdout(file).stderr(copy);
        }
        stop_with_parent(&mut command);
        println!("    $ {}", crate::process::describe(&command));
        let child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        Ok(Server {
            child,
            bind: options.bind.clone(),
            log: options.log.clone(),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.bind)
    }

    /// Polls `GET /api/v1/config` until it answers 200; an error when the process exits first
    /// or `timeout` passes.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<(), NotReady> {
        let start = Instant::now();
        let mut last;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(NotReady::Exited(format!(
                    "portal-server exited ({status}) before it was ready (is {} already in use?){}",
                    self.bind,
                    self.log_tail(40)
                )));
            }
            match http_status(&self.bind, READY_PATH) {
                Ok(200) => return Ok(()),
                Ok(status) => last = format!("HTTP {status}"),
                Err(error) => last = error.to_string(),
            }
            if start.elapsed() > timeout {
                return Err(NotReady::TimedOut(format!(
                    "portal-server did not answer 200 on {READY_PATH} within {}s (last: {last}){}",
                    timeout.as_secs(),
                    self.log_tail(40)
                )));
            }
            thread::sleep(Duration::from_millis(150));
        }
    }

    /// Whether the server's log file says its address was taken (another process got the
    /// "free" port first).
    pub fn lost_its_port(&self) -> bool {
        self.log
            .as_ref()
            .and_then(|log| fs::read_to_string(log).ok())
            .is_some_and(|text| text.contains("Address already in use"))
    }

    /// Waits until the server exits by itself (Ctrl-C in `serve`).
    pub fn wait(&mut self) -> Result<ExitStatus, String> {
        self.child.wait().map_err(|e| e.to_string())
    }

    /// The last `lines` lines of the log file, formatted for an error message.
    pub fn log_tail(&self, lines: usize) -> String {
        let Some(log) = &self.log else {
            return String::new();
        };
        let text = fs::read_to_string(log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        let tail = &all[all.len().saturating_sub(lines)..];
        format!(
            "\n    --- last lines of {} ---\n{}",
            log.display(),
            tail.join("\n")
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Asks Linux to send the server SIGTERM when xtask dies, so a killed `cargo xtask` (not only
/// Ctrl-C, which reaches the whole process group) never leaves a server holding its port.
#[cfg(target_os = "linux")]
fn stop_with_parent(command: &mut Command) {
    use std::ffi::{c_int, c_ulong};
    use std::os::unix::process::CommandExt;
    extern "C" {
        fn prctl(option: c_int, ...) -> c_int;
    }
    const PR_SET_PDEATHSIG: c_int = 1;
    const SIGTERM: c_ulong = 15;
    // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory of ours.
    unsafe {
        command.pre_exec(|| {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn stop_with_parent(_command: &mut Command) {}

/// A free port on 127.0.0.1: bind port 0, read the port the system chose, release it.
/// (Another process could take it before the server binds; on a test machine that is rare.)
pub fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding 127.0.0.1:0: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    drop(listener);
    Ok(port)
}

/// The HTTP status of `GET path` on `host:port`, with a minimal HTTP/1.1 client.
pub fn http_status(bind: &str, path: &str) -> io::Result<u16> {
    let address = bind
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other(format!("{bind} resolves to nothing")))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {bind}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    let mut head = [0u8; 64];
    let mut read = 0;
    while read < head.len() {
        let n = stream.read(&mut head[read..])?;
        if n == 0 {
            break;
        }
        read += n;
        if head[..read].contains(&b'\n') {
            break;
        }
    }
    parse_status_line(&String::from_utf8_lossy(&head[..read]))
        .ok_or_else(|| io::Error::other("not an HTTP answer"))
}

/// `HTTP/1.1 200 OK` gives 200.
pub fn parse_status_line(response: &str) -> Option<u16> {
    let line = response.lines().next()?;
    let mut words = line.split_whitespace();
    if !words.next()?.starts_with("HTTP/") {
        return None;
    }
    let code = words.next()?;
    if code.len() != 3 {
        return None;
    }
    code.parse().ok()
}

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> Result<TempDir, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
        Ok(TempDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// `sqlite://<dir>/portal.db?mode=rwc`: a database the server creates on first use.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}/portal.db?mode=rwc", dir.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Tests that take ports run one at a time, or one's "free" port is the other's.
    static PORTS: Mutex<()> = Mutex::new(());

    #[test]
    fn status_line_is_parsed_and_garbage_refused() {
        assert_eq!(
            parse_status_line("HTTP/1.1 200 OK\r\ncontent-type: x\r\n"),
            Some(200)
        );
        assert_eq!(
            parse_status_line("HTTP/1.1 503 Service Unavailable\r\n"),
            Some(503)
        );
        assert_eq!(parse_status_line("SSH-2.0-OpenSSH_9.2\r\n"), None);
        assert_eq!(parse_status_line("HTTP/1.1 2000 OK"), None);
        assert_eq!(parse_status_line(""), None);
    }

    #[test]
    fn free_port_is_bindable_again() {
        let _ports = PORTS.lock().unwrap_or_else(|e| e.into_inner());
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind(("127.0.0.1", port)).unwrap();
    }

    #[test]
    fn http_status_reads_the_answer_of_a_real_socket() {
        let _ports = PORTS.lock().unwrap_or_else(|e| e.into_inner());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let bind = listener.local_addr().unwrap().to_string();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 512];
            while !request.ends_with(b"\r\n\r\n") {
                let n = stream.read(&mut buffer).unwrap();
                assert!(n > 0, "the client closed before the end of its request");
                request.extend_from_slice(&buffer[..n]);
            }
            let request = String::from_utf8_lossy(&request).into_owned();
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .unwrap();
            request
        });
        assert_eq!(http_status(&bind, READY_PATH).unwrap(), 204);
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /api/v1/config HTTP/1.1\r\n"),
            "{request}"
        );
    }

    #[test]
    fn server_args_carry_every_flag() {
        let options = ServerOptions {
            bind: "127.0.0.1:4321".into(),
            database_url: sqlite_url(Path::new("/tmp/x")),
            static_dir: PathBuf::from("dist"),
            demo: true,
            log: None,
            hermetic: true,
            relaxed_limits: true,
        };
        assert_eq!(
            options.args(),
            [
                "--bind",
                "127.0.0.1:4321",
                "--database-url",
                "sqlite:///tmp/x/portal.db?mode=rwc",
                "--static-dir",
                "dist",
                "--demo",
                "--sign-in-per-ip-per-minute",
                "6000",
                "--sms-per-number-per-hour",
                "1000",
                "--sms-per-minute",
                "10000",
                "--wrong-guesses-per-ip-per-hour",
                "100000"
            ]
        );
    }

    #[test]
    fn a_server_that_cannot_bind_is_reported_as_exited_with_a_lost_port() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("xtask-fake-server").unwrap();
        let script = dir.path().join("fake-server");
        fs::write(
            &script,
            "#!/bin/sh\necho 'cannot listen on 127.0.0.1:1: Address already in use (os error 98)'\nexit 1\n",
        )
        .unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let options = ServerOptions {
            bind: "127.0.0.1:1".into(),
            database_url: sqlite_url(dir.path()),
            static_dir: PathBuf::from("dist"),
            demo: true,
            log: Some(dir.path().join("server.log")),
            hermetic: true,
            relaxed_limits: false,
        };
        // Another test's fork may still hold the script open for writing for a moment
        // ("Text file busy"): try again briefly.
        let mut server = (0..50)
            .find_map(|_| match Server::start(&script, dir.path(), &options) {
                Ok(server) => Some(server),
                Err(error) if error.contains("Text file busy") => {
                    thread::sleep(Duration::from_millis(20));
                    None
                }
                Err(error) => panic!("{error}"),
            })
            .expect("the script stays busy");
        let not_ready = server.wait_ready(Duration::from_secs(10));
        assert!(
            matches!(not_ready, Err(NotReady::Exited(_))),
            "{not_ready:?}"
        );
        assert!(server.lost_its_port());
        let message = String::from(not_ready.unwrap_err());
        assert!(message.contains("Address already in use"), "{message}");
    }

    #[test]
    fn temp_dir_is_removed_on_drop() {
        let dir = TempDir::new("xtask-test").unwrap();
        let path = dir.path().to_path_buf();
        fs::write(path.join("f"), "x").unwrap();
        drop(dir);
        assert!(!path.exists());
    }
}
