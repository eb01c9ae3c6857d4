//! Running commands: announced, output streamed, failures turned into readable errors.

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Prints a step line, `==> what`.
pub fn step(message: impl AsRef<str>) {
    println!("==> {}", message.as_ref());
}

/// Runs `command` with inherited stdio after printing it; an error when it cannot start or
/// exits non-zero.
pub fn run(command: &mut Command) -> Result<(), String> {
    let line = describe(command);
    println!("    $ {line}");
    let status = command
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// The trimmed stdout (plus stderr) of a probe such as `tool --version`, or `None` when the
/// tool is missing or fails.
pub fn probe(program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Some(text.trim().to_owned())
}

/// The executable `name` on PATH, like `which`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Whether this process runs as root (apt-get needs it).
pub fn is_root() -> bool {
    probe("id", &["-u"]).as_deref() == Some("0")
}

/// The command line as a shell would show it (environment left out).
pub fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program());
    // `$CARGO` is a long toolchain path; `cargo` reads better and means the same.
    let program = match program.file_name() {
        Some(name) if name == "cargo" => "cargo".into(),
        _ => program.to_string_lossy(),
    };
    let mut words = vec![program.into_owned()];
    words.extend(command.get_args().map(|arg| {
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains([' ', '"', '\'', '?', '*', '^']) {
            format!("'{arg}'")
        } else {
            arg.into_owned()
        }
    }));
    words.join(" ")
}

/// `12.3s`, `3m 05s`, `1h 02m`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        return format!("{seconds:.1}s");
    }
    let whole = duration.as_secs();
    if whole < 3600 {
        format!("{}m {:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h {:02}m", whole / 3600, whole % 3600 / 60)
    }
}

/// Measures how long `work` takes.
pub fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let result = work();
    (result, start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_would_write_them() {
        assert_eq!(format_duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(format_duration(Duration::from_secs(3720)), "1h 02m");
    }

    #[test]
    fn describe_quotes_what_a_shell_would_expand() {
        let mut command = Command::new("/root/.rustup/toolchains/stable/bin/cargo");
        command.args(["install", "--version", "^0.21", "trunk"]);
        assert_eq!(describe(&command), "cargo install --version '^0.21' trunk");
        let command = Command::new("/usr/bin/gzip");
        assert_eq!(describe(&command), "/usr/bin/gzip");
    }

    #[test]
    fn probe_returns_none_for_a_missing_tool_and_output_for_a_present_one() {
        assert_eq!(probe("xtask-no-such-tool", &["--version"]), None);
        assert_eq!(probe("echo", &["hello"]).as_deref(), Some("hello"));
        assert!(which("sh").is_some());
        assert!(which("xtask-no-such-tool").is_none());
    }
}
