//! Flags (with `PORTAL_*` environment twins), the optional TOML policy file, and
//! the settings the server runs with.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
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
    /// missing) or `postgres://USER@HOST/DB` (one or several instances). A password
    /// goes in `PORTAL_DATABASE_URL` or `--database-password-file`, never on the
    /// command line (every local user can read it there): refused with this flag.
    #[arg(
        long,
        env = "PORTAL_DATABASE_URL",
        default_value = "sqlite://data/portal.db?mode=rwc"
    )]
    pub database_url: String,
    /// A file holding the PostgreSQL password (its first line), put into the URL.
    #[arg(long, env = "PORTAL_DATABASE_PASSWORD_FILE")]
    pub database_password_file: Option<PathBuf>,
    /// The HMAC key and PIN pepper (created with mode 0600 when missing); default: next to
    /// the SQLite database, else `data/portal.key`. `PORTAL_SERVER_KEY` and
    /// `PORTAL_PIN_PEPPER` in the environment take its place.
    #[arg(long, env = "PORTAL_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// The URL browsers reach the portal at. `https://...`: HSTS on every response and a
    /// `Secure`, `__Host-` session cookie, whatever the proxy in front says; DPoP proofs
    /// name https. Plain http only on a loopback host (a machine of one's own).
    #[arg(long, env = "PORTAL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The built portal, served at `/` with SPA fallback to `index.html`.
    #[arg(long, env = "PORTAL_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,
    /// Seed the demo accounts and send SMS to the outbox (`GET /api/v1/dev/outbox`).
    /// Parsed strictly (true/false, yes/no, on/off, 1/0): any other word, such as
    /// `PORTAL_DEMO=disabled`, stops the server instead of turning demo mode on.
    #[arg(long, env = "PORTAL_DEMO", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub demo: bool,
    /// Lets `--demo` run where it is refused (a non-loopback bind, PostgreSQL, an SMS
    /// webhook), where anyone reaching the server can read codes and sign in to demo
    /// accounts whose password is public.
    #[arg(long, env = "PORTAL_DEMO_FORCE", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub demo_force: bool,
    /// Real SMS gateway: POST `{to, text}` signed with HMAC-SHA256 (header `X-Signature`).
    /// `https://` (plain http only to a loopback host). Its secret comes from
    /// `PORTAL_SMS_WEBHOOK_SECRET` in the environment or `--sms-webhook-secret-file`.
    #[arg(long, env = "PORTAL_SMS_WEBHOOK_URL")]
    pub sms_webhook_url: Option<String>,
    /// A file holding the webhook's signing secret (its first line).
    #[arg(long, env = "PORTAL_SMS_WEBHOOK_SECRET_FILE")]
    pub sms_webhook_secret_file: Option<PathBuf>,
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
    /// Sign-in attempts a client address may make a minute (a token bucket).
    #[arg(long, env = "PORTAL_SIGN_IN_PER_IP_PER_MINUTE")]
    pub sign_in_per_ip_per_minute: Option<u32>,
    /// Wrong PINs and SMS codes a client address may send an hour, across accounts (a
    /// token bucket; right ones are not counted).
    #[arg(long, env = "PORTAL_WRONG_GUESSES_PER_IP_PER_HOUR")]
    pub wrong_guesses_per_ip_per_hour: Option<u32>,
    /// SMS codes one destination number may receive an hour, whatever the accounts.
    #[arg(long, env = "PORTAL_SMS_PER_NUMBER_PER_HOUR")]
    pub sms_per_number_per_hour: Option<u32>,
    /// SMS codes the server sends a minute, in all.
    #[arg(long, env = "PORTAL_SMS_PER_MINUTE")]
    pub sms_per_minute: Option<u32>,
    /// Countries (ISO 3166 codes, comma separated) whose mobile numbers may receive SMS.
    #[arg(long, env = "PORTAL_SMS_COUNTRIES", value_delimiter = ',')]
    pub sms_countries: Option<Vec<String>>,
    /// Password and PIN hashes that may wait for a core, per priority; past it: 503.
    #[arg(long, env = "PORTAL_HASH_QUEUE")]
    pub hash_queue: Option<u32>,
    /// Reverse proxies (IPs or CIDRs, comma separated) whose `X-Forwarded-For` names the
    /// client; without it the header is ignored and the client is the socket's peer.
    #[arg(long, env = "PORTAL_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<String>,
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
    /// Whether the operator set `default_region` (file, flag or environment): if not, the
    /// portal's phone field follows the visitor's language instead.
    #[serde(skip)]
    pub default_region_set: bool,
    pub sms_webhook_timeout_seconds: u64,
    pub argon2: HashCost,
    /// Token bucket per client address on sign-in, checked before any hashing.
    pub sign_in_per_ip_per_minute: u32,
    /// Token bucket per client address on wrong PINs and SMS codes, across accounts.
    pub wrong_guesses_per_ip_per_hour: u32,
    /// SMS pumping: codes to one number an hour, across accounts.
    pub sms_per_number_per_hour: u32,
    /// SMS pumping: codes sent a minute, in all.
    pub sms_per_minute: u32,
    /// Countries whose mobile numbers may receive codes (default: those the portal offers).
    pub sms_countries: Vec<String>,
    /// Hashes waiting for a core, per priority (PIN checks, sign-ins): past it, shed.
    pub hash_queue: u32,
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
            device_limit: wire::api::DEFAULT_DEVICE_LIMIT,
            enrollment_ticket_ttl_seconds: 600,
            step_up_ttl_seconds: 120,
            reset_after_phone_change_seconds: 24 * 60 * 60,
            session_idle_seconds: 30 * 60,
            session_absolute_seconds: 12 * 60 * 60,
            default_region: "FR".to_string(),
            default_region_set: false,
            sms_webhook_timeout_seconds: 5,
            argon2: HashCost::default(),
            sign_in_per_ip_per_minute: 20,
            wrong_guesses_per_ip_per_hour: 60,
            sms_per_number_per_hour: 5,
            sms_per_minute: 60,
            sms_countries: wire::validate::COUNTRIES
                .iter()
                .map(|c| c.region.to_string())
                .collect(),
            hash_queue: 64,
        }
    }
}

