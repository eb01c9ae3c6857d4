//! Demo mode's accounts (`enrollment.md`), created once: a restart keeps their
//! state, and a seed never overwrites an existing account.

use crate::error::ApiError;
use crate::AppState;

pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEMO_PIN: &str = "246801";

/// A demo account: email, phone, PIN, blocked, other enrolled devices, vehicles.
pub struct DemoAccount {
    pub email: &'static str,
    pub phone: Option<&'static str>,
    pub pin: Option<&'static str>,
    pub pin_blocked: bool,
    pub devices: &'static [(&'static str, &'static str)],
    pub vehicles: &'static [(&'static str, &'static str)],
}

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
        phone: Some("+33612345678"),
        pin: None,
        pin_blocked: false,
        devices: &[],
        vehicles: &[],
    },
    DemoAccount {
        email: "enrolled@demo.test",
        phone: Some("+33612345679"),
        pin: Some(DEMO_PIN),
        pin_blocked: false,
        devices: &[("0e5a1c2d-7b3f-4c8e-9a6d-1f2e3d4c5b6a", "Chrome on Windows")],
        vehicles: &[("VF1RJA00X68123456", "Renault Clio")],
    },
    DemoAccount {
        email: "blocked@demo.test",
        phone: Some("+33612345670"),
        pin: Some(DEMO_PIN),
        pin_blocked: true,
        devices: &[("6b1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "Firefox on Linux")],
        vehicles: &[],
    },
    DemoAccount {
        email: "full@demo.test",
        phone: Some("+33612345671"),
        pin: Some(DEMO_PIN),
        pin_blocked: false,
        devices: &[
            ("f1a0c0de-0000-4000-8000-000000000001", "Safari on iOS"),
            ("f1a0c0de-0000-4000-8000-000000000002", "Chrome on Android"),
            ("f1a0c0de-0000-4000-8000-000000000003", "Firefox on Linux"),
            ("f1a0c0de-0000-4000-8000-000000000004", "Edge on Windows"),
            ("f1a0c0de-0000-4000-8000-000000000005", "Safari on macOS"),
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
            Some(pin) => Some(state.hasher.hash(pin.to_string()).await?),
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
            "INSERT INTO accounts (email, password_hash, locale, trusted_phone, pin_hash, pin_failures, pin_blocked, created_at)
             VALUES ($1, $2, 'en', $3, $4, $5, $6, $7)
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
        for (index, (device_id, label)) in demo.devices.iter().enumerate() {
            let at = now - 86_400 * (30 - index as i64);
            sqlx::query(
                "INSERT INTO devices (account_id, device_id, label, enrolled_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(id)
            .bind(device_id)
            .bind(label)
            .bind(at)
            .execute(&mut *tx)
            .await?;
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
            for (device, _) in demo.devices {
                assert!(wire::validate::device_id(device).is_ok(), "{device}");
            }
            if let Some(phone) = demo.phone {
                assert_eq!(crate::phone::normalise(phone, "FR").unwrap(), phone);
            }
        }
        assert_eq!(wire::validate::pin(DEMO_PIN, 6), Ok(()));
        assert_eq!(DEMO_ACCOUNTS[4].devices.len(), 5);
    }
}
