//! DPoP proofs (RFC 9449): a device proves, on every request, that it holds the
//! private key whose public half it sent, so a stolen session token is useless
//! on another device.
//!
//! Pure functions: the caller supplies the request, the clock and the nonce
//! check, and keeps the replay cache (`jti`) and any binding to the thumbprint.
//! Only ES256 is accepted: WebCrypto makes non-extractable P-256 keys, and a
//! single algorithm leaves no algorithm confusion to exploit.
//!
//! Checks run in a fixed order (structure, header, key, signature, claims), so
//! nothing read from the claims is trusted before the signature over them is.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::VerifyingKey;
use p256::{EncodedPoint, FieldBytes};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a verified proof tells the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedProof {
    /// RFC 7638 JWK thumbprint of the proof's public key (SHA-256, base64url without padding, 43 chars): the device id.
    pub thumbprint: String,
    /// The proof's `jti`, for the caller's replay cache.
    pub jti: String,
    /// The proof's `iat` (unix seconds).
    pub iat: i64,
    /// The public key as its canonical RFC 7638 JWK text
    /// (`{"crv":"P-256","kty":"EC","x":..,"y":..}`, the text the thumbprint hashes):
    /// what enrollment stores, so the account keeps the key and not only its hash.
    pub public_jwk: String,
}

/// Why a proof is refused (the server answers each with the same public error; this is for logs and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a compact JWS of two JSON objects, too long, or a required claim
    /// (`jti`, `iat`) missing or of the wrong type.
    Malformed,
    /// Not a DPoP proof signed with ES256 by an embedded key.
    Header,
    /// The embedded key is not a usable public P-256 key.
    Key,
    /// The signature was not made by the embedded key over this header and payload.
    Signature,
    /// Made for another HTTP method.
    Method,
    /// Made for another URL.
    Url,
    /// Too old or too far in the future to be this request's proof.
    Stale,
    /// Carries a nonce the server did not issue or no longer accepts.
    Nonce,
    /// Not bound to the access token the request carries.
    AccessTokenHash,
    /// Reserved for the caller's replay cache: `verify` itself never returns it.
    Jti,
}

/// What the request was: the proof must match it.
pub struct Expected<'a> {
    /// Compared case-sensitively to `htm`, as RFC 9110 method names are.
    pub method: &'a str,
    /// The scheme the client used (`http` or `https`): a proof for one is not
    /// valid for the other.
    pub scheme: &'a str,
    /// The Host header value, e.g. `127.0.0.1:8080`: the proof names the
    /// server it was made for.
    pub authority: &'a str,
    /// The request path without its query (RFC 9449 leaves query and fragment
    /// out of the comparison).
    pub path: &'a str,
    /// The bearer or cookie session token when the request carries one: an
    /// `ath` in the proof must then be this token's hash.
    pub access_token: Option<&'a str>,
    /// Whether the proof must carry `ath` when there is an access token. A
    /// client that holds its token (a bearer) can hash it; a page whose
    /// session is an HttpOnly cookie cannot read it, so there `ath` is optional.
    pub ath_required: bool,
    /// Unix seconds, injected so tests and the server share one clock.
    pub now: i64,
    /// Whether a `nonce` claim is one the server issued and still accepts:
    /// the server keeps that state, not this module.
    pub nonce_ok: &'a dyn Fn(&str) -> bool,
}

/// Far above a real proof (a few hundred bytes), so a huge one costs nothing to refuse.
pub const MAX_PROOF_LEN: usize = 4096;
/// How far `iat` may be from the server's clock without a server nonce: long
/// enough for clock skew, short enough that the replay cache stays small.
pub const IAT_WINDOW_SECONDS: i64 = 60;
/// With a server nonce the freshness comes from the nonce: `iat` only has to be sane.
const NONCE_IAT_WINDOW_SECONDS: i64 = 600;
/// Bounds what the replay cache stores per proof.
const MAX_JTI_CHARS: usize = 128;

/// Checks a `DPoP` header value against the request it came with.
pub fn verify(proof: &str, expected: &Expected<'_>) -> Result<VerifiedProof, Refusal> {
    let jws = Jws::parse(proof)?;
    let jwk = check_header(&jws.header)?;
    let key = ProofKey::from_jwk(jwk)?;
    check_signature(&key.point, jws.signing_input, &jws.signature)?;
    let (jti, iat) = check_claims(&jws.claims, expected)?;
    Ok(VerifiedProof {
        thumbprint: key.thumbprint,
        jti,
        iat,
        public_jwk: key.canonical_jwk,
    })
}

/// RFC 7638 thumbprint of a P-256 key: a device id that does not depend on how
/// the client ordered or decorated its JWK.
///
/// The hashed text is exactly `{"crv":"P-256","kty":"EC","x":"<x>","y":"<y>"}`
/// (required members only, in lexicographic order, no whitespace).
pub fn thumbprint(x_b64url: &str, y_b64url: &str) -> String {
    thumbprint_of_canonical(&canonical_jwk(x_b64url, y_b64url))
}

