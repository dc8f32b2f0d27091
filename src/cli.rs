//! What can be typed after `lendhub`: the commands and their arguments, with the help each shows.

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lendhub",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("LENDHUB_COMMIT"), ")"),
    about = "Device loans for digital-inclusion schemes"
)]
pub(crate) struct Cli {
    /// Read settings from this file of LENDHUB_*=value lines first (the package's is
    /// /etc/lendhub/lendhub.env); variables set in the environment win.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) env_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Apply pending migrations, then serve the web pages and the API.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The scheme's partner organisations.
    Organisation {
        #[command(subcommand)]
        command: OrganisationCommand,
    },
    /// Reminders about loans.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// Anonymising borrowers with nothing happening for LENDHUB_RETENTION_MONTHS.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// The figures the database keeps as devices and loans change (for the dashboard and the
    /// summary).
    Tallies {
        #[command(subcommand)]
        command: TalliesCommand,
    },
    /// Fill the database with realistic demo hubs, devices, borrowers and loans.
    Demo {
        /// How many devices to add.
        #[arg(long, default_value_t = 200)]
        devices: usize,
        /// How many of the available devices to lend to new demo borrowers.
        #[arg(long, default_value_t = 0)]
        loans: usize,
        /// How many past loans (returned) to spread over the last two years, cycling through
        /// the devices and borrowers: a long-running scheme's history, for benchmarks.
        #[arg(long, default_value_t = 0)]
        history: usize,
    },
    /// Add devices or borrowers from a CSV spreadsheet: every row is checked first, and written
    /// only when none has a problem.
    Import {
        #[arg(value_parser = ["devices", "borrowers", "directory"])]
        what: String,
        file: std::path::PathBuf,
        /// Check every row, list the problems, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Correct the guessed columns: "Serial Number=serial_number,Location=hub".
        #[arg(long)]
        map: Option<String>,
        /// Devices: create the hubs the file names that do not exist yet.
        #[arg(long)]
        create_hubs: bool,
        /// Borrowers: everyone in the file agreed to the scheme keeping their details.
        #[arg(long)]
        consent_confirmed: bool,
        /// The admin or coordinator the import is recorded as (the first admin when absent).
        #[arg(long = "as")]
        staff_email: Option<String>,
    },
    /// Copy the SQLite database to a new file while lendhub serves (on PostgreSQL, use pg_dump).
    #[command(group(clap::ArgGroup::new("to").required(true).args(["file", "into"])))]
    Backup {
        /// The new file to write; an existing file is never overwritten.
        file: Option<std::path::PathBuf>,
        /// Write the copy into this folder, named by the time (lendhub-20261207T031500Z.db).
        #[arg(long)]
        into: Option<std::path::PathBuf>,
        /// With --into: then delete all but the newest this many copies there.
        #[arg(long, requires = "into", value_parser = clap::value_parser!(u16).range(1..))]
        keep: Option<u16>,
    },
}

#[derive(Subcommand)]
pub(crate) enum OrganisationCommand {
    /// Add a partner organisation and print its first admin's invitation link (valid 7 days).
    Create {
        #[arg(long)]
        name: String,
        /// 2 to 6 letters before its asset tags, no other organisation's.
        #[arg(long)]
        prefix: String,
        #[arg(long, default_value = "other", value_parser = ["landlord", "charity", "training_partner", "council", "other"])]
        kind: String,
        /// Its first admin, when known; without one, the link lets whoever has it make the account.
        #[arg(long)]
        admin_name: Option<String>,
        #[arg(long)]
        admin_email: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum RemindersCommand {
    /// One sweep (schedule the reminders due now) and one delivery of the outbox, then exit.
    Run {
        /// The time to act as if it were, in RFC 3339 (e.g. 2027-03-10T09:00:00Z): for tests and
        /// for catching up. Now when absent.
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
    },
}

#[derive(Subcommand)]
pub(crate) enum TalliesCommand {
    /// Count them afresh from the devices and loans (they are kept by the database's triggers;
    /// this is for after restoring rows by hand).
    Rebuild,
}

#[derive(Subcommand)]
pub(crate) enum RetentionCommand {
    /// Anonymise every borrower due now, then exit (serve does this once a day).
    Run {
        /// The time to act as if it were, in RFC 3339. Now when absent.
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
    },
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|err| format!("{text:?} is not an RFC 3339 time like 2027-03-10T09:00:00Z ({err})"))
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Create a staff account. The password comes from LENDHUB_PASSWORD or standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "coordinator", "hub_staff", "trainer"])]
        role: String,
        /// The organisation's name, when none exists yet.
        #[arg(long)]
        organisation: Option<String>,
        /// The organisation's asset-tag prefix, when none exists yet.
        #[arg(long)]
        prefix: Option<String>,
        /// A hub a hub staff member works at, by name; give it once for each hub.
        #[arg(long = "hub")]
        hubs: Vec<String>,
    },
    /// Print a one-time link, valid a day, for a staff member to choose a new password.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}
