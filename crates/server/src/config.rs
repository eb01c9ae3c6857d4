//! Flags (with `PORTAL_*` environment twins), the optional TOML policy file, and
//! the settings the server runs with.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use serde::Deserialize;

/// Command line of `portal-server`. Every flag has an environment twin.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "portal-server",
    version,
    about = "Reference backend of the Enrollment Portal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Listen address.
    #[arg(long, env = "PORTAL_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// `sqlite://FILE` (one instance; the file's directory is created when
    /// missing) or `postgres://USER:PASSWORD@HOST/DB` (one or several instances).
    #[arg(
        long,
        env = "PORTAL_DATABASE_URL",
        default_value = "sqlite://data/portal.db?mode=rwc"
    )]
    pub database_url: String,
    /// The built portal, served at `/` with SPA fallback to `index.html`.
    #[arg(long, env = "PORTAL_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,
    /// Seed the demo accounts and send SMS to the outbox (`GET /api/v1/dev/outbox`).
    /// Parsed strictly (true/false, yes/no, on/off, 1/0): any other word, such as
    /// `PORTAL_DEMO=disabled`, stops the server instead of turning demo mode on.
    #[arg(long, env = "PORTAL_DEMO", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub demo: bool,
    /// Real SMS gateway: POST `{to, text}` signed with HMAC-SHA256 (header `X-Signature`).
    #[arg(long, env = "PORTAL_SMS_WEBHOOK_URL")]
    pub sms_webhook_url: Option<String>,
    /// Secret of the webhook signature.
    #[arg(long, env = "PORTAL_SMS_WEBHOOK_SECRET", hide_env_values = true)]
    pub sms_webhook_secret: Option<String>,
    /// Origins allowed to embed the portal (CSP frame-ancestors), comma separated.
    #[arg(long, env = "PORTAL_FRAME_ANCESTORS", value_delimiter = ',')]
    pub frame_ancestors: Vec<String>,
    /// Origins allowed by CORS, comma separated (none by default).
    #[arg(long, env = "PORTAL_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// TOML file with policy settings (see `Policy`); flags below override it.
    #[arg(long, env = "PORTAL_CONFIG")]
    pub config: Option<PathBuf>,
    #[arg(long, env = "PORTAL_PIN_LENGTH")]
    pub pin_length: Option<u8>,
    #[arg(long, env = "PORTAL_MAX_PIN_FAILURES")]
    pub max_pin_failures: Option<u32>,
    #[arg(long, env = "PORTAL_SMS_CODE_TTL_SECONDS")]
    pub sms_code_ttl_seconds: Option<i64>,
    #[arg(long, env = "PORTAL_SMS_CODE_ATTEMPTS")]
    pub sms_code_attempts: Option<u32>,
    #[arg(long, env = "PORTAL_SMS_RESEND_COOLDOWN_SECONDS")]
    pub sms_resend_cooldown_seconds: Option<i64>,
    #[arg(long, env = "PORTAL_SMS_PER_ACCOUNT_PER_HOUR")]
    pub sms_per_account_per_hour: Option<u32>,
    #[arg(long, env = "PORTAL_DEVICE_LIMIT")]
    pub device_limit: Option<u32>,
    #[arg(long, env = "PORTAL_ENROLLMENT_TICKET_TTL_SECONDS")]
    pub enrollment_ticket_ttl_seconds: Option<i64>,
    #[arg(long, env = "PORTAL_STEP_UP_TTL_SECONDS")]
    pub step_up_ttl_seconds: Option<i64>,
    /// How long B (PIN reset by SMS) is refused after D replaced the trusted number.
    #[arg(long, env = "PORTAL_RESET_AFTER_PHONE_CHANGE_SECONDS")]
    pub reset_after_phone_change_seconds: Option<i64>,
    #[arg(long, env = "PORTAL_SESSION_IDLE_SECONDS")]
    pub session_idle_seconds: Option<i64>,
    #[arg(long, env = "PORTAL_SESSION_ABSOLUTE_SECONDS")]
    pub session_absolute_seconds: Option<i64>,
    #[arg(long, env = "PORTAL_DEFAULT_REGION")]
    pub default_region: Option<String>,
}

