//! The Content-Security-Policy. trunk puts one inline module script in each
//! page (`index.html`, `account.html`: the wasm loader); rather than allowing
//! inline scripts, the policy names those exact scripts by their SHA-256
//! hashes, computed from the files actually served.
//!
//! `--frame-ancestors` entries go into the header as they are: each must be a
//! strict origin, checked at start ([`frame_ancestors`]), since a space, a `;`
//! or a quote in one would rewrite the policy, and a header that cannot be
//! built would go out without any policy at all.

use std::net::{Ipv4Addr, Ipv6Addr};

use axum::http::HeaderValue;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The entries of `--frame-ancestors`, each checked by [`frame_ancestor`]; the first
/// bad one is the error.
pub fn frame_ancestors(entries: &[String]) -> Result<Vec<String>, String> {
    for entry in entries {
        frame_ancestor(entry)?;
    }
    Ok(entries.to_vec())
}

/// Accepts `scheme://host[:port]` and nothing else: scheme `https`, or `http` for a
/// loopback host (`localhost`, `127.0.0.0/8`, `[::1]`); a lowercase DNS name, an IPv4
/// address or a bracketed IPv6 address; a port other than the scheme's default. Each
/// entry is written as browsers serialise an origin, because the portal compares it
/// with `MessageEvent.origin` character for character: `HTTPS://Host.example:443/`
/// would frame the portal and then never be answered.
pub fn frame_ancestor(entry: &str) -> Result<(), String> {
    let refuse = |why: String| {
        Err(format!(
            "--frame-ancestors (PORTAL_FRAME_ANCESTORS) entry {entry:?} refused: {why}"
        ))
    };
    if let Some(c) = entry
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ":/.-[]".contains(*c)))
    {
        return refuse(format!(
            "{c:?} cannot appear in an origin (scheme://host[:port], nothing else)"
        ));
    }
    let Some((scheme, authority)) = entry.split_once("://") else {
        return refuse("expected scheme://host[:port]".into());
    };
    let default_port = match scheme {
        "https" => 443,
        "http" => 80,
        _ => {
            return refuse(format!(
                "scheme {scheme:?}: only https and http are allowed"
            ))
        }
    };
    if authority.contains('/') {
        return refuse("an origin has no path, not even a trailing '/'".into());
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let Some((address, port)) = bracketed.split_once(']') else {
                return refuse("'[' without ']'".into());
            };
            let Ok(ip) = address.parse::<Ipv6Addr>() else {
                return refuse(format!("{address:?} is not an IPv6 address"));
            };
            if ip.to_string() != address {
                return refuse(format!("write the address as browsers do: [{ip}]"));
            }
            (Host::Ip(ip.is_loopback()), port)
        }
        None => {
            let (name, port) = match authority.find(':') {
                Some(colon) => authority.split_at(colon),
                None => (authority, ""),
            };
            match host_name(name) {
                Ok(host) => (host, port),
                Err(why) => return refuse(why),
            }
        }
    };
    if !port.is_empty() {
        let Some(digits) = port.strip_prefix(':') else {
            return refuse(format!("{port:?} after the host: expected :port"));
        };
        let number = match digits.parse::<u16>() {
            Ok(number) if number != 0 && !digits.starts_with('0') => number,
            _ => return refuse(format!("port {digits:?} is not a number from 1 to 65535")),
        };
        if number == default_port {
            return refuse(format!(
                "leave out :{number}, the default port of {scheme} (browsers do)"
            ));
        }
    }
    // Over http, anyone on the path between the user and the host page could
    // frame the portal as that origin; a loopback host never leaves the machine.
    let loopback = match host {
        Host::Ip(loopback) => loopback,
        Host::Name(name) => name == "localhost",
    };
    if scheme == "http" && !loopback {
        return refuse(
            "http is allowed for loopback hosts only (localhost, 127.0.0.1, [::1]): use https"
                .into(),
        );
    }
    Ok(())
}

/// The host of an entry: an IP address, loopback or not, or a DNS name.
enum Host<'a> {
    /// Whether it is a loopback address.
    Ip(bool),
    Name(&'a str),
}

