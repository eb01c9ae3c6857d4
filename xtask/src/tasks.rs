//! The commands: build, serve, test.

use std::env;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::bootstrap::{self, Needs, WASM_TARGET};
use crate::process::{format_duration, run, step, timed, which};
use crate::server::{free_port, sqlite_url, NotReady, Server, ServerOptions, TempDir};
use crate::sizes::{self, ACCOUNT_PAGE, INDEX_PAGE};
use crate::snapshot;
use crate::workspace::Workspace;

/// How long a fresh server may take to answer (a debug build seeds the demo accounts).
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// Which portal a build makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// What ships: `cargo xtask build`, the size budget, the bench.
    Shipped,
    /// With the demo phone panel (the portal's cargo feature `demo`), for `cargo xtask
    /// serve` and the e2e suite, whose server runs `--demo`.
    Demo,
}

/// `cargo xtask build`: bootstrap, `trunk build --release --offline`, size table.
pub fn build(workspace: &Workspace) -> Result<(), String> {
    bootstrap::ensure(workspace, Needs::BUILD)?;
    build_portal(workspace, None, Flavor::Shipped)
}

/// The release build of the portal into `dist/`, then the size of each file. With
/// `copy_to`, also a checked copy of `dist/` (see `snapshot`), built again once when
/// someone else's `trunk build` changed `dist/` under our feet.
pub fn build_portal(
    workspace: &Workspace,
    copy_to: Option<&Path>,
    flavor: Flavor,
) -> Result<(), String> {
    for needed in ["Trunk.toml", INDEX_PAGE, ACCOUNT_PAGE] {
        if !workspace.path(needed).exists() {
            return Err(format!(
                "{needed} is missing at the repository root: the portal is not buildable yet"
            ));
        }
    }
    step("cargo fetch, workspace and standard library (trunk builds offline)");
    crate::wasm_release::fetch(workspace)?;
    let _lock = lock_dist(workspace)?;
    let mut attempts_left = 2;
    loop {
        attempts_left -= 1;
        step(format!(
            "trunk build --release --offline (index.html, then account.html; {flavor:?})"
        ));
        let (result, took) = timed(|| build_both_pages(workspace, flavor));
        result?;
        step(format!(
            "portal built in {} into dist/",
            format_duration(took)
        ));
        let files = sizes::measure(&workspace.dist())?;
        print!("{}", sizes::format_table(&files));
        let Some(copy) = copy_to else {
            return Ok(());
        };
        match snapshot::snapshot(&workspace.dist(), copy) {
            Ok(()) => return Ok(()),
            Err(error) if attempts_left > 0 => {
                step(format!("{error}: building again"));
                fs::remove_dir_all(copy).map_err(|e| format!("{}: {e}", copy.display()))?;
            }
            Err(error) => return Err(error),
        }
    }
}

