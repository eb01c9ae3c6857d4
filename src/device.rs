//! This browser's device key, and the DPoP proof (RFC 9449) it signs for every API call.
//!
//! The key is an ECDSA P-256 pair made by WebCrypto with `extractable: false` and kept in
//! IndexedDB, whose structured clone keeps it non-extractable: a script of this page can
//! sign with it, nothing can read it, so nothing the page stores is worth copying. The
//! device id is the public key's JWK thumbprint (RFC 7638), which the server computes from
//! the same key on each proof. There is deliberately no fallback: a browser without
//! WebCrypto or IndexedDB gets [`Unsupported`], never a weaker device.

use std::rc::Rc;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, CryptoKeyPair, IdbDatabase, IdbRequest, IdbTransactionMode, SubtleCrypto};

const DATABASE: &str = "portal";
const STORE: &str = "keys";
const RECORD: &str = "device";

/// Why this browser cannot hold a device key (for the log; the screen says it in words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl From<JsValue> for Unsupported {
    fn from(error: JsValue) -> Self {
        Unsupported(crate::api::js_message(&error))
    }
}

#[derive(Clone)]
pub struct DeviceKey {
    private: CryptoKey,
    /// The public JWK exactly as RFC 7638 hashes it (required members, sorted, no
    /// whitespace); the proof header carries the same text.
    jwk: Rc<str>,
    pub thumbprint: Rc<str>,
}

thread_local! {
    static KEY: std::cell::RefCell<Option<DeviceKey>> = const { std::cell::RefCell::new(None) };
}

/// Whether the browser offers what a device key needs at all (checked before anything is
/// drawn, so the visitor sees why at once rather than at the first form).
pub fn is_supported() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let has = |target: &JsValue, name: &str| {
        Reflect::get(target, &JsValue::from_str(name)).is_ok_and(|v| !v.is_undefined() && !v.is_null())
    };
    // `crypto.subtle` exists only in secure contexts (https, or http on localhost).
    window.crypto().is_ok_and(|c| has(&c, "subtle")) && has(&window, "indexedDB")
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
pub async fn stored_key_pair() -> Result<Option<CryptoKeyPair>, Unsupported> {
    stored_pair(&open_database().await?).await
}

fn subtle() -> Result<SubtleCrypto, Unsupported> {
    let crypto = web_sys::window()
        .ok_or_else(|| Unsupported("no window".into()))?
        .crypto()?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle"))?;
    if subtle.is_undefined() {
        return Err(Unsupported("WebCrypto needs a secure context".into()));
    }
    Ok(subtle.unchecked_into())
}

