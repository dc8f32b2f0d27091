//! The journey after a loan: gifts, follow-ups, reservations and SIMs. A device can be given away
//! for good (`gifts`; the device becomes `gifted`, an end state, and a loan that becomes a gift
//! closes as `gifted`); people are asked at 4 weeks and 3 months how it went (`follow_ups`, one
//! per loan or gift and day, with the answers; the link's key is kept only as its SHA-256);
//! trainers book devices for a session (`reservations`); SIMs with data are given on their own
//! (`sims`, each ICCID once), and their people are told before the data ends. A scheme may set
//! its own eligibility questions and weights (`organisations.eligibility`).
//!
//! The device and loan statuses and the outbox's kinds are widened in place, as
//! `m20261207_000017_referrals` did: on SQLite in the stored definition, on PostgreSQL by
//! replacing the constraints under names of their own.

use sea_orm_migration::{
    prelude::*,
    schema::{integer_null, text_null},
    sea_orm::{ConnectionTrait, DbBackend},
};

mod tables;

use tables::{FollowUps, Gifts, Reservations, Sims, follow_ups, gifts, reservations, sims};

use crate::helpers::{index, rewrite_check};

pub struct Migration;

// Named by hand: the derive names a migration after its file, which for a folder is `mod`, and
// a second folder would then share the name and never run.
impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m20261207_000018_after_the_loan"
    }
}

/// A check widened: its table, its name on PostgreSQL, a word only the old one holds there, and
/// the definitions before and after.
struct Widened {
    table: &'static str,
    name: &'static str,
    finds: &'static str,
    old: &'static str,
    new: &'static str,
}

const WIDENED: [Widened; 4] = [
    Widened {
        table: "devices",
        name: "devices_status",
        finds: "awaiting_checks",
        old: r#"CHECK ("status" IN ('available', 'on_loan', 'awaiting_checks', 'in_repair', 'lost', 'retired'))"#,
        new: r#"CHECK ("status" IN ('available', 'on_loan', 'awaiting_checks', 'in_repair', 'lost', 'retired', 'gifted'))"#,
    },
    Widened {
        table: "loans",
        name: "loans_status",
        finds: "'open'",
        old: r#"CHECK ("status" IN ('open', 'returned', 'lost'))"#,
        new: r#"CHECK ("status" IN ('open', 'returned', 'lost', 'gifted'))"#,
    },
    Widened {
        table: "reminders",
        name: "reminders_kind",
        finds: "due_soon",
        old: r#"CHECK ("kind" IN ('due_soon', 'due_today', 'overdue', 'digest', 'session_cancelled', 'referral_declined', 'device_offered'))"#,
        new: r#"CHECK ("kind" IN ('due_soon', 'due_today', 'overdue', 'digest', 'session_cancelled', 'referral_declined', 'device_offered', 'follow_up', 'data_ending'))"#,
    },
    Widened {
        table: "reminders",
        name: "reminders_about",
        finds: "session_id IS NOT NULL",
        old: r#"CHECK ("kind" IN ('digest', 'referral_declined') OR "loan_id" IS NOT NULL OR "session_id" IS NOT NULL OR ("kind" = 'device_offered' AND "borrower_id" IS NOT NULL))"#,
        new: r#"CHECK ("kind" IN ('digest', 'referral_declined') OR "loan_id" IS NOT NULL OR "session_id" IS NOT NULL OR ("kind" IN ('device_offered', 'follow_up', 'data_ending') AND "borrower_id" IS NOT NULL))"#,
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        gifts(manager).await?;
        follow_ups(manager).await?;
        reservations(manager).await?;
        sims(manager).await?;
        for check in &WIDENED {
            widen(manager, check, check.old, check.new).await?;
        }
        // A follow-up asked by email or on the call list: the outbox row names it, so recording
        // the answers can close the call.
        manager
            .alter_table(
                Table::alter()
                    .table(Reminders::Table)
                    .add_column(integer_null(Reminders::FollowUpId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "reminders_follow_up",
            Reminders::Table,
            &[Reminders::FollowUpId],
        )
        .await?;
        // A scheme's own eligibility questions and weights (JSON); none for the defaults.
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(text_null(Organisations::Eligibility))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM reminders WHERE kind IN ('follow_up', 'data_ending')")
            .await?;
        db.execute_unprepared("DROP INDEX reminders_follow_up").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(Organisations::Eligibility)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Reminders::Table)
                    .drop_column(Reminders::FollowUpId)
                    .to_owned(),
            )
            .await?;
        for check in &WIDENED {
            widen(manager, check, check.new, check.old).await?;
        }
        for table in [
            Sims::Table.into_iden(),
            Reservations::Table.into_iden(),
            FollowUps::Table.into_iden(),
            Gifts::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// Replaces the check `from` with `to`.
async fn widen(manager: &SchemaManager<'_>, check: &Widened, from: &str, to: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() == DbBackend::Sqlite {
        return rewrite_check(manager, check.table, from, to).await;
    }
    // The column checks of the first migrations have names PostgreSQL chose: found by what
    // only they say, dropped, and added again under a name of this migration's.
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "DO $$ DECLARE c record; BEGIN \
         FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass \
         AND contype = 'c' AND (conname = '{name}' OR pg_get_constraintdef(oid) LIKE '%{finds}%') LOOP \
         EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', c.conname); END LOOP; END $$",
        table = check.table,
        name = check.name,
        finds = check.finds.replace('\'', "''"),
    ))
    .await?;
    db.execute_unprepared(&format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {to}",
        check.table, check.name
    ))
    .await?;
    Ok(())
}

#[derive(DeriveIden, Clone)]
enum Organisations {
    Table,
    Eligibility,
}

#[derive(DeriveIden, Clone)]
enum Reminders {
    Table,
    FollowUpId,
}
