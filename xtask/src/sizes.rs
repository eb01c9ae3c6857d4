//! The size table printed after a build: every file of `dist/`, raw and gzip -9.

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
    pub gzip: u64,
}

/// Measures every file under `dir` (recursively), sorted by path. The gzip size comes from
/// `gzip -9 -c`, what a static server with precompression would send.
pub fn measure(dir: &Path) -> Result<Vec<FileSize>, String> {
    let mut files = Vec::new();
    collect_files(dir, &mut files).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    files.sort();
    files
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

fn gzip_size(file: &Path) -> Result<u64, String> {
    let output = Command::new("gzip")
        .args(["-9", "-c", "-n"])
        .arg(file)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running gzip (is it installed?): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "gzip -9 {} failed: {}",
            file.display(),
            output.status
        ));
    }
    Ok(output.stdout.len() as u64)
}

/// The table: one row per file, then the total; sizes in B / KiB / MiB, right-aligned.
pub fn format_table(files: &[FileSize]) -> String {
    let total = FileSize {
        path: format!("total ({} files)", files.len()),
        raw: files.iter().map(|f| f.raw).sum(),
        gzip: files.iter().map(|f| f.gzip).sum(),
    };
    let header = ("file", "raw", "gzip -9");
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
        assert_eq!(lines[0], "file                       raw    gzip -9");
        assert_eq!(lines[1], "index.html               900 B      400 B");
        assert_eq!(lines[2], "portal-1a2b_bg.wasm  276.3 KiB  114.0 KiB");
        assert!(lines[3].chars().all(|c| c == '-'));
        assert_eq!(lines[4], "total (2 files)      277.2 KiB  114.4 KiB");
        let widths: Vec<usize> = lines.iter().map(|l| l.len()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}");
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
}
