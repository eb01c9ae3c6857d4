//! A private copy of `dist/` for a test server: other people (or another `trunk build`) may
//! rebuild `dist/` while the tests run, and the server hashes `index.html`'s inline loader
//! into its Content-Security-Policy at start-up, so a rebuilt `dist/` would leave the
//! running server refusing the new page's script (a blank page).

use std::fs;
use std::io;
use std::path::Path;

/// Copies `dist` into `into` and checks that every file `index.html` refers to is there
/// (an error when `dist/` changed during the copy).
pub fn snapshot(dist: &Path, into: &Path) -> Result<(), String> {
    copy_dir(dist, into)
        .map_err(|e| format!("copying {} to {}: {e}", dist.display(), into.display()))?;
    let mut missing = Vec::new();
    for page in crate::sizes::pages(into) {
        let html = fs::read_to_string(into.join(page))
            .map_err(|e| format!("{}/{page}: {e}", dist.display()))?;
        missing.extend(
            local_references(&html)
                .into_iter()
                .filter(|file| !into.join(file).is_file()),
        );
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "dist/ changed while it was copied (another trunk build?): its pages refer to \
             missing {}; run again",
            missing.join(", ")
        ))
    }
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name();
        if name == ".stage" {
            continue; // trunk's work in progress
        }
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Root-relative paths quoted in an HTML text (`"/portal-1a2b.js"`, `'/app_bg.wasm'`),
/// without the leading `/`, query or fragment; links to other origins, `/` and the API
/// (`/api/…`) are left out.
pub fn local_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        let mut pieces = html.split(quote);
        pieces.next(); // before the first quote
                       // Every other piece is inside quotes.
        while let Some(inside) = pieces.next() {
            pieces.next();
            let Some(path) = inside.strip_prefix('/') else {
                continue;
            };
            // `/api/…` is the server's (the config is preloaded), not a file of the build.
            if path.starts_with('/')
                || path.starts_with("api/")
                || path.contains(char::is_whitespace)
            {
                continue;
            }
            let path = path.split(['?', '#']).next().unwrap_or_default();
            if !path.is_empty() && !found.iter().any(|f| f == path) {
                found.push(path.to_owned());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::TempDir;

    const INDEX: &str = r#"<!DOCTYPE html>
<html lang="en"><head>
<link rel="stylesheet" href="/portal-e113.css" integrity="sha384-Xd4"/>
<script type="module">
import init, * as bindings from '/portal-6c3f.js';
const wasm = await init({ module_or_path: '/portal-6c3f_bg.wasm' });
</script>
<link rel="modulepreload" href="/portal-6c3f.js"><a href="https://example.com/x">x</a>
<a href="//cdn.example.com/y">y</a><a href="/">home</a><img src="/logo.svg?v=2">
<link rel="preload" href="/api/v1/config" as="fetch" crossorigin="anonymous" />
</head><body></body></html>"#;

    #[test]
    fn local_references_are_the_root_relative_quoted_paths() {
        let mut found = local_references(INDEX);
        found.sort();
        assert_eq!(
            found,
            [
                "logo.svg",
                "portal-6c3f.js",
                "portal-6c3f_bg.wasm",
                "portal-e113.css"
            ]
        );
    }

    #[test]
    fn snapshot_copies_a_consistent_dist_and_refuses_a_half_built_one() {
        let dir = TempDir::new("xtask-snapshot").unwrap();
        let dist = dir.path().join("dist");
        fs::create_dir_all(dist.join(".stage")).unwrap();
        fs::write(dist.join("index.html"), INDEX).unwrap();
        for file in [
            "portal-e113.css",
            "portal-6c3f.js",
            "portal-6c3f_bg.wasm",
            "logo.svg",
        ] {
            fs::write(dist.join(file), file).unwrap();
        }
        let copy = dir.path().join("copy");
        assert_eq!(snapshot(&dist, &copy), Ok(()));
        assert!(copy.join("portal-6c3f_bg.wasm").is_file());
        assert!(!copy.join(".stage").exists());

        fs::remove_file(dist.join("portal-6c3f_bg.wasm")).unwrap();
        let error = snapshot(&dist, &dir.path().join("copy2")).unwrap_err();
        assert!(error.contains("portal-6c3f_bg.wasm"), "{error}");
    }
}
