//! DPoP proofs (RFC 9449) made the way the portal makes them in the browser, for
//! the Rust clients of the API: the server's integration tests and xtask's load,
//! soak, fuzz and smoke clients.
//!
//! A `DeviceKey` is a device: its RFC 7638 thumbprint is the device id the
//! server binds sessions and enrolments to, and every API request carries a
//! fresh proof signed by it. The private key never leaves the value, as in the
//! browser where the key is not extractable.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand::rngs::OsRng;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A P-256 key pair that signs DPoP proofs: one per simulated device.
#[derive(Clone)]
pub struct DeviceKey {
    signing: SigningKey,
}

impl DeviceKey {
    /// A new key from the operating system's generator: a key that anyone could
    /// predict would let them act as the device.
    pub fn generate() -> Self {
        DeviceKey {
            signing: SigningKey::random(&mut OsRng),
        }
    }

    /// The RFC 7638 SHA-256 thumbprint (base64url, 43 characters): the device id.
    pub fn thumbprint(&self) -> String {
        let (x, y) = self.coordinates();
        thumbprint(&x, &y)
    }

    /// The public key as the proof header's `jwk` carries it:
    /// `{"crv":"P-256","kty":"EC","x":..,"y":..}`.
    pub fn public_jwk(&self) -> Value {
        let (x, y) = self.coordinates();
        json!({ "crv": "P-256", "kty": "EC", "x": x, "y": y })
    }

    /// A proof for `method` `url` (absolute `http://host:port/path`, query ignored),
    /// `iat` given, random `jti`, `ath` when `access_token` is Some.
    pub fn proof(&self, method: &str, url: &str, access_token: Option<&str>, iat: i64) -> String {
        let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": self.public_jwk() });
        let mut claims = json!({
            "jti": random_jti(),
            "htm": method,
            "htu": htu(url),
            "iat": iat,
        });
        if let Some(token) = access_token {
            claims["ath"] = Value::from(access_token_hash(token));
        }
        self.sign_raw(&header, &claims)
    }

    /// Signs arbitrary header and claims (JSON values) as a compact JWS with this key,
    /// for negative tests (alg none, wrong typ, private key in jwk, ...).
    pub fn sign_raw(&self, header: &Value, claims: &Value) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        // ES256 in a JWS is r || s (64 bytes), not DER (RFC 7518 section 3.4).
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }

    /// The public point's coordinates, base64url of 32 bytes each (RFC 7518
    /// section 6.2.1.2 wants the full length, leading zeros included).
    fn coordinates(&self) -> (String, String) {
        let point = self.signing.verifying_key().to_encoded_point(false);
        let x = point.x().expect("an uncompressed point has x");
        let y = point.y().expect("an uncompressed point has y");
        (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y))
    }
}

impl std::fmt::Debug for DeviceKey {
    // The thumbprint only: a key printed in a test log is a key leaked.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("thumbprint", &self.thumbprint())
            .finish_non_exhaustive()
    }
}

