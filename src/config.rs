//! Configuration, read once at start-up from the environment and an optional `lendhub.toml`, and
//! passed down typed. Nothing else in lendhub reads the environment.

use serde::Deserialize;

/// Everything lendhub needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    /// The address people reach lendhub at, without a trailing slash: used in QR codes and emails.
    pub public_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// The "found this?" line printed on asset labels; names the organisation when unset.
    pub label_found_line: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Raw {
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    label_found_line: Option<String>,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the configuration: {0}")]
    Read(#[from] config::ConfigError),
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// Reads `lendhub.toml` (if present in the working directory) and then `LENDHUB_*` variables,
    /// which win.
    pub fn load() -> Result<Self, ConfigError> {
        let raw: Raw = config::Config::builder()
            .add_source(config::File::with_name("lendhub.toml").required(false))
            .add_source(config::Environment::with_prefix("LENDHUB"))
            .build()?
            .try_deserialize()?;
        Self::from_parts(raw)
    }

    fn from_parts(raw: Raw) -> Result<Self, ConfigError> {
        let bind = raw.bind.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let public_url = raw
            .public_url
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "LENDHUB_PUBLIC_URL",
                message: format!("{public_url:?} must start with http:// or https://"),
            });
        }
        Ok(Self {
            database_url: raw
                .database_url
                .unwrap_or_else(|| "sqlite://lendhub.db?mode=rwc".to_owned()),
            bind,
            public_url,
            smtp_url: raw.smtp_url.filter(|url| !url.is_empty()),
            mail_from: raw
                .mail_from
                .unwrap_or_else(|| "lendhub <lendhub@localhost>".to_owned()),
            label_found_line: raw.label_found_line.filter(|line| !line.trim().is_empty()),
        })
    }

    /// A test configuration for `database_url`, with everything else at its default.
    pub fn for_database(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            bind: "127.0.0.1:0".to_owned(),
            public_url: "http://127.0.0.1".to_owned(),
            smtp_url: None,
            mail_from: "lendhub <lendhub@localhost>".to_owned(),
            label_found_line: None,
        }
    }

    /// Cookies are marked `Secure` when lendhub is reached over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> Raw {
        Raw {
            database_url: None,
            bind: None,
            public_url: None,
            smtp_url: None,
            mail_from: None,
            label_found_line: None,
        }
    }

    #[test]
    fn defaults_to_a_sqlite_file_on_localhost() {
        let config = Config::from_parts(raw()).unwrap();
        assert_eq!(config.database_url, "sqlite://lendhub.db?mode=rwc");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert!(!config.secure_cookies());
    }

    #[test]
    fn refuses_a_public_url_without_a_scheme() {
        let err = Config::from_parts(Raw {
            public_url: Some("lend.example.org".into()),
            ..raw()
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("LENDHUB_PUBLIC_URL"));
    }

    #[test]
    fn trims_the_trailing_slash_of_the_public_url() {
        let config = Config::from_parts(Raw {
            public_url: Some("https://lend.example.org/".into()),
            ..raw()
        })
        .unwrap();
        assert_eq!(config.public_url, "https://lend.example.org");
        assert!(config.secure_cookies());
    }
}
