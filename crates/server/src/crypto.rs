//! Secrets: random tokens and codes from the OS CSPRNG, keyed MACs (HMAC-SHA256
//! under the server key) compared in constant time, and argon2id hashes
//! computed on the blocking pool, off the async workers.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

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
///
/// The wait is bounded too (`hash_queue` per priority): past it a request is shed at
/// once (503) rather than left to queue for longer than its client waits. PIN checks
/// take the next free core before any sign-in: a flood of passwords from anywhere must
/// not keep an enrolled user from confirming a PIN.
#[derive(Clone, Debug)]
pub struct Hasher {
    cost: HashCost,
    slots: Arc<Slots>,
    /// Hashes started since the start (for tests and metrics: which paths hash).
    started: Arc<AtomicU64>,
}

/// Who asks for a core: PIN checks (and PIN hashing) are served before sign-ins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    Pin,
    SignIn,
}

/// How long a shed request is told to wait.
pub const SHED_RETRY_AFTER_SECONDS: u64 = 2;

/// The cores hashes may use, and who waits for one.
#[derive(Debug)]
struct Slots {
    queue_limit: usize,
    state: Mutex<SlotState>,
}

#[derive(Debug, Default)]
struct SlotState {
    free: usize,
    pin: VecDeque<oneshot::Sender<Slot>>,
    sign_in: VecDeque<oneshot::Sender<Slot>>,
}

/// A core for one hash; dropped, it goes to the next waiter (PIN checks first).
struct Slot(Option<Arc<Slots>>);

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(slots) = self.0.take() {
            Slots::release(slots);
        }
    }
}

impl Slots {
    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn release(slots: Arc<Slots>) {
        let mut state = slots.lock();
        loop {
            let Some(waiter) = state.pin.pop_front().or_else(|| state.sign_in.pop_front()) else {
                state.free += 1;
                return;
            };
            match waiter.send(Slot(Some(slots.clone()))) {
                Ok(()) => return,
                // That waiter gave up (its client left): the next one.
                Err(mut slot) => slot.0 = None,
            }
        }
    }

    async fn acquire(self: &Arc<Slots>, priority: Priority) -> Result<Slot, ApiError> {
        let waiting = {
            let mut state = self.lock();
            if state.free > 0 {
                state.free -= 1;
                return Ok(Slot(Some(self.clone())));
            }
            let queue = match priority {
                Priority::Pin => &mut state.pin,
                Priority::SignIn => &mut state.sign_in,
            };
            queue.retain(|waiter| !waiter.is_closed());
            if queue.len() >= self.queue_limit {
                tracing::warn!(?priority, "hashing queue full: request shed");
                return Err(ApiError::overloaded(SHED_RETRY_AFTER_SECONDS));
            }
            let (sender, receiver) = oneshot::channel();
            queue.push_back(sender);
            receiver
        };
        waiting
            .await
            .map_err(|e| ApiError::internal(format!("hash slots: {e}")))
    }
}

impl Hasher {
    /// One core per hash (at least two), 64 waiting per priority.
    pub fn new(cost: HashCost) -> Hasher {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher::with_limits(cost, cores.max(2), 64)
    }

    /// `cores` hashes at a time, `queue_limit` waiting per priority.
    pub fn with_limits(cost: HashCost, cores: usize, queue_limit: usize) -> Hasher {
        Hasher {
            cost,
            started: Arc::new(AtomicU64::new(0)),
            slots: Arc::new(Slots {
                queue_limit,
                state: Mutex::new(SlotState {
                    free: cores.max(1),
                    ..SlotState::default()
                }),
            }),
        }
    }

    /// How many hashes (and checks) have started.
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    /// How many hashes wait for a core (PIN checks, sign-ins).
    pub fn waiting(&self) -> (usize, usize) {
        let state = self.slots.lock();
        let live = |queue: &VecDeque<oneshot::Sender<Slot>>| {
            queue.iter().filter(|waiter| !waiter.is_closed()).count()
        };
        (live(&state.pin), live(&state.sign_in))
    }