/// trunk builds one page per run and always names it `index.html`, and it replaces its
/// whole `--dist` folder: so the account page is built into a folder of its own first,
/// then `dist/` from `index.html`, and the account page's files are copied in, its
/// `index.html` as `account.html`. Both pages share the stylesheet (same hashed name).
fn build_both_pages(workspace: &Workspace, flavor: Flavor) -> Result<(), String> {
    let staging = workspace.target_dir().join("xtask").join("dist-account");
    let trunk = |args: &[&str]| {
        let mut command = workspace.command("trunk");
        command
            .arg("build")
            .args(args)
            .args(["--release", "--offline"])
            .envs(crate::wasm_release::env());
        if flavor == Flavor::Demo {
            command.args(["--features", "demo"]);
        }
        run(&mut command)
    };
    trunk(&[ACCOUNT_PAGE, "--dist", &staging.to_string_lossy()])?;
    trunk(&[])?;
    let dist = workspace.dist();
    for entry in fs::read_dir(&staging).map_err(|e| format!("{}: {e}", staging.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", staging.display()))?;
        let name = entry.file_name();
        if !entry.path().is_file() {
            continue; // trunk's `.stage`
        }
        let to = if name == INDEX_PAGE {
            dist.join(ACCOUNT_PAGE)
        } else {
            dist.join(&name)
        };
        fs::copy(entry.path(), &to).map_err(|e| format!("copying to {}: {e}", to.display()))?;
    }
    minify_loaders(workspace, &dist)?;
    crate::shells::write(workspace, &dist)?;
    precompress(&dist)
}

/// Every text file of `dist` also as `NAME.gz` and `NAME.br` (`sizes::ENCODINGS`), which the
/// server sends in its place to a browser that accepts that encoding. Compressing once here
/// affords the slowest settings: zopfli writes ordinary gzip 4.5% smaller than `gzip -9`
/// (6.6 KB of the account page's first visit), brotli its best quality, where the server
/// compressing each response itself stays at a level it can afford per request. A file
/// that would not shrink gets none: the server then sends it as it is.
pub fn precompress(dist: &Path) -> Result<(), String> {
    let files = sizes::measure_paths(dist)?;
    let jobs: Vec<(&PathBuf, &sizes::Encoding)> = files
        .iter()
        .filter(|file| sizes::is_compressible(file))
        .flat_map(|file| {
            sizes::ENCODINGS
                .iter()
                .map(move |encoding| (file, encoding))
        })
        .collect();
    // In parallel: zopfli takes seconds on each wasm.
    std::thread::scope(|scope| {
        let running: Vec<_> = jobs
            .iter()
            .map(|(file, encoding)| {
                scope.spawn(move || -> Result<(), String> {
                    let (tool, args) = encoding.compress;
                    let copy = sizes::tool_output(tool, args, file)?;
                    let raw = fs::metadata(file)
                        .map_err(|e| format!("{}: {e}", file.display()))?
                        .len();
                    if (copy.len() as u64) < raw {
                        let to = encoding.copy_of(file);
                        fs::write(&to, copy).map_err(|e| format!("{}: {e}", to.display()))?;
                    }
                    Ok(())
                })
            })
            .collect();
        running.into_iter().try_for_each(|job| {
            job.join()
                .unwrap_or_else(|_| Err("a compressor thread panicked".into()))
        })
    })
}

/// Each page's JS loader (wasm-bindgen's glue) in `dist` and its wasm, made smaller:
/// the import names lose wasm-bindgen's hashes in both (`imports::shorten`: ~4 KB gzip of
/// each first visit), then esbuild minifies the loader (1.4 KB). trunk's own minifier
/// cannot parse that file and leaves it as it is. The pages name each file's SRI hash
/// (`integrity` of its preload links), so each page gets the new files'; a file whose hash
/// no page names is an error, since trunk then wrote its pages differently and the new
/// hash would not land.
fn minify_loaders(workspace: &Workspace, dist: &Path) -> Result<(), String> {
    let esbuild = workspace.tools_bin().join("esbuild");
    let page_paths: Vec<PathBuf> = sizes::pages(dist)
        .into_iter()
        .map(|page| dist.join(page))
        .collect();
    let mut pages = Vec::new();
    for path in &page_paths {
        pages.push(fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    let entries = fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("{}: {e}", dist.display()))?
            .path();
        if !path.is_file() || path.extension().is_none_or(|ext| ext != "js") {
            continue;
        }
        let before = sri_sha384(&path)?;
        shorten_imports(&path, &mut pages)?;
        run(workspace
            .command(&esbuild)
            .arg(&path)
            .args([
                "--minify",
                "--format=esm",
                "--allow-overwrite",
                "--log-level=warning",
            ])
            .arg(format!("--outfile={}", path.display())))?;
        let after = sri_sha384(&path)?;
        replace_integrity(&mut pages, &before, &after)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    for (path, text) in page_paths.iter().zip(&pages) {
        fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// `NAME.js` and its `NAME_bg.wasm` with the short import names of `imports::shorten`, and
/// the wasm's new SRI hash in the pages.
fn shorten_imports(loader: &Path, pages: &mut [String]) -> Result<(), String> {
    let stem = loader
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let wasm_path = loader.with_file_name(format!("{stem}_bg.wasm"));
    if !wasm_path.is_file() {
        return Ok(()); // Some other script: nothing of wasm-bindgen's.
    }
    let read_error = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
    let wasm = fs::read(&wasm_path).map_err(|e| read_error(&wasm_path, e))?;
    let js = fs::read_to_string(loader).map_err(|e| read_error(loader, e))?;
    let before = sri_sha384(&wasm_path)?;
    let (wasm, js) = crate::imports::shorten(&wasm, &js)
        .map_err(|e| format!("{} and {}: {e}", loader.display(), wasm_path.display()))?;
    fs::write(&wasm_path, wasm).map_err(|e| read_error(&wasm_path, e))?;
    fs::write(loader, js).map_err(|e| read_error(loader, e))?;
    let after = sri_sha384(&wasm_path)?;
    replace_integrity(pages, &before, &after).map_err(|e| format!("{}: {e}", wasm_path.display()))
}

/// The SRI value (`sha384-<base64>`) of a file, as trunk writes it; by Node.js, which the
/// build already needs for its npm tools (xtask depends on std only).
fn sri_sha384(path: &Path) -> Result<String, String> {
    const SCRIPT: &str = "const c=require('crypto'),f=require('fs');process.stdout.write('sha384-'+\
                          c.createHash('sha384').update(f.readFileSync(process.argv[1])).digest('base64'))";
    let path = path.to_string_lossy();
    crate::process::probe("node", &["-e", SCRIPT, "--", &path])
        .filter(|hash| hash.starts_with("sha384-") && hash.len() == 71)
        .ok_or_else(|| format!("could not hash {path} with node"))
}

/// `before` becomes `after` wherever a page names it; an error when none does.
fn replace_integrity(pages: &mut [String], before: &str, after: &str) -> Result<(), String> {
    let mut found = false;
    for page in pages.iter_mut().filter(|page| page.contains(before)) {
        *page = page.replace(before, after);
        found = true;
    }
    if found {
        Ok(())
    } else {
        Err(format!("no page names its integrity {before}"))
    }
}

/// Holds `target/xtask/dist.lock` so two `cargo xtask` runs in one checkout never build
/// `dist/` at the same time (a plain `trunk build` by hand does not take it).
fn lock_dist(workspace: &Workspace) -> Result<File, String> {
    let dir = workspace.target_dir().join("xtask");
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let path = dir.join("dist.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => {
            step("waiting for another cargo xtask to finish building dist/");
            file.lock()
                .map_err(|e| format!("locking {}: {e}", path.display()))?;
            Ok(file)
        }
        Err(TryLockError::Error(e)) => Err(format!("locking {}: {e}", path.display())),
    }
}

/// `cargo build -p portal-server` (debug: it reuses what `cargo test --workspace` compiled,
/// links in seconds, and skips the release profile's fat LTO, which is tuned for the wasm).
pub fn build_server(workspace: &Workspace) -> Result<PathBuf, String> {
    step("cargo build -p portal-server (debug)");
    run(workspace.cargo().args([
        "build",
        "--package",
        "portal-server",
        "--bin",
        "portal-server",
    ]))?;
    Ok(workspace.target_dir().join("debug").join("portal-server"))
}

/// `cargo xtask serve`: build everything, then `portal-server --demo` on `bind` with the
/// database under `data/`, until Ctrl-C.
pub fn serve(workspace: &Workspace, bind: &str) -> Result<(), String> {
    bootstrap::ensure(workspace, Needs::BUILD)?;
    build_portal(workspace, None, Flavor::Demo)?;
    let binary = build_server(workspace)?;
    fs::create_dir_all(workspace.path("data")).map_err(|e| format!("creating data/: {e}"))?;
    // The example host page, on a second loopback origin the portal lets
    // frame it (through the server's env twins of --frame-ancestors and
    // --cors-origins).
    let host_bind = host_bind_for(bind);
    let host = crate::host::serve(
        workspace.path("examples/host"),
        &host_bind,
        &format!("http://{bind}"),
    )?;
    std::env::set_var("PORTAL_FRAME_ANCESTORS", &host);
    std::env::set_var("PORTAL_CORS_ORIGINS", &host);
    let options = ServerOptions {
        bind: bind.to_owned(),
        database_url: "sqlite://data/portal.db?mode=rwc".to_owned(),
        static_dir: PathBuf::from("dist"),
        demo: true,
        log: None,
        hermetic: false,
        relaxed_limits: false,
    };
    step(format!("starting portal-server --demo on {bind}"));
    let mut server = Server::start(&binary, &workspace.root, &options)?;
    server.wait_ready(READY_TIMEOUT).map_err(String::from)?;
    step(format!(
        "the portal is at {}/  (Ctrl-C stops)",
        server.base_url()
    ));
    println!(
        "    demo accounts (password demo-password): new@demo.test, phone@demo.test, \
         enrolled@demo.test, blocked@demo.test, full@demo.test"
    );
    println!("    embedded in a customer-account site: {host}/index.html");
    let status = server.wait()?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("portal-server stopped: {status}"))
    }
}

/// The example host listens on the portal's port + 1 (127.0.0.1:8081 by default).
fn host_bind_for(portal_bind: &str) -> String {
    match portal_bind
        .rsplit_once(':')
        .and_then(|(ip, port)| Some((ip, port.parse::<u16>().ok()?)))
    {
        Some((ip, port)) => format!("{ip}:{}", port.wrapping_add(1)),
        None => "127.0.0.1:8081".to_string(),
    }
}

/// One test suite of `cargo xtask test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    Native,
    Wasm,
    /// The release build and its first-load size budget (see `budget`).
    Budget,
    E2e,
    /// The core flows in Gecko and WebKit over WebDriver (see `engines`).
    Engines,
    Reliability,
}

