//! `cargo xtask bench size`: the transfer size of the release build, every file raw, gzip and
//! brotli as the server sends them (the build's precompressed copies, see `sizes::gzip_size`),
//! and gzip -9 to compare, and what a first visit downloads (`sizes::first_load_files`), against
//! the budget of `budget.rs`.

use std::path::Path;

use crate::bench::Report;
use crate::budget::{self, thousands};
use crate::json::Value;
use crate::sizes::{self, human_bytes, ACCOUNT_PAGE};

/// One file of the build, measured three ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    pub path: String,
    pub raw: u64,
    /// As sent: the build's zopfli copy.
    pub gzip: u64,
    /// `gzip -9` of the file, to compare.
    pub gzip9: u64,
    pub brotli: u64,
    pub first_load: bool,
}

/// Measures the build in `dir` into `report`.
pub fn run(dir: &Path, report: &mut Report) {
    match measure(dir) {
        Ok(files) => {
            describe(&files, report);
            if sizes::pages(dir).contains(&ACCOUNT_PAGE) {
                match sizes::page_load_files(dir, ACCOUNT_PAGE) {
                    Ok(page) => describe_account_page(&files, &page, report),
                    Err(error) => report.fail(error),
                }
            }
        }
        Err(error) => report.fail(error),
    }
}

/// What a first visit that lands on the account page downloads (`page`: its files).
pub fn describe_account_page(files: &[Measured], page: &[String], report: &mut Report) {
    let of_page: Vec<&Measured> = files.iter().filter(|f| page.contains(&f.path)).collect();
    let total = Total::of(&of_page);
    report.row(
        format!("first visit of {ACCOUNT_PAGE} ({} files)", of_page.len()),
        format!(
            "{}; budget: {}",
            total.line(),
            budget::margin_text(total.gzip, budget::BUDGET_BYTES)
        ),
    );
    let mut json = total.json(&of_page).to_vec();
    json.push(("ok", Value::Bool(total.gzip <= budget::BUDGET_BYTES)));
    report.set("accountPage", Value::object(json));
}

/// The sums over the files of one first visit.
struct Total {
    raw: u64,
    gzip: u64,
    gzip9: u64,
    brotli: u64,
}

impl Total {
    fn of(files: &[&Measured]) -> Total {
        let sum = |size: fn(&Measured) -> u64| files.iter().map(|f| size(f)).sum::<u64>();
        Total {
            raw: sum(|f| f.raw),
            gzip: sum(|f| f.gzip),
            gzip9: sum(|f| f.gzip9),
            brotli: sum(|f| f.brotli),
        }
    }

    fn line(&self) -> String {
        format!(
            "gzip {} ({} B; gzip -9 {} B), brotli {} ({} B), raw {}",
            human_bytes(self.gzip),
            thousands(self.gzip),
            thousands(self.gzip9),
            human_bytes(self.brotli),
            thousands(self.brotli),
            human_bytes(self.raw)
        )
    }

