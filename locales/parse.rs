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

/// FNV-1a over the keys in the order given, each followed by a newline. The
/// build and a catalogue fetched at run time hold the same keys when their
/// sorted keys hash alike.
pub fn keys_hash<'a>(keys: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for key in keys {
        for byte in key.bytes().chain(std::iter::once(b'\n')) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}
