//! Settings: `config/default.toml` (compiled in), then one file over it
//! (`--config`, else `DOCKET_CONFIG`, else `config/local.toml` when present),
//! then `DOCKET__SECTION__KEY` variables, then `DATABASE_URL`. Every key is
//! documented in `config/default.toml`. Unknown keys and values that make no
//! sense are errors naming the key, so a typo stops start-up instead of
//! being ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::db::{ConnectOptions, DatabaseUrl, PoolOptions};

const DEFAULTS: &str = include_str!("../config/default.toml");
const LOCAL_FILE: &str = "config/local.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub demo: DemoSettings,
    pub log: LogSettings,
    pub intake: crate::intake::Limits,
    pub uploads: crate::db::pending::Caps,
    pub mail: crate::mail::MailSettings,
    pub triage: TriageSettings,
    pub limits: LimitSettings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageSettings {
    /// Seconds between looks for documents with new comments to re-cluster
    /// (near-duplicates); 0 turns the background pass off.
    pub recluster_every_secs: u64,
}

impl TriageSettings {
    pub fn recluster_every(&self) -> Option<std::time::Duration> {
        (self.recluster_every_secs > 0)
            .then(|| std::time::Duration::from_secs(self.recluster_every_secs))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    /// Signs and encrypts session cookies; empty means a random key per
    /// start. Instances behind one load balancer must share it.
    pub secret_key: SecretString,
    pub secure_cookies: SecureCookies,
    /// Where people reach this docket (links in e-mails).
    pub public_url: String,
}

/// Whether cookies carry the `Secure` flag (sent over HTTPS only).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// Secure unless serving on a loopback address (local use over HTTP).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May hold a password: never printed.
    pub url: SecretString,
    pub pool_size: u32,
    pub acquire_timeout_secs: u64,
    pub connect_timeout_secs: u64,
    pub sqlite_busy_timeout_ms: u64,
    pub lock_timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub load_when_empty: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
    pub format: LogFormat,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A configuration problem, naming the key (and source) at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration key {key}: {message}")]
    BadValue { key: &'static str, message: String },
}

impl From<figment::Error> for ConfigError {
    fn from(error: figment::Error) -> Self {
        // figment's Display names the key path and the provider it came from;
        // join every error, not only the first.
        let messages: Vec<String> = error.into_iter().map(|e| describe(&e)).collect();
        Self::Invalid(messages.join("; "))
    }
}

fn describe(error: &figment::Error) -> String {
    let key = error.path.join(".");
    let source = error
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(src) => format!(" (from {} {src})", m.name),
            None => format!(" (from {})", m.name),
        })
        .unwrap_or_default();
    match &error.kind {
        figment::error::Kind::UnknownField(field, _) => {
            // figment's path may already end with the field (even twice).
            let mut path: Vec<&str> = error.path.iter().map(String::as_str).collect();
            while path.last() == Some(&field.as_str()) {
                path.pop();
            }
            path.push(field);
            let full = path.join(".");
            format!("unknown key `{full}`{source}; see config/default.toml for the keys")
        }
        kind if key.is_empty() => format!("{kind}{source}"),
        kind => format!("key `{key}`: {kind}{source}"),
    }
}