/// Floors and ceilings of the settings an operator may change (`enrollment.md`, "Limits":
/// argon2 >= 19 MiB and t >= 2, PIN and SMS tries <= 10, idle session <= 30 min, absolute
/// <= 12 h): past them the policy is no longer the one the spec calls strong.
pub const MIN_ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const MIN_ARGON2_ITERATIONS: u32 = 2;
pub const MAX_TRIES: u32 = 10;
pub const MAX_SESSION_IDLE_SECONDS: i64 = 30 * 60;
pub const MAX_SESSION_ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;
/// Ceilings of the flood limits: beyond them a limit no longer limits anything (100
/// sign-ins a second from one address; a test server sets them this high).
pub const MAX_SIGN_IN_PER_IP_PER_MINUTE: u32 = 6_000;
pub const MAX_WRONG_GUESSES_PER_IP_PER_HOUR: u32 = 100_000;
pub const MAX_SMS_PER_NUMBER_PER_HOUR: u32 = 1_000;
pub const MAX_SMS_PER_MINUTE: u32 = 10_000;
pub const MAX_HASH_QUEUE: u32 = 10_000;

impl Policy {
    /// Refuses settings that would weaken or break the policy: what `Settings::from_cli`
    /// applies to the flags and the TOML file, so the server refuses to start with them.
    pub fn check(&self) -> Result<(), String> {
        self.check_limits()?;
        self.argon2.check_floor()
    }

