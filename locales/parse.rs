// The catalogue format, shared by `build.rs` (which compiles the catalogues
// into the portal) and the i18n tests (which read them as text).

/// Parses a catalogue into `(key, text)` pairs in file order. Lines without
/// `=` are ignored; the first `=` splits; `#` starts a comment line.
pub fn parse_catalogue(source: &str) -> Vec<(&str, &str)> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, text)| (key.trim(), text.trim()))
        .collect()
}