/// What `portal-server` does instead of serving.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum Command {
    /// Lifts the lock (100 consecutive wrong passwords) and the back-off of an email, on
    /// the database of `--database-url`, then exits.
    Unlock {
        /// The account's email (an unknown one is accepted: it is throttled alike).
        email: String,
    },
}

/// Cost of the argon2id hashes (PINs and passwords). Defaults are the argon2
/// crate's (OWASP's minimum: 19 MiB, 2 passes, 1 lane); only tests lower them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashCost {
    fn default() -> HashCost {
        HashCost {
            memory_kib: argon2::Params::DEFAULT_M_COST,
            iterations: argon2::Params::DEFAULT_T_COST,
            parallelism: argon2::Params::DEFAULT_P_COST,
        }
    }
}

/// The security policy of `enrollment.md`, every value overridable.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    pub pin_length: u8,
    pub max_pin_failures: u32,
    pub sms_code_ttl_seconds: i64,
    pub sms_code_attempts: u32,
    pub sms_resend_cooldown_seconds: i64,
    pub sms_per_account_per_hour: u32,
    pub device_limit: u32,
    pub enrollment_ticket_ttl_seconds: i64,
    pub step_up_ttl_seconds: i64,
    /// B is refused this long after a phone change: whoever swapped the number must not
    /// reset the PIN with it before the account's owner has seen the notice.
    pub reset_after_phone_change_seconds: i64,
    pub session_idle_seconds: i64,
    pub session_absolute_seconds: i64,
    pub default_region: String,
    pub sms_webhook_timeout_seconds: u64,
    pub argon2: HashCost,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            pin_length: wire::validate::DEFAULT_PIN_LENGTH,
            max_pin_failures: 3,
            sms_code_ttl_seconds: 600,
            sms_code_attempts: 5,
            sms_resend_cooldown_seconds: 30,
            sms_per_account_per_hour: 10,
            device_limit: 5,
            enrollment_ticket_ttl_seconds: 600,
            step_up_ttl_seconds: 120,
            reset_after_phone_change_seconds: 24 * 60 * 60,
            session_idle_seconds: 30 * 60,
            session_absolute_seconds: 12 * 60 * 60,
            default_region: "FR".to_string(),
            sms_webhook_timeout_seconds: 5,
            argon2: HashCost::default(),
        }
    }
}

impl Policy {
    /// Refuses settings that would weaken or break the policy.
    pub fn check(&self) -> Result<(), String> {
        let pin = wire::validate::MIN_PIN_LENGTH..=wire::validate::MAX_PIN_LENGTH;
        if !pin.contains(&self.pin_length) {
            return Err(format!("pin_length must be in {pin:?}"));
        }
        if self.max_pin_failures == 0 || self.sms_code_attempts == 0 || self.device_limit == 0 {
            return Err("max_pin_failures, sms_code_attempts and device_limit must be > 0".into());
        }
        let durations = [
            self.sms_code_ttl_seconds,
            self.enrollment_ticket_ttl_seconds,
            self.step_up_ttl_seconds,
            self.session_idle_seconds,
            self.session_absolute_seconds,
        ];
        if durations.iter().any(|d| *d <= 0)
            || self.sms_resend_cooldown_seconds < 0
            || self.reset_after_phone_change_seconds < 0
        {
            return Err("lifetimes must be positive".into());
        }
        if self
            .default_region
            .parse::<phonenumber::country::Id>()
            .is_err()
        {
            return Err(format!("unknown default_region {:?}", self.default_region));
        }
        argon2::Params::new(
            self.argon2.memory_kib,
            self.argon2.iterations,
            self.argon2.parallelism,
            None,
        )
        .map_err(|e| format!("argon2 parameters: {e}"))?;
        Ok(())
    }
}

/// How SMS leave the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsSettings {
    /// Demo: messages go to the outbox table.
    Outbox,
    /// A real gateway reached by a signed HTTP POST.
    Webhook { url: String, secret: String },
    /// Nothing configured: every send fails with 2204.
    None,
}

/// Everything [`crate::AppState`] needs besides the database and the clock.
#[derive(Clone, Debug)]
pub struct Settings {
    pub policy: Policy,
    pub demo: bool,
    pub frame_ancestors: Vec<String>,
    pub cors_origins: Vec<String>,
    /// `None`: API only.
    pub static_dir: Option<PathBuf>,
    pub sms: SmsSettings,
}

