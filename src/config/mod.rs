//! Configuration, read once at start-up from the environment and an optional `lendhub.toml`, and
//! passed down typed. Nothing else in lendhub reads the environment.

use std::sync::Arc;

use serde::Deserialize;

use crate::{agreements::model::Terms, reminders::model::Policy};

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
    /// How many days a loan runs by default, per kind of device.
    pub loan_days: LoanDays,
    /// The terms printed in every loan agreement: the built-in ones, or a scheme's own file.
    pub agreement_terms: Arc<Terms>,
    /// When reminders go out.
    pub reminders: Policy,
    /// How often `serve` sweeps for reminders and delivers the outbox.
    pub reminder_interval: std::time::Duration,
    /// The longest one email's whole SMTP exchange may take before it counts as a temporary
    /// failure (a server that accepts the connection and never answers).
    pub smtp_timeout: std::time::Duration,
    /// A browser session unused this long is signed out.
    pub session_idle: chrono::Duration,
    /// A borrower is anonymised this many months after their last loan or session ends.
    pub retention_months: u32,
    /// A bearer of this may read `/metrics` from anywhere (loopback clients need none).
    pub metrics_token: Option<String>,
    /// The reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// How many days a device offered to someone on the waiting list is held for them.
    pub hold_days: i64,
    /// Days after a loan or gift begins when the person is asked how it went.
    pub follow_up_days: Vec<i32>,
}

/// Log lines for a person reading a terminal, or one JSON object per line for a log collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The default length of a loan for each kind of device, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanDays {
    pub laptop: i64,
    pub tablet: i64,
    pub mifi: i64,
}