impl Settings {
    /// Loads settings from the standard places. `file` is `--config`; when it
    /// is `None`, `DOCKET_CONFIG` is tried, then `config/local.toml`.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env_file = std::env::var_os("DOCKET_CONFIG").map(PathBuf::from);
        let explicit = file.map(Path::to_path_buf).or(env_file);
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        match explicit {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path)),
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(LOCAL_FILE).is_file() => {
                figment = figment.merge(Toml::file_exact(LOCAL_FILE));
            }
            None => {}
        }
        let figment = figment.merge(Env::prefixed("DOCKET__").split("__")).merge(
            Env::raw()
                .only(&["DATABASE_URL"])
                .map(|_| "database.url".into()),
        );
        Self::from_figment(figment)
    }

    /// Builds settings from the defaults plus `overrides` (TOML text): for tests.
    pub fn from_toml(overrides: &str) -> Result<Self, ConfigError> {
        Self::from_layers(&[overrides])
    }

    /// Like `from_toml` with several TOML layers, later ones winning.
    pub fn from_layers(layers: &[&str]) -> Result<Self, ConfigError> {
        let figment = layers
            .iter()
            .fold(Figment::from(Toml::string(DEFAULTS)), |f, layer| {
                f.merge(Toml::string(layer))
            });
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what serde cannot: values that parse but make no sense.
    fn validate(&self) -> Result<(), ConfigError> {
        self.bind_addr()?;
        self.database_url()?;
        let db = &self.database;
        at_least_one("database.pool_size", u64::from(db.pool_size))?;
        at_least_one("database.acquire_timeout_secs", db.acquire_timeout_secs)?;
        at_least_one("database.connect_timeout_secs", db.connect_timeout_secs)?;
        self.session_key()?;
        self.mail
            .validate()
            .map_err(|message| ConfigError::BadValue {
                key: "mail",
                message,
            })?;
        let limits = &self.intake;
        at_least_one("intake.max_file_bytes", limits.max_file_bytes)?;
        at_least_one("intake.max_rows", limits.max_rows as u64)?;
        at_least_one("intake.max_columns", limits.max_columns as u64)?;
        at_least_one(
            "intake.max_uncompressed_bytes",
            limits.max_uncompressed_bytes,
        )?;
        at_least_one("intake.max_compression_ratio", limits.max_compression_ratio)?;
        at_least_one("intake.read_memory_ratio", limits.read_memory_ratio)?;
        let uploads = &self.uploads;
        for (key, value) in [
            (
                "uploads.unconfirmed_keep_minutes",
                uploads.unconfirmed_keep_minutes,
            ),
            (
                "uploads.unconfirmed_bytes_per_client",
                uploads.unconfirmed_bytes_per_client,
            ),
            (
                "uploads.unconfirmed_bytes_total",
                uploads.unconfirmed_bytes_total,
            ),
        ] {
            at_least_one(key, u64::try_from(value).unwrap_or(0))?;
        }
        if self.server.workers > MAX_WORKERS {
            return Err(ConfigError::BadValue {
                key: "server.workers",
                message: format!("must be at most {MAX_WORKERS} (0 means one per core)"),
            });
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.filter).map_err(|e| {
            ConfigError::BadValue {
                key: "log.filter",
                message: e.to_string(),
            }
        })?;
        self.limits.validate()?;
        Ok(())
    }

    /// The session key: `server.secret_key` (hex of at least 64 bytes),
    /// else a random one for this process.
    pub fn session_key(&self) -> Result<actix_web::cookie::Key, ConfigError> {
        let raw = self.server.secret_key.expose_secret().trim();
        if raw.is_empty() {
            return Ok(actix_web::cookie::Key::generate());
        }
        let bytes = hex::decode(raw)
            .ok()
            .filter(|b| b.len() >= 64)
            .ok_or(ConfigError::BadValue {
                key: "server.secret_key",
                message: "must be at least 64 random bytes written as hex (e.g. the output of `openssl rand -hex 64`)".into(),
            })?;
        Ok(actix_web::cookie::Key::from(&bytes))
    }

    /// Whether cookies get the `Secure` flag. `auto`: yes when the public
    /// URL is https (a TLS proxy in front, even on the same host), or when
    /// listening beyond loopback; no only for plain local use.
    pub fn secure_cookies(&self) -> bool {
        match self.server.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            SecureCookies::Auto => {
                self.server.public_url.trim().starts_with("https://")
                    || !self.bind_addr().is_ok_and(|a| a.ip().is_loopback())
            }
        }
    }

    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        parse_bind(&self.server.bind)
    }

    pub fn database_url(&self) -> Result<DatabaseUrl, ConfigError> {
        DatabaseUrl::parse(self.database.url.expose_secret()).map_err(|e| ConfigError::BadValue {
            key: "database.url",
            message: e.to_string(),
        })
    }

    pub fn pool_options(&self) -> PoolOptions {
        let db = &self.database;
        PoolOptions {
            max_size: db.pool_size,
            acquire_timeout: Duration::from_secs(db.acquire_timeout_secs),
            connect: ConnectOptions {
                sqlite_busy_timeout: Duration::from_millis(db.sqlite_busy_timeout_ms),
                connect_timeout: Duration::from_secs(db.connect_timeout_secs),
                lock_timeout: Duration::from_millis(db.lock_timeout_ms),
            },
        }
    }
}

/// actix-web refuses more worker threads than this.
const MAX_WORKERS: usize = 512;

fn at_least_one(key: &'static str, value: u64) -> Result<(), ConfigError> {
    if value == 0 {
        return Err(ConfigError::BadValue {
            key,
            message: "must be at least 1".into(),
        });
    }
    Ok(())
}

/// `host:port` with a numeric host; `localhost` is accepted as 127.0.0.1.
pub fn parse_bind(raw: &str) -> Result<SocketAddr, ConfigError> {
    let replaced = raw.trim().replacen("localhost:", "127.0.0.1:", 1);
    replaced.parse().map_err(|_| ConfigError::BadValue {
        key: "server.bind",
        message: format!("`{raw}` is not an address and port such as 127.0.0.1:8080"),
    })
}

