//! A PostgreSQL database for the server's tests.
//!
//! `PORTAL_TEST_DATABASE_URL` when it is set (CI with a service container, a developer's own
//! server). Otherwise the local cluster of Debian's `postgresql` package: installed with
//! `apt-get install -y postgresql` when missing, started with `pg_ctlcluster` when down (both
//! need root), then, as the `postgres` system user, a login role `portal_test` and a fresh
//! database `portal_test` (dropped and created again on each run, so the schemas tests leave
//! behind never pile up). Each test then works in a schema of its own.

use std::env;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::process::{is_root, probe, run, step, which};

/// The variable that points the server's tests at a PostgreSQL database.
pub const TEST_DATABASE_URL: &str = "PORTAL_TEST_DATABASE_URL";

/// Role, password and database of the local test database (loopback only, test data only).
const ROLE: &str = "portal_test";
const DATABASE: &str = "portal_test";

/// The URL of a PostgreSQL database the server's tests may use; installs, starts and prepares
/// the local one when `PORTAL_TEST_DATABASE_URL` is not set.
pub fn test_database() -> Result<String, String> {
    if let Some(url) = env::var_os(TEST_DATABASE_URL).filter(|url| !url.is_empty()) {
        step(format!("PostgreSQL: {TEST_DATABASE_URL} is set, using it"));
        return url
            .into_string()
            .map_err(|_| format!("{TEST_DATABASE_URL} is not UTF-8"));
    }
    Ok(local_database(DATABASE)?.url)
}

/// A fresh database of the local cluster, owned by the test role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalDatabase {
    pub url: String,
    pub port: u16,
    pub name: String,
}

/// The local cluster (installed and started when needed), the test role, and a fresh,
/// empty database `name` it owns (dropped first when it exists). Not
/// `PORTAL_TEST_DATABASE_URL`: a database of one's own cannot be dropped and made again.
pub fn local_database(name: &str) -> Result<LocalDatabase, String> {
    if which("pg_lsclusters").is_none() {
        if port_open(5432) {
            return Err(format!(
                "a PostgreSQL answers on 127.0.0.1:5432 but not from Debian's packages: set \
                 {TEST_DATABASE_URL}=postgres://USER:PASSWORD@127.0.0.1:5432/DB (a database the \
                 user may create schemas in)"
            ));
        }
        install()?;
    }
    let port = start_cluster()?;
    prepare(port, name)?;
    Ok(LocalDatabase {
        url: format!("postgres://{ROLE}:{ROLE}@127.0.0.1:{port}/{name}"),
        port,
        name: name.to_string(),
    })
}

/// `CHECKPOINT` of the local cluster (as the superuser: the test role may not): the pages a
/// bulk load dirtied are written now rather than during what is measured next.
pub fn checkpoint(database: &LocalDatabase) -> Result<(), String> {
    psql(database.port, "CHECKPOINT").map(drop)
}

/// Drops a database [`local_database`] made (its rows would otherwise stay on disk).
pub fn drop_local_database(database: &LocalDatabase) -> Result<(), String> {
    psql(
        database.port,
        &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", database.name),
    )
    .map(drop)
}

/// `apt-get install -y postgresql` (after `apt-get update` when the first try fails).
fn install() -> Result<(), String> {
    if !is_root() {
        return Err(format!(
            "PostgreSQL is not installed and installing it needs root: run \
             `sudo apt-get install -y postgresql`, or set {TEST_DATABASE_URL}"
        ));
    }
    step("installing PostgreSQL from Debian's packages (apt-get install -y postgresql)");
    let install = || {
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    if install().is_err() {
        run(Command::new("apt-get").arg("update"))?;
        install()?;
    }
    Ok(())
}

/// One line of `pg_lsclusters`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub version: String,
    pub name: String,
    pub port: u16,
    pub online: bool,
}

/// `pg_lsclusters --no-header`: `15  main    5432 online postgres /var/lib/... /var/log/...`.
pub fn parse_clusters(text: &str) -> Vec<Cluster> {
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            Some(Cluster {
                version: words.first()?.to_string(),
                name: words.get(1)?.to_string(),
                port: words.get(2)?.parse().ok()?,
                online: words.get(3)?.starts_with("online"),
            })
        })
        .collect()
}