/// A lowercase DNS name (letters, digits, `-` inside labels of 1 to 63) or, when the
/// last label is a number, as browsers read it, a dotted-quad IPv4 address.
fn host_name(name: &str) -> Result<Host<'_>, String> {
    if name.is_empty() {
        return Err("no host".into());
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "write the host in lowercase, as browsers do: {}",
            name.to_ascii_lowercase()
        ));
    }
    if name.contains(['[', ']']) {
        return Err("only an IPv6 address goes in brackets".into());
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return match name.parse::<Ipv4Addr>() {
            Ok(ip) if ip.to_string() == name => Ok(Host::Ip(ip.is_loopback())),
            _ => Err(format!("{name:?} is not a dotted-quad IPv4 address")),
        };
    }
    let good_label = |label: &str| {
        (1..=63).contains(&label.len()) && !label.starts_with('-') && !label.ends_with('-')
    };
    if name.len() > 253 || !name.split('.').all(good_label) {
        return Err(format!(
            "{name:?} is not a host name (labels of 1 to 63 letters, digits or '-', \
             no empty label or trailing dot)"
        ));
    }
    Ok(Host::Name(name))
}

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

/// The portal's pages, whose loaders the policy allows: `index.html`, `account.html` and
/// the shell pages (`crate::shell`), whose loader waits for the first paint.
fn pages(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut pages = vec![dir.join("index.html"), dir.join(wire::ACCOUNT_PAGE)];
    let mut shells: Vec<_> = std::fs::read_dir(dir.join(crate::shell::SHELL_DIR))
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    shells.sort();
    pages.extend(shells);
    pages
}

/// The policy for a static directory (the loaders of its pages, when there
/// are some).
pub fn for_static_dir(frame_ancestors: &[String], static_dir: Option<&std::path::Path>) -> String {
    let mut hashes = Vec::new();
    for page in static_dir.map(pages).unwrap_or_default() {
        if let Ok(html) = std::fs::read_to_string(page) {
            for hash in inline_script_hashes(&html) {
                if !hashes.contains(&hash) {
                    hashes.push(hash);
                }
            }
        }
    }
    content_security_policy(frame_ancestors, &hashes)
}

/// When the pages were last written: a rebuild changes their loaders.
fn pages_modified(dir: &std::path::Path) -> Vec<Option<std::time::SystemTime>> {
    pages(dir).iter().map(|page| modified(page)).collect()
}

/// The policy header, kept in step with the pages being served: a
/// rebuild of the portal while the server runs changes the loader script, and
/// a stale hash would leave the page blank.
pub struct Csp {
    frame_ancestors: Vec<String>,
    static_dir: Option<std::path::PathBuf>,
    cache: std::sync::Mutex<(Vec<Option<std::time::SystemTime>>, HeaderValue)>,
}

impl Csp {
    /// Refuses a `frame_ancestors` entry that is no strict origin: the server must not
    /// start with a policy other than the one it was given, or with none.
    pub fn new(
        frame_ancestors: &[String],
        static_dir: Option<&std::path::Path>,
    ) -> Result<Csp, String> {
        let frame_ancestors = self::frame_ancestors(frame_ancestors)?;
        let modified = static_dir.map(pages_modified).unwrap_or_default();
        let policy = for_static_dir(&frame_ancestors, static_dir);
        let header = HeaderValue::from_str(&policy)
            .map_err(|_| format!("cannot build the Content-Security-Policy {policy:?}"))?;
        Ok(Csp {
            frame_ancestors,
            static_dir: static_dir.map(std::path::Path::to_path_buf),
            cache: std::sync::Mutex::new((modified, header)),
        })
    }

