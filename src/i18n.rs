//! Every user-visible string comes from `locales/<lang>.txt`, compiled in.
//!
//! A catalogue is `key = text` lines (`#` starts a comment); `{name}` in a text
//! is a placeholder filled by [`tf`]; keys ending in `.one` / `.other` are the
//! plural forms [`tn`] picks. Hand-written rather than a crate: the two
//! catalogues add a few KB, where the i18n crates for Leptos bring macros,
//! ICU data or a runtime loader that cost more than the whole portal's text.
//! Native tests check that both catalogues have the same keys, that every key
//! the code uses exists, and that no screen holds a bare user-facing literal.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Fr,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// The name of the language in itself, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
        }
    }

    /// `fr`, `fr-FR`, `FR_ca`… → French; anything unknown → `None`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Locale::En => include_str!("../locales/en.txt"),
            Locale::Fr => include_str!("../locales/fr.txt"),
        }
    }
}

/// Parses a catalogue. Lines without `=` are ignored; the first `=` splits.
pub fn parse_catalogue(source: &str) -> HashMap<&str, &str> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, text)| (key.trim(), text.trim()))
        .collect()
}

thread_local! {
    static CURRENT: Cell<Locale> = const { Cell::new(Locale::En) };
    static TABLES: RefCell<HashMap<Locale, HashMap<&'static str, &'static str>>> = RefCell::new(HashMap::new());
}

pub fn current() -> Locale {
    CURRENT.with(Cell::get)
}

/// Sets the language used by [`t`]; the app re-renders when it changes.
pub fn set_current(locale: Locale) {
    CURRENT.with(|c| c.set(locale));
}

fn lookup(locale: Locale, key: &str) -> Option<&'static str> {
    TABLES.with(|tables| {
        let mut tables = tables.borrow_mut();
        let table = tables
            .entry(locale)
            .or_insert_with(|| parse_catalogue(locale.source()));
        table.get(key).copied()
    })
}

/// The text of `key` in the current language (the key itself if missing, which
/// the catalogue tests rule out).
pub fn t(key: &str) -> String {
    lookup(current(), key)
        .or_else(|| lookup(Locale::En, key))
        .unwrap_or(key)
        .to_string()
}

/// [`t`] with `{name}` placeholders filled in.
pub fn tf(key: &str, args: &[(&str, &str)]) -> String {
    let mut text = t(key);
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// The plural form of `key` for `n` (`key.one` or `key.other`), with `{n}` filled.
pub fn tn(key: &str, n: u64) -> String {
    let one = match current() {
        // French treats 0 and 1 as singular.
        Locale::Fr => n <= 1,
        Locale::En => n == 1,
    };
    let form = if one { "one" } else { "other" };
    tf(&format!("{key}.{form}"), &[("n", &n.to_string())])
}

const SAVED_KEY: &str = "portal.locale";

/// The starting language: the user's saved choice, else the first of the
/// browser's languages we have, else English. (An embedding host's `locale`
/// message overrides it once it arrives.)
pub fn initial() -> Locale {
    let window = web_sys::window();
    let saved = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(SAVED_KEY).ok().flatten())
        .and_then(|tag| Locale::parse(&tag));
    let browser = || {
        let languages = window.as_ref()?.navigator().languages();
        languages
            .iter()
            .filter_map(|l| l.as_string())
            .find_map(|tag| Locale::parse(&tag))
    };
    saved.or_else(browser).unwrap_or(Locale::En)
}

