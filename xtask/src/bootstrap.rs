//! Installs what a build or a test suite needs, each piece only when it is missing or at
//! the wrong version, announcing every step.

use std::fs;
use std::path::Path;

use crate::process::{format_duration, is_root, probe, run, step, timed, which};
use crate::versions::{binaryen_pin, binaryen_version, locked_version, trunk_tools, Version};
use crate::workspace::Workspace;

/// The wasm target the portal compiles to.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// trunk 0.22 needs rustc >= 1.96; 0.21 builds on the installed 1.95.
pub const TRUNK_REQUIREMENT: &str = "^0.21";
const TRUNK_MINOR: Version = Version {
    major: 0,
    minor: 21,
    patch: 0,
};
/// Binaryen release of the npm package `binaryen` when Trunk.toml pins none.
pub const DEFAULT_BINARYEN: u32 = 132;
/// The npm package `esbuild`, exactly: it minifies the JS loader after trunk (see
/// `tasks::minify_loaders`). Exact, so two builds of one commit are byte for byte alike.
pub const ESBUILD: &str = "0.25.12";
/// geckodriver, exactly (crates.io; GitHub's prebuilt binaries are out of reach): it drives
/// Firefox ESR for the wasm suite and the engines suite.
pub const GECKODRIVER: Version = Version {
    major: 0,
    minor: 37,
    patch: 1,
};

/// What a command needs installed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    pub wasm_target: bool,
    pub trunk: bool,
    pub wasm_bindgen: bool,
    pub wasm_opt: bool,
    /// esbuild from npm under `.tools/`.
    pub esbuild: bool,
    /// Debian `chromium` and `chromium-driver`.
    pub browser: bool,
    /// `npm ci` in `e2e/`.
    pub playwright: bool,
    /// Debian `brotli`: the build precompresses `dist/` (`tasks::precompress`).
    pub brotli: bool,
    /// Debian `zopfli`: the build's gzip files (`tasks::precompress`).
    pub zopfli: bool,
    /// Debian `wrk` (the bench's server and scale sections).
    pub wrk: bool,
    /// Debian `sqlite3` (the bench's scale section seeds its SQLite databases with it).
    pub sqlite3: bool,
    /// Debian `firefox-esr` and geckodriver [`GECKODRIVER`] (cargo install).
    pub firefox: bool,
    /// Debian `webkit2gtk-driver` (WebKitWebDriver and WebKitGTK's MiniBrowser) and `xvfb`
    /// with `xauth` (`xvfb-run`: MiniBrowser has no headless mode).
    pub webkit: bool,
}

impl Needs {
    /// Everything `trunk build` needs.
    pub const BUILD: Needs = Needs {
        wasm_target: true,
        trunk: true,
        wasm_bindgen: true,
        wasm_opt: true,
        esbuild: true,
        browser: false,
        playwright: false,
        brotli: true,
        zopfli: true,
        wrk: false,
        sqlite3: false,
        firefox: false,
        webkit: false,
    };

    pub fn union(self, other: Needs) -> Needs {
        Needs {
            wasm_target: self.wasm_target || other.wasm_target,
            trunk: self.trunk || other.trunk,
            wasm_bindgen: self.wasm_bindgen || other.wasm_bindgen,
            wasm_opt: self.wasm_opt || other.wasm_opt,
            esbuild: self.esbuild || other.esbuild,
            browser: self.browser || other.browser,
            playwright: self.playwright || other.playwright,
            brotli: self.brotli || other.brotli,
            zopfli: self.zopfli || other.zopfli,
            wrk: self.wrk || other.wrk,
            sqlite3: self.sqlite3 || other.sqlite3,
            firefox: self.firefox || other.firefox,
            webkit: self.webkit || other.webkit,
        }
    }
}

/// Versions the project pins: wasm-bindgen from Cargo.lock, binaryen from Trunk.toml.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pins {
    pub wasm_bindgen: Version,
    pub binaryen: u32,
}

