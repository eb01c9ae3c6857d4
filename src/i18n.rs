//! Every user-visible string comes from `locales/<lang>.txt`: English compiled
//! in, the seven others fetched when a visitor needs one.
//!
//! A catalogue is `key = text` lines (`#` starts a comment); `{name}` in a text
//! is a placeholder filled by [`tf!`]; keys ending in `.one` / `.other` are the
//! plural forms [`tn!`] picks. A language with more than two forms lists the
//! others in `.other`, separated by `|`: Polish `.other` is "few|many"
//! ("2 sekundy|5 sekund"; its fraction form is never needed, counts being
//! whole). That keeps one key set for every language. Hand-written rather
//! than a crate: the i18n crates for Leptos bring macros, ICU data or a
//! runtime loader that cost more than the whole portal's text.
//!
//! `build.rs` turns the catalogues into arrays and `t!("key")` into an index
//! at compile time: a key the catalogues lack, or a key in one catalogue only,
//! fails the build, and no key string is shipped. Native tests check the
//! placeholders and that no screen holds a bare user-facing literal.

use std::cell::Cell;
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Fr,
    De,
    It,
    Es,
    Pt,
    Nl,
    Pl,
}

/// Per locale, in the enum's order: tag, and name in itself.
const TAGS: [&str; 8] = ["en", "fr", "de", "it", "es", "pt", "nl", "pl"];
const NAMES: [&str; 8] = [
    "English",
    "Français",
    "Deutsch",
    "Italiano",
    "Español",
    "Português",
    "Nederlands",
    "Polski",
];

impl Locale {
    pub const ALL: [Locale; 8] = [
        Locale::En,
        Locale::Fr,
        Locale::De,
        Locale::It,
        Locale::Es,
        Locale::Pt,
        Locale::Nl,
        Locale::Pl,
    ];

    pub fn tag(self) -> &'static str {
        TAGS[self as usize]
    }

    /// The name of the language in itself, for the switcher.
    pub fn name(self) -> &'static str {
        NAMES[self as usize]
    }

    /// The phone field's country for a visitor of this language, when the server's
    /// operator has not fixed one: each language's own country (its tag, as it
    /// happens), but English, spoken in too many to guess one.
    pub fn region(self) -> Option<String> {
        (self != Locale::En).then(|| self.tag().to_ascii_uppercase())
    }

    /// `fr`, `fr-FR`, `PT_pt`… → by the primary language; anything unknown → `None`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = wire::primary_language(tag);
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The texts in key order; English until a fetched catalogue is here.
    #[cfg(test)]
    fn texts(self) -> &'static [&'static str] {
        match FETCHED.with(Cell::get) {
            Some((locale, texts)) if locale == self => texts,
            _ => &catalogue::EN,
        }
    }

    pub fn is_loaded(self) -> bool {
        self == Locale::En || FETCHED.with(Cell::get).is_some_and(|(l, _)| l == self)
    }

    /// Which of a plural key's forms `n` takes: 0 for `.one`, else the place of the
    /// form in `.other`'s `|`-separated list (one form but in Polish: few|many).
    fn plural_form(self, n: u64) -> usize {
        match self {
            // 0 and 1 are singular in French.
            Locale::Fr if n <= 1 => 0,
            Locale::Pl if n == 1 => 0,
            // Few: 2-4, 22-24, 102-104… but not 12-14.
            Locale::Pl if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) => 1,
            Locale::Pl => 2,
            _ if n == 1 => 0,
            _ => 1,
        }
    }
}

/// Fetches `locale`'s catalogue unless it is compiled in or already here.
/// `false` when it cannot be had (offline, or a file whose keys are not this
/// build's): the portal then stays in the language it has. Only English ships
/// in the wasm because most visits never need another language (each other
/// one is a 5-6 KB gzip file): a copy of `locales/<tag>.txt` that trunk puts in
/// `dist/` (see `index.html`) is fetched when needed, and only the last one
/// fetched is kept.
pub async fn load(locale: Locale) -> bool {
    if locale.is_loaded() {
        return true;
    }
    let Ok(source) = crate::api::static_text(&format!("/{}.txt", locale.tag())).await else {
        return false;
    };
    // Kept for the life of the page, like a compiled-in catalogue.
    let source: &'static str = Box::leak(source.into_boxed_str());
    match ordered_texts(source) {
        Some(texts) => {
            FETCHED.with(|f| f.set(Some((locale, Box::leak(texts.into_boxed_slice())))));
            true
        }
        None => false,
    }
}

