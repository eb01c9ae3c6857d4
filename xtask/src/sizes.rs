//! The size table printed after a build: every file of `dist/`, raw and as the server sends
//! it gzip-encoded; the brotli size for the bench; which files a first visit downloads.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One file of the build output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSize {
    /// Path relative to the measured folder, `/`-separated.
    pub path: String,
    pub raw: u64,
    /// What the server sends a browser that accepts gzip: see [`gzip_size`].
    pub gzip: u64,
}

/// A precompressed copy of a file, which the build writes (`tasks::precompress`) and the
/// server sends in its place: `NAME.gz`, `NAME.br`.
pub struct Encoding {
    pub suffix: &'static str,
    /// The command that writes the copy to its output, given the file.
    pub compress: (&'static str, &'static [&'static str]),
    /// The command that reads it back with `-d -c`.
    pub decompress: &'static str,
}

impl Encoding {
    pub fn copy_of(&self, file: &Path) -> PathBuf {
        PathBuf::from(format!("{}{}", file.display(), self.suffix))
    }
}

/// zopfli writes ordinary gzip, 4.5% smaller than `gzip -9`.
pub const GZIP: Encoding = Encoding {
    suffix: ".gz",
    compress: ("zopfli", &["-c"]),
    decompress: "gzip",
};
pub const BROTLI: Encoding = Encoding {
    suffix: ".br",
    compress: ("brotli", &["-q", "11", "-c"]),
    decompress: "brotli",
};
pub const ENCODINGS: [Encoding; 2] = [GZIP, BROTLI];

/// Measures every file under `dir` (recursively), sorted by path, leaving out the
/// precompressed copies, which are counted as their file's compressed size instead.
pub fn measure(dir: &Path) -> Result<Vec<FileSize>, String> {
    measure_paths(dir)?
        .iter()
        .map(|file| {
            let raw = fs::metadata(file)
                .map_err(|e| format!("{}: {e}", file.display()))?
                .len();
            let relative = file.strip_prefix(dir).unwrap_or(file);
            Ok(FileSize {
                path: relative.to_string_lossy().replace('\\', "/"),
                raw,
                gzip: gzip_size(file)?,
            })
        })
        .collect()
}

/// The files under `dir` (recursively), sorted, without the precompressed copies.
pub fn measure_paths(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    collect_files(dir, &mut files).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    files.retain(|file| !is_precompressed(file));
    files.sort();
    Ok(files)
}

fn is_precompressed(file: &Path) -> bool {
    let name = file.to_string_lossy();
    ENCODINGS
        .iter()
        .any(|encoding| name.ends_with(encoding.suffix))
}

/// Text the browser downloads, which compression shrinks (images and fonts are already
/// compressed).
pub fn is_compressible(file: &Path) -> bool {
    file.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            ["html", "css", "js", "mjs", "wasm", "txt", "json", "svg"].contains(&ext)
        })
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// What the server sends for `file` to a browser that accepts gzip: the build's
/// `FILE.gz` (zopfli) when there is one, which `ServeDir` sends in its place, else the
/// file compressed with `gzip -9` (a folder not built by xtask, such as a test fixture).
pub fn gzip_size(file: &Path) -> Result<u64, String> {
    match precompressed_size(file, &GZIP) {
        Some(size) => Ok(size),
        None => gzip9_size(file),
    }
}

/// The size of `gzip -9 -c -n FILE`, to compare the build's gzip files with.
pub fn gzip9_size(file: &Path) -> Result<u64, String> {
    Ok(tool_output("gzip", &["-9", "-c", "-n"], file)?.len() as u64)
}

/// What the server sends for `file` to a browser that accepts brotli: the build's
/// `FILE.br` when there is one, else what the build would write.
pub fn brotli_size(file: &Path) -> Result<u64, String> {
    match precompressed_size(file, &BROTLI) {
        Some(size) => Ok(size),
        None => Ok(tool_output(BROTLI.compress.0, BROTLI.compress.1, file)?.len() as u64),
    }
}

/// Checks that each precompressed copy of `file` there is (`.gz`, `.br`) decompresses to
/// the file: the server sends the copy in its place, so a stale or broken one would hand
/// browsers another page or script than the build's (a blank page, or SRI refusing it).
pub fn check_precompressed(file: &Path) -> Result<(), String> {
    let expected = fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    for encoding in &ENCODINGS {
        let copy = encoding.copy_of(file);
        if !copy.is_file() {
            continue;
        }
        let problem = match tool_output(encoding.decompress, &["-d", "-c"], &copy) {
            Ok(read) if read == expected => continue,
            Ok(_) => "another content".to_string(),
            Err(error) => error,
        };
        return Err(format!(
            "{} is not {} compressed ({problem}): a stale or broken copy, which the server \
             would send in its place; build again",
            copy.display(),
            file.display()
        ));
    }
    Ok(())
}

fn precompressed_size(file: &Path, encoding: &Encoding) -> Option<u64> {
    fs::metadata(encoding.copy_of(file))
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// What `tool ARGS FILE` writes to its output, or why it failed.
pub fn tool_output(tool: &str, args: &[&str], file: &Path) -> Result<Vec<u8>, String> {
    let output = Command::new(tool)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running {tool} (is it installed?): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{tool} {} {} failed: {}",
            args.join(" "),
            file.display(),
            output.status
        ));
    }
    Ok(output.stdout)
}