/// The port of a running cluster: the first online one, else the first one started (or a
/// new `main` cluster created and started when there is none).
fn start_cluster() -> Result<u16, String> {
    let listed = probe("pg_lsclusters", &["--no-header"]).unwrap_or_default();
    let clusters = parse_clusters(&listed);
    if let Some(cluster) = clusters.iter().find(|c| c.online) {
        step(format!(
            "PostgreSQL {} cluster `{}` is running on port {}",
            cluster.version, cluster.name, cluster.port
        ));
        return wait_for_port(cluster.port);
    }
    if !is_root() {
        return Err(format!(
            "PostgreSQL is installed but not running, and starting it needs root: run \
             `sudo pg_ctlcluster <version> main start`, or set {TEST_DATABASE_URL}"
        ));
    }
    let cluster = match clusters.into_iter().next() {
        Some(cluster) => cluster,
        None => {
            let version = installed_version()?;
            step(format!("creating the PostgreSQL {version} cluster `main`"));
            run(Command::new("pg_createcluster").args([&version, "main"]))?;
            let listed = probe("pg_lsclusters", &["--no-header"]).unwrap_or_default();
            parse_clusters(&listed)
                .into_iter()
                .next()
                .ok_or("pg_createcluster made no cluster")?
        }
    };
    step(format!(
        "starting PostgreSQL {} cluster `{}` (pg_ctlcluster)",
        cluster.version, cluster.name
    ));
    run(Command::new("pg_ctlcluster").args([&cluster.version, &cluster.name, "start"]))?;
    wait_for_port(cluster.port)
}

/// The newest server version under `/usr/lib/postgresql`.
fn installed_version() -> Result<String, String> {
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("/usr/lib/postgresql: {e}"))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    versions
        .last()
        .map(u32::to_string)
        .ok_or_else(|| "no PostgreSQL server under /usr/lib/postgresql".into())
}

fn port_open(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&address, Duration::from_millis(300)).is_ok()
}

fn wait_for_port(port: u16) -> Result<u16, String> {
    let started = Instant::now();
    while !port_open(port) {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("PostgreSQL does not answer on 127.0.0.1:{port}"));
        }
        thread::sleep(Duration::from_millis(200));
    }
    Ok(port)
}

/// Runs `sql` as the `postgres` superuser over the local socket (peer authentication).
fn psql(port: u16, sql: &str) -> Result<String, String> {
    let mut command = if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", "psql"]);
        command
    } else {
        Command::new("psql")
    };
    command.args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-p"]);
    command.arg(port.to_string()).args(["-c", sql]);
    let output = command
        .output()
        .map_err(|e| format!("could not run psql: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        Err(format!(
            "psql failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The role (password login from 127.0.0.1) and a fresh, empty database `name` it owns.
fn prepare(port: u16, name: &str) -> Result<(), String> {
    step(format!(
        "PostgreSQL: role `{ROLE}` and a fresh database `{name}`"
    ));
    let exists = psql(
        port,
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'"),
    )?;
    let verb = if exists == "1" { "ALTER" } else { "CREATE" };
    psql(port, &format!("{verb} ROLE {ROLE} LOGIN PASSWORD '{ROLE}'"))?;
    psql(
        port,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )?;
    psql(port, &format!("CREATE DATABASE {name} OWNER {ROLE}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_lsclusters_lines_are_parsed() {
        let text = "15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log\n\
                    16  test    5433 down   postgres /var/lib/postgresql/16/test /var/log/x.log\n";
        assert_eq!(
            parse_clusters(text),
            [
                Cluster {
                    version: "15".into(),
                    name: "main".into(),
                    port: 5432,
                    online: true
                },
                Cluster {
                    version: "16".into(),
                    name: "test".into(),
                    port: 5433,
                    online: false
                },
            ]
        );
        assert!(parse_clusters("").is_empty());
    }
}