include!("../locales/parse.rs");

/// A fetched catalogue's texts in the order of this build's keys, or `None`
/// when its keys are not exactly this build's (a stale or foreign file would
/// otherwise put every text in the wrong place).
pub fn ordered_texts(source: &str) -> Option<Vec<&str>> {
    let mut entries = parse_catalogue(source);
    // Two hundred entries: an insertion sort is instant, and keeps the
    // standard sort's ~3 KB out of the wasm.
    for i in 1..entries.len() {
        let mut j = i;
        while j > 0 && entries[j - 1].0 > entries[j].0 {
            entries.swap(j - 1, j);
            j -= 1;
        }
    }
    (keys_hash(entries.iter().map(|(key, _)| *key)) == catalogue::KEYS_HASH)
        .then(|| entries.into_iter().map(|(_, text)| text).collect())
}

/// Generated by `build.rs` from `locales/*.txt`.
mod catalogue {
    include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));
}

/// The position of `key` in the catalogues (sorted by `build.rs`).
pub const fn find(key: &str) -> Option<usize> {
    let (mut low, mut high) = (0, catalogue::LEN);
    while low < high {
        let middle = (low + high) / 2;
        match compare(catalogue::KEYS[middle].as_bytes(), key.as_bytes()) {
            Ordering::Less => low = middle + 1,
            Ordering::Greater => high = middle,
            Ordering::Equal => return Some(middle),
        }
    }
    None
}

