//! Database migrations for lendhub. The same migrations run on SQLite and PostgreSQL; where the two
//! differ (text search indexes), each migration says so beside the statement.

#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261125_000001_foundation;
mod m20261125_000002_loans;
mod m20261125_000003_agreements;
mod m20261125_000004_reminders;
mod m20261125_000005_training;
mod m20261203_000006_hardening;
mod m20261203_000007_counter;
mod m20261203_000008_search_accents;
mod m20261203_000009_stocktakes;
mod m20261204_000010_staff_accounts;
mod m20261204_000011_funder_report;
mod m20261206_000012_day_one;
mod m20261206_000013_training_term;
mod m20261206_000014_consents;
mod m20261206_000015_access_log;
mod m20261207_000016_retention;
mod m20261207_000017_referrals;
mod m20261207_000018_after_the_loan;
mod m20261207_000019_partnership;
mod m20261207_000020_sharing;
mod m20261208_000021_partner_borrowers;
mod m20261208_000022_tallies;
mod m20261209_000023_kept_funder_figures;

/// What `lendhub tallies rebuild` runs after emptying the tallies: the same count as the first fill.
pub use m20261208_000022_tallies::FILL as TALLIES_FILL;
/// Marks every device and person with a loan or an attendance, to be counted again.
pub use m20261209_000023_kept_funder_figures::MARK_ALL as PRESENCE_MARK_ALL;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_loans::Migration),
            Box::new(m20261125_000003_agreements::Migration),
            Box::new(m20261125_000004_reminders::Migration),
            Box::new(m20261125_000005_training::Migration),
            Box::new(m20261203_000006_hardening::Migration),
            Box::new(m20261203_000007_counter::Migration),
            Box::new(m20261203_000008_search_accents::Migration),
            Box::new(m20261203_000009_stocktakes::Migration),
            Box::new(m20261204_000010_staff_accounts::Migration),
            Box::new(m20261204_000011_funder_report::Migration),
            Box::new(m20261206_000012_day_one::Migration),
            Box::new(m20261206_000013_training_term::Migration),
            Box::new(m20261206_000014_consents::Migration),
            Box::new(m20261206_000015_access_log::Migration),
            Box::new(m20261207_000016_retention::Migration),
            Box::new(m20261207_000017_referrals::Migration),
            Box::new(m20261207_000018_after_the_loan::Migration),
            Box::new(m20261207_000019_partnership::Migration),
            Box::new(m20261207_000020_sharing::Migration),
            Box::new(m20261208_000021_partner_borrowers::Migration),
            Box::new(m20261208_000022_tallies::Migration),
            Box::new(m20261209_000023_kept_funder_figures::Migration),
        ]
    }
}
