//! The `lendhub` command: serve, migrate, create staff accounts, fill a demo database.

mod cli;

use std::io::Read;

use chrono::Utc;
use clap::Parser;
use lendhub::{
    auth,
    config::{Config, LogFormat},
    db, demo, follow_ups, imports, organisations, privacy, reminders, sims, staff, startup, waiting,
};
use migration::MigratorTrait;
use tracing_subscriber::EnvFilter;

use crate::cli::{
    Cli, Command, OrganisationCommand, RemindersCommand, RetentionCommand, TalliesCommand, UserCommand,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.env_file.as_deref()) {
        Ok(config) => config,
        Err(err) => return failed(&err),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    match config.log_format {
        // Colour only for a person at a terminal, not in journald or a file.
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
        // One JSON object a line, for a log collector; the fields are those of the text lines.
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
    }
    match run(cli, config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => failed(err.as_ref()),
    }
}

/// Every few seconds, the pages malloc holds free go back to the system. glibc keeps what each
/// thread's arena once held, and serve grew by tens of megabytes after a few reports at a million
/// rows; capping the arenas instead cost half the requests a second, as threads waited on malloc.
#[allow(unsafe_code)]
async fn give_back_freed_memory() {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        every.tick().await;
        #[cfg(target_env = "gnu")]
        tokio::task::spawn_blocking(|| {
            // SAFETY: `malloc_trim` returns free pages of malloc's own arenas to the system; it
            // touches no memory that is in use.
            unsafe { libc::malloc_trim(0) }
        })
        .await
        .ok();
    }
}

/// Says what went wrong and why, for whoever keeps lendhub running.
fn failed(err: &dyn std::error::Error) -> std::process::ExitCode {
    eprintln!("lendhub: {err}");
    let mut cause = err.source();
    while let Some(inner) = cause {
        eprintln!("  because: {inner}");
        cause = inner.source();
    }
    std::process::ExitCode::FAILURE
}

