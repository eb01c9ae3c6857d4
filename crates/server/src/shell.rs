//! Shell pages: a portal route painted before its wasm, in the visitor's language. The
//! portal's build writes `shell/<route>.<lang>.html` beside `index.html` (xtask's
//! `shells`); for such a route this picks the file in the language the portal itself
//! will start in, so the app's first screen replaces the shell without a change of
//! language.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderMap};

/// The folder of shell pages in the static directory.
pub const SHELL_DIR: &str = "shell";

/// The shell page of `path` in `dir` for this request, or `None` when the route has none
/// or the page is embedded (an embedding host's iframe: the portal there has no header,
/// and its language comes from the host).
pub fn page(dir: &Path, path: &str, query: Option<&str>, headers: &HeaderMap) -> Option<PathBuf> {
    let route = path.strip_prefix('/')?;
    if route.is_empty() || !route.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return None;
    }
    let asked_embedded = query.is_some_and(|q| q.split('&').any(|pair| pair == "embed=1"));
    let framed = headers
        .get("sec-fetch-dest")
        .is_some_and(|dest| dest.as_bytes() == b"iframe");
    if asked_embedded || framed {
        return None;
    }
    languages(headers)
        .into_iter()
        .map(|lang| dir.join(SHELL_DIR).join(format!("{route}.{lang}.html")))
        .find(|file| file.is_file())
}

/// The languages to try, best first, as the portal picks its own: the choice saved in
/// [`wire::LOCALE_COOKIE`], then the browser's languages (`Accept-Language`, by weight;
/// the portal reads the same list as `navigator.languages`), then English. Each as its
/// primary tag in lowercase (`fr-CA` → `fr`), letters only, so it can name a file.
pub fn languages(headers: &HeaderMap) -> Vec<String> {
    let mut weighted: Vec<(String, f32)> = Vec::new();
    for value in headers.get_all(header::ACCEPT_LANGUAGE) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            if weight > 0.0 {
                weighted.push((tag.to_string(), weight));
            }
        }
    }
    // Stable: equal weights keep the browser's order.
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let saved = crate::auth::cookie(headers, wire::LOCALE_COOKIE);
    let mut languages = Vec::new();
    for tag in saved
        .into_iter()
        .chain(weighted.into_iter().map(|(tag, _)| tag))
        .chain(["en".to_string()])
    {
        let primary = wire::primary_language(&tag).to_ascii_lowercase();
        let letters = !primary.is_empty()
            && primary.len() <= 8
            && primary.bytes().all(|b| b.is_ascii_lowercase());
        if letters && !languages.contains(&primary) {
            languages.push(primary);
        }
    }
    languages
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_saved_choice_comes_first_then_the_browsers_by_weight_then_english() {
        assert_eq!(languages(&HeaderMap::new()), ["en"]);
        assert_eq!(
            languages(&headers(&[(
                "accept-language",
                "de-CH, fr;q=0.9, it;q=0.95, *;q=0.5"
            )])),
            ["de", "it", "fr", "en"]
        );
        assert_eq!(
            languages(&headers(&[
                ("accept-language", "pt-BR,en;q=0.8"),
                ("cookie", "portal_session=abc; portal_locale=nl"),
            ])),
            ["nl", "pt", "en"]
        );
        // Refused weights and anything that is no language tag are skipped; no path
        // can come out of a header.
        assert_eq!(
            languages(&headers(&[
                ("accept-language", "es;q=0, ../../etc;q=0.9, pl;q=x, fr"),
                ("cookie", "portal_locale=../x"),
            ])),
            ["fr", "en"]
        );
    }

    #[test]
    fn a_route_gets_its_shell_in_the_first_language_built_and_never_when_embedded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(SHELL_DIR)).unwrap();
        for lang in ["en", "fr"] {
            std::fs::write(dir.path().join(format!("shell/sign-in.{lang}.html")), lang).unwrap();
        }
        let german_then_french = headers(&[("accept-language", "de, fr;q=0.5")]);
        let shell = |path, query, headers: &HeaderMap| {
            page(dir.path(), path, query, headers)
                .map(|file| std::fs::read_to_string(file).unwrap())
        };
        assert_eq!(
            shell("/sign-in", None, &german_then_french).as_deref(),
            Some("fr")
        );
        assert_eq!(
            shell("/sign-in", None, &HeaderMap::new()).as_deref(),
            Some("en")
        );
        assert_eq!(
            shell("/sign-in", Some("next=%2F"), &german_then_french).as_deref(),
            Some("fr")
        );
        assert_eq!(shell("/enroll/phone", None, &german_then_french), None);
        assert_eq!(shell("/", None, &german_then_french), None);
        assert_eq!(
            shell("/sign-in", Some("embed=1"), &german_then_french),
            None
        );
        let framed = headers(&[("sec-fetch-dest", "iframe")]);
        assert_eq!(shell("/sign-in", None, &framed), None);
    }
}