    /// [`Policy::check`] without the floor of the argon2 cost. For a policy built in code
    /// (`AppState::new`): tests hash hundreds of PINs and choose a cheap cost; an
    /// operator's settings all come through `Settings::from_cli`, which applies the floor.
    pub fn check_limits(&self) -> Result<(), String> {
        let pin = wire::validate::MIN_PIN_LENGTH..=wire::validate::MAX_PIN_LENGTH;
        within("pin_length", self.pin_length, pin, "")?;
        within("max_pin_failures", self.max_pin_failures, 1..=MAX_TRIES, "")?;
        within(
            "sms_code_attempts",
            self.sms_code_attempts,
            1..=MAX_TRIES,
            "",
        )?;
        within(
            "session_idle_seconds",
            self.session_idle_seconds,
            1..=MAX_SESSION_IDLE_SECONDS,
            " (30 min)",
        )?;
        within(
            "session_absolute_seconds",
            self.session_absolute_seconds,
            1..=MAX_SESSION_ABSOLUTE_SECONDS,
            " (12 h)",
        )?;
        // A session ends at the sooner of the two: an idle time past the absolute one
        // would be a setting that does nothing, most likely a mistake.
        if self.session_idle_seconds > self.session_absolute_seconds {
            return Err(format!(
                "policy setting session_idle_seconds ({}) must not exceed \
                 session_absolute_seconds ({})",
                self.session_idle_seconds, self.session_absolute_seconds
            ));
        }
        within(
            "sign_in_per_ip_per_minute",
            self.sign_in_per_ip_per_minute,
            1..=MAX_SIGN_IN_PER_IP_PER_MINUTE,
            "",
        )?;
        within(
            "wrong_guesses_per_ip_per_hour",
            self.wrong_guesses_per_ip_per_hour,
            1..=MAX_WRONG_GUESSES_PER_IP_PER_HOUR,
            "",
        )?;
        within(
            "sms_per_number_per_hour",
            self.sms_per_number_per_hour,
            1..=MAX_SMS_PER_NUMBER_PER_HOUR,
            "",
        )?;
        within(
            "sms_per_minute",
            self.sms_per_minute,
            1..=MAX_SMS_PER_MINUTE,
            "",
        )?;
        within("hash_queue", self.hash_queue, 1..=MAX_HASH_QUEUE, "")?;
        if self.sms_countries.is_empty() {
            return Err("policy setting sms_countries must name at least one country".into());
        }
        if let Some(bad) = self
            .sms_countries
            .iter()
            .find(|c| c.parse::<phonenumber::country::Id>().is_err())
        {
            return Err(format!(
                "policy setting sms_countries: unknown country {bad:?}"
            ));
        }
        if self.device_limit == 0 {
            return Err("device_limit must be > 0".into());
        }
        let durations = [
            self.sms_code_ttl_seconds,
            self.enrollment_ticket_ttl_seconds,
            self.step_up_ttl_seconds,
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

impl HashCost {
    /// Refuses a cost below OWASP's minimum for argon2id, the spec's floor.
    pub fn check_floor(&self) -> Result<(), String> {
        if self.memory_kib < MIN_ARGON2_MEMORY_KIB {
            return Err(format!(
                "policy setting argon2.memory_kib must be at least {MIN_ARGON2_MEMORY_KIB} \
                 (19 MiB), got {}",
                self.memory_kib
            ));
        }
        if self.iterations < MIN_ARGON2_ITERATIONS {
            return Err(format!(
                "policy setting argon2.iterations must be at least {MIN_ARGON2_ITERATIONS}, \
                 got {}",
                self.iterations
            ));
        }
        Ok(())
    }
}

/// `Err` naming the setting and its allowed range when `value` is outside it.
fn within<T>(name: &str, value: T, range: RangeInclusive<T>, unit: &str) -> Result<(), String>
where
    T: PartialOrd + std::fmt::Display,
{
    if range.contains(&value) {
        return Ok(());
    }
    Err(format!(
        "policy setting {name} must be between {} and {}{unit}, got {value}",
        range.start(),
        range.end()
    ))
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

/// Environment variable of the SMS webhook's signing secret.
pub const SMS_WEBHOOK_SECRET_ENV: &str = "PORTAL_SMS_WEBHOOK_SECRET";

/// Everything [`crate::AppState`] needs besides the database and the clock.
#[derive(Clone, Debug)]
pub struct Settings {
    pub policy: Policy,
    pub demo: bool,
    /// The public URL is `https`: HSTS, and a `Secure` `__Host-` session cookie.
    pub https: bool,
    /// The HMAC key and the PIN pepper: `None` until `secrets::load` has read them (they
    /// come from a file or the environment, checked against the database).
    pub secrets: Option<crate::secrets::Secrets>,
    pub frame_ancestors: Vec<String>,
    pub cors_origins: Vec<String>,
    /// `None`: API only.
    pub static_dir: Option<PathBuf>,
    pub sms: SmsSettings,
    /// Peers whose `X-Forwarded-For` is believed (see `client_ip`).
    pub trusted_proxies: Vec<crate::client_ip::IpNet>,
}

impl Settings {
    /// Settings for tests and embedding: demo off, outbox off, no static files, http,
    /// fresh random secrets.
    pub fn new(policy: Policy) -> Settings {
        Settings {
            policy,
            demo: false,
            https: false,
            secrets: Some(crate::secrets::Secrets::generate()),
            frame_ancestors: Vec::new(),
            cors_origins: Vec::new(),
            static_dir: None,
            sms: SmsSettings::None,
            trusted_proxies: Vec::new(),
        }
    }

    /// The session cookie's name: `__Host-` over https, so that no other origin (a
    /// sibling subdomain, a network attacker on plain http) can set it for us.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.https {
            crate::auth::SECURE_SESSION_COOKIE
        } else {
            crate::auth::SESSION_COOKIE
        }
    }

    /// Merges defaults, the TOML file and the flags (flags win); secrets from the
    /// process's environment.
    pub fn from_cli(cli: &Cli) -> Result<Settings, String> {
        Settings::from_cli_env(cli, &|name| std::env::var(name).ok())
    }

    /// [`Settings::from_cli`] with `env` as the environment.
    pub fn from_cli_env(
        cli: &Cli,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, String> {
        let mut policy = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let mut policy = toml::from_str::<Policy>(&text)
                    .map_err(|e| format!("invalid {}: {e}", path.display()))?;
                policy.default_region_set = text
                    .parse::<toml::Table>()
                    .is_ok_and(|table| table.contains_key("default_region"));
                policy
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
            default_region,
            sign_in_per_ip_per_minute,
            wrong_guesses_per_ip_per_hour,
            sms_per_number_per_hour,
            sms_per_minute,
            hash_queue
        );
        policy.default_region_set |= cli.default_region.is_some();
        if let Some(countries) = &cli.sms_countries {
            policy.sms_countries = clean_list(countries)
                .into_iter()
                .map(|c| c.to_ascii_uppercase())
                .collect();
        }
        policy.check()?;
        let secret = match (&cli.sms_webhook_secret_file, env(SMS_WEBHOOK_SECRET_ENV)) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "--sms-webhook-secret-file and {SMS_WEBHOOK_SECRET_ENV} both set: give one"
                ))
            }
            (Some(path), None) => Some(first_line_of("--sms-webhook-secret-file", path)?),
            (None, secret) => secret.filter(|s| !s.is_empty()),
        };
        let sms = match (&cli.sms_webhook_url, secret) {
            (Some(url), Some(secret)) => {
                check_webhook_url(url)?;
                SmsSettings::Webhook {
                    url: url.clone(),
                    secret,
                }
            }
            (Some(_), None) => {
                return Err(format!(
                    "--sms-webhook-url needs its secret, in {SMS_WEBHOOK_SECRET_ENV} or \
                     --sms-webhook-secret-file (never on the command line)"
                ))
            }
            (None, _) if cli.demo => SmsSettings::Outbox,
            (None, _) => SmsSettings::None,
        };
        if cli.demo && !cli.demo_force {
            demo_guard(cli)?;
        }
        let https = match &cli.public_url {
            Some(url) => public_url_is_https(url)?,
            None => false,
        };
        Ok(Settings {
            policy,
            demo: cli.demo,
            https,
            secrets: None,
            frame_ancestors: crate::csp::frame_ancestors(&clean_list(&cli.frame_ancestors))?,
            cors_origins: clean_list(&cli.cors_origins),
            static_dir: Some(cli.static_dir.clone()),
            sms,
            trusted_proxies: crate::client_ip::parse_trusted(&clean_list(&cli.trusted_proxy))?,
        })
    }
}

