//! The server's two secrets, kept out of the database they protect: the HMAC key (every
//! stored token, code and proof is a MAC under it) and the PIN pepper (every PIN is
//! HMAC'd with it before argon2). A copy of the database alone then neither opens a
//! session nor lets anyone try PINs offline.
//!
//! They come from the environment (`PORTAL_SERVER_KEY` and `PORTAL_PIN_PEPPER`, both or
//! neither) or from a key file, created with mode 0600 on first start and refused when
//! group or others may read it. A database made before key files held the HMAC key in
//! `server_keys`: it is moved into the new key file (so the MACs stored under it stay
//! valid) and deleted from the database.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::crypto::{self, ServerKey};
use crate::db::Pool;

/// Environment variable of the HMAC key (64 hex digits or base64 of 32 bytes).
pub const SERVER_KEY_ENV: &str = "PORTAL_SERVER_KEY";
/// Environment variable of the PIN pepper (same forms).
pub const PIN_PEPPER_ENV: &str = "PORTAL_PIN_PEPPER";

/// The key applied to every PIN before argon2: without it, a stolen PIN hash cannot be
/// tested against the 10^6 possible PINs.
#[derive(Clone)]
pub struct PinPepper([u8; 32]);

impl std::fmt::Debug for PinPepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinPepper(..)")
    }
}

impl PinPepper {
    pub fn new(bytes: [u8; 32]) -> PinPepper {
        PinPepper(bytes)
    }

    /// What argon2 hashes in place of the PIN: HMAC-SHA256(pepper, pin), as hex.
    pub fn apply(&self, pin: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(pin.as_bytes());
        crypto::hex(&mac.finalize().into_bytes())
    }
}

/// The HMAC key and the PIN pepper.
#[derive(Clone, Debug)]
pub struct Secrets {
    pub server_key: ServerKey,
    pub pin_pepper: PinPepper,
}

impl Secrets {
    /// Fresh random secrets (a test, or a new key file).
    pub fn generate() -> Secrets {
        Secrets {
            server_key: ServerKey::new(crypto::random_key()),
            pin_pepper: PinPepper::new(crypto::random_key()),
        }
    }
}

/// Where the secrets come from: the environment when it names them, else `file`.
#[derive(Clone, Debug)]
pub struct KeySource {
    pub file: PathBuf,
    pub server_key: Option<String>,
    pub pin_pepper: Option<String>,
}

impl KeySource {
    /// `file`, or the variables of `env` when either is set.
    pub fn new(file: PathBuf, env: &dyn Fn(&str) -> Option<String>) -> KeySource {
        KeySource {
            file,
            server_key: env(SERVER_KEY_ENV),
            pin_pepper: env(PIN_PEPPER_ENV),
        }
    }
}

/// One secret: 64 hex digits or the base64 (standard or URL-safe, padded or not) of
/// exactly 32 bytes, surrounding whitespace aside. Anything else is refused: a truncated
/// or mistyped key must stop the server, not become another key.
pub fn parse_secret(name: &str, text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        crypto::unhex(text)
    } else {
        STANDARD
            .decode(text)
            .ok()
            .or_else(|| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
    };
    bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
        format!("{name} must be 32 bytes, as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)")
    })
}

/// The key file: two lines, `server_key = "<hex>"` and `pin_pepper = "<hex>"`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    server_key: String,
    pin_pepper: String,
}

fn key_file_text(secrets: &Secrets, key: &[u8; 32]) -> String {
    format!(
        "# portal-server secrets: the HMAC key of every stored token and code, and the\n\
         # PIN pepper. Keep this file private (mode 0600) and backed up: without it no\n\
         # session, code or PIN in the database can be checked. Every instance on one\n\
         # database needs the same file. See crates/server/README.md (rotation).\n\
         server_key = \"{}\"\npin_pepper = \"{}\"\n",
        crypto::hex(key),
        crypto::hex(&secrets.pin_pepper.0)
    )
}

/// Reads an existing key file, refusing one that group or others may read or write.
fn read_key_file(path: &Path) -> Result<Secrets, String> {
    check_private(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
    let file: KeyFile =
        toml::from_str(&text).map_err(|e| format!("invalid key file {}: {e}", path.display()))?;
    let in_file = |name: &str| format!("{name} in {}", path.display());
    Ok(Secrets {
        server_key: ServerKey::new(parse_secret(&in_file("server_key"), &file.server_key)?),
        pin_pepper: PinPepper::new(parse_secret(&in_file("pin_pepper"), &file.pin_pepper)?),
    })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "the key file {} has mode {:o}: group or others may read it, and it holds the \
             server's HMAC key and PIN pepper. Run `chmod 600 {}` (and check who read it)",
            path.display(),
            mode & 0o777,
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), String> {
    Ok(())
}

/// Writes a new key file with mode 0600 (never over an existing one): `Ok(false)` when
/// another process created it first.
fn create_key_file(path: &Path, text: &str) -> Result<bool, String> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(error) => {
            return Err(format!(
                "cannot create the key file {}: {error}",
                path.display()
            ))
        }
    };
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write the key file {}: {e}", path.display()))?;
    Ok(true)
}