impl Pins {
    pub fn read(workspace: &Workspace) -> Result<Pins, String> {
        let wasm_bindgen = locked_version(&workspace.read("Cargo.lock")?, "wasm-bindgen")?;
        let trunk_toml = workspace.path("Trunk.toml");
        let tools = match fs::read_to_string(&trunk_toml) {
            Ok(text) => trunk_tools(&text),
            Err(_) => Default::default(),
        };
        if let Some(pinned) = &tools.wasm_bindgen {
            if Version::parse(pinned) != Some(wasm_bindgen) {
                return Err(format!(
                    "Trunk.toml pins [tools] wasm_bindgen = {pinned:?} but Cargo.lock locks \
                     wasm-bindgen {wasm_bindgen}: make them equal (trunk builds offline and \
                     refuses a mismatch)"
                ));
            }
        }
        let binaryen = match &tools.wasm_opt {
            Some(pin) => binaryen_pin(pin).ok_or_else(|| {
                format!("Trunk.toml: [tools] wasm_opt = {pin:?} is not of the form \"version_132\"")
            })?,
            None => DEFAULT_BINARYEN,
        };
        Ok(Pins {
            wasm_bindgen,
            binaryen,
        })
    }
}

/// Installs what `needs` asks for, cheapest and quickest-to-fail first.
pub fn ensure(workspace: &Workspace, needs: Needs) -> Result<(), String> {
    let pins = Pins::read(workspace)?;
    if needs.wasm_target {
        ensure_wasm_target(workspace)?;
    }
    if needs.wasm_opt {
        ensure_wasm_opt(workspace, pins.binaryen)?;
    }
    if needs.esbuild {
        ensure_esbuild(workspace)?;
    }
    if needs.browser {
        ensure_browser()?;
    }
    if needs.firefox || needs.webkit {
        ensure_engines(needs.firefox, needs.webkit)?;
    }
    if needs.playwright {
        ensure_playwright(workspace)?;
    }
    let apt_tools: Vec<(&str, &str)> = [
        (needs.brotli, ("brotli", "brotli")),
        (needs.zopfli, ("zopfli", "zopfli")),
        (needs.wrk, ("wrk", "wrk")),
        (needs.sqlite3, ("sqlite3", "sqlite3")),
    ]
    .into_iter()
    .filter_map(|(needed, tool)| needed.then_some(tool))
    .collect();
    if !apt_tools.is_empty() {
        ensure_apt_tools(&apt_tools)?;
    }
    if needs.trunk {
        ensure_rust_src(workspace)?;
        ensure_trunk(workspace)?;
    }
    if needs.wasm_bindgen {
        ensure_wasm_bindgen(workspace, pins.wasm_bindgen)?;
    }
    if needs.firefox {
        ensure_geckodriver(workspace)?;
    }
    Ok(())
}

fn ensure_wasm_target(workspace: &Workspace) -> Result<(), String> {
    if wasm_target_installed(workspace) {
        step(format!("rust target {WASM_TARGET} present"));
        return Ok(());
    }
    step(format!(
        "installing rust target {WASM_TARGET} (rustup, seconds)"
    ));
    run(workspace
        .command("rustup")
        .args(["target", "add", WASM_TARGET]))
    .map_err(|e| {
        format!("{e}\n    (without rustup, install the {WASM_TARGET} standard library yourself)")
    })?;
    if wasm_target_installed(workspace) {
        Ok(())
    } else {
        Err(format!(
            "rustup reported success but {WASM_TARGET} is still missing"
        ))
    }
}

/// The standard library's source, which the release build of the portal compiles with
/// it (see `wasm_release`).
fn ensure_rust_src(workspace: &Workspace) -> Result<(), String> {
    let sysroot = probe("rustc", &["--print", "sysroot"]).unwrap_or_default();
    let library = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/core");
    if library.is_dir() {
        step("rust-src present");
        return Ok(());
    }
    step("installing rust-src (rustup, seconds)");
    run(workspace
        .command("rustup")
        .args(["component", "add", "rust-src"]))
    .map_err(|e| format!("{e}\n    (without rustup, install the rust-src component yourself)"))?;
    if library.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "rustup reported success but {} is still missing",
            library.display()
        ))
    }
}

/// `rustup target list --installed`, or the sysroot's `lib/rustlib/<target>` without rustup.
fn wasm_target_installed(workspace: &Workspace) -> bool {
    let listed = workspace
        .command("rustup")
        .args(["target", "list", "--installed"])
        .output();
    if let Ok(output) = listed {
        if output.status.success() {
            return String::from_utf8_lossy(&output.stdout)
                .lines()
                .any(|line| line.trim() == WASM_TARGET);
        }
    }
    let sysroot = probe("rustc", &["--print", "sysroot"]).unwrap_or_default();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .is_dir()
}