impl Cli {
    /// The command line, refusing a database password given on it.
    pub fn parse_checked() -> Result<Cli, String> {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().get_matches();
        let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        let on_command_line =
            matches.value_source("database_url") == Some(clap::parser::ValueSource::CommandLine);
        if on_command_line && url_has_password(&cli.database_url) {
            return Err(
                "--database-url holds a password: on the command line every local user can \
                 read it (ps, /proc). Put the URL in PORTAL_DATABASE_URL, or the password \
                 in --database-password-file"
                    .into(),
            );
        }
        Ok(cli)
    }

    /// The database URL, with the password of `--database-password-file` put in.
    pub fn database_url(&self) -> Result<String, String> {
        let Some(path) = &self.database_password_file else {
            return Ok(self.database_url.clone());
        };
        if crate::db::Backend::of_url(&self.database_url)? != crate::db::Backend::Postgres {
            return Err("--database-password-file is for a postgres:// database URL".into());
        }
        let password = first_line_of("--database-password-file", path)?;
        let mut url = reqwest::Url::parse(&self.database_url)
            .map_err(|_| "invalid database URL".to_string())?;
        url.set_password(Some(&password))
            .map_err(|()| "the database URL cannot take a password".to_string())?;
        Ok(url.to_string())
    }

    /// The key file's path: `--key-file`, else next to the SQLite database.
    pub fn key_file(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| crate::db::default_key_file(&self.database_url))
    }
}

