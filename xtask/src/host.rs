//! The example host page (`examples/host/`) on a second loopback origin, so
//! `cargo xtask serve` shows the portal embedded by another site.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;

/// Serves `dir` on `bind` in a background thread, with a `config.js` naming
/// `portal_origin` in place of the file's own; returns the origin.
pub fn serve(dir: PathBuf, bind: &str, portal_origin: &str) -> Result<String, String> {
    let listener = TcpListener::bind(bind).map_err(|e| format!("example host on {bind}: {e}"))?;
    let origin = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let config = config_js(portal_origin);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            let config = config.clone();
            thread::spawn(move || {
                let _ = answer(stream, &dir, &config);
            });
        }
    });
    Ok(origin)
}

/// The host's configuration for the portal this xtask started.
fn config_js(portal_origin: &str) -> String {
    // Debug-quoting gives a JS string literal for any origin text.
    format!("var PORTAL_ORIGIN = {portal_origin:?};\n")
}

fn answer(mut stream: TcpStream, dir: &Path, config: &str) -> std::io::Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let not_found = || ("404 Not Found", "text/plain", b"not found".to_vec());
    let (status, content_type, body) = if path.split(['?', '#']).next() == Some("/config.js") {
        (
            "200 OK",
            "text/javascript; charset=utf-8",
            config.as_bytes().to_vec(),
        )
    } else {
        match file_for(dir, path) {
            Some((file, content_type)) => match fs::read(&file) {
                Ok(body) => ("200 OK", content_type, body),
                Err(_) => not_found(),
            },
            None => not_found(),
        }
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// The file a request path names: a plain file name in `dir` (no folders, so
/// nothing outside it can be reached), `index.html` for `/`.
pub fn file_for(dir: &Path, request_path: &str) -> Option<(PathBuf, &'static str)> {
    let path = request_path.split(['?', '#']).next().unwrap_or("/");
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        name => name,
    };
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.');
    if !plain {
        return None;
    }
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
    Some((dir.join(name), content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_in_the_folder_are_served() {
        let dir = Path::new("/srv/host");
        assert_eq!(
            file_for(dir, "/"),
            Some((dir.join("index.html"), "text/html; charset=utf-8"))
        );
        assert_eq!(
            file_for(dir, "/host.js?v=1"),
            Some((dir.join("host.js"), "text/javascript; charset=utf-8"))
        );
        assert_eq!(file_for(dir, "/../secret"), None);
        assert_eq!(file_for(dir, "/a/b.html"), None);
        assert_eq!(file_for(dir, "/.git"), None);
        assert_eq!(file_for(dir, "/%2e%2e/x"), None);
    }
}