fn ensure_trunk(workspace: &Workspace) -> Result<(), String> {
    let found = probe("trunk", &["--version"]).and_then(|out| Version::find_in(&out));
    match found {
        Some(version) if version.same_minor(TRUNK_MINOR) => {
            step(format!("trunk {version} present"));
            return Ok(());
        }
        Some(version) => step(format!(
            "trunk {version} found, but this rustc needs {TRUNK_REQUIREMENT}: installing trunk \
             {TRUNK_REQUIREMENT} (cargo install, ~11 min)"
        )),
        None => step(format!(
            "installing trunk {TRUNK_REQUIREMENT} (cargo install, ~11 min)"
        )),
    }
    let mut install = workspace.cargo();
    install.args([
        "install",
        "--locked",
        "trunk",
        "--version",
        TRUNK_REQUIREMENT,
    ]);
    if found.is_some() {
        install.arg("--force");
    }
    let (result, took) = timed(|| run(&mut install));
    result?;
    match probe("trunk", &["--version"]).and_then(|out| Version::find_in(&out)) {
        Some(version) if version.same_minor(TRUNK_MINOR) => {
            step(format!(
                "trunk {version} installed in {}",
                format_duration(took)
            ));
            Ok(())
        }
        other => Err(format!(
            "after the install, `trunk --version` gives {other:?}: is {} on PATH?",
            crate::workspace::cargo_bin_dir().display()
        )),
    }
}

fn ensure_wasm_bindgen(workspace: &Workspace, wanted: Version) -> Result<(), String> {
    let versions = || {
        ["wasm-bindgen", "wasm-bindgen-test-runner"]
            .map(|tool| probe(tool, &["--version"]).and_then(|out| Version::find_in(&out)))
    };
    let found = versions();
    if found.iter().all(|v| *v == Some(wanted)) {
        step(format!(
            "wasm-bindgen-cli {wanted} present (wasm-bindgen, wasm-bindgen-test-runner)"
        ));
        return Ok(());
    }
    match found[0] {
        Some(other) => step(format!(
            "wasm-bindgen {other} found, Cargo.lock wants {wanted}: installing wasm-bindgen-cli \
             {wanted} (cargo install, ~3 min)"
        )),
        None => step(format!(
            "installing wasm-bindgen-cli {wanted} (cargo install, ~3 min)"
        )),
    }
    // Not --locked: the CLI's own lock pins a crate version this registry does not serve.
    let mut install = workspace.cargo();
    install.args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &format!("={wanted}"),
    ]);
    if found.iter().any(Option::is_some) {
        install.arg("--force");
    }
    let (result, took) = timed(|| run(&mut install));
    result?;
    if versions().iter().all(|v| *v == Some(wanted)) {
        step(format!(
            "wasm-bindgen-cli {wanted} installed in {}",
            format_duration(took)
        ));
        Ok(())
    } else {
        Err(format!(
            "after the install, wasm-bindgen / wasm-bindgen-test-runner are not {wanted}: is {} \
             first on PATH?",
            crate::workspace::cargo_bin_dir().display()
        ))
    }
}

/// wasm-opt from the npm package `binaryen` under `.tools/`, never Debian's binaryen 108
/// (its output passes trunk but breaks in Chromium).
fn ensure_wasm_opt(workspace: &Workspace, wanted: u32) -> Result<(), String> {
    ensure_npm_tool(
        workspace,
        "wasm-opt",
        &format!("binaryen@{wanted}.0.0"),
        |out| binaryen_version(out) == Some(wanted),
    )
}

/// esbuild [`ESBUILD`] under `.tools/`.
fn ensure_esbuild(workspace: &Workspace) -> Result<(), String> {
    ensure_npm_tool(workspace, "esbuild", &format!("esbuild@{ESBUILD}"), |out| {
        out == ESBUILD
    })
}

