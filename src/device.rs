//! This browser's device key, and the DPoP proof (RFC 9449) it signs for every API call.
//!
//! The key is an ECDSA P-256 pair made by WebCrypto with `extractable: false` and kept in
//! IndexedDB, whose structured clone keeps it non-extractable: a script of this page can
//! sign with it, nothing can read it, so nothing the page stores is worth copying. The
//! device id is the public key's JWK thumbprint (RFC 7638), which the server computes from
//! the same key on each proof. There is deliberately no fallback: a browser without
//! WebCrypto or IndexedDB gets [`Unsupported`], never a weaker device.

use js_sys::{Array, Function, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const DATABASE: &str = "portal";
const STORE: &str = "keys";
const RECORD: &str = "device";

/// This browser cannot make or keep a device key: no WebCrypto (an insecure page), no
/// IndexedDB, or storage refused (some private windows). The screen says it in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported;

impl From<JsValue> for Unsupported {
    fn from(_: JsValue) -> Self {
        Unsupported
    }
}

#[derive(Clone)]
pub struct DeviceKey {
    /// The `CryptoKeyPair` as IndexedDB keeps it.
    pair: JsValue,
    /// Every proof's header (`typ`, `alg` and the public JWK), base64url-encoded once.
    header: String,
    pub thumbprint: String,
}

thread_local! {
    static KEY: std::cell::RefCell<Option<DeviceKey>> = const { std::cell::RefCell::new(None) };
}

// WebCrypto and IndexedDB are called by name through `Reflect` rather than through
// web-sys's typed bindings: the two dozen typed imports (and their JavaScript glue)
// cost ~1.5 KB gzip of every first visit, which the size budget does not have. What is
// called is the same standard API; `tests/web.rs` checks the result in the browser.

fn get(target: &JsValue, name: &str) -> Result<JsValue, Unsupported> {
    let value = Reflect::get(target, &JsValue::from_str(name))?;
    if value.is_undefined() || value.is_null() {
        return Err(Unsupported);
    }
    Ok(value)
}

/// `target.method(...args)`.
fn call(target: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, Unsupported> {
    let function: Function = get(target, method)?.unchecked_into();
    Ok(Reflect::apply(
        &function,
        target,
        &args.iter().copied().collect::<Array>(),
    )?)
}

/// `target.method(...args)`, awaited.
async fn call_async(
    target: &JsValue,
    method: &str,
    args: &[&JsValue],
) -> Result<JsValue, Unsupported> {
    Ok(JsFuture::from(Promise::from(call(target, method, args)?)).await?)
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or_default()
}

/// `window.crypto.subtle`, which exists only in secure contexts (https, or http on localhost).
fn subtle() -> Result<JsValue, Unsupported> {
    get(&get(&js_sys::global(), "crypto")?, "subtle")
}

/// This browser's key: loaded from IndexedDB, or made and stored on first use.
///
/// Calls racing on a first visit (or two tabs) need no lock: each may make a key, but
/// IndexedDB's `add` stores only the first, and every other reads that one back.
pub async fn key() -> Result<DeviceKey, Unsupported> {
    if let Some(key) = KEY.with(|k| k.borrow().clone()) {
        return Ok(key);
    }
    let key = load_or_create().await?;
    KEY.with(|k| *k.borrow_mut() = Some(key.clone()));
    Ok(key)
}

/// The key pair as IndexedDB keeps it (for tests that check what a script of the page can
/// and cannot do with it).
pub async fn stored_key_pair() -> Result<JsValue, Unsupported> {
    stored(&open_database().await?, "get", None).await
}

async fn load_or_create() -> Result<DeviceKey, Unsupported> {
    let subtle = subtle()?;
    let database = open_database().await?;
    let mut pair = stored(&database, "get", None).await?;
    if pair.is_undefined() {
        let fresh = call_async(
            &subtle,
            "generateKey",
            &[
                &json(r#"{"name":"ECDSA","namedCurve":"P-256"}"#),
                &JsValue::FALSE,
                &json(r#"["sign"]"#),
            ],
        )
        .await?;
        // `add` refuses to overwrite: when another tab stored its key first, this one's
        // is dropped and the stored one read back, so every tab signs with the same key.
        let _ = stored(&database, "add", Some(&fresh)).await;
        pair = stored(&database, "get", None).await?;
        if pair.is_undefined() {
            return Err(Unsupported);
        }
    }
    let jwk = call_async(
        &subtle,
        "exportKey",
        &[&"jwk".into(), &get(&pair, "publicKey")?],
    )
    .await?;
    let coordinate = |name: &str| {
        get(&jwk, name)?
            .as_string()
            .filter(|v| {
                v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .ok_or(Unsupported)
    };
    let jwk = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        coordinate("x")?,
        coordinate("y")?
    );
    let thumbprint = base64url(&digest(&subtle, jwk.as_bytes()).await?);
    Ok(DeviceKey {
        pair,
        header: base64url(format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{jwk}}}"#).as_bytes()),
        thumbprint,
    })
}

async fn open_database() -> Result<JsValue, Unsupported> {
    let request = call(
        &get(&js_sys::global(), "indexedDB")?,
        "open",
        &[&DATABASE.into(), &1.into()],
    )?;
    let upgrade = {
        let request = request.clone();
        Closure::once_into_js(move || {
            if let Ok(database) = get(&request, "result") {
                let _ = call(&database, "createObjectStore", &[&STORE.into()]);
            }
        })
    };
    Reflect::set(&request, &"onupgradeneeded".into(), &upgrade)?;
    settle(&request).await
}

/// `get` (or `add` of `value`) on the device's record, in a transaction of its own.
async fn stored(
    database: &JsValue,
    method: &str,
    value: Option<&JsValue>,
) -> Result<JsValue, Unsupported> {
    let mode = if value.is_some() {
        "readwrite"
    } else {
        "readonly"
    };
    let transaction = call(database, "transaction", &[&STORE.into(), &mode.into()])?;
    let store = call(&transaction, "objectStore", &[&STORE.into()])?;
    let record = JsValue::from_str(RECORD);
    let request = match value {
        Some(value) => call(&store, method, &[value, &record])?,
        None => call(&store, method, &[&record])?,
    };
    settle(&request).await
}

/// The result of an IndexedDB request, once it has one.
async fn settle(request: &JsValue) -> Result<JsValue, Unsupported> {
    let promise = Promise::new(&mut |resolve, reject| {
        let _ = Reflect::set(request, &"onsuccess".into(), &resolve);
        let _ = Reflect::set(request, &"onerror".into(), &reject);
    });
    match JsFuture::from(promise).await {
        Ok(_) => Ok(Reflect::get(request, &"result".into())?),
        Err(_) => Err(Reflect::get(request, &"error".into())?.into()),
    }
}

async fn digest(subtle: &JsValue, data: &[u8]) -> Result<Vec<u8>, Unsupported> {
    let hash = call_async(
        subtle,
        "digest",
        &[&"SHA-256".into(), &Uint8Array::from(data).into()],
    )
    .await?;
    Ok(Uint8Array::new(&hash).to_vec())
}

/// A DPoP proof for one request: `method` on `url` (absolute, without query), bound to
/// `access_token` (`ath`) when the request sends one.
pub async fn proof(
    method: &str,
    url: &str,
    access_token: Option<&str>,
) -> Result<String, Unsupported> {
    let key = key().await?;
    let subtle = subtle()?;
    // 122 random bits from the browser's CSPRNG, unique enough for the server's replay check.
    let jti = call(&get(&js_sys::global(), "crypto")?, "randomUUID", &[])?
        .as_string()
        .ok_or(Unsupported)?;
    let ath = match access_token {
        Some(token) => format!(
            r#","ath":"{}""#,
            base64url(&digest(&subtle, token.as_bytes()).await?)
        ),
        None => String::new(),
    };
    // Written out: every value is base64url, a method name, a number, or a URL made of
    // the page's origin and one of the API's own paths, none of which JSON must escape.
    let claims = format!(
        r#"{{"jti":"{jti}","htm":"{method}","htu":"{url}","iat":{}{ath}}}"#,
        (js_sys::Date::now() / 1000.0) as i64,
    );
    let signing_input = format!("{}.{}", key.header, base64url(claims.as_bytes()));
    // WebCrypto's ECDSA signature is r || s (IEEE P1363), which is what JWS's ES256 expects.
    let signature = call_async(
        &subtle,
        "sign",
        &[
            &json(r#"{"name":"ECDSA","hash":"SHA-256"}"#),
            &get(&key.pair, "privateKey")?,
            &Uint8Array::from(signing_input.as_bytes()).into(),
        ],
    )
    .await?;
    Ok(format!(
        "{signing_input}.{}",
        base64url(&Uint8Array::new(&signature).to_vec())
    ))
}

/// base64url without padding (RFC 7515 section 2). Written out rather than taken from the
/// `base64` crate: a dozen lines against ~2 KB gzip of a first visit, and it only encodes.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64url;

    #[test]
    fn base64url_matches_rfc_4648_without_padding() {
        // RFC 4648 section 10's vectors, in the URL alphabet and unpadded.
        for (input, expected) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), expected);
        }
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
    }
}