/// The files of the build in `dir` that a first visit downloads, `index.html` first: every
/// local file `index.html` refers to (`href`/`src` attributes and root-relative paths quoted
/// in its inline loader: the CSS, the JS, the wasm), then what those JS and CSS files refer
/// to in turn (wasm-bindgen snippets, `url(...)` in CSS). Paths are relative to `dir`,
/// `/`-separated; files that do not exist (routes such as `/sign-in`) are left out.
pub fn first_load_files(dir: &Path) -> Result<Vec<String>, String> {
    page_load_files(dir, INDEX_PAGE)
}

/// The portal's first page: sign-in, home, enrollment.
pub const INDEX_PAGE: &str = "index.html";
/// Its second page, with its own wasm: account management (`wire::ACCOUNT_PAGE`).
pub const ACCOUNT_PAGE: &str = "account.html";

/// The pages of the build in `dir` a first visit can land on: `index.html`, and
/// `account.html` when the build has it.
pub fn pages(dir: &Path) -> Vec<&'static str> {
    [INDEX_PAGE, ACCOUNT_PAGE]
        .into_iter()
        .filter(|page| *page == INDEX_PAGE || dir.join(page).is_file())
        .collect()
}

/// The shell pages of the build in `dir` (`crate::shells`), as paths from `dir`: a first
/// visit to a route with a shell lands on one of them instead of `index.html`.
pub fn shell_pages(dir: &Path) -> Result<Vec<String>, String> {
    let shells = dir.join(crate::shells::SHELL_DIR);
    if !shells.is_dir() {
        return Ok(Vec::new());
    }
    let mut pages = Vec::new();
    for entry in fs::read_dir(&shells).map_err(|e| format!("{}: {e}", shells.display()))? {
        let name = entry
            .map_err(|e| format!("{}: {e}", shells.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".html") {
            pages.push(format!("{}/{name}", crate::shells::SHELL_DIR));
        }
    }
    pages.sort();
    Ok(pages)
}

/// [`first_load_files`] of another page of the build (`account.html`).
pub fn page_load_files(dir: &Path, page: &str) -> Result<Vec<String>, String> {
    let index = dir.join(page);
    let html =
        fs::read_to_string(&index).map_err(|e| format!("reading {}: {e}", index.display()))?;
    let mut found = vec![page.to_string()];
    let mut queue: Vec<String> = references_in("", &html, true);
    while let Some(path) = queue.pop() {
        if found.contains(&path) || !dir.join(&path).is_file() {
            continue;
        }
        if path.ends_with(".js") || path.ends_with(".mjs") || path.ends_with(".css") {
            if let Ok(text) = fs::read_to_string(dir.join(&path)) {
                let base = path.rsplit_once('/').map_or("", |(folder, _)| folder);
                queue.extend(references_in(base, &text, false));
            }
        }
        found.push(path);
    }
    found[1..].sort();
    Ok(found)
}

/// Local paths referred to in `text` (a file in folder `base` of the build): quoted strings
/// that start with `/`, `./` or `../`, `url(...)` values, and, in HTML, every relative
/// `href`/`src` value. Returned relative to the build's root, without query or fragment.
pub fn references_in(base: &str, text: &str, html: bool) -> Vec<String> {
    let mut candidates: Vec<&str> = Vec::new();
    // A quote followed by a path, up to the same quote (robust to unbalanced quotes
    // elsewhere in minified JS: a wrong guess names no file and is dropped below).
    for quote in ['"', '\'', '`'] {
        for (at, _) in text.match_indices(quote) {
            let rest = &text[at + 1..];
            if rest.starts_with('/') || rest.starts_with("./") || rest.starts_with("../") {
                if let Some(inside) = rest.split(quote).next() {
                    candidates.push(inside);
                }
            }
        }
    }
    for (at, _) in text.match_indices("url(") {
        let rest = &text[at + 4..];
        let inside = rest.split(')').next().unwrap_or_default();
        candidates.push(inside.trim().trim_matches(['"', '\'']));
    }
    if html {
        for attribute in ["href=", "src="] {
            for (at, _) in text.match_indices(attribute) {
                let rest = &text[at + attribute.len()..];
                match rest.chars().next() {
                    Some(quote @ ('"' | '\'')) => {
                        if let Some(value) = rest[1..].split(quote).next() {
                            candidates.push(value);
                        }
                    }
                    // Unquoted, as a minifier writes it: up to a space or the tag's end.
                    _ => {
                        let end = rest
                            .find(|c: char| c.is_ascii_whitespace() || c == '>')
                            .unwrap_or(rest.len());
                        candidates.push(&rest[..end]);
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    for candidate in candidates {
        if let Some(path) = resolve(base, candidate) {
            if !found.contains(&path) {
                found.push(path);
            }
        }
    }
    found
}

/// `candidate` (a URL as written in a file of folder `base`) as a path from the build's
/// root, or `None` for other origins, schemes, fragments, folders and paths leaving the root.
fn resolve(base: &str, candidate: &str) -> Option<String> {
    let candidate = candidate.split(['?', '#']).next()?;
    if candidate.is_empty()
        || candidate.starts_with("//")
        || candidate.contains(char::is_whitespace)
        || candidate.contains(['<', '>', '{', '}', '$', '\\'])
        || candidate.split('/').next()?.contains(':')
        || candidate.ends_with('/')
    {
        return None;
    }
    let mut parts: Vec<&str> = if candidate.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in candidate.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The table: one row per file, then the total; sizes in B / KiB / MiB, right-aligned.
pub fn format_table(files: &[FileSize]) -> String {
    let total = FileSize {
        path: format!("total ({} files)", files.len()),
        raw: files.iter().map(|f| f.raw).sum(),
        gzip: files.iter().map(|f| f.gzip).sum(),
    };
    let header = ("file", "raw", "gzip");
    let rows: Vec<(String, String, String)> = files
        .iter()
        .chain(std::iter::once(&total))
        .map(|f| (f.path.clone(), human_bytes(f.raw), human_bytes(f.gzip)))
        .collect();
    let name_width = rows
        .iter()
        .map(|r| r.0.len())
        .chain([header.0.len()])
        .max()
        .unwrap_or(0);
    let raw_width = rows
        .iter()
        .map(|r| r.1.len())
        .chain([header.1.len()])
        .max()
        .unwrap_or(0);
    let gzip_width = rows
        .iter()
        .map(|r| r.2.len())
        .chain([header.2.len()])
        .max()
        .unwrap_or(0);
    let line = |name: &str, raw: &str, gzip: &str| {
        format!("{name:<name_width$}  {raw:>raw_width$}  {gzip:>gzip_width$}\n")
    };
    let mut table = line(header.0, header.1, header.2);
    let rule = "-".repeat(name_width + raw_width + gzip_width + 4);
    let (last, body) = rows.split_last().expect("the total row is always there");
    for row in body {
        table.push_str(&line(&row.0, &row.1, &row.2));
    }
    table.push_str(&rule);
    table.push('\n');
    table.push_str(&line(&last.0, &last.1, &last.2));
    table
}

/// `512 B`, `1.5 KiB`, `2.25 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if value < KIB * KIB {
        format!("{:.1} KiB", value / KIB)
    } else {
        format!("{:.2} MiB", value / (KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_page_is_the_one_the_server_serves_and_differs_only_by_its_wasm() {
        // xtask depends on std only, so it checks the shared constant by its source.
        let wire = include_str!("../../crates/wire/src/lib.rs");
        let declared = format!("pub const ACCOUNT_PAGE: &str = \"{ACCOUNT_PAGE}\";");
        assert!(
            wire.contains(&declared),
            "wire::ACCOUNT_PAGE is not {ACCOUNT_PAGE}"
        );
        // The two pages are one template: a head edited in one must be in the other.
        let index = include_str!("../../index.html");
        let account = include_str!("../../account.html");
        assert_eq!(
            account,
            index.replace(r#"data-bin="portal""#, r#"data-bin="portal-account""#),
            "account.html must be index.html with data-bin=\"portal-account\""
        );
    }

    #[test]
    fn human_bytes_picks_the_unit() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(282_931), "276.3 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 / 2), "1.50 MiB");
    }

    #[test]
    fn table_aligns_columns_and_ends_with_the_total() {
        let files = [
            FileSize {
                path: "index.html".into(),
                raw: 900,
                gzip: 400,
            },
            FileSize {
                path: "portal-1a2b_bg.wasm".into(),
                raw: 282_931,
                gzip: 116_736,
            },
        ];
        let table = format_table(&files);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert_eq!(lines[0], "file                       raw       gzip");
        assert_eq!(lines[1], "index.html               900 B      400 B");
        assert_eq!(lines[2], "portal-1a2b_bg.wasm  276.3 KiB  114.0 KiB");
        assert!(lines[3].chars().all(|c| c == '-'));
        assert_eq!(lines[4], "total (2 files)      277.2 KiB  114.4 KiB");
        let widths: Vec<usize> = lines.iter().map(|l| l.len()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}");
    }

    #[test]
    fn first_load_follows_index_html_then_its_js_and_css() {
        let dir = crate::server::TempDir::new("xtask-first-load").unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("snippets/portal-1a/")).unwrap();
        fs::write(
            root.join("index.html"),
            r#"<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/portal-e1.css" integrity="sha384-x"/>
<link rel="modulepreload" href="/portal-6c.js" crossorigin="anonymous">
<link rel="preload" href="/portal-6c_bg.wasm" as="fetch" type="application/wasm">
<link rel="icon" href="favicon.svg"><a href="/sign-in">in</a><a href="https://x.test/a.js">x</a>
<script type="module">import init from '/portal-6c.js'; await init({ module_or_path: '/portal-6c_bg.wasm' });</script>
</head><body></body></html>"#,
        )
        .unwrap();
        fs::write(
            root.join("portal-6c.js"),
            "import { f } from './snippets/portal-1a/inline0.js';const s=\"it's\";new URL('portal-6c_bg.wasm', import.meta.url);",
        )
        .unwrap();
        fs::write(
            root.join("portal-e1.css"),
            "body{background:url(img/bg.png)}",
        )
        .unwrap();
        for file in [
            "portal-6c_bg.wasm",
            "snippets/portal-1a/inline0.js",
            "img/bg.png",
            "favicon.svg",
            "unused-big.bin",
        ] {
            if let Some(parent) = root.join(file).parent() {
                fs::create_dir_all(parent).unwrap();
            }
            fs::write(root.join(file), "x").unwrap();
        }
        assert_eq!(
            first_load_files(root).unwrap(),
            [
                "index.html",
                "favicon.svg",
                "img/bg.png",
                "portal-6c.js",
                "portal-6c_bg.wasm",
                "portal-e1.css",
                "snippets/portal-1a/inline0.js",
            ]
        );
        assert_eq!(
            resolve("snippets/a", "../b.js").as_deref(),
            Some("snippets/b.js")
        );
        assert_eq!(resolve("", "../b.js"), None);
        assert_eq!(resolve("", "data:image/png;base64,xx"), None);
        assert_eq!(resolve("", "/"), None);
    }

    /// trunk's release HTML, minified: attribute values without quotes.
    #[test]
    fn first_load_reads_unquoted_attributes() {
        let dir = crate::server::TempDir::new("xtask-first-load-min").unwrap();
        let root = dir.path();
        fs::write(
            root.join("index.html"),
            "<!doctype html><html lang=en><link href=/portal-e1.css integrity=sha384-x \
             rel=stylesheet><link as=fetch crossorigin href=/api/v1/config rel=preload>\
             <link href=/portal-6c.js rel=modulepreload><link href=favicon.svg rel=icon>\
             </head><body></body></html>",
        )
        .unwrap();
        for file in ["portal-e1.css", "portal-6c.js", "favicon.svg"] {
            fs::write(root.join(file), "x").unwrap();
        }
        assert_eq!(
            first_load_files(root).unwrap(),
            ["index.html", "favicon.svg", "portal-6c.js", "portal-e1.css"]
        );
    }

    #[test]
    fn measure_walks_subfolders_and_gzip_shrinks_repetitive_files() {
        let dir = std::env::temp_dir().join(format!("xtask-sizes-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("assets")).unwrap();
        fs::write(dir.join("index.html"), "<p>hello</p>".repeat(200)).unwrap();
        fs::write(dir.join("assets/app.css"), "body{}").unwrap();
        let files = measure(&dir);
        fs::remove_dir_all(&dir).unwrap();
        let files = files.unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["assets/app.css", "index.html"]);
        assert_eq!(files[1].raw, 2400);
        assert!(files[1].gzip < 200, "{:?}", files[1]);
    }

    #[test]
    fn a_precompressed_copy_is_the_gzip_size_of_its_file_and_not_a_file_of_its_own() {
        let dir = std::env::temp_dir().join(format!("xtask-sizes-gz-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("app.js"), "let a = 1;".repeat(100)).unwrap();
        fs::write(dir.join("app.js.gz"), [0u8; 17]).unwrap();
        fs::write(dir.join("app.js.br"), [0u8; 13]).unwrap();
        fs::write(dir.join("other.js"), "let b = 2;".repeat(100)).unwrap();
        let files = measure(&dir);
        let brotli = (
            brotli_size(&dir.join("app.js")),
            gzip9_size(&dir.join("app.js")),
        );
        fs::remove_dir_all(&dir).unwrap();
        let files = files.unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["app.js", "other.js"]);
        assert_eq!(files[0].gzip, 17);
        // Without a copy, gzip -9 itself.
        assert!(files[1].gzip > 17 && files[1].gzip < 100, "{:?}", files[1]);
        assert_eq!(brotli.0.unwrap(), 13);
        assert!(brotli.1.unwrap() > 17);
    }

    #[test]
    fn compressible_files_are_the_text_ones() {
        for name in ["index.html", "a.css", "a.js", "a_bg.wasm", "fr.txt"] {
            assert!(is_compressible(Path::new(name)), "{name}");
        }
        for name in ["logo.png", "font.woff2", "app.js.gz", "README"] {
            assert!(!is_compressible(Path::new(name)), "{name}");
        }
    }
}
