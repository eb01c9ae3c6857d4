//! Pure parsing: tool version strings, `Cargo.lock`, the `[tools]` table of `Trunk.toml`.

use std::fmt;

/// A `major.minor.patch` version; pre-release and build suffixes are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// Parses `0.2.130`, `v0.21.14` or `1.2.3-beta.1`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
        })
    }

    /// The first whitespace-separated word of a `--version` output that is a version:
    /// `trunk 0.21.14` gives 0.21.14, `wasm-bindgen 0.2.130` gives 0.2.130.
    pub fn find_in(output: &str) -> Option<Version> {
        output.split_whitespace().find_map(Version::parse)
    }

    /// Same major and minor: how trunk `^0.21` is matched.
    pub fn same_minor(self, other: Version) -> bool {
        self.major == other.major && self.minor == other.minor
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Binaryen's version from `wasm-opt --version`: `wasm-opt version 132 (version_132)` gives 132.
pub fn binaryen_version(output: &str) -> Option<u32> {
    let mut words = output.split_whitespace();
    words.find(|word| *word == "version")?;
    let number = words.next()?;
    let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Binaryen's version from a trunk tool pin: `version_132` gives 132.
pub fn binaryen_pin(pin: &str) -> Option<u32> {
    pin.strip_prefix("version_")?.parse().ok()
}

/// The version of `package` locked in a `Cargo.lock` text. An error when it is absent or
/// locked at more than one version (the wasm-bindgen CLI must equal the one crate version).
pub fn locked_version(cargo_lock: &str, package: &str) -> Result<Version, String> {
    let mut found: Vec<Version> = Vec::new();
    for block in cargo_lock.split("[[package]]").skip(1) {
        if toml_string(block, "name").as_deref() != Some(package) {
            continue;
        }
        let version = toml_string(block, "version")
            .ok_or_else(|| format!("Cargo.lock: package `{package}` has no version"))?;
        let version = Version::parse(&version).ok_or_else(|| {
            format!("Cargo.lock: `{package}` has an unreadable version {version:?}")
        })?;
        if !found.contains(&version) {
            found.push(version);
        }
    }
    match found.as_slice() {
        [] => Err(format!("Cargo.lock does not lock `{package}`")),
        [one] => Ok(*one),
        many => Err(format!(
            "Cargo.lock locks `{package}` at several versions ({}); pin one with `=`",
            many.iter()
                .map(Version::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The pins under `[tools]` of a `Trunk.toml` that the bootstrap cares about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrunkTools {
    pub wasm_bindgen: Option<String>,
    pub wasm_opt: Option<String>,
}

/// Reads `wasm_bindgen` and `wasm_opt` from the `[tools]` table (a line-based reading that is
/// enough for trunk's flat config; comments and other tables are skipped).
pub fn trunk_tools(trunk_toml: &str) -> TrunkTools {
    let mut tools = TrunkTools::default();
    let mut in_tools = false;
    for line in trunk_toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_tools = line.trim_end_matches(|c| c != ']') == "[tools]";
            continue;
        }
        if !in_tools {
            continue;
        }
        if let Some(value) = toml_string(line, "wasm_bindgen") {
            tools.wasm_bindgen = Some(value);
        } else if let Some(value) = toml_string(line, "wasm_opt") {
            tools.wasm_opt = Some(value);
        }
    }
    tools
}

/// The string value of `key = "value"` on one of `text`'s lines.
fn toml_string(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        if name.trim() != key {
            return None;
        }
        let value = value.trim();
        let value = value.strip_prefix('"')?;
        let end = value.find('"')?;
        Some(value[..end].to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    #[test]
    fn version_parses_plain_prefixed_and_prerelease_forms() {
        assert_eq!(Version::parse("0.2.130"), Some(v(0, 2, 130)));
        assert_eq!(Version::parse("v0.21.14"), Some(v(0, 21, 14)));
        assert_eq!(Version::parse("1.2.3-beta.1"), Some(v(1, 2, 3)));
        assert_eq!(Version::parse("1.2"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
        assert_eq!(Version::parse("trunk"), None);
    }

    #[test]
    fn version_is_found_in_tool_outputs() {
        assert_eq!(Version::find_in("trunk 0.21.14\n"), Some(v(0, 21, 14)));
        assert_eq!(Version::find_in("wasm-bindgen 0.2.130"), Some(v(0, 2, 130)));
        assert_eq!(
            Version::find_in("wasm-bindgen-test-runner 0.2.130\n"),
            Some(v(0, 2, 130))
        );
        assert_eq!(Version::find_in("command not found"), None);
    }

    #[test]
    fn trunk_022_does_not_satisfy_021() {
        let wanted = v(0, 21, 0);
        assert!(v(0, 21, 14).same_minor(wanted));
        assert!(!v(0, 22, 0).same_minor(wanted));
        assert!(!v(1, 21, 0).same_minor(wanted));
    }

    #[test]
    fn binaryen_version_reads_wasm_opt_output() {
        assert_eq!(
            binaryen_version("wasm-opt version 132 (version_132)\n"),
            Some(132)
        );
        assert_eq!(binaryen_version("wasm-opt version 108"), Some(108));
        assert_eq!(binaryen_version("wasm-opt"), None);
        assert_eq!(binaryen_pin("version_132"), Some(132));
        assert_eq!(binaryen_pin("132"), None);
    }

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.53"
"#;

    #[test]
    fn locked_version_reads_the_exact_package_not_its_namesakes() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen"), Ok(v(0, 2, 130)));
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-futures"),
            Ok(v(0, 4, 53))
        );
    }

    #[test]
    fn locked_version_refuses_a_missing_or_ambiguous_package() {
        assert!(locked_version(LOCK, "leptos").is_err());
        let twice =
            format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.100\"\n");
        let error = locked_version(&twice, "wasm-bindgen").unwrap_err();
        assert!(error.contains("0.2.130, 0.2.100"), "{error}");
    }

    #[test]
    fn locked_version_reads_the_real_workspace_lock() {
        let lock = include_str!("../../Cargo.lock");
        let version = locked_version(lock, "wasm-bindgen");
        assert!(version.is_ok(), "{version:?}");
    }

    #[test]
    fn trunk_tools_reads_only_the_tools_table() {
        let toml = r#"
[build]
target = "index.html"
wasm_opt = "not-this-one"

[tools]
# pins, so trunk never downloads
wasm_bindgen = "0.2.130"
wasm_opt = "version_132"

[serve]
port = 8081
"#;
        assert_eq!(
            trunk_tools(toml),
            TrunkTools {
                wasm_bindgen: Some("0.2.130".into()),
                wasm_opt: Some("version_132".into()),
            }
        );
        assert_eq!(trunk_tools("[build]\n"), TrunkTools::default());
    }
}