async fn run(cli: Cli, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve => {
            tokio::spawn(give_back_freed_memory());
            startup::serve(config).await
        }
        Command::Migrate => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    organisation,
                    prefix,
                    hubs,
                },
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            let password = match std::env::var("LENDHUB_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut password = String::new();
                    std::io::stdin().read_to_string(&mut password)?;
                    password.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let now = Utc::now();
            let org =
                auth::service::organisation_for_cli(&db, organisation.as_deref(), prefix.as_deref(), now)
                    .await?;
            let request = auth::service::NewStaffRequest {
                email,
                name,
                role: auth::Role::parse(&role)?,
                password,
            };
            let staff = auth::service::create_staff(&db, None, org, request, now).await?;
            let hubs = staff::service::assign_hubs_by_name(&db, &staff, &hubs).await?;
            println!(
                "created {} account for {} ({}){}",
                staff.role().label().to_lowercase(),
                staff.name(),
                staff.email(),
                match (staff.role(), hubs.as_slice()) {
                    (auth::Role::HubStaff, []) =>
                        ", at no hub yet: assign hubs on the Staff page or with --hub".to_owned(),
                    (_, []) => String::new(),
                    (_, names) => format!(" at {}", names.join(", ")),
                }
            );
            Ok(())
        }
        Command::User {
            command: UserCommand::ResetPassword { email },
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            let link =
                staff::service::reset_link_by_email(&db, &email, &config.public_url, Utc::now()).await?;
            println!(
                "Give this link to the account's owner. It works once, until {}:\n{}",
                lendhub::dates::london_time(link.expires_at),
                link.url
            );
            Ok(())
        }
        Command::Organisation {
            command:
                OrganisationCommand::Create {
                    name,
                    prefix,
                    kind,
                    admin_name,
                    admin_email,
                },
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            if organisations::service::first(&db.read).await?.is_none() {
                return Err("there is no organisation yet: set up the lead one first, with the link `lendhub serve` prints or `lendhub user create --organisation`".into());
            }
            let request = organisations::model::NewOrganisationRequest {
                name: Some(name),
                prefix: Some(prefix),
                kind: Some(kind),
                admin_name,
                admin_email,
            };
            let created =
                organisations::service::create(&db, None, &config.public_url, &request, Utc::now()).await?;
            println!(
                "organisation {} added; its first admin chooses a password here (valid 7 days):",
                created.id
            );
            println!("{}", created.invitation_url);
            Ok(())
        }
        Command::Reminders {
            command: RemindersCommand::Run { now },
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            let mailer = reminders::service::mailer(&config)?;
            if mailer.is_none() {
                eprintln!("LENDHUB_SMTP_URL is not set: emails stay queued");
            }
            let now = now.unwrap_or_else(Utc::now);
            // The time-driven work reads one clock: follow-ups, retention and the waiting list's
            // holds run with the same `now`. Follow-ups are asked first, so their emails go out
            // with the reminders.
            let asked =
                follow_ups::service::ask_due(&db, &config.follow_up_days, &config.public_url, now).await?;
            let sims_ending = sims::service::remind_ending(&db, now).await?;
            let (swept, delivered) = reminders::service::run_once(&db, &config, mailer.as_ref(), now).await?;
            let anonymised = privacy::service::run(&db, config.retention_months, now).await?;
            let holds = waiting::service::run_holds(&db, config.hold_days, now).await?;
            println!(
                "looked at {} loans; scheduled {} reminders and {} digests; asked {} how it went by email and {} by phone ({} could not be asked); told {sims_ending} their SIM's data ends soon; sent {}, will retry {}, failed {}; anonymised {anonymised} borrowers; {} waiting-list holds ran out, {} devices newly held",
                swept.loans,
                swept.reminders,
                swept.digests,
                asked.emailed,
                asked.to_call,
                asked.not_asked,
                delivered.sent,
                delivered.retrying,
                delivered.failed,
                holds.lapsed,
                holds.offered
            );
            Ok(())
        }
        Command::Retention {
            command: RetentionCommand::Run { now },
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            let now = now.unwrap_or_else(Utc::now);
            let anonymised = privacy::service::run(&db, config.retention_months, now).await?;
            println!(
                "anonymised {anonymised} borrowers with nothing happening since {} ({} months)",
                lendhub::dates::long_date(lendhub::dates::today(privacy::service::cutoff(
                    config.retention_months,
                    now
                ))),
                config.retention_months
            );
            Ok(())
        }
        Command::Tallies {
            command: TalliesCommand::Rebuild,
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            let (devices, open_loans) = lendhub::reports::summary::rebuild_tallies(&db).await?;
            println!(
                "tallies counted afresh: {devices} rows of devices by hub, status and kind; {open_loans} rows of open loans by hub and due day; the funder report's figures by day"
            );
            Ok(())
        }
        Command::Import {
            what,
            file,
            dry_run,
            map,
            create_hubs,
            consent_confirmed,
            staff_email,
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            let target =
                imports::model::Target::parse(&what).ok_or("import devices, borrowers or directory")?;
            let staff = staff::service::importer(&db, staff_email.as_deref()).await?;
            let options = imports::service::Options {
                dry_run,
                map: imports::model::parse_map(target, map.as_deref().unwrap_or_default())?,
                create_hubs,
                consent_confirmed,
            };
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} rows ({per_sec})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            let progress = |stage, rows| {
                bar.set_message(match stage {
                    imports::service::Stage::Checking => "checking",
                    imports::service::Stage::Writing => "writing",
                });
                bar.set_position(rows);
            };
            let report =
                imports::service::import(&db, &staff, target, &file, &options, &progress, Utc::now()).await?;
            bar.finish_and_clear();
            for column in &report.mapping.columns {
                let field = column.field.as_deref().unwrap_or("(not read)");
                println!("column {:?} -> {field}", column.header);
            }
            for error in &report.errors {
                println!("row {}, {}: {}", error.row, error.column, error.message);
            }
            if report.error_count > report.errors.len() as u64 {
                println!(
                    "... and {} more problems",
                    report.error_count - report.errors.len() as u64
                );
            }
            if !report.new_hubs.is_empty() {
                println!("new hubs: {}", report.new_hubs.join(", "));
            }
            if report.error_count > 0 {
                return Err(format!(
                    "{} rows read, {} problems: nothing was imported",
                    report.rows, report.error_count
                )
                .into());
            }
            if dry_run {
                println!(
                    "{} rows read, no problems: run again without --dry-run to import them",
                    report.rows
                );
            } else {
                println!("{} {what} imported", report.imported);
            }
            Ok(())
        }
        Command::Backup { file, into, keep } => {
            let db = db::connect(&config.database_url).await?;
            let file = match (file, &into) {
                (Some(file), _) => file,
                (None, Some(folder)) => folder.join(db::backup_name(Utc::now())),
                (None, None) => unreachable!("clap asks for a file or --into"),
            };
            let copy = db::backup(&db, &file).await?;
            #[allow(clippy::cast_precision_loss)]
            let megabytes = copy.bytes as f64 / 1_048_576.0;
            println!(
                "backed up to {} ({megabytes:.1} MB, {} loans); its integrity check passed",
                file.display(),
                copy.loans
            );
            if let (Some(folder), Some(keep)) = (into, keep) {
                let deleted = db::prune_backups(&folder, usize::from(keep))?;
                println!("kept the newest {keep}; deleted {} older", deleted.len());
            }
            Ok(())
        }
        Command::Demo {
            devices,
            loans,
            history,
        } => {
            let db = db::connect(&config.database_url).await?;
            migration::Migrator::up(&db.write, None).await?;
            let summary = demo::fill(&db, devices).await?;
            println!("added {} devices across {} hubs", summary.devices, summary.hubs);
            let services = demo::list_services(&db, summary.organisation_id).await?;
            println!("added {services} services to the signposting directory");
            if loans > 0 {
                let lent = demo::lend(&db, summary.organisation_id, loans).await?;
                println!("lent {lent} devices to as many demo borrowers");
                let sessions = demo::train(&db, summary.organisation_id, 24).await?;
                println!("added {sessions} training sessions with their registers");
            }
            if history > 0 {
                let added = demo::history(&db, summary.organisation_id, history).await?;
                println!("added {added} past loans over the last two years");
            }
            lendhub::reports::funder::kept::refresh(&db, None).await?;
            Ok(())
        }
    }
}