impl Settings {
    /// Settings for tests and embedding: demo off, outbox off, no static files.
    pub fn new(policy: Policy) -> Settings {
        Settings {
            policy,
            demo: false,
            frame_ancestors: Vec::new(),
            cors_origins: Vec::new(),
            static_dir: None,
            sms: SmsSettings::None,
        }
    }

    /// Merges defaults, the TOML file and the flags (flags win).
    pub fn from_cli(cli: &Cli) -> Result<Settings, String> {
        let mut policy = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str::<Policy>(&text)
                    .map_err(|e| format!("invalid {}: {e}", path.display()))?
            }
            None => Policy::default(),
        };
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(value) = cli.$field.clone() {
                    policy.$field = value;
                }
            )*};
        }
        set!(
            pin_length,
            max_pin_failures,
            sms_code_ttl_seconds,
            sms_code_attempts,
            sms_resend_cooldown_seconds,
            sms_per_account_per_hour,
            device_limit,
            enrollment_ticket_ttl_seconds,
            step_up_ttl_seconds,
            reset_after_phone_change_seconds,
            session_idle_seconds,
            session_absolute_seconds,
            default_region
        );
        policy.check()?;
        let sms = match (&cli.sms_webhook_url, &cli.sms_webhook_secret) {
            (Some(url), Some(secret)) => SmsSettings::Webhook {
                url: url.clone(),
                secret: secret.clone(),
            },
            (Some(_), None) => return Err("--sms-webhook-url needs --sms-webhook-secret".into()),
            (None, _) if cli.demo => SmsSettings::Outbox,
            (None, _) => SmsSettings::None,
        };
        Ok(Settings {
            policy,
            demo: cli.demo,
            frame_ancestors: clean_list(&cli.frame_ancestors),
            cors_origins: clean_list(&cli.cors_origins),
            static_dir: Some(cli.static_dir.clone()),
            sms,
        })
    }
}

fn clean_list(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_spec_policy() {
        let policy = Policy::default();
        assert_eq!(policy.pin_length, 6);
        assert_eq!(policy.max_pin_failures, 3);
        assert_eq!(policy.sms_code_ttl_seconds, 600);
        assert_eq!(policy.device_limit, 5);
        assert_eq!(policy.session_absolute_seconds, 43_200);
        assert!(policy.check().is_ok());
    }

    #[test]
    fn toml_overrides_and_flags_override_toml() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(
            &path,
            "pin_length = 4\ndevice_limit = 2\n[argon2]\nmemory_kib = 64\n",
        )
        .unwrap();
        let cli = Cli::parse_from([
            "portal-server",
            "--config",
            path.to_str().unwrap(),
            "--device-limit",
            "3",
            "--demo",
        ]);
        let settings = Settings::from_cli(&cli).unwrap();
        assert_eq!(settings.policy.pin_length, 4);
        assert_eq!(settings.policy.device_limit, 3);
        assert_eq!(settings.policy.argon2.memory_kib, 64);
        assert!(settings.demo);
        assert_eq!(settings.sms, SmsSettings::Outbox);
    }

    #[test]
    fn the_demo_flag_is_parsed_strictly() {
        let demo = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("portal-server").chain(args.iter().copied()))
                .map(|cli| cli.demo)
        };
        assert!(!demo(&[]).unwrap());
        assert!(demo(&["--demo"]).unwrap());
        assert!(demo(&["--demo=true"]).unwrap());
        assert!(!demo(&["--demo=off"]).unwrap());
        assert!(!demo(&["--demo=0"]).unwrap());
        // A word that is no boolean (the falsey parser took it for "on") is an error.
        assert!(demo(&["--demo=disabled"]).is_err());
        assert!(demo(&["--demo=nope"]).is_err());
    }

    #[test]
    fn weakening_settings_are_refused() {
        let policy = Policy {
            pin_length: 3,
            ..Policy::default()
        };
        assert!(policy.check().is_err());
        let policy = Policy {
            default_region: "ZZ".into(),
            ..Policy::default()
        };
        assert!(policy.check().is_err());
    }
}