/// The required members of a P-256 JWK in RFC 7638 order, without whitespace.
pub fn canonical_jwk(x_b64url: &str, y_b64url: &str) -> String {
    // `Value`'s Display writes a JSON string, so a stray quote cannot change
    // the structure (base64url never contains one).
    format!(
        r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#,
        Value::from(x_b64url),
        Value::from(y_b64url)
    )
}

fn thumbprint_of_canonical(canonical: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The `ath` claim for `token` (RFC 9449 section 4.2): binds a proof to one
/// access token, so a proof seen alongside one token cannot be used with another.
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// A compact JWS split and decoded, nothing checked but its syntax.
struct Jws<'a> {
    /// `<header part>.<payload part>` as received: the bytes the signature covers.
    signing_input: &'a str,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    fn parse(proof: &'a str) -> Result<Jws<'a>, Refusal> {
        if proof.len() > MAX_PROOF_LEN {
            return Err(Refusal::Malformed);
        }
        let mut parts = proof.split('.');
        let (Some(header_part), Some(payload_part), Some(signature_part), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Refusal::Malformed);
        };
        Ok(Jws {
            signing_input: &proof[..header_part.len() + 1 + payload_part.len()],
            header: json_object(&decode_part(header_part)?)?,
            claims: json_object(&decode_part(payload_part)?)?,
            signature: decode_part(signature_part)?,
        })
    }
}

/// base64url without padding, and canonical (no stray trailing bits), so one
/// value has exactly one encoding.
fn decode_part(part: &str) -> Result<Vec<u8>, Refusal> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| Refusal::Malformed)
}

fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, Refusal> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(Refusal::Malformed),
    }
}

fn string_member<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v str> {
    object.get(name).and_then(Value::as_str)
}

/// Returns the embedded key, once the header says this is a DPoP proof the
/// server knows how to check.
fn check_header(header: &Map<String, Value>) -> Result<&Map<String, Value>, Refusal> {
    // `typ` keeps other JWTs the client signs (none today, but any tomorrow)
    // from being replayed as proofs.
    if string_member(header, "typ") != Some("dpop+jwt") {
        return Err(Refusal::Header);
    }
    // Exactly ES256: `none` and HMAC would let anyone forge a proof, and the
    // key below is only ever a P-256 key.
    if string_member(header, "alg") != Some("ES256") {
        return Err(Refusal::Header);
    }
    // RFC 7515 requires refusing critical extensions one does not understand;
    // we understand none.
    if header.contains_key("crit") {
        return Err(Refusal::Header);
    }
    match header.get("jwk") {
        Some(Value::Object(jwk)) => Ok(jwk),
        _ => Err(Refusal::Header),
    }
}

/// The proof's public key, and its thumbprint.
struct ProofKey {
    /// Uncompressed SEC1 point (`04 || x || y`), already checked to be on the curve.
    point: [u8; 65],
    thumbprint: String,
    canonical_jwk: String,
}

impl ProofKey {
    fn from_jwk(jwk: &Map<String, Value>) -> Result<ProofKey, Refusal> {
        // A client that sends its private key has leaked it: the key no longer
        // proves possession by one device (RFC 9449 section 4.3, check 7).
        if jwk.contains_key("d") {
            return Err(Refusal::Key);
        }
        if string_member(jwk, "kty") != Some("EC") || string_member(jwk, "crv") != Some("P-256") {
            return Err(Refusal::Key);
        }
        let x = coordinate(jwk, "x")?;
        let y = coordinate(jwk, "y")?;
        // Refuses coordinates outside the field and points off the curve, which
        // would otherwise invite invalid-curve attacks.
        let point = EncodedPoint::from_affine_coordinates(
            &FieldBytes::from(x),
            &FieldBytes::from(y),
            false,
        );
        VerifyingKey::from_encoded_point(&point).map_err(|_| Refusal::Key)?;
        let mut uncompressed = [4u8; 65];
        uncompressed[1..33].copy_from_slice(&x);
        uncompressed[33..].copy_from_slice(&y);
        // Re-encoded from the bytes: the device id of a key never depends on
        // the text that carried it.
        let canonical_jwk = canonical_jwk(&URL_SAFE_NO_PAD.encode(x), &URL_SAFE_NO_PAD.encode(y));
        Ok(ProofKey {
            point: uncompressed,
            thumbprint: thumbprint_of_canonical(&canonical_jwk),
            canonical_jwk,
        })
    }
}

