//! Demo mode's accounts (`enrollment.md`), created once: a restart keeps their
//! state, and a seed never overwrites an existing account. They are marked `demo`
//! and deleted when the server starts without demo mode: their password is public.

use crate::error::ApiError;
use crate::AppState;

pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEMO_PIN: &str = "246801";

/// A demo account: email, phone, PIN, blocked, other enrolled devices (labels:
/// each gets a key pair made at seed time), vehicles.
pub struct DemoAccount {
    pub email: &'static str,
    pub phone: Option<&'static str>,
    pub pin: Option<&'static str>,
    pub pin_blocked: bool,
    pub devices: &'static [&'static str],
    pub vehicles: &'static [(&'static str, &'static str)],
}

/// Their trusted numbers are NANP numbers reserved for fiction (555-0100 to 555-0199, in
/// every area code): a demo code can never reach a real phone. The fiction ranges of
/// France (ARCEP, +33 6 39 98) and the UK (Ofcom, +44 7700 900) would fit better, but
/// libphonenumber's metadata, which the server checks every number against, holds them
/// for no number type at all (invalid); the NANP ones are valid, mobile or fixed.
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "new@demo.test",
        phone: None,
        pin: None,
        pin_blocked: false,
        devices: &[],
        vehicles: &[
            ("VF3UPHNS0KS123456", "Peugeot 208"),
            ("VF7SXHMZ6LT512345", "Citroën C3"),
        ],
    },
    DemoAccount {
        email: "phone@demo.test",
        phone: Some("+12015550123"),
        pin: None,
        pin_blocked: false,
        devices: &[],
        vehicles: &[],
    },
    DemoAccount {
        email: "enrolled@demo.test",
        phone: Some("+12015550124"),
        pin: Some(DEMO_PIN),
        pin_blocked: false,
        devices: &["Chrome on Windows"],
        vehicles: &[("VF1RJA00X68123456", "Renault Clio")],
    },
    DemoAccount {
        email: "blocked@demo.test",
        phone: Some("+12015550125"),
        pin: Some(DEMO_PIN),
        pin_blocked: true,
        devices: &["Firefox on Linux"],
        vehicles: &[],
    },
    DemoAccount {
        email: "full@demo.test",
        phone: Some("+12015550126"),
        pin: Some(DEMO_PIN),
        pin_blocked: false,
        devices: &[
            "Safari on iOS",
            "Chrome on Android",
            "Firefox on Linux",
            "Edge on Windows",
            "Safari on macOS",
        ],
        vehicles: &[],
    },
];

/// Creates the demo accounts that do not exist yet.
pub async fn seed_demo(state: &AppState) -> Result<(), ApiError> {
    for demo in DEMO_ACCOUNTS {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
            .bind(demo.email)
            .fetch_optional(&state.pool)
            .await?;
        if exists.is_some() {
            continue;
        }
        let password_hash = state.hasher.hash(DEMO_PASSWORD.to_string()).await?;
        let pin_hash = match demo.pin {
            Some(pin) => Some(crate::pin::hash(state, pin).await?),
            None => None,
        };
        let now = state.now();
        let failures = if demo.pin_blocked {
            i64::from(state.policy().max_pin_failures)
        } else {
            0
        };
        let mut tx = crate::db::begin(&state.pool).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO accounts (email, password_hash, locale, trusted_phone, pin_hash, pin_failures, pin_blocked, created_at, demo)
             VALUES ($1, $2, 'en', $3, $4, $5, $6, $7, 1)
             ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(demo.email)
        .bind(&password_hash)
        .bind(demo.phone)
        .bind(&pin_hash)
        .bind(failures)
        .bind(i64::from(demo.pin_blocked))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            continue;
        };
        for (index, label) in demo.devices.iter().enumerate() {
            let at = now - 86_400 * (30 - index as i64);
            let (device_id, public_jwk) = demo_device_key();
            crate::store::enroll_device(&mut *tx, id, &device_id, &public_jwk, label, at).await?;
        }
        for (vin, label) in demo.vehicles {
            sqlx::query("INSERT INTO vehicles (account_id, vin, label) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(vin)
                .bind(label)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        tracing::info!(email = demo.email, "demo account seeded");
    }
    Ok(())
}

/// What a start does with demo data: seeds the accounts in demo mode; otherwise deletes
/// every demo account (with its sessions, devices, codes and messages) and the outbox,
/// whose texts hold codes.
pub async fn prepare(state: &AppState) -> Result<(), ApiError> {
    if state.settings.demo {
        return seed_demo(state).await;
    }
    let removed = sqlx::query("DELETE FROM accounts WHERE demo = 1")
        .execute(&state.pool)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM outbox")
        .execute(&state.pool)
        .await?;
    if removed > 0 {
        tracing::info!(
            removed,
            "demo accounts deleted: the server runs without --demo"
        );
    }
    Ok(())
}

/// A fresh P-256 key's device id and public JWK. The private half is dropped
/// here: these devices look real in the lists, and no one can sign as them.
fn demo_device_key() -> (String, String) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let point = secret.public_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        unreachable!("an uncompressed point has both coordinates");
    };
    let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
    (
        crate::dpop::thumbprint(&x, &y),
        crate::dpop::canonical_jwk(&x, &y),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_follows_the_rules() {
        assert_eq!(DEMO_ACCOUNTS.len(), 5);
        for demo in DEMO_ACCOUNTS {
            for (vin, _) in demo.vehicles {
                assert_eq!(wire::validate::vin(vin).as_deref(), Ok(*vin));
            }
            if let Some(phone) = demo.phone {
                assert_eq!(crate::phone::normalise(phone, "FR").unwrap(), phone);
            }
        }
        assert_eq!(wire::validate::pin(DEMO_PIN, 6), Ok(()));
        assert_eq!(DEMO_ACCOUNTS[4].devices.len(), 5);
    }

    #[test]
    fn demo_numbers_are_reserved_for_fiction_and_valid_mobile_numbers() {
        use phonenumber::Type;
        let phones: Vec<&str> = DEMO_ACCOUNTS.iter().filter_map(|d| d.phone).collect();
        assert_eq!(phones.len(), 4);
        for phone in phones {
            // +1 NPA 555-01XX: reserved by the NANPA for fictional use.
            let line = phone.strip_prefix("+1").expect("a NANP number");
            assert!(line[3..].starts_with("55501"), "{phone}");
            let number = phonenumber::parse(None, phone).unwrap();
            assert!(phonenumber::is_valid(&number), "{phone}");
            // NANP numbers do not tell mobile from fixed: libphonenumber says both.
            assert!(
                matches!(
                    number.number_type(&phonenumber::metadata::DATABASE),
                    Type::Mobile | Type::FixedLineOrMobile
                ),
                "{phone}"
            );
        }
        // The fiction ranges of France and the UK are no valid number in the metadata.
        for fiction in ["+33639980001", "+447700900123"] {
            let number = phonenumber::parse(None, fiction).unwrap();
            assert!(!phonenumber::is_valid(&number), "{fiction}");
        }
    }

    #[test]
    fn demo_devices_get_distinct_real_keys() {
        let (id, jwk) = demo_device_key();
        assert!(wire::validate::device_id(&id).is_ok(), "{id}");
        let parsed: serde_json::Value = serde_json::from_str(&jwk).unwrap();
        assert_eq!(
            crate::dpop::thumbprint(parsed["x"].as_str().unwrap(), parsed["y"].as_str().unwrap()),
            id
        );
        assert!(parsed.get("d").is_none());
        assert_ne!(demo_device_key().0, id);
    }
}