impl Suite {
    pub const ALL: [Suite; 6] = [
        Suite::Native,
        Suite::Wasm,
        Suite::Budget,
        Suite::E2e,
        Suite::Engines,
        Suite::Reliability,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Suite::Native => "native",
            Suite::Wasm => "wasm",
            Suite::Budget => "budget",
            Suite::E2e => "e2e",
            Suite::Engines => "engines",
            Suite::Reliability => "reliability",
        }
    }

    pub fn parse(name: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|suite| suite.name() == name)
    }

    pub fn needs(self) -> Needs {
        match self {
            Suite::Native | Suite::Reliability => Needs::default(),
            Suite::Wasm => Needs {
                wasm_target: true,
                wasm_bindgen: true,
                browser: true,
                firefox: true,
                ..Needs::default()
            },
            Suite::Budget => Needs::BUILD,
            Suite::E2e => Needs {
                browser: true,
                playwright: true,
                ..Needs::BUILD
            },
            Suite::Engines => Needs {
                playwright: true,
                firefox: true,
                webkit: true,
                ..Needs::BUILD
            },
        }
    }
}

/// The result of one suite.
#[derive(Debug)]
pub struct Outcome {
    pub suite: Suite,
    pub result: Result<(), String>,
    pub took: Duration,
}

/// `cargo xtask test [suites] [-- args]`: bootstrap for all the chosen suites, then each suite
/// in order (a failing suite does not stop the next), then the summary.
pub fn test(workspace: &Workspace, suites: &[Suite], extra: &[String]) -> Result<bool, String> {
    let needs = suites
        .iter()
        .fold(Needs::default(), |needs, suite| needs.union(suite.needs()));
    bootstrap::ensure(workspace, needs)?;
    let mut outcomes = Vec::new();
    for &suite in suites {
        step(format!("test suite: {}", suite.name()));
        let (result, took) = timed(|| run_suite(workspace, suite, extra));
        if let Err(error) = &result {
            eprintln!("xtask: {} failed: {error}", suite.name());
        }
        outcomes.push(Outcome {
            suite,
            result,
            took,
        });
    }
    println!();
    print!("{}", summary(&outcomes));
    Ok(outcomes.iter().all(|o| o.result.is_ok()))
}