/// A P-256 coordinate: 32 big-endian bytes, as RFC 7518 section 6.2.1.2 requires
/// (no shorter form without leading zeros).
fn coordinate(jwk: &Map<String, Value>, name: &str) -> Result<[u8; 32], Refusal> {
    let text = string_member(jwk, name).ok_or(Refusal::Key)?;
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| Refusal::Key)?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| Refusal::Key)
}

fn check_signature(point: &[u8; 65], signing_input: &str, signature: &[u8]) -> Result<(), Refusal> {
    // JWS (RFC 7518 section 3.4) and WebCrypto both write r || s, 32 bytes each, not DER:
    // ring's FIXED encoding. WebCrypto may produce either of the two valid `s` (s and
    // n - s); ECDSA accepts both, and so does ring. ring rather than p256 for the check
    // itself: every API request runs it, and ring's assembly field arithmetic makes it
    // several times cheaper (`cargo xtask bench server` reports the cost per proof).
    if signature.len() != 64 {
        return Err(Refusal::Signature);
    }
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(signing_input.as_bytes(), signature)
        .map_err(|_| Refusal::Signature)
}

/// Returns `jti` and `iat` once the signed claims match the request.
fn check_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<(String, i64), Refusal> {
    let jti = match string_member(claims, "jti") {
        Some(jti) if (1..=MAX_JTI_CHARS).contains(&jti.chars().count()) => jti.to_owned(),
        _ => return Err(Refusal::Malformed),
    };
    if string_member(claims, "htm") != Some(expected.method) {
        return Err(Refusal::Method);
    }
    let htu = string_member(claims, "htu").ok_or(Refusal::Url)?;
    if !htu_matches(htu, expected) {
        return Err(Refusal::Url);
    }
    // An integer: a fraction or a string is not the NumericDate the client meant.
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or(Refusal::Malformed)?;
    let window = match claims.get("nonce") {
        None => IAT_WINDOW_SECONDS,
        Some(Value::String(nonce)) if (expected.nonce_ok)(nonce) => NONCE_IAT_WINDOW_SECONDS,
        Some(_) => return Err(Refusal::Nonce),
    };
    // abs_diff: an extreme `iat` cannot overflow.
    if iat.abs_diff(expected.now) > window.unsigned_abs() {
        return Err(Refusal::Stale);
    }
    if let Some(token) = expected.access_token {
        match string_member(claims, "ath") {
            Some(ath) => {
                let want = access_token_hash(token);
                if !bool::from(ath.as_bytes().ct_eq(want.as_bytes())) {
                    return Err(Refusal::AccessTokenHash);
                }
            }
            // Not a string, or absent where it is required.
            None if expected.ath_required || claims.contains_key("ath") => {
                return Err(Refusal::AccessTokenHash)
            }
            None => {}
        }
    }
    Ok((jti, iat))
}

/// RFC 9449 section 4.3 compares `htu` without query and fragment; scheme and
/// host are case-insensitive (RFC 3986 section 6.2.2.1), the path is not.
fn htu_matches(htu: &str, expected: &Expected<'_>) -> bool {
    match split_htu(htu) {
        Some((scheme, authority, path)) => {
            scheme.eq_ignore_ascii_case(expected.scheme)
                && authority.eq_ignore_ascii_case(expected.authority)
                && path == expected.path
        }
        None => false,
    }
}

