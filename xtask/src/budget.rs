//! The size budget of `cargo xtask test budget`: what a first visit downloads (index.html
//! and the CSS, JS and wasm it refers to, see `sizes::first_load_files`) as the server sends
//! it to a browser that accepts gzip: the build's zopfli `.gz` copies (`tasks::precompress`).
//! `gzip -9` of the same files is printed beside it.
//!
//! The budget is 150 KB (150 000 bytes, decimal kilobytes: the stricter reading) for each
//! page a first visit can land on; the suite fails above it and prints the figures and the
//! margin every time.

use std::path::Path;

use crate::sizes::{self, FileSize};

/// 150 KB = 150 000 bytes of gzip, for each page.
pub const BUDGET_BYTES: u64 = 150_000;

/// The outcome of a check: the report to print (always), and whether it fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub report: String,
    pub gzip_total: u64,
    pub limit: u64,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.gzip_total <= self.limit
    }

    /// Bytes left under the budget (negative when over).
    pub fn margin(&self) -> i64 {
        self.limit as i64 - self.gzip_total as i64
    }

    /// `Err` with a message naming the excess and the largest file when over the budget.
    pub fn result(&self, files: &[FileSize]) -> Result<(), String> {
        if self.passed() {
            return Ok(());
        }
        let largest = files
            .iter()
            .max_by_key(|f| f.gzip)
            .map(|f| format!("; largest: {} ({} B gzip)", f.path, thousands(f.gzip)))
            .unwrap_or_default();
        Err(format!(
            "first-load size budget exceeded: {} B gzip is over the budget of {} B \
             ({} KB) by {} B{largest}",
            thousands(self.gzip_total),
            thousands(self.limit),
            self.limit / 1000,
            thousands(self.margin().unsigned_abs()),
        ))
    }
}

/// The pure part: the first-load files' sizes against `limit` bytes of gzip.
pub fn evaluate(files: &[FileSize], limit: u64) -> Verdict {
    let gzip_total: u64 = files.iter().map(|f| f.gzip).sum();
    let page = files.first().map_or(sizes::INDEX_PAGE, |f| f.path.as_str());
    let mut report = format!(
        "first-load size budget: what a first visit downloads ({page} and the files it \
         refers to), gzip as the server sends it\n",
    );
    report.push_str(&sizes::format_table(files));
    report.push_str(&format!(
        "first load: {} B gzip, budget {} B ({} KB, 1 KB = 1000 B): {}\n",
        thousands(gzip_total),
        thousands(limit),
        limit / 1000,
        margin_text(gzip_total, limit)
    ));
    Verdict {
        report,
        gzip_total,
        limit,
    }
}