/// `.tools/node_modules/.bin/<binary>` when its `--version` is the wanted one, else `npm
/// install <package>` (exact) into `.tools/` and a check that it now is.
fn ensure_npm_tool(
    workspace: &Workspace,
    binary: &str,
    package: &str,
    is_wanted: impl Fn(&str) -> bool,
) -> Result<(), String> {
    let path = workspace.tools_bin().join(binary);
    let version = || probe(&path, &["--version"]);
    if version().is_some_and(|out| is_wanted(&out)) {
        step(format!(
            "{package} present (.tools/node_modules/.bin/{binary})"
        ));
        return Ok(());
    }
    step(format!(
        "installing npm package {package} into .tools/ (seconds)"
    ));
    npm_install_tool(workspace, package)?;
    match version() {
        Some(out) if is_wanted(&out) => Ok(()),
        other => Err(format!(
            "after the install, .tools/node_modules/.bin/{binary} --version says {other:?}, \
             not {package}"
        )),
    }
}

/// `npm install` of one exact `package@version` into `.tools/`.
fn npm_install_tool(workspace: &Workspace, package: &str) -> Result<(), String> {
    require_npm()?;
    let tools = workspace.tools_dir();
    fs::create_dir_all(&tools).map_err(|e| format!("creating .tools/: {e}"))?;
    let manifest = tools.join("package.json");
    if !manifest.exists() {
        fs::write(
            &manifest,
            "{\n  \"private\": true,\n  \"description\": \"tools installed by cargo xtask\"\n}\n",
        )
        .map_err(|e| format!("writing .tools/package.json: {e}"))?;
    }
    run(workspace
        .command("npm")
        .current_dir(&tools)
        .args(["install", "--no-audit", "--no-fund", "--save-exact"])
        .arg(package))
}