/// Splits `scheme://authority/path` (query and fragment dropped), or `None`
/// for anything else. Deliberately narrow: an absolute http(s) URL is all a
/// client has reason to send, and every oddity refused here is one a
/// different parser elsewhere cannot read differently.
fn split_htu(htu: &str) -> Option<(&str, &str, &str)> {
    if htu.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (scheme, rest) = htu.split_once("://")?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return None;
    }
    let rest = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    // An empty path is "/" for http(s) (RFC 3986 section 6.2.3).
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, "/"),
    };
    // Userinfo has no place in a request URL, and `user@host` is a classic way
    // to make one parser see another host than the next.
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((scheme, authority, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};
    use p256::elliptic_curve::scalar::IsHigh;
    use rand::rngs::OsRng;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;
    const HTU: &str = "https://portal.example:8443/api/v1/session";
    const TOKEN: &str = "session-token-0123456789";

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn no_nonce(_: &str) -> bool {
        false
    }

    /// The request every draft proof is made for.
    fn expected() -> Expected<'static> {
        Expected {
            method: "POST",
            scheme: "https",
            authority: "portal.example:8443",
            path: "/api/v1/session",
            access_token: None,
            ath_required: true,
            now: NOW,
            nonce_ok: &no_nonce,
        }
    }

    fn public_jwk(key: &SigningKey) -> Value {
        let point = key.verifying_key().to_encoded_point(false);
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": b64(point.x().unwrap()),
            "y": b64(point.y().unwrap()),
        })
    }

    /// A valid proof for `expected()` whose parts a test changes before signing.
    struct Draft {
        key: SigningKey,
        header: Value,
        claims: Value,
    }

    impl Draft {
        fn new() -> Draft {
            let key = SigningKey::random(&mut OsRng);
            Draft {
                header: json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(&key) }),
                claims: json!({ "jti": "e1j3V_bKic8-LAEB", "htm": "POST", "htu": HTU, "iat": NOW }),
                key,
            }
        }

        fn jwk(&mut self) -> &mut Value {
            &mut self.header["jwk"]
        }

        fn signing_input(&self) -> String {
            format!(
                "{}.{}",
                b64(self.header.to_string()),
                b64(self.claims.to_string())
            )
        }

        fn signature_by(&self, key: &SigningKey) -> Signature {
            key.sign(self.signing_input().as_bytes())
        }

        fn with_signature(&self, signature: &[u8]) -> String {
            format!("{}.{}", self.signing_input(), b64(signature))
        }

        fn sign(&self) -> String {
            self.sign_by(&self.key)
        }

        fn sign_by(&self, key: &SigningKey) -> String {
            self.with_signature(&self.signature_by(key).to_bytes())
        }

        fn thumbprint(&self) -> String {
            let jwk = &self.header["jwk"];
            thumbprint(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
        }
    }

    fn draft_with(change: impl FnOnce(&mut Draft)) -> Draft {
        let mut draft = Draft::new();
        change(&mut draft);
        draft
    }

    fn refusal(proof: &str, expected: &Expected<'_>) -> Refusal {
        verify(proof, expected).expect_err("the proof should be refused")
    }

    // RFC 9449 Figure 2's proof (line breaks removed) and the thumbprint
    // Figure 9 publishes for its key: made by another implementation.
    const RFC_PROOF: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
    const RFC_X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
    const RFC_Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";
    const RFC_JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

    #[test]
    fn a_valid_proof_verifies() {
        let draft = Draft::new();
        let verified = verify(&draft.sign(), &expected()).unwrap();
        assert_eq!(
            verified,
            VerifiedProof {
                thumbprint: draft.thumbprint(),
                jti: "e1j3V_bKic8-LAEB".into(),
                iat: NOW,
                public_jwk: canonical_jwk(
                    draft.header["jwk"]["x"].as_str().unwrap(),
                    draft.header["jwk"]["y"].as_str().unwrap()
                ),
            }
        );
        assert_eq!(verified.thumbprint.len(), 43);
    }

    #[test]
    fn the_rfc_9449_example_proof_verifies_with_its_published_thumbprint() {
        let expected = Expected {
            authority: "server.example.com",
            path: "/token",
            now: 1_562_262_616,
            ..expected()
        };
        let verified = verify(RFC_PROOF, &expected).unwrap();
        assert_eq!(verified.thumbprint, RFC_JKT);
        assert_eq!(verified.jti, "-BwC3ESc6acc2lTc");
        assert_eq!(verified.iat, 1_562_262_616);
    }

    #[test]
    fn thumbprint_hashes_the_canonical_jwk() {
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{RFC_X}","y":"{RFC_Y}"}}"#);
        let by_hand = b64(Sha256::digest(canonical.as_bytes()));
        assert_eq!(thumbprint(RFC_X, RFC_Y), by_hand);
        assert_eq!(by_hand, RFC_JKT);
        assert_ne!(thumbprint(RFC_Y, RFC_X), RFC_JKT);
    }

    #[test]
    fn thumbprint_ignores_member_order_and_other_members() {
        let draft = Draft::new();
        let (x, y) = (
            draft.header["jwk"]["x"].as_str().unwrap(),
            draft.header["jwk"]["y"].as_str().unwrap(),
        );
        // Written by hand: serde_json would sort the members.
        let header = format!(
            r#"{{"jwk":{{"y":"{y}","use":"sig","x":"{x}","kid":"k1","crv":"P-256","kty":"EC"}},"alg":"ES256","typ":"dpop+jwt"}}"#
        );
        let input = format!("{}.{}", b64(&header), b64(draft.claims.to_string()));
        let signature: Signature = draft.key.sign(input.as_bytes());
        let proof = format!("{input}.{}", b64(signature.to_bytes()));
        let verified = verify(&proof, &expected()).unwrap();
        assert_eq!(verified.thumbprint, thumbprint(x, y));
        assert_eq!(verified.thumbprint, draft.thumbprint());
    }

    #[test]
    fn ath_matches_the_rfc_9449_example() {
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn another_method_is_refused() {
        for htm in ["GET", "post", ""] {
            let draft = draft_with(|d| d.claims["htm"] = json!(htm));
            assert_eq!(
                refusal(&draft.sign(), &expected()),
                Refusal::Method,
                "{htm}"
            );
        }
        let draft = draft_with(|d| {
            d.claims.as_object_mut().unwrap().remove("htm");
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Method);
    }

    #[test]
    fn another_path_is_refused() {
        for htu in [
            "https://portal.example:8443/api/v1/session/other",
            "https://portal.example:8443/api/v1/session/",
            "https://portal.example:8443/API/v1/session",
            "https://portal.example:8443/api/v1/sessio",
            "https://portal.example:8443",
            "https://portal.example:8443?next=/api/v1/session",
        ] {
            let draft = draft_with(|d| d.claims["htu"] = json!(htu));
            assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Url, "{htu}");
        }
    }

    #[test]
    fn another_host_or_scheme_is_refused() {
        for htu in [
            "https://evil.example:8443/api/v1/session",
            "https://portal.example/api/v1/session",
            "https://portal.example:8444/api/v1/session",
            "http://portal.example:8443/api/v1/session",
            "wss://portal.example:8443/api/v1/session",
        ] {
            let draft = draft_with(|d| d.claims["htu"] = json!(htu));
            assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Url, "{htu}");
        }
    }

    #[test]
    fn an_htu_that_is_not_an_absolute_url_is_refused() {
        for htu in [
            json!("/api/v1/session"),
            json!("portal.example:8443/api/v1/session"),
            json!("https:///api/v1/session"),
            json!("https://user@portal.example:8443/api/v1/session"),
            json!("https://portal.example:8443/api/v1/session "),
            json!(["https://portal.example:8443/api/v1/session"]),
            Value::Null,
        ] {
            let draft = draft_with(|d| d.claims["htu"] = htu.clone());
            assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Url, "{htu}");
        }
        let draft = draft_with(|d| {
            d.claims.as_object_mut().unwrap().remove("htu");
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Url);
    }

    #[test]
    fn split_htu_refuses_userinfo_and_whitespace() {
        assert_eq!(split_htu("https://h:1/p?q#f"), Some(("https", "h:1", "/p")));
        assert_eq!(split_htu("https://h#f/x"), Some(("https", "h", "/")));
        assert_eq!(
            split_htu("https://[::1]:8080/p"),
            Some(("https", "[::1]:8080", "/p"))
        );
        for htu in [
            "https://user@h/p",
            "https://user:pass@h/p",
            "https://h/p q",
            "https://h/p\t",
            " https://h/p",
            "https://h/p\n",
            "https://h/p\u{a0}",
            "https://",
            "https:/h/p",
            "://h/p",
            "1https://h/p",
            "ht tps://h/p",
        ] {
            assert_eq!(split_htu(htu), None, "{htu:?}");
        }
    }

    #[test]
    fn query_and_fragment_are_ignored_and_host_and_scheme_case_too() {
        for htu in [
            "https://portal.example:8443/api/v1/session?a=b",
            "https://portal.example:8443/api/v1/session?next=/other",
            "https://portal.example:8443/api/v1/session#top",
            "https://portal.example:8443/api/v1/session?a=b#top",
            "HTTPS://Portal.Example:8443/api/v1/session",
        ] {
            let draft = draft_with(|d| d.claims["htu"] = json!(htu));
            assert!(verify(&draft.sign(), &expected()).is_ok(), "{htu}");
        }
    }

    #[test]
    fn iat_must_be_within_a_minute() {
        for (offset, ok) in [
            (-61, false),
            (-60, true),
            (-59, true),
            (59, true),
            (60, true),
            (61, false),
        ] {
            let draft = draft_with(|d| d.claims["iat"] = json!(NOW + offset));
            let result = verify(&draft.sign(), &expected());
            if ok {
                assert_eq!(result.unwrap().iat, NOW + offset);
            } else {
                assert_eq!(result, Err(Refusal::Stale), "{offset}");
            }
        }
    }

    #[test]
    fn iat_must_be_an_integer() {
        for iat in [
            json!(NOW as f64 + 0.5),
            json!(NOW.to_string()),
            json!(u64::MAX),
            Value::Null,
        ] {
            let draft = draft_with(|d| d.claims["iat"] = iat.clone());
            assert_eq!(
                refusal(&draft.sign(), &expected()),
                Refusal::Malformed,
                "{iat}"
            );
        }
        let draft = draft_with(|d| {
            d.claims.as_object_mut().unwrap().remove("iat");
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Malformed);
        // Far from `now` without overflowing.
        let draft = draft_with(|d| d.claims["iat"] = json!(i64::MIN));
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Stale);
    }

    #[test]
    fn a_nonce_the_server_accepts_widens_the_iat_window() {
        let issued = |nonce: &str| nonce == "server-nonce-1";
        let with_nonce = Expected {
            nonce_ok: &issued,
            ..expected()
        };
        let old = |nonce: &str, age: i64| {
            draft_with(|d| {
                d.claims["nonce"] = json!(nonce);
                d.claims["iat"] = json!(NOW - age);
            })
            .sign()
        };
        assert_eq!(
            verify(&old("server-nonce-1", 300), &with_nonce)
                .unwrap()
                .iat,
            NOW - 300
        );
        assert_eq!(
            refusal(&old("server-nonce-2", 300), &with_nonce),
            Refusal::Nonce
        );
        assert_eq!(
            refusal(&old("server-nonce-2", 0), &with_nonce),
            Refusal::Nonce
        );
        assert_eq!(
            refusal(&old("server-nonce-1", 0), &expected()),
            Refusal::Nonce
        );
        assert_eq!(
            refusal(&old("server-nonce-1", 601), &with_nonce),
            Refusal::Stale
        );
        assert_eq!(
            refusal(&old("server-nonce-1", -601), &with_nonce),
            Refusal::Stale
        );
        // Without a nonce the narrow window still holds.
        let draft = draft_with(|d| d.claims["iat"] = json!(NOW - 300));
        assert_eq!(refusal(&draft.sign(), &with_nonce), Refusal::Stale);
        let draft = draft_with(|d| d.claims["nonce"] = json!(1));
        assert_eq!(refusal(&draft.sign(), &with_nonce), Refusal::Nonce);
    }

    #[test]
    fn jti_must_be_a_short_nonempty_string() {
        let long = "é".repeat(128);
        let draft = draft_with(|d| d.claims["jti"] = json!(long));
        assert_eq!(verify(&draft.sign(), &expected()).unwrap().jti, long);
        for jti in [json!(""), json!("a".repeat(129)), json!(7), Value::Null] {
            let draft = draft_with(|d| d.claims["jti"] = jti.clone());
            assert_eq!(
                refusal(&draft.sign(), &expected()),
                Refusal::Malformed,
                "{jti}"
            );
        }
        let draft = draft_with(|d| {
            d.claims.as_object_mut().unwrap().remove("jti");
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Malformed);
    }

    #[test]
    fn alg_none_with_an_empty_signature_is_refused() {
        let draft = draft_with(|d| d.header["alg"] = json!("none"));
        let proof = draft.with_signature(&[]);
        assert!(proof.ends_with('.'));
        assert_eq!(refusal(&proof, &expected()), Refusal::Header);
    }

    #[test]
    fn alg_hs256_keyed_with_the_public_key_is_refused() {
        let draft = draft_with(|d| d.header["alg"] = json!("HS256"));
        let x = draft.header["jwk"]["x"].as_str().unwrap().to_owned();
        // The classic confusion: the "secret" is public, as the decoded
        // coordinate or as its text.
        for secret in [URL_SAFE_NO_PAD.decode(&x).unwrap(), x.into_bytes()] {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&secret).unwrap();
            mac.update(draft.signing_input().as_bytes());
            let proof = draft.with_signature(&mac.finalize().into_bytes());
            assert_eq!(refusal(&proof, &expected()), Refusal::Header);
        }
    }

    #[test]
    fn any_alg_but_es256_is_refused_even_when_signed_with_es256() {
        for alg in [
            json!("RS256"),
            json!("ES384"),
            json!("es256"),
            json!("ES256K"),
            Value::Null,
        ] {
            let draft = draft_with(|d| d.header["alg"] = alg.clone());
            assert_eq!(
                refusal(&draft.sign(), &expected()),
                Refusal::Header,
                "{alg}"
            );
        }
    }

    #[test]
    fn typ_must_be_dpop_jwt() {
        for typ in [
            json!("JWT"),
            json!("DPoP+JWT"),
            json!("application/dpop+jwt"),
            Value::Null,
        ] {
            let draft = draft_with(|d| d.header["typ"] = typ.clone());
            assert_eq!(
                refusal(&draft.sign(), &expected()),
                Refusal::Header,
                "{typ}"
            );
        }
        let draft = draft_with(|d| {
            d.header.as_object_mut().unwrap().remove("typ");
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Header);
    }

    #[test]
    fn crit_and_a_missing_or_non_object_jwk_are_refused() {
        let draft = draft_with(|d| d.header["crit"] = json!([]));
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Header);
        let draft = draft_with(|d| {
            let jwk = d.jwk().to_string();
            d.header["jwk"] = json!(jwk);
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Header);
        let draft = draft_with(|d| {
            d.header.as_object_mut().unwrap().remove("jwk");
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Header);
    }

    #[test]
    fn a_jwk_carrying_the_private_key_is_refused() {
        let draft = draft_with(|d| {
            let d_member = b64(d.key.to_bytes());
            d.jwk()["d"] = json!(d_member);
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Key);
    }

    #[test]
    fn a_jwk_of_another_curve_or_type_is_refused() {
        for (member, value) in [
            ("crv", json!("P-384")),
            ("crv", Value::Null),
            ("kty", json!("RSA")),
            ("kty", json!("OKP")),
            ("kty", Value::Null),
        ] {
            let draft = draft_with(|d| d.jwk()[member] = value.clone());
            assert_eq!(
                refusal(&draft.sign(), &expected()),
                Refusal::Key,
                "{member} {value}"
            );
        }
    }

    #[test]
    fn coordinates_must_be_32_bytes_of_canonical_base64url() {
        let mut draft = Draft::new();
        let x = URL_SAFE_NO_PAD
            .decode(draft.header["jwk"]["x"].as_str().unwrap())
            .unwrap();
        let mut x33 = vec![0];
        x33.extend_from_slice(&x);
        // The 43rd character carries 4 bits of x and 2 bits that must be zero:
        // setting one would give the same key a second spelling.
        let canonical = b64(&x);
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = alphabet.find(canonical.chars().last().unwrap()).unwrap();
        let non_canonical = format!("{}{}", &canonical[..42], &alphabet[(last ^ 1)..=(last ^ 1)]);
        for bad in [
            json!(non_canonical),
            json!(b64(&x[1..])),
            json!(b64(&x33)),
            json!(format!("{}=", b64(&x))),
            json!(base64::engine::general_purpose::STANDARD.encode(&x)),
            json!(7),
            Value::Null,
        ] {
            draft.jwk()["x"] = bad.clone();
            assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Key, "{bad}");
        }
    }

    #[test]
    fn a_point_off_the_curve_is_refused() {
        let draft = draft_with(|d| {
            let mut y = URL_SAFE_NO_PAD
                .decode(d.header["jwk"]["y"].as_str().unwrap())
                .unwrap();
            y[31] ^= 1;
            d.jwk()["y"] = json!(b64(&y));
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Key);
        // x beyond the field's prime.
        let draft = draft_with(|d| d.jwk()["x"] = json!(b64([0xff; 32])));
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Key);
    }

    #[test]
    fn malformed_compact_serialisations_are_refused() {
        let draft = Draft::new();
        let proof = draft.sign();
        let parts: Vec<&str> = proof.split('.').collect();
        let padded = base64::engine::general_purpose::URL_SAFE
            .encode(draft.signature_by(&draft.key).to_bytes());
        assert!(padded.ends_with('='));
        for bad in [
            String::new(),
            format!("{}.{}", parts[0], parts[1]),
            format!("{proof}.{}", parts[2]),
            format!("{proof}."),
            format!("{}.{}.{padded}", parts[0], parts[1]),
            format!("{}.{}=.{}", parts[0], parts[1], parts[2]),
            format!("+{proof}"),
            format!("{}.{}.{}", b64("not json"), parts[1], parts[2]),
            format!("{}.{}.{}", b64("[1]"), parts[1], parts[2]),
            format!("{}.{}.{}", parts[0], b64(r#""claims""#), parts[2]),
            format!("{}..{}", parts[0], parts[2]),
        ] {
            assert_eq!(refusal(&bad, &expected()), Refusal::Malformed, "{bad}");
        }
    }

    #[test]
    fn a_proof_longer_than_the_limit_is_refused() {
        // The longest valid proof within the limit passes; one more pad byte
        // makes it too long.
        let padded = |len: usize| draft_with(|d| d.claims["pad"] = json!("a".repeat(len)));
        let mut len = 2_500;
        while padded(len + 1).sign().len() <= MAX_PROOF_LEN {
            len += 1;
        }
        let within = padded(len).sign();
        let beyond = padded(len + 1).sign();
        assert!(within.len() >= MAX_PROOF_LEN - 1 && within.len() <= MAX_PROOF_LEN);
        assert!(beyond.len() > MAX_PROOF_LEN);
        assert!(verify(&within, &expected()).is_ok());
        assert_eq!(refusal(&beyond, &expected()), Refusal::Malformed);
    }

    #[test]
    fn a_signature_by_another_key_is_refused() {
        let draft = Draft::new();
        let other = SigningKey::random(&mut OsRng);
        assert_eq!(
            refusal(&draft.sign_by(&other), &expected()),
            Refusal::Signature
        );
    }

    #[test]
    fn a_tampered_proof_is_refused() {
        let draft = Draft::new();
        let proof = draft.sign();
        let parts: Vec<&str> = proof.split('.').collect();
        // Another (valid-looking) payload under the original signature.
        let mut claims = draft.claims.clone();
        claims["jti"] = json!("another-jti");
        let tampered = format!("{}.{}.{}", parts[0], b64(claims.to_string()), parts[2]);
        assert_eq!(refusal(&tampered, &expected()), Refusal::Signature);
        // A changed signature byte.
        let mut signature = draft.signature_by(&draft.key).to_bytes().to_vec();
        signature[40] ^= 0x01;
        assert_eq!(
            refusal(&draft.with_signature(&signature), &expected()),
            Refusal::Signature
        );
    }

    #[test]
    fn a_signature_of_the_wrong_shape_is_refused() {
        let draft = Draft::new();
        let signature = draft.signature_by(&draft.key).to_bytes();
        for bad in [
            signature[..63].to_vec(),
            [&signature[..], &[0]].concat(),
            vec![0; 64],
            vec![0xff; 64],
            Vec::new(),
        ] {
            assert_eq!(
                refusal(&draft.with_signature(&bad), &expected()),
                Refusal::Signature,
                "{} bytes",
                bad.len()
            );
        }
    }

    #[test]
    fn a_high_s_signature_is_accepted() {
        let draft = Draft::new();
        let signature = draft.signature_by(&draft.key);
        let low = signature.normalize_s().unwrap_or(signature);
        let (r, s) = low.split_scalars();
        let high = Signature::from_scalars(r, -*s).unwrap();
        assert!(!bool::from(low.s().is_high()));
        assert!(bool::from(high.s().is_high()));
        assert_ne!(low.to_bytes(), high.to_bytes());
        for signature in [low, high] {
            let proof = draft.with_signature(&signature.to_bytes());
            assert!(verify(&proof, &expected()).is_ok());
        }
    }

    #[test]
    fn ath_must_bind_the_access_token_when_there_is_one() {
        let with_token = Expected {
            access_token: Some(TOKEN),
            ..expected()
        };
        let draft = draft_with(|d| d.claims["ath"] = json!(access_token_hash(TOKEN)));
        assert!(verify(&draft.sign(), &with_token).is_ok());

        let missing = Draft::new();
        assert_eq!(
            refusal(&missing.sign(), &with_token),
            Refusal::AccessTokenHash
        );
        for ath in [
            json!(access_token_hash("another-token")),
            json!(access_token_hash(TOKEN).to_uppercase()),
            json!(&access_token_hash(TOKEN)[..42]),
            json!(""),
            json!(1),
        ] {
            let draft = draft_with(|d| d.claims["ath"] = ath.clone());
            assert_eq!(
                refusal(&draft.sign(), &with_token),
                Refusal::AccessTokenHash,
                "{ath}"
            );
        }
    }

    #[test]
    fn ath_may_be_left_out_for_a_cookie_but_must_match_when_sent() {
        let cookie = Expected {
            access_token: Some(TOKEN),
            ath_required: false,
            ..expected()
        };
        assert!(verify(&Draft::new().sign(), &cookie).is_ok());
        let right = draft_with(|d| d.claims["ath"] = json!(access_token_hash(TOKEN)));
        assert!(verify(&right.sign(), &cookie).is_ok());
        for ath in [json!(access_token_hash("another-token")), json!(1)] {
            let draft = draft_with(|d| d.claims["ath"] = ath.clone());
            assert_eq!(
                refusal(&draft.sign(), &cookie),
                Refusal::AccessTokenHash,
                "{ath}"
            );
        }
    }

    #[test]
    fn the_verified_proof_carries_the_canonical_jwk_its_thumbprint_hashes() {
        let draft = Draft::new();
        let verified = verify(&draft.sign(), &expected()).unwrap();
        let jwk: Value = serde_json::from_str(&verified.public_jwk).unwrap();
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["x"], draft.header["jwk"]["x"]);
        assert_eq!(jwk["y"], draft.header["jwk"]["y"]);
        assert!(jwk.get("d").is_none());
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(verified.public_jwk.as_bytes())),
            verified.thumbprint
        );
    }

    #[test]
    fn ath_is_ignored_without_an_access_token() {
        let draft = draft_with(|d| d.claims["ath"] = json!(access_token_hash("any")));
        assert!(verify(&draft.sign(), &expected()).is_ok());
    }

    #[test]
    fn checks_run_in_order_so_unsigned_claims_decide_nothing() {
        // Bad header and bad key: the header is reported.
        let draft = draft_with(|d| {
            d.header["typ"] = json!("JWT");
            d.jwk()["crv"] = json!("P-384");
        });
        assert_eq!(refusal(&draft.sign(), &expected()), Refusal::Header);
        // Bad key and bad signature: the key.
        let draft = draft_with(|d| d.jwk()["kty"] = json!("RSA"));
        assert_eq!(
            refusal(&draft.with_signature(&[0; 64]), &expected()),
            Refusal::Key
        );
        // Bad signature over claims that would also fail: the signature.
        let draft = draft_with(|d| {
            d.claims["htm"] = json!("GET");
            d.claims["iat"] = json!(0);
        });
        let other = SigningKey::random(&mut OsRng);
        assert_eq!(
            refusal(&draft.sign_by(&other), &expected()),
            Refusal::Signature
        );
    }
}