async fn load_or_create() -> Result<DeviceKey, Unsupported> {
    let subtle = subtle()?;
    let database = open_database().await?;
    let pair = match stored_pair(&database).await? {
        Some(pair) => pair,
        None => {
            let fresh: CryptoKeyPair = JsFuture::from(subtle.generate_key_with_object(
                &web_sys::EcKeyGenParams::new("ECDSA", "P-256"),
                false,
                &Array::of1(&JsValue::from_str("sign")),
            )?)
            .await?
            .unchecked_into();
            // `add` refuses to overwrite: another tab that stored its key first wins,
            // and this one uses that key too.
            match settle(&store(&database, IdbTransactionMode::Readwrite)?.add_with_key(&fresh, &RECORD.into())?).await {
                Ok(_) => fresh,
                Err(_) => stored_pair(&database)
                    .await?
                    .ok_or_else(|| Unsupported("IndexedDB did not keep the key".into()))?,
            }
        }
    };
    let jwk = JsFuture::from(subtle.export_key("jwk", &pair.get_public_key())?).await?;
    let coordinate = |name: &str| {
        Reflect::get(&jwk, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
            .filter(|v| v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            .ok_or_else(|| Unsupported("the public key has no P-256 coordinates".into()))
    };
    let jwk = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        coordinate("x")?,
        coordinate("y")?
    );
    let thumbprint = base64url(&digest(&subtle, jwk.as_bytes()).await?);
    Ok(DeviceKey {
        private: pair.get_private_key(),
        jwk: jwk.into(),
        thumbprint: thumbprint.into(),
    })
}

async fn open_database() -> Result<IdbDatabase, Unsupported> {
    let factory = web_sys::window()
        .ok_or_else(|| Unsupported("no window".into()))?
        .indexed_db()?
        .ok_or_else(|| Unsupported("IndexedDB is not available".into()))?;
    let request = factory.open_with_u32(DATABASE, 1)?;
    let upgrade = {
        let request = request.clone();
        Closure::once_into_js(move || {
            if let Ok(database) = request.result() {
                let _ = database.unchecked_into::<IdbDatabase>().create_object_store(STORE);
            }
        })
    };
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    Ok(settle(&request).await?.unchecked_into())
}

fn store(
    database: &IdbDatabase,
    mode: IdbTransactionMode,
) -> Result<web_sys::IdbObjectStore, Unsupported> {
    Ok(database
        .transaction_with_str_and_mode(STORE, mode)?
        .object_store(STORE)?)
}

async fn stored_pair(database: &IdbDatabase) -> Result<Option<CryptoKeyPair>, Unsupported> {
    let value = settle(&store(database, IdbTransactionMode::Readonly)?.get(&RECORD.into())?).await?;
    Ok((!value.is_undefined()).then(|| value.unchecked_into()))
}

/// The result of an IndexedDB request, once it has one.
async fn settle(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(
            Closure::once_into_js(move || resolve.call0(&JsValue::NULL)).unchecked_ref(),
        ));
        request.set_onerror(Some(
            Closure::once_into_js(move |event: web_sys::Event| {
                // Handled here: the failure is the caller's answer, not an uncaught error.
                event.prevent_default();
                reject.call0(&JsValue::NULL)
            })
            .unchecked_ref(),
        ));
    });
    match JsFuture::from(promise).await {
        Ok(_) => request.result(),
        Err(_) => Err(request
            .error()
            .ok()
            .flatten()
            .map_or_else(|| JsValue::from_str("IndexedDB request failed"), JsValue::from)),
    }
}

async fn digest(subtle: &SubtleCrypto, data: &[u8]) -> Result<Vec<u8>, Unsupported> {
    let hash = JsFuture::from(subtle.digest_with_str_and_u8_array("SHA-256", data)?).await?;
    Ok(Uint8Array::new(&hash).to_vec())
}

/// A DPoP proof for one request: `method` on `url` (absolute, without query), bound to
/// `access_token` (`ath`) when the request sends one.
pub async fn proof(method: &str, url: &str, access_token: Option<&str>) -> Result<String, Unsupported> {
    let key = key().await?;
    let subtle = subtle()?;
    let mut jti = [0u8; 16];
    web_sys::window()
        .ok_or_else(|| Unsupported("no window".into()))?
        .crypto()?
        .get_random_values_with_u8_array(&mut jti)?;
    let ath = match access_token {
        Some(token) => format!(r#","ath":"{}""#, base64url(&digest(&subtle, token.as_bytes()).await?)),
        None => String::new(),
    };
    // Written out: every value is base64url, a method name, a number, or a URL made of
    // the page's origin and one of the API's own paths, none of which JSON must escape.
    let claims = format!(
        r#"{{"jti":"{}","htm":"{method}","htu":"{url}","iat":{}{ath}}}"#,
        base64url(&jti),
        (js_sys::Date::now() / 1000.0) as i64,
    );
    let header = format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{}}}"#, key.jwk);
    let signing_input = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(claims.as_bytes())
    );
    let algorithm = web_sys::EcdsaParams::new("ECDSA", &JsValue::from_str("SHA-256"));
    // WebCrypto's ECDSA signature is r || s (IEEE P1363), which is what JWS's ES256 expects.
    let signature = JsFuture::from(subtle.sign_with_object_and_u8_array(
        &algorithm,
        &key.private,
        signing_input.as_bytes(),
    )?)
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