fn ensure_browser() -> Result<(), String> {
    if let (Some(chromium), Some(driver)) = (which("chromium"), which("chromedriver")) {
        let version = probe(&driver, &["--version"]).unwrap_or_default();
        let version = version.split(" (").next().unwrap_or_default();
        step(format!(
            "chromium and chromedriver present ({}, {version})",
            chromium.display()
        ));
        return Ok(());
    }
    if !is_root() {
        return Err(
            "chromium and chromedriver are missing and xtask installs them only as \
                    root: run `sudo apt-get update && sudo apt-get install -y chromium \
                    chromium-driver`, then again"
                .into(),
        );
    }
    step("installing chromium and chromium-driver (apt-get, ~1 min)");
    let apt = |args: &[&str]| {
        let mut command = std::process::Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update"])?;
    apt(&["install", "-y", "chromium", "chromium-driver"])?;
    if which("chromium").is_some() && which("chromedriver").is_some() {
        Ok(())
    } else {
        Err("apt-get succeeded but chromium or chromedriver is not on PATH".into())
    }
}

/// The other engines' browsers and drivers from Debian, `(binary, package)` each: Firefox ESR;
/// WebKitGTK's WebDriver (it brings MiniBrowser) and a virtual X server to show it in.
fn ensure_engines(firefox: bool, webkit: bool) -> Result<(), String> {
    let mut wanted = Vec::new();
    if firefox {
        wanted.push(("firefox-esr", "firefox-esr"));
    }
    if webkit {
        wanted.extend([
            ("WebKitWebDriver", "webkit2gtk-driver"),
            ("xvfb-run", "xvfb"),
            ("xauth", "xauth"),
        ]);
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(binary, _)| which(binary).is_none())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        let version = |tool: &str| probe(tool, &["--version"]).unwrap_or_default();
        if firefox {
            step(format!("firefox-esr present ({})", version("firefox-esr")));
        }
        if webkit {
            step("WebKitWebDriver (webkit2gtk-driver) and xvfb-run present");
        }
        return Ok(());
    }
    let list = missing.join(" ");
    if !is_root() {
        return Err(format!(
            "{list} missing and xtask installs it only as root: run `sudo apt-get update && \
             sudo apt-get install -y {list}`, then again"
        ));
    }
    step(format!("installing {list} (apt-get, ~2 min)"));
    let apt = |args: &[&str]| {
        let mut command = std::process::Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update"])?;
    let mut install = vec!["install", "-y"];
    install.extend(&missing);
    apt(&install)?;
    match wanted.iter().find(|(binary, _)| which(binary).is_none()) {
        None => Ok(()),
        Some((binary, _)) => Err(format!("apt-get succeeded but {binary} is not on PATH")),
    }
}

/// geckodriver [`GECKODRIVER`] from crates.io into cargo's bin folder.
fn ensure_geckodriver(workspace: &Workspace) -> Result<(), String> {
    let version = || probe("geckodriver", &["--version"]).and_then(|out| Version::find_in(&out));
    let found = version();
    if found == Some(GECKODRIVER) {
        step(format!("geckodriver {GECKODRIVER} present"));
        return Ok(());
    }
    step(format!(
        "installing geckodriver {GECKODRIVER} (cargo install, ~5 min)"
    ));
    let mut install = workspace.cargo();
    install.args([
        "install",
        "geckodriver",
        "--version",
        &format!("={GECKODRIVER}"),
    ]);
    if found.is_some() {
        install.arg("--force");
    }
    let (result, took) = timed(|| run(&mut install));
    result?;
    match version() {
        Some(v) if v == GECKODRIVER => {
            step(format!(
                "geckodriver {v} installed in {}",
                format_duration(took)
            ));
            Ok(())
        }
        other => Err(format!(
            "after the install, `geckodriver --version` gives {other:?}: is {} first on PATH?",
            crate::workspace::cargo_bin_dir().display()
        )),
    }
}

/// Debian packages for the bench's command-line tools, `(binary, package)`: installed with
/// apt-get (as root) when the binary is not on PATH.
fn ensure_apt_tools(tools: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = tools
        .iter()
        .filter(|(binary, _)| which(binary).is_none())
        .map(|(_, package)| *package)
        .collect();
    let present: Vec<&str> = tools
        .iter()
        .filter(|(binary, _)| which(binary).is_some())
        .map(|(binary, _)| *binary)
        .collect();
    if !present.is_empty() {
        step(format!("{} present", present.join(" and ")));
    }
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    if !is_root() {
        return Err(format!(
            "{list} missing and xtask installs it only as root: run `sudo apt-get update && \
             sudo apt-get install -y {list}`, then again"
        ));
    }
    step(format!("installing {list} (apt-get, seconds)"));
    let apt = |args: &[&str]| {
        let mut command = std::process::Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update"])?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)?;
    match tools.iter().find(|(binary, _)| which(binary).is_none()) {
        None => Ok(()),
        Some((binary, _)) => Err(format!("apt-get succeeded but {binary} is not on PATH")),
    }
}

/// `npm ci` in `e2e/` unless `node_modules` was installed from the current lock file.
fn ensure_playwright(workspace: &Workspace) -> Result<(), String> {
    let e2e = workspace.e2e();
    let lock = e2e.join("package-lock.json");
    let installed = e2e.join("node_modules/.package-lock.json");
    let runner = e2e.join("node_modules/.bin/playwright");
    if runner.exists() && is_newer_or_same(&installed, &lock) {
        step("e2e/node_modules up to date (npm ci skipped)");
        return Ok(());
    }
    step("npm ci in e2e/ (Playwright, browser download skipped, seconds)");
    require_npm()?;
    run(workspace
        .command("npm")
        .current_dir(&e2e)
        .args(["ci", "--no-audit", "--no-fund"])
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

fn require_npm() -> Result<(), String> {
    match which("npm") {
        Some(_) => Ok(()),
        None => Err("npm is missing: install Node.js 20 or newer (with npm)".into()),
    }
}

/// Whether `path` exists and was modified no earlier than `reference`.
fn is_newer_or_same(path: &Path, reference: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(path), modified(reference)) {
        (Some(a), Some(b)) => a >= b,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[test]
    fn needs_union_keeps_every_need() {
        let browser = Needs {
            browser: true,
            ..Needs::default()
        };
        let both = Needs::BUILD.union(browser);
        assert!(both.trunk && both.wasm_opt && both.browser);
        assert!(!both.playwright);
    }

    #[test]
    fn newer_or_same_compares_modification_times() {
        let dir = std::env::temp_dir().join(format!("xtask-mtime-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let old = dir.join("old");
        let new = dir.join("new");
        fs::write(&old, "").unwrap();
        let earlier = SystemTime::now() - std::time::Duration::from_secs(60);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(earlier)
            .unwrap();
        fs::write(&new, "").unwrap();
        let missing = dir.join("missing");
        let answers = (
            is_newer_or_same(&new, &old),
            is_newer_or_same(&old, &new),
            is_newer_or_same(&missing, &old),
        );
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(answers, (true, false, false));
    }

    #[test]
    fn pins_come_from_the_real_cargo_lock() {
        let pins = Pins::read(&Workspace::locate());
        assert!(pins.is_ok(), "{pins:?}");
    }
}