/// Measures the files a first visit that lands on `page` of the build in `dir` downloads,
/// and checks them against `limit`. Returns the files measured and the verdict; `Err`
/// only when measuring fails.
pub fn measure_page(
    dir: &Path,
    page: &str,
    limit: u64,
) -> Result<(Vec<FileSize>, Verdict), String> {
    let files = sizes::page_load_files(dir, page)?
        .into_iter()
        .map(|path| {
            let file = dir.join(&path);
            let raw = std::fs::metadata(&file)
                .map_err(|e| format!("{}: {e}", file.display()))?
                .len();
            sizes::check_precompressed(&file)?;
            Ok(FileSize {
                path,
                raw,
                gzip: sizes::gzip_size(&file)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let verdict = evaluate(&files, limit);
    Ok((files, verdict))
}

/// The suite's check: prints the report of each page (`sizes::pages`), fails when either
/// is above the budget.
pub fn check(dir: &Path) -> Result<(), String> {
    let mut failures = Vec::new();
    for page in sizes::pages(dir) {
        let (files, verdict) = measure_page(dir, page, BUDGET_BYTES)?;
        print!("{}", verdict.report);
        let gzip9 = files
            .iter()
            .map(|f| sizes::gzip9_size(&dir.join(&f.path)))
            .sum::<Result<u64, String>>()?;
        println!(
            "the same files with gzip -9 instead of the build's zopfli: {} B",
            thousands(gzip9)
        );
        if let Err(error) = verdict.result(&files) {
            failures.push(format!("{page}: {error}"));
        }
    }
    // A first visit to `/sign-in` lands on its shell page in one language: each is held to
    // the budget; they differ only by their texts, so the largest is shown in full.
    let mut shells = Vec::new();
    for page in sizes::shell_pages(dir)? {
        let (files, verdict) = measure_page(dir, &page, BUDGET_BYTES)?;
        println!(
            "{page}: {} B gzip, {}",
            thousands(verdict.gzip_total),
            margin_text(verdict.gzip_total, BUDGET_BYTES)
        );
        if let Err(error) = verdict.result(&files) {
            failures.push(format!("{page}: {error}"));
        }
        shells.push(verdict);
    }
    if let Some(largest) = shells.into_iter().max_by_key(|v| v.gzip_total) {
        print!("{}", largest.report);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// `total` bytes against `limit`: `ok, 8,163 B under (5.4% margin)` or `OVER by 1 B`.
pub fn margin_text(total: u64, limit: u64) -> String {
    match limit.checked_sub(total) {
        Some(margin) => format!(
            "ok, {} B under ({:.1}% margin)",
            thousands(margin),
            margin as f64 * 100.0 / limit as f64
        ),
        None => format!("OVER by {} B", thousands(total - limit)),
    }
}

/// `150000` as `150,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::TempDir;
    use std::fs;
    use std::process::Command;

    /// A trunk-like `index.html` referring to a CSS, a JS and a wasm file.
    const INDEX: &str = r#"<!DOCTYPE html><html lang="en"><head>
<link rel="stylesheet" href="/portal-e1.css" integrity="sha384-x"/>
<link rel="modulepreload" href="/portal-6c.js" crossorigin="anonymous">
<link rel="preload" href="/portal-6c_bg.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">
<script type="module">import init, * as bindings from '/portal-6c.js';
const wasm = await init({ module_or_path: '/portal-6c_bg.wasm' });</script>
</head><body></body></html>"#;

    /// Bytes gzip cannot shrink (xorshift, so no dependency and no committed blob).
    fn incompressible(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    }

    /// A build folder with INDEX, its three files (the wasm of `wasm_len` random bytes)
    /// and `extra` files nobody refers to.
    fn build(wasm_len: usize, extra: &[(&str, usize)]) -> TempDir {
        let dir = TempDir::new("xtask-budget").unwrap();
        let root = dir.path();
        fs::write(root.join("index.html"), INDEX).unwrap();
        fs::write(root.join("portal-e1.css"), "body{margin:0}".repeat(50)).unwrap();
        fs::write(
            root.join("portal-6c.js"),
            "export default function init(){}".repeat(20),
        )
        .unwrap();
        fs::write(root.join("portal-6c_bg.wasm"), incompressible(wasm_len, 7)).unwrap();
        for (name, len) in extra {
            fs::write(root.join(name), incompressible(*len, 11)).unwrap();
        }
        dir
    }

    #[test]
    fn the_gzip_copy_the_server_sends_is_what_counts() {
        let dir = build(20_000, &[]);
        let css = dir.path().join("portal-e1.css");
        // A copy written with gzip's fastest level, so it differs from gzip -9's size.
        let fast = Command::new("gzip")
            .args(["-1", "-c", "-n"])
            .arg(&css)
            .output()
            .unwrap()
            .stdout;
        fs::write(dir.path().join("portal-e1.css.gz"), &fast).unwrap();
        let (files, verdict) = measure_page(dir.path(), "index.html", BUDGET_BYTES).unwrap();
        let measured = files.iter().find(|f| f.path == "portal-e1.css").unwrap();
        assert_eq!(measured.gzip, fast.len() as u64);
        assert_ne!(measured.gzip, sizes::gzip9_size(&css).unwrap());
        assert!(verdict.passed(), "{}", verdict.report);
        assert!(!files.iter().any(|f| f.path.ends_with(".gz")));
    }

    #[test]
    fn a_copy_that_is_not_its_file_fails_the_check() {
        let dir = build(20_000, &[]);
        let other = Command::new("gzip")
            .args(["-9", "-c", "-n"])
            .arg(dir.path().join("portal-e1.css"))
            .output()
            .unwrap()
            .stdout;
        fs::write(dir.path().join("portal-6c.js.gz"), other).unwrap();
        let error = measure_page(dir.path(), "index.html", BUDGET_BYTES).unwrap_err();
        assert!(error.contains("portal-6c.js.gz is not"), "{error}");
        assert!(error.contains("stale or broken"), "{error}");
        fs::write(dir.path().join("portal-6c.js.gz"), b"not gzip at all").unwrap();
        assert!(measure_page(dir.path(), "index.html", BUDGET_BYTES).is_err());
    }

    #[test]
    fn each_page_of_the_build_is_held_to_the_budget() {
        let dir = build(
            20_000,
            &[("portal-account-9f_bg.wasm", BUDGET_BYTES as usize)],
        );
        // The account page's own wasm is over, the shared stylesheet counts for both.
        let account = INDEX
            .replace("portal-6c.js", "portal-account-9f.js")
            .replace("portal-6c_bg.wasm", "portal-account-9f_bg.wasm");
        fs::write(dir.path().join("account.html"), &account).unwrap();
        fs::write(dir.path().join("portal-account-9f.js"), "export default 1;").unwrap();
        let (files, verdict) = measure_page(dir.path(), "account.html", BUDGET_BYTES).unwrap();
        assert_eq!(files[0].path, "account.html");
        assert!(files.iter().any(|f| f.path == "portal-e1.css"));
        assert!(!files.iter().any(|f| f.path == "portal-6c_bg.wasm"));
        assert!(!verdict.passed(), "{}", verdict.report);
        let error = check(dir.path()).unwrap_err();
        assert!(
            error.starts_with("account.html: first-load size budget exceeded"),
            "{error}"
        );
        assert!(!error.contains("index.html:"), "{error}");
        // Without that page, the same build passes.
        fs::remove_file(dir.path().join("account.html")).unwrap();
        assert_eq!(check(dir.path()), Ok(()));
    }

    #[test]
    fn a_shell_page_counts_the_files_its_loader_fetches_after_the_paint() {
        let dir = build(149_000, &[]);
        fs::create_dir(dir.path().join("shell")).unwrap();
        // Text gzip cannot shrink much: the shell page alone must tip the budget.
        let text: String = incompressible(1_500, 3)
            .into_iter()
            .map(|b| char::from(b'a' + b % 26))
            .collect();
        // No preload link: the loader names the JS and the wasm in quotes only.
        let shell = format!(
            "<html lang=fr><link href=/portal-e1.css rel=stylesheet><script type=module>\
             requestAnimationFrame(()=>setTimeout(async()=>{{const b=await import('/portal-6c.js');\
             await b.default({{module_or_path:'/portal-6c_bg.wasm'}})}}))</script>\
             <body><div id=shell>{}</div></body>",
            text
        );
        fs::write(dir.path().join("shell/sign-in.fr.html"), &shell).unwrap();
        let (files, verdict) =
            measure_page(dir.path(), "shell/sign-in.fr.html", BUDGET_BYTES).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "shell/sign-in.fr.html",
                "portal-6c.js",
                "portal-6c_bg.wasm",
                "portal-e1.css"
            ]
        );
        // index.html fits; the same files with the shell's text do not.
        assert!(!verdict.passed(), "{}", verdict.report);
        let error = check(dir.path()).unwrap_err();
        assert!(
            error.starts_with("shell/sign-in.fr.html: first-load size budget exceeded"),
            "{error}"
        );
        fs::write(
            dir.path().join("shell/sign-in.fr.html"),
            shell.replace(&text, ""),
        )
        .unwrap();
        assert_eq!(check(dir.path()), Ok(()));
    }

    #[test]
    fn an_oversized_build_fails_with_a_clear_message() {
        let dir = build(200_000, &[]);
        let (files, verdict) = measure_page(dir.path(), "index.html", BUDGET_BYTES).unwrap();
        assert!(!verdict.passed());
        assert!(verdict.gzip_total > 200_000, "{verdict:?}");
        assert!(verdict.report.contains("OVER by"), "{}", verdict.report);
        let error = verdict.result(&files).unwrap_err();
        assert!(
            error.starts_with("first-load size budget exceeded: ")
                && error.contains("over the budget of 150,000 B (150 KB) by ")
                && error.contains("largest: portal-6c_bg.wasm"),
            "{error}"
        );
    }

    #[test]
    fn a_small_build_passes_and_reports_its_margin() {
        let dir = build(20_000, &[]);
        let (files, verdict) = measure_page(dir.path(), "index.html", BUDGET_BYTES).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "index.html",
                "portal-6c.js",
                "portal-6c_bg.wasm",
                "portal-e1.css"
            ]
        );
        assert!(verdict.passed(), "{}", verdict.report);
        assert_eq!(verdict.result(&files), Ok(()));
        assert!(verdict.margin() > 100_000);
        assert!(verdict.report.contains("B under ("), "{}", verdict.report);
        assert!(verdict.report.contains("portal-6c_bg.wasm"));
    }

    #[test]
    fn files_that_index_html_does_not_refer_to_do_not_count() {
        // 400 KB of files a first visit never downloads (an old build's wasm, a source map).
        let dir = build(
            20_000,
            &[
                ("portal-old_bg.wasm", 300_000),
                ("portal-6c.js.map", 100_000),
            ],
        );
        let (files, verdict) = measure_page(dir.path(), "index.html", BUDGET_BYTES).unwrap();
        assert!(verdict.passed(), "{}", verdict.report);
        assert!(!files
            .iter()
            .any(|f| f.path.contains("old") || f.path.ends_with(".map")));
        assert!(!verdict.report.contains("portal-old_bg.wasm"));
    }

    #[test]
    fn evaluate_is_exact_at_the_limit() {
        let file = |gzip| FileSize {
            path: "a".into(),
            raw: gzip,
            gzip,
        };
        assert!(evaluate(&[file(100_000), file(50_000)], BUDGET_BYTES).passed());
        let over = evaluate(&[file(100_000), file(50_001)], BUDGET_BYTES);
        assert!(!over.passed());
        assert_eq!(over.margin(), -1);
        assert!(over.report.contains("OVER by 1 B"), "{}", over.report);
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(150_000), "150,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_margin_and_the_error_name_the_budget() {
        assert_eq!(
            margin_text(135_000, 150_000),
            "ok, 15,000 B under (10.0% margin)"
        );
        assert_eq!(margin_text(150_000, 150_000), "ok, 0 B under (0.0% margin)");
        assert_eq!(margin_text(200_000, 150_000), "OVER by 50,000 B");
        let over = evaluate(
            &[FileSize {
                path: "a".into(),
                raw: 1,
                gzip: 250_001,
            }],
            250_000,
        );
        assert!(over
            .result(&[])
            .unwrap_err()
            .contains("over the budget of 250,000 B (250 KB) by 1 B"));
    }
}