/// Byte order, as `build.rs` sorted the keys (`Ord` is not const).
const fn compare(a: &[u8], b: &[u8]) -> Ordering {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        i += 1;
    }
    if a.len() < b.len() {
        Ordering::Less
    } else if a.len() > b.len() {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// A catalogue entry as `t!` names it: its place in the catalogues, and its English text.
/// Each screen's code carries the English of its own keys only, so a page's wasm holds
/// none of the other page's texts (a table indexed at run time would keep them all).
pub struct Key {
    index: usize,
    english: &'static str,
}

impl Key {
    /// `t!` calls it in a `const` block: the key itself is not in the wasm, and an
    /// unknown key does not compile.
    pub const fn of(key: &str) -> Key {
        match find(key) {
            Some(index) => Key {
                index,
                english: catalogue::EN[index],
            },
            None => panic!("no such key in locales/en.txt"),
        }
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! i18n_key {
    ($key:expr) => {
        const { &$crate::i18n::Key::of($key) }
    };
}

/// The text of a catalogue key in the current language: `t!("home.enrolled")`.
#[macro_export]
macro_rules! i18n_t {
    ($key:literal $(,)?) => {
        $crate::i18n::text($crate::i18n_key!($key))
    };
}

/// A text with its `{name}` placeholders filled:
/// `tf!("enroll.number", &[("number", &n)])`.
#[macro_export]
macro_rules! i18n_tf {
    ($key:literal, $args:expr $(,)?) => {
        $crate::i18n::fill($crate::i18n_key!($key), $args)
    };
}

/// The plural form for `n` (keys `key.one` and `key.other`), with `{n}`
/// filled: `tn!("plural.tries", 2)`.
#[macro_export]
macro_rules! i18n_tn {
    ($key:literal, $n:expr $(,)?) => {{
        let [one, other] = $crate::i18n_plural_keys!($key);
        $crate::i18n::plural(one, other, $n)
    }};
}

/// The keys of a plural text's forms, `[key.one, key.other]`, for [`plural`].
#[macro_export]
macro_rules! i18n_plural_keys {
    ($key:literal $(,)?) => {
        [
            $crate::i18n_key!(concat!($key, ".one")),
            $crate::i18n_key!(concat!($key, ".other")),
        ]
    };
}

pub use crate::{i18n_plural_keys as plural_keys, i18n_t as t, i18n_tf as tf, i18n_tn as tn};

thread_local! {
    static CURRENT: Cell<Locale> = const { Cell::new(Locale::En) };
    /// The catalogue fetched last, and its language.
    static FETCHED: Cell<Option<(Locale, &'static [&'static str])>> = const { Cell::new(None) };
}

pub fn current() -> Locale {
    CURRENT.with(Cell::get)
}

/// Sets the language used by [`t!`]; the app re-renders when it changes.
pub fn set_current(locale: Locale) {
    CURRENT.with(|c| c.set(locale));
}

fn localized(key: &Key) -> &'static str {
    match FETCHED.with(Cell::get) {
        Some((locale, texts)) if locale == current() => texts[key.index],
        _ => key.english,
    }
}

pub fn text(key: &Key) -> String {
    localized(key).to_string()
}

pub fn fill(key: &Key, args: &[(&str, &str)]) -> String {
    let mut text = text(key);
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

pub fn plural(one: &Key, other: &Key, n: u64) -> String {
    let text = match current().plural_form(n) {
        0 => localized(one),
        form => {
            let forms = localized(other);
            forms.split('|').nth(form - 1).unwrap_or(forms)
        }
    };
    text.replace("{n}", &n.to_string())
}

/// For other modules' tests: `locale` current, its catalogue as if fetched.
#[cfg(test)]
pub(crate) fn use_compiled(locale: Locale) {
    FETCHED.with(|f| f.set(Some((locale, &catalogue::TEXTS[locale as usize][..]))));
    set_current(locale);
}

/// The starting language: the user's saved choice, else the first of the
/// browser's languages we have, else English. (An embedding host's `locale`
/// message overrides it once it arrives.)
pub fn initial() -> Locale {
    let window = web_sys::window();
    let saved = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| js_sys::Reflect::get(&d, &"cookie".into()).ok())
        .and_then(|cookies| cookies.as_string())
        .and_then(|cookies| saved_choice(&cookies));
    let browser = || {
        let languages = window.as_ref()?.navigator().languages();
        languages
            .iter()
            .filter_map(|l| l.as_string())
            .find_map(|tag| Locale::parse(&tag))
    };
    saved.or_else(browser).unwrap_or(Locale::En)
}

/// The language saved in [`wire::LOCALE_COOKIE`], from `document.cookie`. A cookie rather
/// than `localStorage`: the server reads it too, to send a page's shell (see `shell/`)
/// in the language this app will start in.
fn saved_choice(cookies: &str) -> Option<Locale> {
    cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wire::LOCALE_COOKIE)
        .and_then(|(_, tag)| Locale::parse(tag))
}