/// `ath` (RFC 9449 section 4.2): base64url(SHA-256(token)), no padding.
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// RFC 7638 over the required members only, lexicographically ordered, no
/// whitespace: the same text the server hashes, whatever order `jwk` was sent in.
fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// 16 random bytes: unguessable and unique per proof, as the server's replay
/// cache needs, and short enough to keep that cache small.
fn random_jti() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `htu` is the URL without query and fragment (RFC 9449 section 4.2): the
/// server compares it to the request's path only.
fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;
    use p256::{EncodedPoint, FieldBytes};
    use std::collections::HashSet;

    const URL: &str = "http://127.0.0.1:8080/api/v1/session";
    const TOKEN: &str = "session-token-0123456789";
    const NOW: i64 = 1_700_000_000;

    fn decode_json(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    /// The proof's header, claims, and whether its signature verifies with the
    /// key its header carries (rebuilt from the JWK text, as the server does).
    fn open(proof: &str) -> (Value, Value, bool) {
        let parts: Vec<&str> = proof.split('.').collect();
        assert_eq!(parts.len(), 3, "{proof}");
        let header = decode_json(parts[0]);
        let claims = decode_json(parts[1]);
        let coordinate = |name: &str| {
            let bytes = URL_SAFE_NO_PAD
                .decode(header["jwk"][name].as_str().unwrap())
                .unwrap();
            FieldBytes::from(<[u8; 32]>::try_from(bytes.as_slice()).unwrap())
        };
        let point =
            EncodedPoint::from_affine_coordinates(&coordinate("x"), &coordinate("y"), false);
        let key = VerifyingKey::from_encoded_point(&point).unwrap();
        let signature_bytes = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert_eq!(signature_bytes.len(), 64, "r || s, not DER");
        let signature = Signature::from_slice(&signature_bytes).unwrap();
        let signing_input = &proof[..parts[0].len() + 1 + parts[1].len()];
        let verifies = key.verify(signing_input.as_bytes(), &signature).is_ok();
        (header, claims, verifies)
    }

    #[test]
    fn a_proof_is_signed_by_the_key_in_its_header() {
        let key = DeviceKey::generate();
        let (header, claims, verifies) = open(&key.proof("POST", URL, None, NOW));
        assert!(verifies);
        assert_eq!(
            header,
            json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": key.public_jwk() })
        );
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], URL);
        assert_eq!(claims["iat"], NOW);
        assert!(claims.get("ath").is_none());
        assert_eq!(claims.as_object().unwrap().len(), 4, "{claims}");
    }

    #[test]
    fn a_proof_by_another_key_does_not_verify_under_this_one() {
        let key = DeviceKey::generate();
        let other = DeviceKey::generate();
        let proof = key.proof("GET", URL, None, NOW);
        let forged = other.proof("GET", URL, None, NOW);
        let signature = forged.rsplit('.').next().unwrap();
        let (head, _) = proof.rsplit_once('.').unwrap();
        let (_, _, verifies) = open(&format!("{head}.{signature}"));
        assert!(!verifies);
    }

    #[test]
    fn the_public_jwk_has_exactly_the_thumbprint_members_and_no_private_key() {
        let jwk = DeviceKey::generate().public_jwk();
        let members: Vec<&str> = jwk
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(members, ["crv", "kty", "x", "y"]);
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(jwk["kty"], "EC");
        for name in ["x", "y"] {
            let text = jwk[name].as_str().unwrap();
            assert_eq!(text.len(), 43, "32 bytes, unpadded");
            assert_eq!(URL_SAFE_NO_PAD.decode(text).unwrap().len(), 32);
        }
    }

    #[test]
    fn the_thumbprint_hashes_the_rfc_7638_canonical_jwk() {
        let key = DeviceKey::generate();
        let jwk = key.public_jwk();
        let (x, y) = (jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap());
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        // serde_json sorts object members and writes no whitespace: the
        // canonical form by another route.
        assert_eq!(jwk.to_string(), canonical);
        let thumbprint = key.thumbprint();
        assert_eq!(
            thumbprint,
            URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
        );
        assert_eq!(thumbprint.len(), 43);
        assert!(thumbprint
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(thumbprint, DeviceKey::generate().thumbprint());
    }

    #[test]
    fn the_thumbprint_of_the_rfc_9449_example_key_is_the_published_one() {
        // RFC 9449 Figure 2's key and the `jkt` its Figure 9 gives for it:
        // computed by another implementation.
        assert_eq!(
            thumbprint(
                "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
                "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"
            ),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
    }

    #[test]
    fn ath_is_the_unpadded_base64url_sha256_of_the_token() {
        let key = DeviceKey::generate();
        let (_, claims, verifies) = open(&key.proof("GET", URL, Some(TOKEN), NOW));
        assert!(verifies);
        let want = URL_SAFE_NO_PAD.encode(Sha256::digest(TOKEN.as_bytes()));
        assert_eq!(claims["ath"], want);
        assert_eq!(access_token_hash(TOKEN), want);
        assert_eq!(want.len(), 43);
        assert!(!want.contains('='));
        // SHA-256("abc") from FIPS 180-2, base64url.
        assert_eq!(
            access_token_hash("abc"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn jti_is_random_per_proof() {
        let key = DeviceKey::generate();
        let jtis: HashSet<String> = (0..200)
            .map(|_| {
                let (_, claims, _) = open(&key.proof("GET", URL, None, NOW));
                claims["jti"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(jtis.len(), 200);
        for jti in &jtis {
            assert_eq!(URL_SAFE_NO_PAD.decode(jti).unwrap().len(), 16);
        }
    }

    #[test]
    fn htu_leaves_out_query_and_fragment() {
        let key = DeviceKey::generate();
        for url in [
            "http://127.0.0.1:8080/api/v1/session?next=%2F",
            "http://127.0.0.1:8080/api/v1/session#top",
            "http://127.0.0.1:8080/api/v1/session?a=b#top",
        ] {
            let (_, claims, _) = open(&key.proof("DELETE", url, None, NOW));
            assert_eq!(claims["htu"], URL, "{url}");
            assert_eq!(claims["htm"], "DELETE");
        }
    }

    #[test]
    fn sign_raw_signs_whatever_it_is_given() {
        let key = DeviceKey::generate();
        let mut jwk = key.public_jwk();
        jwk["d"] = json!("leaked");
        let header = json!({ "typ": "JWT", "alg": "ES256", "jwk": jwk });
        let claims = json!({ "anything": [1, 2, 3] });
        let (got_header, got_claims, verifies) = open(&key.sign_raw(&header, &claims));
        assert!(verifies);
        assert_eq!(got_header, header);
        assert_eq!(got_claims, claims);
    }

    #[test]
    fn debug_output_shows_the_thumbprint_not_the_key() {
        let key = DeviceKey::generate();
        let printed = format!("{key:?}");
        assert!(printed.contains(&key.thumbprint()), "{printed}");
        assert!(!printed.contains("SigningKey"), "{printed}");
    }
}
