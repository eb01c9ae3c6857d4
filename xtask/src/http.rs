//! A minimal HTTP/1.1 client on std's `TcpStream` for the fuzz and soak runs: one request per
//! connection (`Connection: close`), JSON bodies, and just enough reading of the compact JSON
//! envelope the server writes (no JSON library: xtask stays std-only).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// An answer: status code and body text.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// A SUCCEEDED envelope.
    pub fn succeeded(&self) -> bool {
        self.body.contains("\"status\":\"SUCCEEDED\"")
    }

    /// The `code` of a FAILED envelope's error.
    pub fn error_code(&self) -> Option<u32> {
        json_number(&self.body, "code")
    }
}

/// One request to `host:port`; `token` goes in `Authorization: Bearer`, `device` in
/// `X-Device-Id`, `body` (JSON) makes it carry `Content-Type: application/json`.
pub fn request(
    bind: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    device: Option<&str>,
    body: Option<&str>,
) -> io::Result<Reply> {
    let address = bind
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other(format!("{bind} resolves to nothing")))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {bind}\r\nAccept: application/json\r\n\
         User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0 Safari/537.36\r\n\
         Connection: close\r\n"
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(device) = device {
        head.push_str(&format!("X-Device-Id: {device}\r\n"));
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).ok_or_else(|| io::Error::other("not an HTTP answer"))
}

/// Status and body of a whole `Connection: close` response (plain or chunked body).
pub fn parse_response(raw: &[u8]) -> Option<Reply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = crate::server::parse_status_line(&head)?;
    let rest = &raw[split + 4..];
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Some(Reply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// The first string value of `"key":"..."` in compact JSON (escapes other than `\"` are left
/// as they are: the values read here are tokens, codes and enum names).
pub fn json_string(json: &str, key: &str) -> Option<String> {
    let marker = format!("\"{key}\":\"");
    let start = json.find(&marker)? + marker.len();
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
    None
}

/// The first number value of `"key":123` in compact JSON.
pub fn json_number(json: &str, key: &str) -> Option<u32> {
    let marker = format!("\"{key}\":");
    let start = json.find(&marker)? + marker.len();
    let digits: String = json[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The first boolean value of `"key":true|false` in compact JSON.
pub fn json_bool(json: &str, key: &str) -> Option<bool> {
    let marker = format!("\"{key}\":");
    let rest = &json[json.find(&marker)? + marker.len()..];
    if rest.starts_with("true") {
        Some(true)
    } else if rest.starts_with("false") {
        Some(false)
    } else {
        None
    }
}

/// A random-enough canonical UUID (v4 layout) for a device id: not a secret, only unique.
pub fn device_id(seed: u64) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let a = splitmix(nanos ^ seed.rotate_left(17) ^ u64::from(std::process::id()));
    let b = splitmix(a ^ seed);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_chunked_answers_are_read() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        let reply = parse_response(plain).unwrap();
        assert_eq!((reply.status, reply.body.as_str()), (200, "hello"));
        let chunked =
            b"HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let reply = parse_response(chunked).unwrap();
        assert_eq!((reply.status, reply.body.as_str()), (429, "abcde"));
        assert!(parse_response(b"garbage").is_none());
    }

    #[test]
    fn envelope_fields_are_found() {
        let body = r#"{"transactionId":"t","status":"FAILED","result":null,"error":{"code":2308,"label":"Wrong \"PIN\"","remainingAttempts":2}}"#;
        let reply = Reply {
            status: 422,
            body: body.into(),
        };
        assert!(!reply.succeeded());
        assert_eq!(reply.error_code(), Some(2308));
        assert_eq!(json_string(body, "label").as_deref(), Some("Wrong \"PIN\""));
        assert_eq!(json_number(body, "remainingAttempts"), Some(2));
        assert_eq!(
            json_bool(
                r#"{"result":{"isDeviceActivated":true}}"#,
                "isDeviceActivated"
            ),
            Some(true)
        );
    }

    #[test]
    fn device_ids_are_canonical_uuids_and_differ() {
        let a = device_id(1);
        let b = device_id(2);
        assert_ne!(a, b);
        for id in [a, b] {
            assert_eq!(id.len(), 36);
            assert!(id.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            }));
        }
    }
}