    /// The header value. With `html` (a page is being served), first checks
    /// whether a page changed since the hashes were computed.
    pub fn header(&self, html: bool) -> HeaderValue {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if html {
            if let Some(dir) = &self.static_dir {
                let now = pages_modified(dir);
                if now != cache.0 {
                    let policy = for_static_dir(&self.frame_ancestors, Some(dir));
                    // Only the hashes changed since `new` built a valid header, and they
                    // are base64: this cannot fail. Were it to, the previous policy is
                    // still a policy, where none at all would allow any framing.
                    match HeaderValue::from_str(&policy) {
                        Ok(header) => *cache = (now, header),
                        Err(_) => tracing::error!("cannot rebuild the Content-Security-Policy"),
                    }
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
        let csp = Csp::new(&[], Some(dir.path())).unwrap();
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
        assert_eq!(second, for_static_dir(&[], Some(dir.path())).as_str());
    }

    #[test]
    fn the_shell_pages_loader_is_allowed_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<script type=module>a()</script>",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("shell")).unwrap();
        for lang in ["en", "fr"] {
            std::fs::write(
                dir.path().join(format!("shell/sign-in.{lang}.html")),
                format!("<html lang={lang}><script type=module>b()</script>"),
            )
            .unwrap();
        }
        let policy = for_static_dir(&[], Some(dir.path()));
        let scripts = policy
            .split("; ")
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(
            scripts,
            format!(
                "script-src 'self' 'wasm-unsafe-eval' {} {}",
                inline_script_hashes("<script>a()</script>")[0],
                inline_script_hashes("<script>b()</script>")[0]
            )
        );
    }

    #[test]
    fn frame_ancestors_extend_self() {
        let csp = content_security_policy(&["https://host.example".into()], &[]);
        assert!(csp.ends_with("frame-ancestors 'self' https://host.example"));
    }

    #[test]
    fn strict_origins_are_accepted() {
        for origin in [
            "https://cars.example.com",
            "https://cars.example.com:8443",
            "https://xn--bcher-kva.example",
            "https://203.0.113.7",
            "https://[2001:db8::1]:8443",
            "http://127.0.0.1:41234",
            "http://127.0.0.2",
            "http://localhost:8081",
            "http://[::1]:8081",
        ] {
            assert_eq!(frame_ancestor(origin), Ok(()), "{origin}");
        }
    }

    #[test]
    fn anything_but_a_strict_origin_is_refused_by_name() {
        for entry in [
            "",
            "cars.example.com",
            "//cars.example.com",
            "ftp://cars.example.com",
            "HTTPS://cars.example.com",
            "https://Cars.example.com",
            "https://cars.example.com/",
            "https://cars.example.com/embed",
            "https://cars.example.com?x=1",
            "https://cars.example.com#top",
            "https://*.example.com",
            "*",
            "'self'",
            "'none'",
            "https://cars.example.com 'unsafe-inline'",
            "https://cars.example.com;script-src *",
            "https://cars.example.com\t",
            "\"https://cars.example.com\"",
            "https://user@cars.example.com",
            "https://cars.example.com:",
            "https://cars.example.com:0",
            "https://cars.example.com:08443",
            "https://cars.example.com:65536",
            "https://cars.example.com:443",
            "http://localhost:80",
            "https://cars.example.com:8443:1",
            "https://cars.example.com.",
            "https://cars..example.com",
            "https://-cars.example.com",
            "https://cars_1.example.com",
            "https://bücher.example",
            "https://127.1",
            "https://1.2.3.04",
            "https://[::1",
            "https://[::0:1]",
            "https://[::1]x",
            "https://[cars.example.com]",
            "https://",
            "http://cars.example.com",
            "http://0.0.0.0:8081",
            "http://192.168.1.5:8081",
            "http://[2001:db8::1]",
        ] {
            let error = frame_ancestor(entry).expect_err(entry);
            assert!(
                error.starts_with(&format!(
                    "--frame-ancestors (PORTAL_FRAME_ANCESTORS) entry {entry:?} refused: "
                )),
                "{error}"
            );
        }
        assert_eq!(
            frame_ancestor("http://cars.example.com"),
            Err(
                "--frame-ancestors (PORTAL_FRAME_ANCESTORS) entry \"http://cars.example.com\" \
                 refused: http is allowed for loopback hosts only (localhost, 127.0.0.1, [::1]): \
                 use https"
                    .to_string()
            )
        );
    }

    #[test]
    fn a_policy_with_a_bad_frame_ancestor_is_not_built() {
        let good = ["https://cars.example.com".to_string()];
        let csp = Csp::new(&good, None).unwrap();
        assert!(csp
            .header(false)
            .to_str()
            .unwrap()
            .ends_with("frame-ancestors 'self' https://cars.example.com"));
        // What used to become a header that failed to build, sent without any policy.
        let bad = ["https://cars.example.com\n".to_string()];
        let error = Csp::new(&bad, None).err().unwrap();
        assert!(error.contains(r#""https://cars.example.com\n""#), "{error}");
        let bad = [
            good[0].clone(),
            "https://a.example; frame-ancestors *".into(),
        ];
        assert!(Csp::new(&bad, None).is_err());
    }
}