/// `[limits]`: per-client-address rate limits (`web::rate_limit`) and the
/// proxies trusted to name the client (`web::client`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// Addresses (`10.0.0.1`) or networks (`10.0.0.0/8`); checked at start.
    pub trusted_proxies: Vec<String>,
    pub sign_in_per_minute: u32,
    pub sign_in_per_hour: u32,
    pub upload_per_minute: u32,
    pub upload_per_hour: u32,
    pub confirm_per_minute: u32,
    pub confirm_per_hour: u32,
    pub api_submit_per_minute: u32,
    pub api_submit_per_hour: u32,
}

impl LimitSettings {
    /// `trusted_proxies` parsed; a bare address is a network of one.
    pub fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|raw| {
                let raw = raw.trim();
                raw.parse::<ipnet::IpNet>()
                    .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| ConfigError::BadValue {
                        key: "limits.trusted_proxies",
                        message: format!(
                            "`{raw}` is not an address or a network such as 10.0.0.0/8"
                        ),
                    })
            })
            .collect()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.trusted_proxies()?;
        for (key, value) in [
            ("limits.sign_in_per_minute", self.sign_in_per_minute),
            ("limits.sign_in_per_hour", self.sign_in_per_hour),
            ("limits.upload_per_minute", self.upload_per_minute),
            ("limits.upload_per_hour", self.upload_per_hour),
            ("limits.confirm_per_minute", self.confirm_per_minute),
            ("limits.confirm_per_hour", self.confirm_per_hour),
            ("limits.api_submit_per_minute", self.api_submit_per_minute),
            ("limits.api_submit_per_hour", self.api_submit_per_hour),
        ] {
            at_least_one(key, u64::from(value))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_unless_plain_http_on_loopback() {
        let secure = |toml: &str| Settings::from_toml(toml).unwrap().secure_cookies();
        assert!(!secure(""));
        assert!(secure("[server]\nbind = \"0.0.0.0:8080\"\n"));
        // A TLS proxy on the same host: loopback bind, https address.
        assert!(secure(
            "[server]\npublic_url = \"https://comments.example.org\"\n"
        ));
        assert!(!secure(
            "[server]\npublic_url = \"https://x.example\"\nsecure_cookies = \"never\"\n"
        ));
        assert!(secure("[server]\nsecure_cookies = \"always\"\n"));
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::from_toml("").unwrap();
        assert_eq!(s.bind_addr().unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(
            s.database_url().unwrap().to_string(),
            "sqlite:data/docket.sqlite3"
        );
        assert!(s.demo.load_when_empty);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Settings::from_toml("[server]\nbnd = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `server.bnd`"), "{err}");
        let err = Settings::from_toml("[sever]\nbind = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `sever`"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Settings::from_toml("[database]\npool_size = \"many\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("database.pool_size"), "{err}");
        let err = Settings::from_toml("[database]\npool_size = 0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("database.pool_size"), "{err}");
        for (toml, key) in [
            (
                "[database]\nacquire_timeout_secs = 0",
                "database.acquire_timeout_secs",
            ),
            (
                "[database]\nconnect_timeout_secs = 0",
                "database.connect_timeout_secs",
            ),
            ("[server]\nworkers = 100000", "server.workers"),
        ] {
            let err = Settings::from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
        let err = Settings::from_toml("[server]\nbind = \"8080\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.bind"), "{err}");
        let err = Settings::from_toml("[database]\nurl = \"mysql://x/y\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("database.url") && err.contains("mysql"),
            "{err}"
        );
        let err = Settings::from_toml("[log]\nformat = \"xml\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("log.format"), "{err}");
    }

    #[test]
    fn limits_name_their_bad_keys() {
        let s = Settings::from_toml(
            "[limits]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n",
        )
        .unwrap();
        assert_eq!(s.limits.trusted_proxies().unwrap().len(), 3);
        let err = Settings::from_toml("[limits]\ntrusted_proxies = [\"proxy.local\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("limits.trusted_proxies"), "{err}");
        let err = Settings::from_toml("[limits]\nupload_per_hour = 0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("limits.upload_per_hour"), "{err}");
        let err = Settings::from_toml("[limits]\nuploads_per_hour = 5\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown key `limits.uploads_per_hour`"),
            "{err}"
        );
    }

    #[test]
    fn bind_accepts_localhost() {
        assert_eq!(parse_bind("localhost:9000").unwrap().port(), 9000);
        assert!(parse_bind("0.0.0.0:0").is_ok());
        assert!(parse_bind("[::1]:8080").is_ok());
    }
}
