//! The real `portal-server` binary (the one cargo built for these tests) as a
//! child process on a loopback port, and a small JSON client that speaks the
//! envelope over HTTP. Used by the tests that stop, kill and restart servers.

#![allow(dead_code)]

use std::fs::{self, File, OpenOptions};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const PASSWORD: &str = "demo-password";
pub const PIN: &str = "246801";

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_portal-server")
}

/// A free port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

/// A policy file of `lines` (the rest default). Its argon2 cost cannot go below the
/// spec's floor (19 MiB, 2 passes): the binary refuses to start with less, whoever runs it.
pub fn policy_file(dir: &Path, lines: &str) -> PathBuf {
    let path = dir.join("policy.toml");
    fs::write(&path, format!("{lines}\n")).unwrap();
    path
}

/// One `portal-server` process. Dropping it kills the process.
pub struct ServerProcess {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
    args: Vec<String>,
    /// `PORTAL_*` variables given to it (secrets go there, never on the command line).
    env: Vec<(String, String)>,
    pub starts: u32,
}

impl ServerProcess {
    /// Starts `portal-server --bind 127.0.0.1:<port> <args>`, appending its
    /// output to `log`, with no `PORTAL_*` variable of the caller's.
    pub fn start(port: u16, args: &[&str], log: &Path) -> ServerProcess {
        ServerProcess::start_with_env(port, args, &[], log)
    }

    /// [`ServerProcess::start`] with `env` in its environment.
    pub fn start_with_env(
        port: u16,
        args: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> ServerProcess {
        let mut server = ServerProcess {
            child: None,
            port,
            log: log.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            starts: 0,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut command = Command::new(binary());
        command
            .arg("--bind")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .env("RUST_LOG", "info,sqlx=warn");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PORTAL_") {
                command.env_remove(name);
            }
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        self.child = Some(command.spawn().expect("start portal-server"));
        self.starts += 1;
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Polls `GET /api/v1/config` until 200; panics with the log's tail after `timeout`.
    pub async fn wait_ready(&mut self, timeout: Duration) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let started = Instant::now();
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "portal-server exited ({status}) before it was ready\n{}",
                    self.log_tail(30)
                );
            }
            let url = format!("{}/api/v1/config", self.base_url());
            if let Ok(response) = client.get(&url).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            assert!(
                started.elapsed() < timeout,
                "portal-server not ready after {timeout:?}\n{}",
                self.log_tail(30)
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// SIGKILL: no shutdown code runs, like a crash or an OOM kill.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the same command again (after [`ServerProcess::kill`]).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// SIGTERM, what a process manager sends to stop a service.
    pub fn terminate(&self) {
        extern "C" {
            fn kill(pid: i32, signal: i32) -> i32;
        }
        const SIGTERM: i32 = 15;
        let pid = i32::try_from(self.pid()).unwrap();
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        assert_eq!(unsafe { kill(pid, SIGTERM) }, 0, "kill(SIGTERM)");
    }

    /// Waits for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let started = Instant::now();
        let child = self.child.as_mut().expect("running");
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return status;
            }
            assert!(
                started.elapsed() < timeout,
                "portal-server still running after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether a new TCP connection is refused (nothing listens any more).
    pub fn refuses_connections(&self) -> bool {
        matches!(
            TcpStream::connect_timeout(&self.address(), Duration::from_millis(200)),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused
        )
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = self.log_text();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Creates `path`'s file so that the server can append to it.
pub fn touch(path: &Path) {
    File::create(path).unwrap();
}

/// An answer: HTTP status and the envelope.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub json: Value,
}

impl Reply {
    pub fn succeeded(&self) -> bool {
        self.json["status"] == "SUCCEEDED"
    }

    /// The error code of a FAILED envelope (0 otherwise).
    pub fn code(&self) -> u64 {
        self.json["error"]["code"].as_u64().unwrap_or(0)
    }

    pub fn result(&self) -> &Value {
        &self.json["result"]
    }
}

/// A JSON client of one server, for one device (a key that signs a DPoP proof
/// for every call) and (once signed in) one session.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    pub key: dpop_client::DeviceKey,
    /// The device id: the key's thumbprint.
    pub device: String,
    pub token: Option<String>,
    /// A `Host` to send in place of the server's address, as behind a load
    /// balancer that gives several instances one name: the proofs name it too.
    pub host: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Api {
        let key = dpop_client::DeviceKey::generate();
        Api {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            base: base.to_string(),
            device: key.thumbprint(),
            key,
            token: None,
            host: None,
        }
    }

    /// A proof for `method` `path` on this client's server, made now (the
    /// servers run on the system clock).
    pub fn proof(&self, method: &reqwest::Method, path: &str) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let url = match &self.host {
            Some(host) => format!("http://{host}{path}"),
            None => format!("{}{path}", self.base),
        };
        self.key
            .proof(method.as_str(), &url, self.token.as_deref(), now)
    }

    /// The same device and session against another server (another instance).
    pub fn on(&self, base: &str) -> Api {
        Api {
            base: base.to_string(),
            ..self.clone()
        }
    }

    /// One call; `Err` when no answer came (connection refused or reset).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, reqwest::Error> {
        let proof = self.proof(&method, path);
        self.call_with_proof(method, path, body, Some(&proof)).await
    }

    /// One call with `proof` as its `DPoP` header (or none).
    pub async fn call_with_proof(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        proof: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(proof) = proof {
            request = request.header("dpop", proof);
        }
        if let Some(host) = &self.host {
            request = request.header("host", host);
        }
        request = request.header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0 Safari/537.36",
        );
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok(Reply {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }

    pub async fn get(&self, path: &str) -> Result<Reply, reqwest::Error> {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Reply, reqwest::Error> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Signs in; `Ok(false)` when the server answered but refused.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Result<bool, reqwest::Error> {
        let reply = self
            .post(
                "/api/v1/session",
                serde_json::json!({"email": email, "password": password}),
            )
            .await?;
        if !reply.succeeded() {
            return Ok(false);
        }
        self.token = reply.result()["token"].as_str().map(str::to_string);
        Ok(true)
    }

    /// The code in the newest outbox message to `phone` (demo mode).
    pub async fn last_code(&self, phone: &str) -> Result<Option<String>, reqwest::Error> {
        let reply = self
            .get(&format!(
                "/api/v1/dev/outbox?to={}",
                phone.replace('+', "%2B")
            ))
            .await?;
        Ok(reply.result()["messages"][0]["text"]
            .as_str()
            .and_then(|text| {
                text.split(|c: char| !c.is_ascii_digit())
                    .find(|word| word.len() == 6)
                    .map(str::to_string)
            }))
    }
}

pub const SMS_REQUEST: &str = "/api/v1/pims/authentication/smscode/request";
pub const SMS_SUBMIT: &str = "/api/v1/pims/authentication/smscode";
pub const ENROLLMENT: &str = "/api/v1/pims/authentication/enrollment";
pub const OTP: &str = "/api/v1/pims/authentication/otp";
