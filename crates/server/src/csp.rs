//! The Content-Security-Policy. trunk puts one inline module script in each
//! page (`index.html`, `account.html`: the wasm loader); rather than allowing
//! inline scripts, the policy names those exact scripts by their SHA-256
//! hashes, computed from the files actually served.

use base64::Engine;
use sha2::{Digest, Sha256};

/// `'sha256-…'` sources for every inline `<script>` (one without `src`).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_rest = &after[tag_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_and_rest.as_bytes()[..close]);
            let encoded = base64::engine::general_purpose::STANDARD.encode(digest);
            hashes.push(format!("'sha256-{encoded}'"));
        }
        rest = &body_and_rest[close + "</script>".len()..];
    }
    hashes
}

/// The policy: same-origin everything, wasm allowed, the loader by hash,
/// `frame-ancestors` from the allowlist.
pub fn content_security_policy(frame_ancestors: &[String], script_hashes: &[String]) -> String {
    let mut ancestors = String::from("'self'");
    for origin in frame_ancestors {
        ancestors.push(' ');
        ancestors.push_str(origin);
    }
    let mut scripts = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        scripts.push(' ');
        scripts.push_str(hash);
    }
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {ancestors}"
    )
}

/// The portal's pages, whose loaders the policy allows.
const PAGES: [&str; 2] = ["index.html", wire::ACCOUNT_PAGE];

/// The policy for a static directory (the loaders of its pages, when there
/// are some).
pub fn for_static_dir(frame_ancestors: &[String], static_dir: Option<&std::path::Path>) -> String {
    let mut hashes = Vec::new();
    for page in PAGES {
        if let Some(html) = static_dir.and_then(|dir| std::fs::read_to_string(dir.join(page)).ok())
        {
            hashes.extend(inline_script_hashes(&html));
        }
    }
    content_security_policy(frame_ancestors, &hashes)
}

/// When the pages were last written: a rebuild changes their loaders.
fn pages_modified(dir: &std::path::Path) -> Vec<Option<std::time::SystemTime>> {
    PAGES.iter().map(|page| modified(&dir.join(page))).collect()
}

/// The policy header, kept in step with the pages being served: a
/// rebuild of the portal while the server runs changes the loader script, and
/// a stale hash would leave the page blank.
pub struct Csp {
    frame_ancestors: Vec<String>,
    static_dir: Option<std::path::PathBuf>,
    cache: std::sync::Mutex<(Vec<Option<std::time::SystemTime>>, String)>,
}

impl Csp {
    pub fn new(frame_ancestors: &[String], static_dir: Option<&std::path::Path>) -> Csp {
        let modified = static_dir.map(pages_modified).unwrap_or_default();
        Csp {
            frame_ancestors: frame_ancestors.to_vec(),
            static_dir: static_dir.map(std::path::Path::to_path_buf),
            cache: std::sync::Mutex::new((modified, for_static_dir(frame_ancestors, static_dir))),
        }
    }

    /// The header value. With `html` (a page is being served), first checks
    /// whether a page changed since the hashes were computed.
    pub fn header(&self, html: bool) -> String {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if html {
            if let Some(dir) = &self.static_dir {
                let now = pages_modified(dir);
                if now != cache.0 {
                    *cache = (now, for_static_dir(&self.frame_ancestors, Some(dir)));
                }
            }
        }
        cache.1.clone()
    }
}

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_skipped() {
        let html =
            r#"<head><script src="/a.js"></script><script type="module">alert(1)</script></head>"#;
        let hashes = inline_script_hashes(html);
        // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hashes,
            vec!["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='".to_string()]
        );
        let csp = content_security_policy(&[], &hashes);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn a_rebuilt_index_gets_its_new_hash() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index.html");
        std::fs::write(&index, "<script>one()</script>").unwrap();
        let csp = Csp::new(&[], Some(dir.path()));
        let first = csp.header(true);
        std::fs::write(&index, "<script>two()</script>").unwrap();
        // Some file systems keep whole-second times: make the change visible.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&index)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(
            csp.header(false),
            first,
            "non-page responses reuse the cached policy"
        );
        let second = csp.header(true);
        assert_ne!(second, first);
        assert_eq!(second, for_static_dir(&[], Some(dir.path())));
    }

    #[test]
    fn frame_ancestors_extend_self() {
        let csp = content_security_policy(&["https://host.example".into()], &[]);
        assert!(csp.ends_with("frame-ancestors 'self' https://host.example"));
    }
}