/// Switches the language: the catalogue, `<html lang>`, and (when `save`) the
/// choice for next time, in [`wire::LOCALE_COOKIE`]. The language is not a secret, so
/// it may be stored.
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
        if let Some(document) = window.and_then(|w| w.document()) {
            // For a year. By reflection: `HtmlDocument`'s binding costs the account page's
            // wasm bytes it does not have.
            let cookie = [
                wire::LOCALE_COOKIE,
                "=",
                locale.tag(),
                "; path=/; max-age=31536000; samesite=lax",
            ]
            .concat();
            let _ = js_sys::Reflect::set(&document, &"cookie".into(), &cookie.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// What `load` does in the browser, from the copy compiled in for tests.
    fn load_compiled(locale: Locale) {
        FETCHED.with(|f| f.set(Some((locale, &catalogue::TEXTS[locale as usize][..]))));
    }

    fn source(locale: Locale) -> String {
        let path = format!(
            "{}/locales/{}.txt",
            env!("CARGO_MANIFEST_DIR"),
            locale.tag()
        );
        std::fs::read_to_string(path).unwrap()
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}'))
            .map(|(name, _)| name.to_string())
            .collect()
    }

    #[test]
    fn every_language_has_every_text_with_its_placeholders_and_plural_forms() {
        let en = source(Locale::En);
        for locale in Locale::ALL {
            let source = source(locale);
            let texts: std::collections::HashMap<_, _> =
                parse_catalogue(&source).into_iter().collect();
            for (key, english) in parse_catalogue(&en) {
                let tag = locale.tag();
                let text = texts.get(key).copied().unwrap_or_default();
                // Polish `.other` is two forms (few|many); every other text is one.
                let forms = if locale == Locale::Pl && key.ends_with(".other") {
                    2
                } else {
                    1
                };
                // The words for before and after noon make a 12-hour clock; none, a 24-hour one.
                if key == "date.am_pm" {
                    let words: Vec<_> = text.split('|').map(str::trim).collect();
                    assert!(
                        text.is_empty() || words.len() == 2 && !words.contains(&""),
                        "{key} in {tag} is neither empty nor two words: {text}"
                    );
                    continue;
                }
                assert_eq!(text.split('|').count(), forms, "{key} in {tag}: {text}");
                for form in text.split('|') {
                    assert!(!form.trim().is_empty(), "{key} is empty in {tag}");
                    assert_eq!(
                        placeholders(form),
                        placeholders(english),
                        "placeholders of {key} in {tag}"
                    );
                }
                // Written for this language, not left in English (names and codes aside).
                if locale != Locale::En && text == english && english.split(' ').count() > 2 {
                    panic!("{key} in {tag} is the English text");
                }
            }
        }
    }

    #[test]
    fn a_fetched_catalogue_is_used_only_with_exactly_this_builds_keys() {
        for locale in Locale::ALL {
            let source = source(locale);
            let compiled = &catalogue::TEXTS[locale as usize][..];
            assert_eq!(ordered_texts(&source).as_deref(), Some(compiled));
            // Line order does not matter; the keys do.
            let reversed: String = source.lines().rev().map(|l| format!("{l}\n")).collect();
            assert_eq!(ordered_texts(&reversed).as_deref(), Some(compiled));
        }
        let french = source(Locale::Fr);
        let one_missing: String = french
            .lines()
            .filter(|l| !l.starts_with("home.enrolled "))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(ordered_texts(&one_missing), None);
        let one_more = format!("{french}\nhome.extra = De trop\n");
        assert_eq!(ordered_texts(&one_more), None);
        let twice = format!("{french}\nhome.enrolled = Encore\n");
        assert_eq!(ordered_texts(&twice), None);
        assert_eq!(ordered_texts("<!DOCTYPE html><html></html>"), None);
    }

    #[test]
    fn a_language_is_english_until_its_catalogue_is_loaded_and_one_is_kept() {
        let index = find("home.enrolled").unwrap();
        FETCHED.with(|f| f.set(None));
        assert!(!Locale::Fr.is_loaded());
        assert!(Locale::En.is_loaded());
        assert_eq!(Locale::Fr.texts()[index], catalogue::EN[index]);
        load_compiled(Locale::Fr);
        assert!(Locale::Fr.is_loaded());
        assert_eq!(Locale::Fr.texts()[index], catalogue::FR[index]);
        assert_ne!(catalogue::FR[index], catalogue::EN[index]);
        // German replaces French; French would be fetched again.
        load_compiled(Locale::De);
        assert!(Locale::De.is_loaded() && !Locale::Fr.is_loaded());
        set_current(Locale::De);
        assert_eq!(t!("home.enrolled"), catalogue::DE[index]);
        // A language whose catalogue is not here reads English, never another's texts.
        set_current(Locale::Fr);
        assert_eq!(t!("home.enrolled"), catalogue::EN[index]);
        set_current(Locale::En);
    }

    #[test]
    fn keys_resolve_to_their_own_text_in_each_language() {
        for locale in Locale::ALL {
            load_compiled(locale);
            let source = source(locale);
            for (key, text) in parse_catalogue(&source) {
                let index = find(key).unwrap_or_else(|| panic!("{key} not found"));
                assert_eq!(locale.texts()[index], text, "{key} in {}", locale.tag());
            }
        }
        assert_eq!(find("home.no_such_key"), None);
        assert_eq!(find(""), None);
        assert_eq!(find("zzz"), None);
    }

    /// The compiler checks each key where it builds the code (`cargo check`
    /// does not evaluate the lookups); this also covers code no build reached.
    #[test]
    fn every_key_the_code_uses_exists() {
        let mut missing = Vec::new();
        for (path, source) in ui_sources() {
            for (call, forms) in [
                ("t!(", &[""][..]),
                ("tf!(", &[""]),
                ("tn!(", &[".one", ".other"]),
                ("plural_keys!(", &[".one", ".other"]),
            ] {
                let mut pieces = source.split(call);
                let mut before = pieces.next().unwrap_or_default();
                for piece in pieces {
                    // `format!(` is not `t!(`: the call must start a word.
                    let starts_word = !before.ends_with(|c: char| c.is_alphanumeric() || c == '_');
                    before = piece;
                    let Some(key) = piece.trim_start().strip_prefix('"') else {
                        continue;
                    };
                    if !starts_word {
                        continue;
                    }
                    let key = key.split('"').next().unwrap_or_default();
                    for form in forms {
                        if find(&format!("{key}{form}")).is_none() {
                            missing.push(format!("{path}: {key}{form}"));
                        }
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
    fn plurals_follow_each_languages_rule() {
        let form = |locale: Locale, n: u64| {
            load_compiled(locale);
            set_current(locale);
            let text = tn!("plural.seconds", n);
            set_current(Locale::En);
            text
        };
        assert_eq!(form(Locale::En, 0), "0 seconds");
        assert_eq!(form(Locale::En, 1), "1 second");
        // French: 0 and 1 are singular.
        assert_eq!(form(Locale::Fr, 0), "0 seconde");
        assert_eq!(form(Locale::Fr, 2), "2 secondes");
        // Portuguese (Portugal) and German: 0 is plural.
        assert_eq!(form(Locale::Pt, 0), "0 segundos");
        assert_eq!(form(Locale::De, 1), "1 Sekunde");
        // Polish: one, few (2-4, 22-24, but not 12-14), many.
        for (n, text) in [
            (1, "1 sekundę"),
            (2, "2 sekundy"),
            (4, "4 sekundy"),
            (22, "22 sekundy"),
            (104, "104 sekundy"),
            (0, "0 sekund"),
            (5, "5 sekund"),
            (12, "12 sekund"),
            (14, "14 sekund"),
            (21, "21 sekund"),
            (112, "112 sekund"),
        ] {
            assert_eq!(form(Locale::Pl, n), text, "{n}");
        }
    }

    #[test]
    fn the_saved_choice_is_read_from_its_cookie_among_others() {
        assert_eq!(saved_choice("portal_locale=de"), Some(Locale::De));
        assert_eq!(saved_choice("a=b; portal_locale=pl; c=d"), Some(Locale::Pl));
        assert_eq!(saved_choice("xportal_locale=de; portal_locale2=fr"), None);
        assert_eq!(saved_choice("portal_locale=xx"), None);
        assert_eq!(saved_choice(""), None);
    }

    #[test]
    fn locale_tags_parse_by_primary_language() {
        assert_eq!(Locale::parse("fr-FR"), Some(Locale::Fr));
        assert_eq!(Locale::parse("FR"), Some(Locale::Fr));
        assert_eq!(Locale::parse("en_GB"), Some(Locale::En));
        assert_eq!(Locale::parse("de-AT"), Some(Locale::De));
        assert_eq!(Locale::parse("pt-BR"), Some(Locale::Pt));
        assert_eq!(Locale::parse("pl"), Some(Locale::Pl));
        assert_eq!(Locale::parse("sv"), None);
        assert_eq!(Locale::parse(""), None);
        for locale in Locale::ALL {
            assert_eq!(Locale::parse(locale.tag()), Some(locale));
            // Each in its own name, each country one the phone field offers.
            assert!(!locale.name().is_empty());
            if let Some(region) = locale.region() {
                assert!(wire::validate::country(&region).is_some(), "{region}");
            }
        }
        assert_eq!(Locale::Pt.region().as_deref(), Some("PT"));
        assert_eq!(Locale::En.region(), None);
    }
}