impl Default for LoanDays {
    /// Twelve weeks for a laptop or tablet (a course and some practice); eight for a MiFi, whose
    /// data plan costs by the month.
    fn default() -> Self {
        Self {
            laptop: 84,
            tablet: 84,
            mifi: 56,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Raw {
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    label_found_line: Option<String>,
    loan_days_laptop: Option<i64>,
    loan_days_tablet: Option<i64>,
    loan_days_mifi: Option<i64>,
    agreement_terms_file: Option<String>,
    reminder_due_soon_days: Option<i64>,
    reminder_overdue_days: Option<String>,
    reminder_interval_seconds: Option<u64>,
    smtp_timeout_seconds: Option<u64>,
    session_idle_minutes: Option<u64>,
    retention_months: Option<u64>,
    metrics_token: Option<String>,
    trusted_proxies: Option<String>,
    log_format: Option<String>,
    hold_days: Option<u64>,
    follow_up_days: Option<String>,
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
    /// Reads `lendhub.toml` (if present in the working directory), then `env_file` (the
    /// package's `/etc/lendhub/lendhub.env`: `LENDHUB_*=value` lines, as systemd reads them),
    /// then `LENDHUB_*` variables; each later source wins.
    pub fn load(env_file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let mut variables = config::Map::<String, String>::default();
        if let Some(path) = env_file {
            let text = std::fs::read_to_string(path).map_err(|err| ConfigError::Invalid {
                key: "--env-file",
                message: format!("{}: {err}", path.display()),
            })?;
            variables.extend(env_lines(&text).map_err(|line| ConfigError::Invalid {
                key: "--env-file",
                message: format!(
                    "{} line {line} is not NAME=value (the value is not shown: it may be a password)",
                    path.display()
                ),
            })?);
        }
        variables.extend(
            std::env::vars_os()
                .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?))),
        );
        let raw: Raw = config::Config::builder()
            .add_source(config::File::with_name("lendhub.toml").required(false))
            .add_source(config::Environment::with_prefix("LENDHUB").source(Some(variables)))
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
        let smtp_url = raw.smtp_url.filter(|url| !url.trim().is_empty());
        let mail_from = raw
            .mail_from
            .unwrap_or_else(|| "lendhub <lendhub@localhost>".to_owned());
        match &smtp_url {
            Some(url) => crate::reminders::mail::check(url, &mail_from),
            None => crate::reminders::mail::check("smtp://localhost", &mail_from),
        }
        .map_err(|message| ConfigError::Invalid {
            key: if message.contains("SMTP URL") {
                "LENDHUB_SMTP_URL"
            } else {
                "LENDHUB_MAIL_FROM"
            },
            message,
        })?;
        let due_soon_days = match raw.reminder_due_soon_days {
            None => Policy::default().due_soon_days,
            Some(days) if (0..=60).contains(&days) => days,
            Some(_) => {
                return Err(ConfigError::Invalid {
                    key: "LENDHUB_REMINDER_DUE_SOON_DAYS",
                    message: "must be a number of days from 0 (none) to 60".into(),
                });
            }
        };
        let overdue_days = match raw.reminder_overdue_days.as_deref() {
            None => Policy::default().overdue_days,
            Some(text) => Policy::parse_overdue_days(text).map_err(|message| ConfigError::Invalid {
                key: "LENDHUB_REMINDER_OVERDUE_DAYS",
                message,
            })?,
        };
        let interval = ranged(
            "LENDHUB_REMINDER_INTERVAL_SECONDS",
            raw.reminder_interval_seconds,
            300,
            10..=86_400,
            "seconds",
        )?;
        let smtp_timeout = ranged(
            "LENDHUB_SMTP_TIMEOUT_SECONDS",
            raw.smtp_timeout_seconds,
            30,
            1..=120,
            "seconds",
        )?;
        let idle = ranged(
            "LENDHUB_SESSION_IDLE_MINUTES",
            raw.session_idle_minutes,
            120,
            5..=1440,
            "minutes",
        )?;
        let retention_months = ranged(
            "LENDHUB_RETENTION_MONTHS",
            raw.retention_months,
            24,
            1..=240,
            "months",
        )?;
        let hold_days = ranged("LENDHUB_HOLD_DAYS", raw.hold_days, 5, 1..=30, "days")?;
        let follow_up_days = crate::follow_ups::model::parse_days(
            raw.follow_up_days.as_deref().unwrap_or("28,91"),
        )
        .map_err(|message| ConfigError::Invalid {
            key: "LENDHUB_FOLLOW_UP_DAYS",
            message,
        })?;
        Ok(Self {
            follow_up_days,
            database_url: raw
                .database_url
                .unwrap_or_else(|| "sqlite://lendhub.db?mode=rwc".to_owned()),
            bind,
            public_url,
            smtp_url,
            mail_from,
            label_found_line: raw.label_found_line.filter(|line| !line.trim().is_empty()),
            loan_days: LoanDays {
                laptop: days(
                    "LENDHUB_LOAN_DAYS_LAPTOP",
                    raw.loan_days_laptop,
                    LoanDays::default().laptop,
                )?,
                tablet: days(
                    "LENDHUB_LOAN_DAYS_TABLET",
                    raw.loan_days_tablet,
                    LoanDays::default().tablet,
                )?,
                mifi: days(
                    "LENDHUB_LOAN_DAYS_MIFI",
                    raw.loan_days_mifi,
                    LoanDays::default().mifi,
                )?,
            },
            agreement_terms: Arc::new(terms(raw.agreement_terms_file.as_deref())?),
            reminders: Policy {
                due_soon_days,
                overdue_days,
            },
            reminder_interval: std::time::Duration::from_secs(interval),
            smtp_timeout: std::time::Duration::from_secs(smtp_timeout),
            session_idle: chrono::Duration::minutes(i64::try_from(idle).unwrap_or(120)),
            retention_months: u32::try_from(retention_months).unwrap_or(24),
            metrics_token: raw.metrics_token.filter(|t| !t.trim().is_empty()),
            trusted_proxies: proxies(raw.trusted_proxies.as_deref().unwrap_or_default())?,
            hold_days: i64::try_from(hold_days).unwrap_or(5),
            log_format: match raw.log_format.as_deref().map(str::trim) {
                None | Some("" | "text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        key: "LENDHUB_LOG_FORMAT",
                        message: format!("{other:?} is not a log format: use text or json"),
                    });
                }
            },
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
            loan_days: LoanDays::default(),
            agreement_terms: Arc::new(Terms::builtin()),
            reminders: Policy::default(),
            reminder_interval: std::time::Duration::from_mins(5),
            smtp_timeout: std::time::Duration::from_secs(30),
            session_idle: chrono::Duration::hours(2),
            retention_months: 24,
            metrics_token: None,
            trusted_proxies: Vec::new(),
            log_format: LogFormat::Text,
            hold_days: 5,
            follow_up_days: vec![28, 91],
        }
    }

    /// The default due date of a loan of `kind` starts this many days after the day it is issued.
    pub fn loan_days(&self, kind: crate::devices::model::DeviceKind) -> i64 {
        use crate::devices::model::DeviceKind;
        match kind {
            DeviceKind::Laptop => self.loan_days.laptop,
            DeviceKind::Tablet => self.loan_days.tablet,
            DeviceKind::Mifi => self.loan_days.mifi,
        }
    }

    /// Cookies are marked `Secure` when lendhub is reached over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A whole number of `unit` within `range`, or `default` when unset.
