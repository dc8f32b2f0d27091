//! Tests of reading the configuration: the defaults, and each setting refused naming its key.

use super::*;

fn raw() -> Raw {
    Raw {
        database_url: None,
        bind: None,
        public_url: None,
        smtp_url: None,
        mail_from: None,
        label_found_line: None,
        loan_days_laptop: None,
        loan_days_tablet: None,
        loan_days_mifi: None,
        agreement_terms_file: None,
        reminder_due_soon_days: None,
        reminder_overdue_days: None,
        reminder_interval_seconds: None,
        smtp_timeout_seconds: None,
        session_idle_minutes: None,
        retention_months: None,
        metrics_token: None,
        trusted_proxies: None,
        log_format: None,
        hold_days: None,
        follow_up_days: None,
    }
}

#[test]
fn trusted_proxies_are_addresses_or_networks_and_a_typo_is_refused() {
    assert!(Config::from_parts(raw()).unwrap().trusted_proxies.is_empty());
    let config = Config::from_parts(Raw {
        trusted_proxies: Some("127.0.0.1, ::1 10.0.0.0/8".into()),
        ..raw()
    })
    .unwrap();
    let shown: Vec<String> = config.trusted_proxies.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["127.0.0.1/32", "::1/128", "10.0.0.0/8"]);
    let err = Config::from_parts(Raw {
        trusted_proxies: Some("127.0.0.1,localhost".into()),
        ..raw()
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("LENDHUB_TRUSTED_PROXIES"), "{err}");
    assert!(err.to_string().contains("\"localhost\""), "{err}");
}

#[test]
fn logs_are_text_unless_json_is_asked_for() {
    assert_eq!(Config::from_parts(raw()).unwrap().log_format, LogFormat::Text);
    let json = Config::from_parts(Raw {
        log_format: Some("json".into()),
        ..raw()
    })
    .unwrap();
    assert_eq!(json.log_format, LogFormat::Json);
    let err = Config::from_parts(Raw {
        log_format: Some("yaml".into()),
        ..raw()
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("LENDHUB_LOG_FORMAT"), "{err}");
}

#[test]
fn keeps_records_24_months_unless_told_and_refuses_a_retention_of_none() {
    assert_eq!(Config::from_parts(raw()).unwrap().retention_months, 24);
    let six = Config::from_parts(Raw {
        retention_months: Some(6),
        ..raw()
    })
    .unwrap();
    assert_eq!(six.retention_months, 6);
    let err = Config::from_parts(Raw {
        retention_months: Some(0),
        ..raw()
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("LENDHUB_RETENTION_MONTHS"), "{err}");
}

#[test]
fn defaults_to_a_sqlite_file_on_localhost() {
    let config = Config::from_parts(raw()).unwrap();
    assert_eq!(config.database_url, "sqlite://lendhub.db?mode=rwc");
    assert_eq!(config.public_url, "http://127.0.0.1:8080");
    assert!(!config.secure_cookies());
}

#[test]
fn loan_lengths_can_be_set_per_kind_within_a_year() {
    let config = Config::from_parts(Raw {
        loan_days_mifi: Some(28),
        ..raw()
    })
    .unwrap();
    assert_eq!(config.loan_days(crate::devices::model::DeviceKind::Mifi), 28);
    assert_eq!(config.loan_days(crate::devices::model::DeviceKind::Laptop), 84);
    let err = Config::from_parts(Raw {
        loan_days_laptop: Some(0),
        ..raw()
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("LENDHUB_LOAN_DAYS_LAPTOP"));
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

#[test]
fn an_smtp_url_that_cannot_be_read_stops_start_up_naming_the_setting() {
    let config = Config::from_parts(Raw {
        smtp_url: Some("smtp://127.0.0.1:2525".into()),
        ..raw()
    })
    .unwrap();
    assert_eq!(config.smtp_url.as_deref(), Some("smtp://127.0.0.1:2525"));
    let err = Config::from_parts(Raw {
        smtp_url: Some("mail.example.org:25".into()),
        ..raw()
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("LENDHUB_SMTP_URL"), "{err}");
    let err = Config::from_parts(Raw {
        mail_from: Some("nobody".into()),
        ..raw()
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("LENDHUB_MAIL_FROM"), "{err}");
}

#[test]
fn the_reminder_policy_can_be_set() {
    let config = Config::from_parts(Raw {
        reminder_due_soon_days: Some(2),
        reminder_overdue_days: Some("3, 10".into()),
        ..raw()
    })
    .unwrap();
    assert_eq!(config.reminders.due_soon_days, 2);
    assert_eq!(config.reminders.overdue_days, [3, 10]);
    let err = Config::from_parts(Raw {
        reminder_overdue_days: Some("soon".into()),
        ..raw()
    })
    .unwrap_err();
    assert!(
        err.to_string().starts_with("LENDHUB_REMINDER_OVERDUE_DAYS"),
        "{err}"
    );
}

#[test]
fn a_scheme_can_use_its_own_terms_and_broken_ones_stop_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("terms.txt");
    std::fs::write(&good, "version: ours-3\n## Our rules\nBring it back to {hub}.\n").unwrap();
    let config = Config::from_parts(Raw {
        agreement_terms_file: Some(good.display().to_string()),
        ..raw()
    })
    .unwrap();
    assert_eq!(config.agreement_terms.version, "ours-3");
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "## no version line\n").unwrap();
    for path in [bad, dir.path().join("missing.txt")] {
        let err = Config::from_parts(Raw {
            agreement_terms_file: Some(path.display().to_string()),
            ..raw()
        })
        .unwrap_err();
        assert!(
            err.to_string().starts_with("LENDHUB_AGREEMENT_TERMS_FILE"),
            "{err}"
        );
    }
}

#[test]
fn an_environment_file_is_read_literally_and_a_bad_line_is_named_without_its_value() {
    let text = "# settings\n\nLENDHUB_DATABASE_URL=postgres://u:pa$word\\x@h/db\nLENDHUB_MAIL_FROM=\"Scheme <a@b.org>\"\nLENDHUB_LABEL_FOUND_LINE='Ring 01234'\n";
    let pairs = env_lines(text).unwrap();
    assert_eq!(
        pairs,
        [
            (
                "LENDHUB_DATABASE_URL".to_owned(),
                "postgres://u:pa$word\\x@h/db".to_owned()
            ),
            ("LENDHUB_MAIL_FROM".to_owned(), "Scheme <a@b.org>".to_owned()),
            ("LENDHUB_LABEL_FOUND_LINE".to_owned(), "Ring 01234".to_owned()),
        ]
    );
    assert_eq!(env_lines("LENDHUB_BIND=1\nsecret password here\n"), Err(2));
}