fn run_suite(workspace: &Workspace, suite: Suite, extra: &[String]) -> Result<(), String> {
    match suite {
        Suite::Native => {
            let mut command = workspace.cargo();
            command.arg("test");
            // `-- -p xtask` narrows the run to one package; otherwise the whole workspace.
            if !extra
                .iter()
                .any(|arg| arg == "-p" || arg.starts_with("--package"))
            {
                command.arg("--workspace");
            }
            run(command.args(extra))
        }
        Suite::Wasm => wasm(workspace, extra),
        Suite::Budget => {
            if !extra.is_empty() {
                return Err("the budget suite takes no arguments".into());
            }
            crate::wasm_release::check_fetch_is_complete(workspace)?;
            let portal = TempDir::new("portal-budget-dist")?;
            build_portal(workspace, Some(portal.path()), Flavor::Shipped)?;
            crate::budget::check(portal.path())
        }
        Suite::E2e => e2e(workspace, extra),
        Suite::Engines => engines(workspace, extra),
        Suite::Reliability => crate::reliability::run_suite(workspace, extra),
    }
}

/// The portal's wasm-bindgen-test suite in headless Chromium, then in headless Firefox ESR
/// (`wasm-bindgen-test-runner` picks the browser by the driver named in its environment).
/// Both run even when the first fails.
fn wasm(workspace: &Workspace, extra: &[String]) -> Result<(), String> {
    let chromedriver = which("chromedriver").ok_or("chromedriver is not on PATH")?;
    let geckodriver = which("geckodriver").ok_or("geckodriver is not on PATH")?;
    let drivers = [
        ("Chromium", "CHROMEDRIVER", chromedriver),
        ("Firefox ESR", "GECKODRIVER", geckodriver),
    ];
    let mut failed = Vec::new();
    for (browser, variable, driver) in drivers {
        step(format!("wasm-bindgen-test in {browser}"));
        let mut command = workspace.cargo();
        command
            .args(["test", "--target", WASM_TARGET, "--package", "portal"])
            .args(["--package", "wasm-streams"])
            .args(extra);
        // The runner takes the first driver it finds named: only this one.
        for other in ["CHROMEDRIVER", "GECKODRIVER", "SAFARIDRIVER"] {
            command.env_remove(other);
        }
        command.env(variable, &driver);
        // The runner's default (20 s for the whole run) is short on a 2-core machine.
        if env::var_os("WASM_BINDGEN_TEST_TIMEOUT").is_none() {
            command.env("WASM_BINDGEN_TEST_TIMEOUT", "180");
        }
        let (result, took) = timed(|| run(&mut command));
        match result {
            Ok(()) => step(format!("wasm in {browser}: ok ({})", format_duration(took))),
            Err(error) => failed.push(format!("{browser}: {error}")),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// Build the demo portal (the shipped one and the phone panel, which the server's `--demo`
/// feeds) and the server, start the server on a free port with a throw-away database and a
/// private copy of `dist/` (see `snapshot`), run Playwright against it, stop the server
/// whatever happens.
fn e2e(workspace: &Workspace, extra: &[String]) -> Result<(), String> {
    let portal = TempDir::new("portal-e2e-dist")?;
    build_portal(workspace, Some(portal.path()), Flavor::Demo)?;
    let binary = build_server(workspace)?;
    let log = workspace.target_dir().join("xtask").join("e2e-server.log");
    let (server, _database) = start_demo_server(workspace, &binary, portal.path(), &log)?;
    let playwright = workspace.e2e().join("node_modules/.bin/playwright");
    let result = run(workspace
        .command(playwright)
        .current_dir(workspace.e2e())
        .arg("test")
        .args(extra)
        .env("PORTAL_URL", server.base_url())
        // Tests that start their own server (e2e/tests/flow-fixtures.ts) serve the same copy.
        .env("PORTAL_STATIC_DIR", portal.path()));
    if result.is_err() {
        eprintln!("{}", server.log_tail(30));
    }
    drop(server);
    result
}

/// `portal-server --demo` on a free port with a throw-away SQLite database (dropped with the
/// returned folder), serving `static_dir`, its output in `log`; ready when it answers.
fn start_demo_server(
    workspace: &Workspace,
    binary: &Path,
    static_dir: &Path,
    log: &Path,
) -> Result<(Server, TempDir), String> {
    // The port is free when chosen but another process may take it before the server binds
    // it (other test servers start the same way): then start again on another one.
    let mut attempts_left = 3;
    loop {
        let database = TempDir::new("portal-e2e")?;
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
        step(format!(
            "starting portal-server --demo on 127.0.0.1:{port} (log: {})",
            log.display()
        ));
        let mut server = Server::start(binary, &workspace.root, &options)?;
        let (ready, took) = timed(|| server.wait_ready(READY_TIMEOUT));
        attempts_left -= 1;
        match ready {
            Ok(()) => {
                step(format!(
                    "server ready in {} at {}",
                    format_duration(took),
                    server.base_url()
                ));
                return Ok((server, database));
            }
            Err(NotReady::Exited(_)) if server.lost_its_port() && attempts_left > 0 => {
                step(format!("port {port} was taken meanwhile; another one"));
            }
            Err(not_ready) => return Err(not_ready.into()),
        }
    }
}

/// The engines the `engines` suite drives, by their Playwright project (`e2e/engines.config.ts`).
pub const ENGINES: [&str; 2] = ["gecko", "webkit"];

/// The core flows in Gecko and WebKit (`e2e/engines/`, over WebDriver): the demo portal and
/// the server built as for e2e, then for each engine a fresh demo server and its Playwright
/// project; WebKitGTK's MiniBrowser under `xvfb-run`, having no headless mode. Each engine
/// runs even when the other failed. The enrollment screenshots go to
/// `target/xtask/engines-screens/`.
fn engines(workspace: &Workspace, extra: &[String]) -> Result<(), String> {
    let portal = TempDir::new("portal-engines-dist")?;
    build_portal(workspace, Some(portal.path()), Flavor::Demo)?;
    let binary = build_server(workspace)?;
    let xtask_dir = workspace.target_dir().join("xtask");
    let screens = xtask_dir.join("engines-screens");
    let mut failed = Vec::new();
    for engine in ENGINES {
        let log = xtask_dir.join(format!("engines-{engine}-server.log"));
        let (result, took) = timed(|| -> Result<(), String> {
            let (server, _database) = start_demo_server(workspace, &binary, portal.path(), &log)?;
            let playwright = workspace.e2e().join("node_modules/.bin/playwright");
            let mut command = if engine == "webkit" {
                let mut command = workspace.command("xvfb-run");
                command
                    .args(["--auto-servernum", "--server-args=-screen 0 1280x1024x24"])
                    .arg(playwright);
                command
            } else {
                workspace.command(playwright)
            };
            command
                .current_dir(workspace.e2e())
                .args(["test", "--config", "engines.config.ts", "--project", engine])
                .args(extra)
                .env("PORTAL_URL", server.base_url())
                .env("PORTAL_SCREENS_DIR", &screens);
            let result = run(&mut command);
            if result.is_err() {
                eprintln!("{}", server.log_tail(30));
            }
            result
        });
        match result {
            Ok(()) => step(format!("engines, {engine}: ok ({})", format_duration(took))),
            Err(error) => {
                step(format!(
                    "engines, {engine}: FAILED ({})",
                    format_duration(took)
                ));
                failed.push(format!("{engine}: {error}"));
            }
        }
    }
    step(format!("enrollment screenshots in {}", screens.display()));
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// One line per suite, then `N passed, N failed`.
pub fn summary(outcomes: &[Outcome]) -> String {
    let mut text = String::new();
    for outcome in outcomes {
        let took = format_duration(outcome.took);
        match &outcome.result {
            Ok(()) => text.push_str(&format!("{}: ok ({took})\n", outcome.suite.name())),
            Err(error) => {
                let first_line = error.lines().next().unwrap_or_default();
                text.push_str(&format!(
                    "{}: FAILED ({took}): {first_line}\n",
                    outcome.suite.name()
                ));
            }
        }
    }
    let passed = outcomes.iter().filter(|o| o.result.is_ok()).count();
    let failed = outcomes.len() - passed;
    text.push_str(&format!("{passed} passed, {failed} failed\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minified_loader_gets_its_new_hash_in_every_page_that_names_it() {
        let old = "sha384-vpi4FpDScbLBgUaw6tHG20g/+DH+tie1CyK1urdQpwgK/BIxRZQUZbwiF1O9FzVs";
        let mut pages = [
            format!("<link href=/portal-1.js integrity={old} rel=modulepreload>"),
            "<link href=/portal-account-2.js integrity=sha384-other rel=modulepreload>".into(),
        ];
        replace_integrity(&mut pages, old, "sha384-new").unwrap();
        assert_eq!(
            pages[0],
            "<link href=/portal-1.js integrity=sha384-new rel=modulepreload>"
        );
        assert!(pages[1].contains("sha384-other"));
        let error = replace_integrity(&mut pages, old, "sha384-newer").unwrap_err();
        assert!(error.contains(old), "{error}");
    }

    #[test]
    fn sri_hashes_a_file_as_browsers_check_it() {
        if which("node").is_none() {
            return; // the build needs Node.js anyway; this machine cannot build
        }
        let dir = TempDir::new("xtask-sri").unwrap();
        let file = dir.path().join("a.js");
        fs::write(&file, "abc").unwrap();
        // printf abc | openssl dgst -sha384 -binary | base64
        assert_eq!(
            sri_sha384(&file).unwrap(),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }

    #[test]
    fn summary_has_a_line_per_suite_and_counts_suites() {
        let outcomes = [
            Outcome {
                suite: Suite::Native,
                result: Ok(()),
                took: Duration::from_secs(75),
            },
            Outcome {
                suite: Suite::Wasm,
                result: Err("`cargo test` failed (exit status: 101)\ndetails".into()),
                took: Duration::from_millis(4_200),
            },
            Outcome {
                suite: Suite::E2e,
                result: Ok(()),
                took: Duration::from_secs(30),
            },
        ];
        assert_eq!(
            summary(&outcomes),
            "native: ok (1m 15s)\n\
             wasm: FAILED (4.2s): `cargo test` failed (exit status: 101)\n\
             e2e: ok (30.0s)\n\
             2 passed, 1 failed\n"
        );
    }

    #[test]
    fn suites_parse_by_name_and_know_their_needs() {
        assert_eq!(Suite::parse("wasm"), Some(Suite::Wasm));
        assert_eq!(Suite::parse("budget"), Some(Suite::Budget));
        assert_eq!(Suite::Budget.needs(), Needs::BUILD);
        assert_eq!(Suite::parse("unit"), None);
        assert_eq!(Suite::Native.needs(), Needs::default());
        assert!(Suite::Wasm.needs().browser && !Suite::Wasm.needs().trunk);
        let e2e = Suite::E2e.needs();
        assert!(e2e.trunk && e2e.wasm_opt && e2e.playwright && e2e.browser);
        assert!(Suite::Wasm.needs().firefox && !Suite::Wasm.needs().webkit);
        assert_eq!(Suite::parse("engines"), Some(Suite::Engines));
        let engines = Suite::Engines.needs();
        assert!(engines.trunk && engines.playwright && engines.firefox && engines.webkit);
        assert!(!engines.browser, "the engines suite never starts Chromium");
    }
}