fn ranged(
    key: &'static str,
    value: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(n) if range.contains(&n) => Ok(n),
        Some(_) => Err(ConfigError::Invalid {
            key,
            message: format!("must be from {} to {} {unit}", range.start(), range.end()),
        }),
    }
}

/// The `NAME=value` lines of an environment file, as systemd's `EnvironmentFile=` reads the
/// simple ones: blank lines and `#` comments skipped, the value taken literally (a `$` or `\\`
/// in a password stays as it is), one pair of matching quotes around it removed. A line that is
/// not such a pair is refused by its number.
fn env_lines(text: &str) -> Result<Vec<(String, String)>, usize> {
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(number + 1);
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(number + 1);
        }
        let value = value.trim();
        let unquoted = ['"', '\''].iter().find_map(|quote| {
            value
                .strip_prefix(*quote)
                .and_then(|inner| inner.strip_suffix(*quote))
        });
        pairs.push((name.to_owned(), unquoted.unwrap_or(value).to_owned()));
    }
    Ok(pairs)
}

/// `LENDHUB_TRUSTED_PROXIES`: addresses (`127.0.0.1`) or networks (`10.0.0.0/8`), separated by
/// commas or spaces.
fn proxies(text: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    text.split([',', ' '])
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    key: "LENDHUB_TRUSTED_PROXIES",
                    message: format!("{entry:?} is not an IP address (127.0.0.1) or network (10.0.0.0/8)"),
                })
        })
        .collect()
}

fn days(key: &'static str, value: Option<i64>, default: i64) -> Result<i64, ConfigError> {
    match value {
        None => Ok(default),
        Some(days) if (1..=crate::loans::model::MAX_LOAN_DAYS).contains(&days) => Ok(days),
        Some(_) => Err(ConfigError::Invalid {
            key,
            message: format!(
                "must be a number of days from 1 to {}",
                crate::loans::model::MAX_LOAN_DAYS
            ),
        }),
    }
}

/// The built-in terms, or those of `LENDHUB_AGREEMENT_TERMS_FILE` (same format as
/// `templates/agreements/terms.txt`).
fn terms(file: Option<&str>) -> Result<Terms, ConfigError> {
    let key = "LENDHUB_AGREEMENT_TERMS_FILE";
    match file.map(str::trim).filter(|f| !f.is_empty()) {
        None => Ok(Terms::builtin()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|err| ConfigError::Invalid {
                key,
                message: format!("cannot read {path}: {err}"),
            })?;
            Terms::parse(&text).map_err(|message| ConfigError::Invalid {
                key,
                message: format!("{path}: {message}"),
            })
        }
    }
}

#[cfg(test)]
mod tests;