    /// Runs `work` on the blocking pool once a core is free.
    async fn run<T: Send + 'static>(
        &self,
        priority: Priority,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self.slots.acquire(priority).await?;
        self.started.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::internal(format!("hash task: {e}")))?
    }

    fn argon2(cost: HashCost) -> Result<Argon2<'static>, ApiError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| ApiError::internal(format!("argon2 params: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// The PHC string of `secret` (a PIN), before any sign-in waiting.
    pub async fn hash(&self, secret: String) -> Result<String, ApiError> {
        self.hash_as(Priority::Pin, secret).await
    }

    /// The PHC string of a password, hashed as part of a sign-in (a re-hash at a new
    /// cost): after the PIN checks, like the sign-in's own check.
    pub async fn hash_sign_in(&self, secret: String) -> Result<String, ApiError> {
        self.hash_as(Priority::SignIn, secret).await
    }

    async fn hash_as(&self, priority: Priority, secret: String) -> Result<String, ApiError> {
        let cost = self.cost;
        self.run(priority, move || {
            let salt = SaltString::generate(&mut OsRng);
            Hasher::argon2(cost)?
                .hash_password(secret.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| ApiError::internal(format!("argon2 hash: {e}")))
        })
        .await
    }

    /// Whether `secret` matches the PHC string `hash` (its own parameters apply), before
    /// any sign-in waiting.
    pub async fn verify(&self, secret: String, hash: String) -> Result<bool, ApiError> {
        self.verify_as(Priority::Pin, secret, hash).await
    }

    /// [`Hasher::verify`] for a password being signed in with: after the PIN checks.
    pub async fn verify_sign_in(&self, secret: String, hash: String) -> Result<bool, ApiError> {
        self.verify_as(Priority::SignIn, secret, hash).await
    }

    async fn verify_as(
        &self,
        priority: Priority,
        secret: String,
        hash: String,
    ) -> Result<bool, ApiError> {
        let cost = self.cost;
        self.run(priority, move || {
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

    #[tokio::test]
    async fn pin_checks_go_before_waiting_sign_ins_and_a_full_queue_sheds() {
        let slots = Hasher::with_limits(HashCost::default(), 1, 2).slots;
        let busy = slots.acquire(Priority::SignIn).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut waiters = Vec::new();
        for (name, priority) in [
            ("sign-in 1", Priority::SignIn),
            ("sign-in 2", Priority::SignIn),
            ("pin", Priority::Pin),
        ] {
            let (slots, order) = (slots.clone(), order.clone());
            waiters.push(tokio::spawn(async move {
                let _slot = slots.acquire(priority).await.unwrap();
                order.lock().unwrap().push(name);
            }));
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // Two sign-ins wait: a third is shed, with when to come back.
        let shed = slots.acquire(Priority::SignIn).await.err().unwrap();
        assert_eq!(
            shed.body.retry_after_seconds,
            Some(SHED_RETRY_AFTER_SECONDS)
        );
        drop(busy);
        for waiter in waiters {
            waiter.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["pin", "sign-in 1", "sign-in 2"]);
        assert_eq!(slots.lock().free, 1);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_leaves_its_place() {
        let slots = Hasher::with_limits(HashCost::default(), 1, 1).slots;
        let busy = slots.acquire(Priority::Pin).await.unwrap();
        let gave_up = tokio::time::timeout(
            std::time::Duration::from_millis(10),
            slots.acquire(Priority::Pin),
        )
        .await;
        assert!(gave_up.is_err());
        // Its place in the queue is free again, and the core goes round.
        let next = {
            let slots = slots.clone();
            tokio::spawn(async move { slots.acquire(Priority::Pin).await.map(drop) })
        };
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        drop(busy);
        next.await.unwrap().unwrap();
        assert_eq!(slots.lock().free, 1);
    }
}