/// The secrets of `source`, creating the key file on first start. A key left in the
/// database by an older version is moved into a new key file, or dropped when the
/// configured key is that same one; a different one stops the server (the MACs in the
/// database were made with it). A new key for a database that already holds accounts
/// stops the server too: their sessions and PINs could no longer be checked, most likely
/// because the key file was lost or not copied to this instance.
pub async fn load(source: &KeySource, pool: &Pool) -> Result<Secrets, String> {
    let legacy = legacy_key(pool).await?;
    let (secrets, origin) = match (&source.server_key, &source.pin_pepper) {
        (Some(key), Some(pepper)) => (
            Secrets {
                server_key: ServerKey::new(parse_secret(SERVER_KEY_ENV, key)?),
                pin_pepper: PinPepper::new(parse_secret(PIN_PEPPER_ENV, pepper)?),
            },
            SERVER_KEY_ENV.to_string(),
        ),
        (Some(_), None) | (None, Some(_)) => {
            return Err(format!(
                "{SERVER_KEY_ENV} and {PIN_PEPPER_ENV} go together: set both or neither \
                 (then the key file is used)"
            ))
        }
        (None, None) if source.file.exists() => (
            read_key_file(&source.file)?,
            format!("the key file {}", source.file.display()),
        ),
        (None, None) => {
            let key = match legacy {
                Some(key) => key,
                None if holds_accounts(pool).await? => {
                    return Err(format!(
                        "the key file {} does not exist, yet the database holds accounts: \
                         their sessions, codes and PINs were made with a key this server \
                         does not have. Restore that key file (or set {SERVER_KEY_ENV} and \
                         {PIN_PEPPER_ENV}, or --key-file), or start on a new database",
                        source.file.display()
                    ));
                }
                None => crypto::random_key(),
            };
            let secrets = Secrets {
                server_key: ServerKey::new(key),
                pin_pepper: PinPepper::new(crypto::random_key()),
            };
            if create_key_file(&source.file, &key_file_text(&secrets, &key))? {
                tracing::info!(key_file = %source.file.display(), moved_from_database = legacy.is_some(), "key file created");
                forget_legacy_key(pool).await?;
                return Ok(secrets);
            }
            // Another process on this machine created it meanwhile: use that one.
            (
                read_key_file(&source.file)?,
                format!("the key file {}", source.file.display()),
            )
        }
    };
    if let Some(key) = legacy {
        if !crypto::same_mac(
            &ServerKey::new(key).mac("key-check", &[]),
            &secrets.server_key.mac("key-check", &[]),
        ) {
            return Err(format!(
                "the database still holds the HMAC key of an older version, and it differs \
                 from the server key of {origin}: the stored sessions and codes were made \
                 with the database's. Start once without {SERVER_KEY_ENV}/{PIN_PEPPER_ENV} \
                 and with no key file at that path, so that it is moved into a new key file"
            ));
        }
        forget_legacy_key(pool).await?;
    }
    Ok(secrets)
}

/// The HMAC key an older version kept in the database, if any.
async fn legacy_key(pool: &Pool) -> Result<Option<[u8; 32]>, String> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT key_hex FROM server_keys WHERE name = 'mac'")
            .fetch_optional(pool)
            .await
            .map_err(|e| format!("cannot read the server_keys table: {e}"))?;
    stored
        .map(|hex| {
            crypto::unhex(&hex)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| "the server key stored in the database is malformed".to_string())
        })
        .transpose()
}

async fn forget_legacy_key(pool: &Pool) -> Result<(), String> {
    sqlx::query("DELETE FROM server_keys WHERE name = 'mac'")
        .execute(pool)
        .await
        .map_err(|e| format!("cannot delete the server key from the database: {e}"))?;
    Ok(())
}

async fn holds_accounts(pool: &Pool) -> Result<bool, String> {
    let any: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts LIMIT 1")
        .fetch_optional(pool)
        .await
        .map_err(|e| format!("cannot read the accounts table: {e}"))?;
    Ok(any.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_parsed_strictly() {
        let hex = "00".repeat(31) + "ff";
        assert_eq!(parse_secret("K", &hex).unwrap()[31], 0xff);
        assert_eq!(parse_secret("K", &format!(" {hex}\n")).unwrap()[31], 0xff);
        let b64 = STANDARD.encode([7u8; 32]);
        assert_eq!(parse_secret("K", &b64).unwrap(), [7u8; 32]);
        assert_eq!(
            parse_secret("K", &URL_SAFE_NO_PAD.encode([250u8; 32])).unwrap(),
            [250u8; 32]
        );
        for bad in [
            "",
            &hex[..62],
            &format!("{hex}00"),
            &STANDARD.encode([7u8; 31]),
            &STANDARD.encode([7u8; 33]),
            "not a key at all, not even close to one, really",
        ] {
            let error = parse_secret("PORTAL_SERVER_KEY", bad).unwrap_err();
            assert!(
                error.starts_with("PORTAL_SERVER_KEY must be 32 bytes"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_pepper_changes_what_argon2_sees() {
        let a = PinPepper::new([1; 32]);
        assert_eq!(a.apply("246801"), a.apply("246801"));
        assert_ne!(a.apply("246801"), a.apply("246802"));
        assert_ne!(a.apply("246801"), PinPepper::new([2; 32]).apply("246801"));
        assert_eq!(format!("{a:?}"), "PinPepper(..)");
    }
}