/// Whether a database URL carries a password (`scheme://user:password@host`).
fn url_has_password(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|url| url.password().is_some_and(|p| !p.is_empty()))
}

/// The first line of a secret's file, which must not be empty.
fn first_line_of(flag: &str, path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{flag}: cannot read {}: {e}", path.display()))?;
    let line = text.lines().next().unwrap_or_default().trim().to_string();
    if line.is_empty() {
        return Err(format!("{flag}: {} is empty", path.display()));
    }
    Ok(line)
}

/// Whether a parsed URL's host is this machine.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The webhook carries every SMS code: only over TLS, unless it stays on this machine.
fn check_webhook_url(text: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| format!("--sms-webhook-url (PORTAL_SMS_WEBHOOK_URL) is no URL: {e}"))?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => Err(
            "--sms-webhook-url (PORTAL_SMS_WEBHOOK_URL) must be https:// (plain http only to \
             a loopback host): every SMS code goes through it"
                .into(),
        ),
    }
}

/// Whether the public URL is https; plain http only on a loopback host.
fn public_url_is_https(text: &str) -> Result<bool, String> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| format!("--public-url (PORTAL_PUBLIC_URL) is no URL: {e}"))?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(true),
        "http" if is_loopback(&url) => Ok(false),
        _ => Err(
            "--public-url (PORTAL_PUBLIC_URL) must be https://HOST (plain http only on a \
             loopback host: sessions would travel in clear)"
                .into(),
        ),
    }
}

