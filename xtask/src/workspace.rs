//! Where things are: the repository root and the folders xtask reads and writes.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository, located from xtask's own manifest so `cargo xtask` works from any folder.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub root: PathBuf,
}

impl Workspace {
    pub fn locate() -> Workspace {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .expect("xtask lives one folder below the repository root");
        Workspace {
            root: root.to_path_buf(),
        }
    }

    /// `cargo` (the one running xtask when there is one), run in the repository root.
    pub fn cargo(&self) -> Command {
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        self.command(cargo)
    }

    /// Any program, run in the repository root.
    pub fn command(&self, program: impl Into<OsString>) -> Command {
        let mut command = Command::new(program.into());
        command.current_dir(&self.root);
        command
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// `.tools/`: project-local tools (wasm-opt from npm), gitignored.
    pub fn tools_dir(&self) -> PathBuf {
        self.path(".tools")
    }

    pub fn tools_bin(&self) -> PathBuf {
        self.tools_dir().join("node_modules").join(".bin")
    }

    pub fn dist(&self) -> PathBuf {
        self.path("dist")
    }

    pub fn e2e(&self) -> PathBuf {
        self.path("e2e")
    }

    /// Cargo's target folder (`CARGO_TARGET_DIR` when set).
    pub fn target_dir(&self) -> PathBuf {
        match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => self.root.join(dir),
            None => self.path("target"),
        }
    }

    pub fn read(&self, relative: &str) -> Result<String, String> {
        fs::read_to_string(self.path(relative)).map_err(|e| format!("reading {relative}: {e}"))
    }

    /// Puts `.tools/node_modules/.bin` and cargo's bin folder first on this process's PATH,
    /// so every tool xtask installs is the one that trunk and the test runners find.
    pub fn put_tools_on_path(&self) {
        let mut dirs = vec![self.tools_bin(), cargo_bin_dir()];
        if let Some(path) = env::var_os("PATH") {
            dirs.extend(env::split_paths(&path));
        }
        let mut seen = Vec::new();
        dirs.retain(|dir| {
            let fresh = !seen.contains(dir);
            seen.push(dir.clone());
            fresh
        });
        let path = env::join_paths(dirs).expect("PATH entries contain no separator");
        // Called first thing in main, before any thread exists.
        env::set_var("PATH", path);
    }
}

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`, by default `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}
