//! Compiles `locales/*.txt` into `$OUT_DIR/catalogue.rs`: the keys, sorted,
//! for the compile-time lookup of `t!`, the English texts in the same order,
//! and the hash of the keys that a French catalogue fetched at run time must
//! match. Keys never reach the wasm; a key missing from a catalogue, or
//! present in one only, fails the build. The other languages are compiled in
//! for the native tests only: the portal fetches `<tag>.txt` when it needs one.

use std::collections::BTreeMap;
use std::fmt::Write;

include!("locales/parse.rs");

/// In the order of `i18n::Locale`.
const LANGUAGES: [(&str, &str); 8] = [
    ("EN", "locales/en.txt"),
    ("FR", "locales/fr.txt"),
    ("DE", "locales/de.txt"),
    ("IT", "locales/it.txt"),
    ("ES", "locales/es.txt"),
    ("PT", "locales/pt.txt"),
    ("NL", "locales/nl.txt"),
    ("PL", "locales/pl.txt"),
];

fn main() {
    let mut tables = Vec::new();
    for (name, path) in LANGUAGES {
        println!("cargo:rerun-if-changed={path}");
        let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut table = BTreeMap::new();
        for (key, text) in parse_catalogue(&source) {
            if table.insert(key.to_string(), text.to_string()).is_some() {
                panic!("{path}: key {key} is defined twice");
            }
        }
        tables.push((name, path, table));
    }
    let (_, en_path, en) = &tables[0];
    for (_, path, table) in &tables[1..] {
        let only_en: Vec<_> = en.keys().filter(|k| !table.contains_key(*k)).collect();
        let only_other: Vec<_> = table.keys().filter(|k| !en.contains_key(*k)).collect();
        if !only_en.is_empty() || !only_other.is_empty() {
            panic!("{en_path} and {path} differ: only in {en_path}: {only_en:?}; only in {path}: {only_other:?}");
        }
    }
    let mut out = String::new();
    let keys: Vec<&String> = en.keys().collect();
    writeln!(out, "pub const LEN: usize = {};", keys.len()).unwrap();
    writeln!(out, "pub const KEYS: [&str; LEN] = {keys:?};").unwrap();
    writeln!(
        out,
        "pub const KEYS_HASH: u64 = {:#x};",
        keys_hash(keys.iter().map(|k| k.as_str()))
    )
    .unwrap();
    for (name, _, table) in &tables {
        let texts: Vec<&String> = table.values().collect();
        if *name != "EN" {
            writeln!(out, "#[cfg(test)]").unwrap();
        }
        // English is read at compile time only (see `i18n::Key`).
        let item = if *name == "EN" { "const" } else { "static" };
        writeln!(out, "pub {item} {name}: [&str; LEN] = {texts:?};").unwrap();
    }
    let names: Vec<String> = tables
        .iter()
        .map(|(name, _, _)| format!("&{name}"))
        .collect();
    writeln!(out, "#[cfg(test)]").unwrap();
    writeln!(
        out,
        "pub static TEXTS: [&[&str; LEN]; {}] = [{}];",
        names.len(),
        names.join(", ")
    )
    .unwrap();
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{dir}/catalogue.rs"), out).expect("write catalogue.rs");
}