    fn json(&self, files: &[&Measured]) -> [(&'static str, Value); 5] {
        [
            (
                "files",
                Value::Array(files.iter().map(|f| Value::str(f.path.clone())).collect()),
            ),
            ("rawBytes", Value::num(self.raw as f64)),
            ("gzipBytes", Value::num(self.gzip as f64)),
            ("gzip9Bytes", Value::num(self.gzip9 as f64)),
            ("brotliBytes", Value::num(self.brotli as f64)),
        ]
    }
}

pub fn measure(dir: &Path) -> Result<Vec<Measured>, String> {
    let first_load = sizes::first_load_files(dir)?;
    sizes::measure(dir)?
        .into_iter()
        .map(|file| {
            let path = dir.join(&file.path);
            Ok(Measured {
                first_load: first_load.contains(&file.path),
                gzip9: sizes::gzip9_size(&path)?,
                brotli: sizes::brotli_size(&path)?,
                path: file.path,
                raw: file.raw,
                gzip: file.gzip,
            })
        })
        .collect()
}

/// Rows and JSON of the measured files.
pub fn describe(files: &[Measured], report: &mut Report) {
    for file in files {
        report.row(
            format!(
                "{}{}",
                file.path,
                if file.first_load { " (first load)" } else { "" }
            ),
            format!(
                "raw {}, gzip {} (gzip -9 {}), brotli {}",
                human_bytes(file.raw),
                human_bytes(file.gzip),
                human_bytes(file.gzip9),
                human_bytes(file.brotli)
            ),
        );
    }
    let first: Vec<&Measured> = files.iter().filter(|f| f.first_load).collect();
    let total = Total::of(&first);
    let gzip = total.gzip;
    report.row(format!("first visit ({} files)", first.len()), total.line());
    let margin = budget::BUDGET_BYTES as i64 - gzip as i64;
    report.row(
        format!(
            "budget: first visit gzip <= {} B",
            thousands(budget::BUDGET_BYTES)
        ),
        budget::margin_text(gzip, budget::BUDGET_BYTES),
    );
    report.set(
        "files",
        Value::Array(
            files
                .iter()
                .map(|f| {
                    Value::object([
                        ("path", Value::str(f.path.clone())),
                        ("rawBytes", Value::num(f.raw as f64)),
                        ("gzipBytes", Value::num(f.gzip as f64)),
                        ("gzip9Bytes", Value::num(f.gzip9 as f64)),
                        ("brotliBytes", Value::num(f.brotli as f64)),
                        ("firstLoad", Value::Bool(f.first_load)),
                    ])
                })
                .collect(),
        ),
    );
    report.set("firstLoad", Value::object(total.json(&first)));
    report.set(
        "budget",
        Value::object([
            ("limitBytes", Value::num(budget::BUDGET_BYTES as f64)),
            ("gzipBytes", Value::num(gzip as f64)),
            ("marginBytes", Value::num(margin as f64)),
            ("ok", Value::Bool(margin >= 0)),
        ]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::Section;

    #[test]
    fn first_visit_totals_count_only_first_load_files() {
        let file = |path: &str, first_load| Measured {
            path: path.into(),
            raw: 1000,
            gzip: 400,
            gzip9: 420,
            brotli: 300,
            first_load,
        };
        let mut report = Report::new(Section::Size);
        describe(
            &[
                file("index.html", true),
                file("a.wasm", true),
                file("old.wasm", false),
            ],
            &mut report,
        );
        let rows: Vec<(&str, &str)> = report
            .rows
            .iter()
            .map(|r| (r.measure.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(rows[0].0, "index.html (first load)");
        assert_eq!(rows[2].0, "old.wasm");
        assert_eq!(rows[3].0, "first visit (2 files)");
        assert!(
            rows[3]
                .1
                .starts_with("gzip 800 B (800 B; gzip -9 840 B), brotli 600 B (600 B)"),
            "{rows:?}"
        );
        assert_eq!(rows[4].0, "budget: first visit gzip <= 150,000 B");
        assert_eq!(rows[4].1, "ok, 149,200 B under (99.5% margin)");
        assert_eq!(rows.len(), 5, "{rows:?}");
        let first = &report
            .json
            .iter()
            .find(|(k, _)| k == "firstLoad")
            .unwrap()
            .1;
        assert_eq!(first.get("gzipBytes"), Some(&Value::num(800)));
        assert!(report.errors.is_empty());
    }

    #[test]
    fn the_account_page_counts_its_own_files_and_the_shared_ones() {
        let file = |path: &str| Measured {
            path: path.into(),
            raw: 1000,
            gzip: 400,
            gzip9: 420,
            brotli: 300,
            first_load: false,
        };
        let files = [
            file("account.html"),
            file("a.css"),
            file("main.wasm"),
            file("acc.wasm"),
        ];
        let page: Vec<String> = ["account.html", "a.css", "acc.wasm"]
            .map(String::from)
            .to_vec();
        let mut report = Report::new(Section::Size);
        describe_account_page(&files, &page, &mut report);
        assert_eq!(
            report.rows[0].measure,
            "first visit of account.html (3 files)"
        );
        assert!(
            report.rows[0]
                .value
                .starts_with("gzip 1.2 KiB (1,200 B; gzip -9 1,260 B)"),
            "{:?}",
            report.rows
        );
        let account = &report
            .json
            .iter()
            .find(|(k, _)| k == "accountPage")
            .unwrap()
            .1;
        assert_eq!(account.get("gzipBytes"), Some(&Value::num(1200)));
    }
}