/// Demo mode shows every SMS code to whoever asks for its account's outbox, and seeds
/// accounts whose password is public: it belongs on a machine of one's own.
fn demo_guard(cli: &Cli) -> Result<(), String> {
    let why = if !cli.bind.ip().is_loopback() {
        format!("listens on {} (not a loopback address)", cli.bind)
    } else if crate::db::Backend::of_url(&cli.database_url) == Ok(crate::db::Backend::Postgres) {
        "runs on PostgreSQL (a shared, lasting database)".to_string()
    } else if cli.sms_webhook_url.is_some() {
        "has an SMS webhook (codes would reach real phones)".to_string()
    } else {
        return Ok(());
    };
    Err(format!(
        "--demo refused: this server {why}. Demo mode seeds accounts whose password is \
         public (demo-password) and lets any of them read its SMS codes in the outbox: \
         anyone who can reach the server can sign in to them and see those codes. Run it \
         on your own machine (--bind 127.0.0.1:PORT, SQLite, no webhook), or add \
         --demo-force if you accept that risk"
    ))
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
            "pin_length = 4\ndevice_limit = 2\n[argon2]\nmemory_kib = 32768\n",
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
        assert_eq!(settings.policy.argon2.memory_kib, 32768);
        assert!(settings.demo);
        assert_eq!(settings.sms, SmsSettings::Outbox);
    }

    #[test]
    fn the_phone_region_follows_the_language_unless_the_operator_sets_one() {
        let dir = tempfile::tempdir().unwrap();
        let settings = |file: Option<&str>, flags: &[&str]| {
            let mut args = vec!["portal-server".to_string()];
            if let Some(text) = file {
                let path = dir.path().join("policy.toml");
                std::fs::write(&path, text).unwrap();
                args.extend(["--config".to_string(), path.display().to_string()]);
            }
            args.extend(flags.iter().map(|f| f.to_string()));
            let policy = Settings::from_cli_env(&Cli::parse_from(args), &|_| None)
                .unwrap()
                .policy;
            (policy.default_region, policy.default_region_set)
        };
        assert_eq!(settings(None, &[]), ("FR".into(), false));
        assert_eq!(
            settings(Some("pin_length = 6\n"), &[]),
            ("FR".into(), false)
        );
        assert_eq!(
            settings(Some("default_region = \"BE\"\n"), &[]),
            ("BE".into(), true)
        );
        assert_eq!(
            settings(None, &["--default-region", "DE"]),
            ("DE".into(), true)
        );
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

    /// `check`'s answer for the default policy changed by `change`.
    fn check_with(change: impl FnOnce(&mut Policy)) -> Result<(), String> {
        let mut policy = Policy::default();
        change(&mut policy);
        policy.check()
    }

    /// One setting changed from the default.
    type Change = fn(&mut Policy);

    #[test]
    fn the_spec_floors_and_ceilings_are_accepted_and_nothing_past_them() {
        assert_eq!(
            check_with(|p| {
                p.argon2.memory_kib = 19 * 1024;
                p.argon2.iterations = 2;
                p.max_pin_failures = 10;
                p.sms_code_attempts = 10;
                p.session_idle_seconds = 30 * 60;
                p.session_absolute_seconds = 12 * 60 * 60;
            }),
            Ok(())
        );
        assert_eq!(
            check_with(|p| {
                p.max_pin_failures = 1;
                p.sms_code_attempts = 1;
                p.session_idle_seconds = 1;
                p.session_absolute_seconds = 1;
            }),
            Ok(())
        );
        let refused: [(Change, &str); 11] = [
            (
                |p| p.argon2.memory_kib = 19 * 1024 - 1,
                "policy setting argon2.memory_kib must be at least 19456 (19 MiB), got 19455",
            ),
            (
                |p| p.argon2.iterations = 1,
                "policy setting argon2.iterations must be at least 2, got 1",
            ),
            (
                |p| p.max_pin_failures = 11,
                "policy setting max_pin_failures must be between 1 and 10, got 11",
            ),
            (
                |p| p.max_pin_failures = 0,
                "policy setting max_pin_failures must be between 1 and 10, got 0",
            ),
            (
                |p| p.sms_code_attempts = 11,
                "policy setting sms_code_attempts must be between 1 and 10, got 11",
            ),
            (
                |p| p.sms_code_attempts = 0,
                "policy setting sms_code_attempts must be between 1 and 10, got 0",
            ),
            (
                |p| p.session_idle_seconds = 30 * 60 + 1,
                "policy setting session_idle_seconds must be between 1 and 1800 (30 min), \
                 got 1801",
            ),
            (
                |p| p.session_idle_seconds = 0,
                "policy setting session_idle_seconds must be between 1 and 1800 (30 min), got 0",
            ),
            (
                |p| p.session_absolute_seconds = 12 * 60 * 60 + 1,
                "policy setting session_absolute_seconds must be between 1 and 43200 (12 h), \
                 got 43201",
            ),
            (
                |p| p.session_absolute_seconds = -5,
                "policy setting session_absolute_seconds must be between 1 and 43200 (12 h), \
                 got -5",
            ),
            (
                |p| {
                    p.session_idle_seconds = 600;
                    p.session_absolute_seconds = 300;
                },
                "policy setting session_idle_seconds (600) must not exceed \
                 session_absolute_seconds (300)",
            ),
        ];
        for (change, message) in refused {
            assert_eq!(check_with(change), Err(message.to_string()));
        }
    }

    #[test]
    fn a_policy_built_in_code_may_hash_cheaply_but_keeps_the_other_limits() {
        let cheap = Policy {
            argon2: HashCost {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..Policy::default()
        };
        assert_eq!(cheap.check_limits(), Ok(()));
        assert!(cheap.check().is_err());
        let lax = Policy {
            max_pin_failures: 11,
            ..cheap
        };
        assert!(lax.check_limits().is_err());
    }

    /// `Settings::from_cli` (what `main` runs) for `args`, with a policy file of `toml`.
    fn from_cli(toml: &str, args: &[&str]) -> Result<Settings, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, toml).unwrap();
        let cli = Cli::parse_from(
            ["portal-server", "--config", path.to_str().unwrap()]
                .iter()
                .chain(args),
        );
        Settings::from_cli(&cli)
    }

    #[test]
    fn the_server_does_not_start_with_settings_past_the_limits() {
        assert!(from_cli("", &[]).is_ok());
        let error = from_cli("[argon2]\nmemory_kib = 64\niterations = 1\n", &[]).unwrap_err();
        assert!(error.contains("argon2.memory_kib"), "{error}");
        let error = from_cli("[argon2]\niterations = 1\n", &[]).unwrap_err();
        assert!(error.contains("argon2.iterations"), "{error}");
        let error = from_cli("sms_code_attempts = 20\n", &[]).unwrap_err();
        assert!(error.contains("sms_code_attempts"), "{error}");
        let error = from_cli("", &["--max-pin-failures", "11"]).unwrap_err();
        assert!(error.contains("max_pin_failures"), "{error}");
        let error = from_cli("", &["--session-idle-seconds", "3600"]).unwrap_err();
        assert!(error.contains("session_idle_seconds"), "{error}");
        let error = from_cli("session_absolute_seconds = 86400\n", &[]).unwrap_err();
        assert!(error.contains("session_absolute_seconds"), "{error}");
    }

    #[test]
    fn the_flood_limits_have_spec_defaults_floors_and_ceilings() {
        let policy = Policy::default();
        assert_eq!(policy.sign_in_per_ip_per_minute, 20);
        assert_eq!(policy.wrong_guesses_per_ip_per_hour, 60);
        assert_eq!(policy.sms_per_number_per_hour, 5);
        assert!(policy.sms_countries.contains(&"FR".to_string()));
        for (args, name) in [
            (
                ["--sign-in-per-ip-per-minute", "0"],
                "sign_in_per_ip_per_minute",
            ),
            (
                ["--sign-in-per-ip-per-minute", "6001"],
                "sign_in_per_ip_per_minute",
            ),
            (
                ["--sms-per-number-per-hour", "0"],
                "sms_per_number_per_hour",
            ),
            (["--sms-per-minute", "0"], "sms_per_minute"),
            (
                ["--wrong-guesses-per-ip-per-hour", "0"],
                "wrong_guesses_per_ip_per_hour",
            ),
            (
                ["--wrong-guesses-per-ip-per-hour", "100001"],
                "wrong_guesses_per_ip_per_hour",
            ),
            (["--hash-queue", "0"], "hash_queue"),
            (["--sms-countries", "FR,XX"], "sms_countries"),
            (["--sms-countries", ","], "sms_countries"),
        ] {
            let error = from_cli("", &args).unwrap_err();
            assert!(error.contains(name), "{args:?}: {error}");
        }
        let settings = from_cli(
            "",
            &[
                "--sms-countries",
                "fr, be",
                "--sign-in-per-ip-per-minute",
                "6000",
                "--trusted-proxy",
                "10.0.0.0/8, ::1",
            ],
        )
        .unwrap();
        assert_eq!(settings.policy.sms_countries, ["FR", "BE"]);
        assert_eq!(settings.policy.sign_in_per_ip_per_minute, 6000);
        assert_eq!(settings.trusted_proxies.len(), 2);
        let error = from_cli("", &["--trusted-proxy", "10.0.0.0/33"]).unwrap_err();
        assert!(error.contains("10.0.0.0/33"), "{error}");
    }

    #[test]
    fn the_server_does_not_start_with_a_frame_ancestor_that_is_no_origin() {
        let settings = from_cli(
            "",
            &[
                "--demo",
                "--frame-ancestors",
                "http://127.0.0.1:41234, https://cars.example.com,",
                "--cors-origins",
                "http://127.0.0.1:41234",
            ],
        )
        .unwrap();
        assert_eq!(
            settings.frame_ancestors,
            ["http://127.0.0.1:41234", "https://cars.example.com"]
        );
        let error = from_cli(
            "",
            &[
                "--frame-ancestors",
                "https://cars.example.com,https://x.example; script-src *",
            ],
        )
        .unwrap_err();
        assert!(
            error.contains("\"https://x.example; script-src *\""),
            "{error}"
        );
    }

    /// `Settings::from_cli_env` for `args`, with `env` as the whole environment.
    fn with_env(args: &[&str], env: &[(&str, &str)]) -> Result<Settings, String> {
        let cli = Cli::try_parse_from(std::iter::once("portal-server").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_cli_env(&cli, &|name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn demo_mode_is_refused_where_others_could_reach_it_unless_forced() {
        assert!(with_env(&["--demo"], &[]).is_ok());
        assert!(with_env(&["--demo", "--bind", "[::1]:8080"], &[]).is_ok());
        let error = with_env(&["--demo", "--bind", "0.0.0.0:8080"], &[]).unwrap_err();
        assert!(error.contains("listens on 0.0.0.0:8080"), "{error}");
        assert!(error.contains("anyone who can reach the server"), "{error}");
        assert!(error.contains("--demo-force"), "{error}");
        let error = with_env(
            &[
                "--demo",
                "--database-url",
                "postgres://portal@db.internal/portal",
            ],
            &[],
        )
        .unwrap_err();
        assert!(error.contains("PostgreSQL"), "{error}");
        let webhook = [
            "--demo",
            "--sms-webhook-url",
            "https://sms.example.com/send",
        ];
        let secret = [(SMS_WEBHOOK_SECRET_ENV, "s3cret")];
        let error = with_env(&webhook, &secret).unwrap_err();
        assert!(error.contains("SMS webhook"), "{error}");
        let forced = [&webhook[..], &["--demo-force", "--bind", "0.0.0.0:8080"]].concat();
        let settings = with_env(&forced, &secret).unwrap();
        assert!(settings.demo);
        // Without demo, none of it matters.
        assert!(with_env(&["--bind", "0.0.0.0:8080"], &[]).is_ok());
    }

    #[test]
    fn the_webhook_is_https_and_its_secret_never_a_flag() {
        let url = |u: &str| with_env(&["--sms-webhook-url", u], &[(SMS_WEBHOOK_SECRET_ENV, "k")]);
        assert!(url("https://sms.example.com/send").is_ok());
        assert!(url("http://127.0.0.1:9000/send").is_ok());
        assert!(url("http://localhost:9000/send").is_ok());
        assert!(url("http://[::1]:9000/send").is_ok());
        for refused in [
            "http://sms.example.com/send",
            "http://10.0.0.5/send",
            "ftp://x/y",
            "sms",
        ] {
            let error = url(refused).unwrap_err();
            assert!(
                error.starts_with("--sms-webhook-url (PORTAL_SMS_WEBHOOK_URL)"),
                "{refused}: {error}"
            );
        }
        // The secret: the environment or a file, never a flag.
        assert!(with_env(
            &[
                "--sms-webhook-url",
                "https://s.example",
                "--sms-webhook-secret",
                "k"
            ],
            &[]
        )
        .is_err());
        let error = with_env(&["--sms-webhook-url", "https://s.example"], &[]).unwrap_err();
        assert!(error.contains(SMS_WEBHOOK_SECRET_ENV), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "from-a-file\n").unwrap();
        let settings = with_env(
            &[
                "--sms-webhook-url",
                "https://s.example",
                "--sms-webhook-secret-file",
                file.to_str().unwrap(),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            settings.sms,
            SmsSettings::Webhook {
                url: "https://s.example".into(),
                secret: "from-a-file".into()
            }
        );
    }

    #[test]
    fn the_public_url_decides_https() {
        assert!(!with_env(&[], &[]).unwrap().https);
        assert!(
            with_env(&["--public-url", "https://portal.example.com"], &[])
                .unwrap()
                .https
        );
        assert!(
            !with_env(&["--public-url", "http://127.0.0.1:8080"], &[])
                .unwrap()
                .https
        );
        let error = with_env(&["--public-url", "http://portal.example.com"], &[]).unwrap_err();
        assert!(
            error.starts_with("--public-url (PORTAL_PUBLIC_URL)"),
            "{error}"
        );
        let settings = with_env(&["--public-url", "https://portal.example.com"], &[]).unwrap();
        assert_eq!(settings.session_cookie_name(), "__Host-portal_session");
    }

    #[test]
    fn the_database_password_comes_from_a_file() {
        assert!(url_has_password("postgres://portal:secret@db/portal"));
        assert!(!url_has_password("postgres://portal@db/portal"));
        assert!(!url_has_password("sqlite://data/portal.db?mode=rwc"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("password");
        std::fs::write(&file, "p@ss:word\n").unwrap();
        let cli = Cli::parse_from([
            "portal-server",
            "--database-url",
            "postgres://portal@db.internal:5432/portal?sslmode=require",
            "--database-password-file",
            file.to_str().unwrap(),
        ]);
        assert_eq!(
            cli.database_url().unwrap(),
            "postgres://portal:p%40ss%3Aword@db.internal:5432/portal?sslmode=require"
        );
        let sqlite = Cli::parse_from([
            "portal-server",
            "--database-password-file",
            file.to_str().unwrap(),
        ]);
        assert!(sqlite.database_url().is_err());
    }
}