/// Switches the language: the catalogue, `<html lang>`, and (when `save`) the
/// choice for next time. The language is not a secret, so it may be stored.
pub fn apply(locale: Locale, save: bool) {
    set_current(locale);
    let window = web_sys::window();
    if let Some(root) = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", locale.tag());
    }
    if save {
        if let Some(storage) = window.and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(SAVED_KEY, locale.tag());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(locale: Locale) -> BTreeSet<&'static str> {
        parse_catalogue(locale.source()).into_keys().collect()
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let en = keys(Locale::En);
        let fr = keys(Locale::Fr);
        let only_en: Vec<_> = en.difference(&fr).collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_fr.is_empty(),
            "only in en: {only_en:?}; only in fr: {only_fr:?}"
        );
    }

    #[test]
    fn no_text_is_empty_and_placeholders_match() {
        let en = parse_catalogue(Locale::En.source());
        let fr = parse_catalogue(Locale::Fr.source());
        let placeholders = |text: &str| -> BTreeSet<String> {
            text.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}'))
                .map(|(name, _)| name.to_string())
                .collect()
        };
        for (key, text) in &en {
            assert!(!text.is_empty(), "{key} is empty in en");
            let french = fr.get(key).copied().unwrap_or_default();
            assert!(!french.is_empty(), "{key} is empty in fr");
            assert_eq!(
                placeholders(text),
                placeholders(french),
                "placeholders of {key}"
            );
        }
    }

    /// Every `t("…")`, `tf("…"` and `tn("…"` in the sources names a key that exists.
    #[test]
    fn every_key_the_code_uses_exists() {
        let en = keys(Locale::En);
        let mut missing = Vec::new();
        for (path, source) in ui_sources() {
            for call in ["t(\"", "tf(\"", "tn(\""] {
                let mut pieces = source.split(call);
                let mut before = pieces.next().unwrap_or_default();
                for piece in pieces {
                    // `get("next")` is not `t("next")`: the call must start a word.
                    let starts_word = !before.ends_with(|c: char| c.is_alphanumeric() || c == '_');
                    before = piece;
                    if !starts_word {
                        continue;
                    }
                    let key = piece.split('"').next().unwrap_or_default();
                    let key_exists = if call == "tn(\"" {
                        en.contains(format!("{key}.one").as_str())
                            && en.contains(format!("{key}.other").as_str())
                    } else {
                        en.contains(key)
                    };
                    if !key_exists {
                        missing.push(format!("{path}: {key}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in locales/en.txt: {missing:#?}"
        );
    }

    /// Screens and components hold no user-facing text of their own: a string
    /// literal that reads like words (a capital letter, or a space between
    /// letters) must come from the catalogue. Technical literals are allowed.
    #[test]
    fn no_component_contains_a_bare_user_facing_literal() {
        let mut offenders = Vec::new();
        for (path, source) in ui_sources() {
            let code_lines = source
                .lines()
                .take_while(|line| !line.starts_with("#[cfg(test)]"));
            for (number, line) in code_lines.enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for literal in code.split('"').skip(1).step_by(2) {
                    let markup = ["(", "class=", "describedby="]
                        .iter()
                        .any(|before| code.contains(&format!("{before}\"{literal}\"")));
                    if looks_like_words(literal) && !markup {
                        offenders.push(format!("{path}:{}: {literal:?}", number + 1));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "user-facing literals outside the catalogue: {offenders:#?}"
        );
    }

    fn looks_like_words(literal: &str) -> bool {
        let has_letter = literal.chars().any(char::is_alphabetic);
        let starts_upper = literal.chars().next().is_some_and(char::is_uppercase);
        let spaced_words = literal
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .count()
            >= 2;
        let technical = literal.contains(['{', '}', '/', '=', '#', '[', '*'])
            || literal.starts_with('-')
            || matches!(
                literal,
                "GET" | "POST" | "DELETE" | "FR" | "Authorization" | "Content-Type" | "Escape"
            );
        has_letter && (starts_upper || spaced_words) && !technical
    }

    fn ui_sources() -> Vec<(String, String)> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut files = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let name = path.display().to_string();
                    let ui = name.contains("/pages/")
                        || name.contains("/components/")
                        || name.ends_with("/lib.rs")
                        || name.ends_with("/messages.rs");
                    if ui {
                        files.push((name, std::fs::read_to_string(&path).unwrap()));
                    }
                }
            }
        }
        files
    }

    #[test]
    fn french_plurals_treat_zero_and_one_as_singular() {
        set_current(Locale::Fr);
        let zero = tn("plural.tries", 0);
        let two = tn("plural.tries", 2);
        set_current(Locale::En);
        let en_zero = tn("plural.tries", 0);
        assert!(zero.starts_with("0 ") && !zero.ends_with('s'), "{zero}");
        assert!(two.ends_with('s'), "{two}");
        assert!(en_zero.ends_with("tries"), "{en_zero}");
    }

    #[test]
    fn locale_tags_parse_by_primary_language() {
        assert_eq!(Locale::parse("fr-FR"), Some(Locale::Fr));
        assert_eq!(Locale::parse("FR"), Some(Locale::Fr));
        assert_eq!(Locale::parse("en_GB"), Some(Locale::En));
        assert_eq!(Locale::parse("de"), None);
    }
}
