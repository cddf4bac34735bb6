//! Which database a URL names. The back end is chosen from the scheme
//! explicitly: diesel's `MultiConnection::establish` tries each back end in
//! turn and hides their errors ("Invalid connection url for
//! multiconnection"), so a mistyped `postgres:` URL would silently become
//! a SQLite file.

use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

/// The two back ends docket runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A parsed `database.url` / `DATABASE_URL`.
///
/// `Display` never shows a password, so the value is safe in logs and errors.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// A SQLite file; parent directories are created on connect.
    Sqlite(PathBuf),
    /// A libpq connection URL (`postgres://` or `postgresql://`).
    Postgres(SecretString),
}

/// Why a database URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("the database URL is empty")]
    Empty,
    #[error(
        "unsupported scheme `{0}:`; use `sqlite:PATH`, a plain file path, `postgres://…` or `postgresql://…`"
    )]
    UnknownScheme(String),
    #[error("`{0}` is not a valid PostgreSQL URL: {1}")]
    BadPostgres(String, String),
    #[error("an in-memory SQLite database cannot be shared by a connection pool; give a file path")]
    InMemory,
}

impl DatabaseUrl {
    /// Parses the forms docket accepts: `sqlite:PATH`, `sqlite://PATH`,
    /// `sqlite:///ABSOLUTE`, a plain path, `postgres://…`, `postgresql://…`.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(UrlError::Empty);
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw)
                .map_err(|e| UrlError::BadPostgres(redact(raw), e.to_string()))?;
            if parsed.host_str().is_none_or(str::is_empty) && !raw.contains("host=") {
                return Err(UrlError::BadPostgres(
                    redact(raw),
                    "it names no host".to_owned(),
                ));
            }
            return Ok(Self::Postgres(SecretString::from(raw.to_owned())));
        }
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            // `sqlite://relative/path` and `sqlite:///absolute/path` both work.
            let path = rest.strip_prefix("//").unwrap_or(rest);
            return Self::sqlite_path(path);
        }
        if let Some(scheme) = scheme_of(raw) {
            return Err(UrlError::UnknownScheme(scheme.to_owned()));
        }
        Self::sqlite_path(raw)
    }

    fn sqlite_path(path: &str) -> Result<Self, UrlError> {
        match path {
            "" => Err(UrlError::Empty),
            ":memory:" => Err(UrlError::InMemory),
            _ if path.starts_with("file::memory:") || path.contains("mode=memory") => {
                Err(UrlError::InMemory)
            }
            _ => Ok(Self::Sqlite(PathBuf::from(path))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL handed to libpq. Kept out of `Display` on purpose.
    pub(crate) fn postgres_secret(&self) -> Option<&str> {
        match self {
            Self::Postgres(url) => Some(url.expose_secret()),
            Self::Sqlite(_) => None,
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url.expose_secret())),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `scheme` of `scheme:rest` when the text looks like a URL rather than a
/// path. A single letter followed by `:` is a Windows drive, not a scheme.
fn scheme_of(raw: &str) -> Option<&str> {
    let (scheme, _) = raw.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let looks_like_scheme = first.is_ascii_alphabetic()
        && scheme.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    looks_like_scheme.then_some(scheme)
}

/// The URL with any password replaced by `***`.
fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Only fails for URLs that cannot have a password at all.
                let _ = parsed.set_password(Some("***"));
            }
            // libpq also takes `?password=…`.
            if parsed.query_pairs().any(|(k, _)| is_secret_param(&k)) {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if is_secret_param(&k) {
                            "***".to_owned()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        // Unparseable: show only the scheme, the rest may hold a password.
        Err(_) => match raw.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => "…".to_owned(),
        },
    }
}

fn is_secret_param(key: &str) -> bool {
    matches!(key, "password" | "passfile" | "sslpassword")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_backend_from_scheme() {
        let cases = [
            ("data/docket.sqlite3", Backend::Sqlite),
            ("/var/lib/docket/db.sqlite3", Backend::Sqlite),
            ("sqlite:data/x.db", Backend::Sqlite),
            ("sqlite://data/x.db", Backend::Sqlite),
            ("sqlite:///tmp/x.db", Backend::Sqlite),
            ("C:\\docket\\x.db", Backend::Sqlite),
            ("postgres://u@localhost/db", Backend::Postgres),
            (
                "postgresql://u:pw@db.example:5433/docket",
                Backend::Postgres,
            ),
        ];
        for (raw, backend) in cases {
            assert_eq!(
                DatabaseUrl::parse(raw).map(|u| u.backend()),
                Ok(backend),
                "{raw}"
            );
        }
    }

    #[test]
    fn sqlite_paths_keep_their_form() {
        let DatabaseUrl::Sqlite(path) = DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap() else {
            panic!("not sqlite")
        };
        assert_eq!(path, PathBuf::from("/tmp/x.db"));
        let DatabaseUrl::Sqlite(path) = DatabaseUrl::parse("sqlite://data/x.db").unwrap() else {
            panic!("not sqlite")
        };
        assert_eq!(path, PathBuf::from("data/x.db"));
    }

    #[test]
    fn refuses_what_would_silently_become_a_file() {
        assert_eq!(
            DatabaseUrl::parse("postgress://u@h/db").unwrap_err(),
            UrlError::UnknownScheme("postgress".into())
        );
        assert_eq!(
            DatabaseUrl::parse("mysql://root@localhost/db").unwrap_err(),
            UrlError::UnknownScheme("mysql".into())
        );
        assert_eq!(
            DatabaseUrl::parse("postgres:/tmp/db").unwrap_err(),
            UrlError::UnknownScheme("postgres".into())
        );
        assert_eq!(DatabaseUrl::parse("  ").unwrap_err(), UrlError::Empty);
        assert_eq!(
            DatabaseUrl::parse(":memory:").unwrap_err(),
            UrlError::InMemory
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:").unwrap_err(),
            UrlError::InMemory
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://"),
            Err(UrlError::BadPostgres(..))
        ));
    }

    #[test]
    fn display_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://docket:hunter2@db:5432/docket").unwrap();
        let shown = url.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("docket:***@db:5432/docket"), "{shown}");
        assert!(!format!("{url:?}").contains("hunter2"));
        let url =
            DatabaseUrl::parse("postgres://docket@db/docket?sslmode=require&password=hunter2")
                .unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://docket@db/docket?sslmode=require&password=***"
        );
        let err = DatabaseUrl::parse("postgres://docket:hunter2@[bad/docket").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
