//! A minimal HTTP/1.1 client on std's `TcpStream` for the fuzz and soak runs: one request per
//! connection (`Connection: close`), JSON bodies, a DPoP proof from the caller's device key,
//! and just enough reading of the compact JSON envelope the server writes (no JSON library:
//! xtask's one dependency is `dpop-client`, since a proof needs real ECDSA).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use dpop_client::DeviceKey;

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

/// One request to `host:port`; `token` goes in `Authorization: Bearer`, `device` signs a
/// `DPoP` proof for this very request (bound to `token` by `ath`), `body` (JSON) makes it
/// carry `Content-Type: application/json`. `device` is `None` only for the few paths the
/// server serves without a proof (public config, OpenAPI document) or to see
/// a request without one refused.
pub fn request(
    bind: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    device: Option<&DeviceKey>,
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
        // The Host header is `bind`, so the proof names the URL the server sees.
        let proof = device.proof(method, &format!("http://{bind}{path}"), token, unix_now());
        head.push_str(&format!("DPoP: {proof}\r\n"));
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

/// Seconds since the epoch: a proof's `iat`, checked against the server's clock (same
/// machine, so no skew to allow for).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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

    /// The request head `request` sends, answered with an empty 200.
    fn head_sent(token: Option<&str>, device: Option<&DeviceKey>) -> (String, String) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let bind = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
            String::from_utf8(head).unwrap()
        });
        let path = "/api/v1/pims/authentication/account?type=isDeviceActivated";
        let reply = request(&bind, "GET", path, token, device, None).unwrap();
        assert_eq!(reply.status, 200);
        (bind, server.join().unwrap())
    }

    /// The claims of the proof in `head`'s `DPoP` header.
    fn proof_claims(head: &str) -> crate::json::Value {
        let proof = head
            .lines()
            .find_map(|line| line.strip_prefix("DPoP: "))
            .expect("a DPoP header");
        let claims = proof.split('.').nth(1).unwrap();
        crate::json::parse(&String::from_utf8(base64url_decode(claims)).unwrap()).unwrap()
    }

    fn base64url_decode(text: &str) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bits = 0u32;
        let mut count = 0;
        let mut out = Vec::new();
        for c in text.bytes() {
            bits = bits << 6 | ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
            }
        }
        out
    }

    #[test]
    fn a_request_carries_a_proof_for_its_url_bound_to_its_token() {
        let device = DeviceKey::generate();
        let (bind, head) = head_sent(Some("tok-1"), Some(&device));
        assert!(!head.contains("X-Device-Id"), "{head}");
        assert!(head.contains("Authorization: Bearer tok-1\r\n"), "{head}");
        let claims = proof_claims(&head);
        let text = |key: &str| claims.get(key).and_then(crate::json::Value::as_str);
        assert_eq!(text("htm"), Some("GET"));
        let htu = format!("http://{bind}/api/v1/pims/authentication/account");
        assert_eq!(text("htu"), Some(htu.as_str()));
        let ath = dpop_client::access_token_hash("tok-1");
        assert_eq!(text("ath"), Some(ath.as_str()));
        let iat = claims
            .get("iat")
            .and_then(crate::json::Value::as_f64)
            .unwrap();
        assert!((iat - unix_now() as f64).abs() <= 5.0);
    }

    #[test]
    fn without_a_token_the_proof_has_no_ath_and_without_a_device_no_proof() {
        let device = DeviceKey::generate();
        let (_, head) = head_sent(None, Some(&device));
        assert!(!head.contains("Authorization"), "{head}");
        assert!(proof_claims(&head).get("ath").is_none());
        let (_, head) = head_sent(Some("tok-1"), None);
        assert!(!head.contains("DPoP"), "{head}");
    }
}
