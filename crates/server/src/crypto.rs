//! Secrets: random tokens and codes from the OS CSPRNG, keyed MACs (HMAC-SHA256
//! under the server key) compared in constant time, and argon2id hashes
//! computed on the blocking pool, off the async workers.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::config::HashCost;
use crate::error::ApiError;

/// 256 random bits, base64url without padding (sessions, step-up proofs).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// 32 random bytes (the server key).
pub fn random_key() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A numeric code of `digits` digits, uniform, from the OS CSPRNG.
pub fn random_digits(digits: usize) -> String {
    (0..digits)
        .map(|_| char::from(b'0' + OsRng.gen_range(0..10u8)))
        .collect()
}

/// The server key: every stored token, code and proof is an HMAC under it, so a
/// copy of the database alone does not let anyone use them.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(..)")
    }
}

impl ServerKey {
    pub fn new(bytes: [u8; 32]) -> ServerKey {
        ServerKey(bytes)
    }

    /// HMAC-SHA256 over a domain label and length-prefixed parts, as hex.
    pub fn mac(&self, domain: &str, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex(&mac.finalize().into_bytes())
    }
}

/// Constant-time equality of two MACs (hex strings of equal length).
pub fn same_mac(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Parses lowercase or uppercase hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// argon2id with the configured cost; hashing and checking run on the blocking
/// pool, at most one per core at a time. Each one holds `memory_kib` (19 MiB by
/// default) while it runs: unbounded, a flood of sign-ins would take the
/// blocking pool's 512 threads, ~10 GiB, and every core; bounded, the extra
/// callers wait their turn and memory stays at cores × cost.
#[derive(Clone, Debug)]
pub struct Hasher {
    cost: HashCost,
    running: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(cost: HashCost) -> Hasher {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher {
            cost,
            running: Arc::new(Semaphore::new(cores.max(2))),
        }
    }

    /// Runs `work` on the blocking pool once a slot is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self
            .running
            .acquire()
            .await
            .map_err(|e| ApiError::internal(format!("hash slots: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::internal(format!("hash task: {e}")))?
    }

    fn argon2(cost: HashCost) -> Result<Argon2<'static>, ApiError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| ApiError::internal(format!("argon2 params: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// The PHC string of `secret`.
    pub async fn hash(&self, secret: String) -> Result<String, ApiError> {
        let cost = self.cost;
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Hasher::argon2(cost)?
                .hash_password(secret.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| ApiError::internal(format!("argon2 hash: {e}")))
        })
        .await
    }

    /// Whether `secret` matches the PHC string `hash` (its own parameters apply).
    pub async fn verify(&self, secret: String, hash: String) -> Result<bool, ApiError> {
        let cost = self.cost;
        self.run(move || {
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| ApiError::internal(format!("stored hash: {e}")))?;
            Ok(Hasher::argon2(cost)?
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }
}

/// Whether the PHC string `hash` is argon2id at exactly `cost`: a hash made at another
/// cost (an older policy) is replaced at the next sign-in or right PIN, the only moments
/// the secret is known.
pub fn hash_is_current(hash: &str, cost: HashCost) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    parsed.algorithm == argon2::ARGON2ID_IDENT
        && Params::try_from(&parsed).is_ok_and(|params| {
            params.m_cost() == cost.memory_kib
                && params.t_cost() == cost.iterations
                && params.p_cost() == cost.parallelism
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_tokens_have_their_shapes() {
        let code = random_digits(6);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let token = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_ne!(random_token(), token);
    }

    #[test]
    fn macs_depend_on_key_domain_and_parts() {
        let key = ServerKey::new([7; 32]);
        let a = key.mac("sms", &[b"1", b"23"]);
        assert_eq!(a.len(), 64);
        assert!(same_mac(&a, &key.mac("sms", &[b"1", b"23"])));
        assert!(!same_mac(&a, &key.mac("sms", &[b"12", b"3"])));
        assert!(!same_mac(&a, &key.mac("session", &[b"1", b"23"])));
        assert!(!same_mac(
            &a,
            &ServerKey::new([8; 32]).mac("sms", &[b"1", b"23"])
        ));
        assert_eq!(unhex(&hex(&[0, 255, 16])), Some(vec![0, 255, 16]));
    }

    #[tokio::test]
    async fn argon2_round_trip() {
        let hasher = Hasher::new(HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        });
        let hash = hasher.hash("246801".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify("246801".into(), hash.clone()).await.unwrap());
        assert!(!hasher.verify("246802".into(), hash.clone()).await.unwrap());
        let cost = HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        assert!(hash_is_current(&hash, cost));
        assert!(!hash_is_current(
            &hash,
            HashCost {
                iterations: 2,
                ..cost
            }
        ));
        assert!(!hash_is_current(
            &hash,
            HashCost {
                memory_kib: 128,
                ..cost
            }
        ));
        assert!(!hash_is_current("not a hash", cost));
    }
}
