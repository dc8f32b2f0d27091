//! Retention and erasure. A borrower is anonymised (`anonymised_at`) some time after their last
//! loan and session, or at once on request; an admin may hold a record back (`held_at`, with a
//! reason). Anonymising deletes the agreements' documents: a signed agreement still never changes,
//! except for the one change the triggers now allow, which empties its PDF, drawn signature and
//! typed name and sets `erased_at`, keeping its SHA-256, terms version and time of acceptance.
//!
//! Free text written about a borrower now lives only in rows that anonymising can clear: a call's
//! notes move from its audit event to `reminders.call_notes`, and the audit log keeps no notes or
//! reasons (lost devices, extended loans, calls); those stay on the loan, the extension and the
//! call; a retried email's server error stays on the email. This is the one time the
//! append-only audit log is rewritten.

use crate::helpers::rewrite_check;
use sea_orm_migration::{
    prelude::*,
    schema::{integer_null, text_null, timestamp_with_time_zone_null},
    sea_orm::{ConnectionTrait, DbBackend},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_FROZEN: &str = "CREATE TRIGGER agreements_no_update BEFORE UPDATE ON agreements \
     WHEN NOT (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL \
     AND NEW.id = OLD.id AND NEW.organisation_id = OLD.organisation_id AND NEW.loan_id = OLD.loan_id \
     AND NEW.terms_version = OLD.terms_version AND NEW.method = OLD.method \
     AND NEW.accepted_at = OLD.accepted_at AND NEW.recorded_by IS OLD.recorded_by \
     AND NEW.sha256 = OLD.sha256 \
     AND NEW.signed_name = '' AND NEW.signature IS NULL AND length(NEW.pdf) = 0) \
     BEGIN SELECT RAISE(ABORT, 'a signed agreement never changes'); END";

const POSTGRES_FROZEN: &str = "CREATE OR REPLACE FUNCTION agreements_frozen() RETURNS trigger \
     LANGUAGE plpgsql AS $$ BEGIN \
     IF TG_OP = 'UPDATE' AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL \
     AND NEW.id = OLD.id AND NEW.organisation_id = OLD.organisation_id AND NEW.loan_id = OLD.loan_id \
     AND NEW.terms_version = OLD.terms_version AND NEW.method = OLD.method \
     AND NEW.accepted_at = OLD.accepted_at AND NEW.recorded_by IS NOT DISTINCT FROM OLD.recorded_by \
     AND NEW.sha256 = OLD.sha256 \
     AND NEW.signed_name = '' AND NEW.signature IS NULL AND octet_length(NEW.pdf) = 0 THEN \
     RETURN NEW; END IF; \
     RAISE EXCEPTION 'a signed agreement never changes'; END $$";

const SQLITE_AUDIT: &[&str] = &[
    // A call's event is filed under its loan, or (a session's call) its borrower: the index on
    // (entity_type, entity_id) finds it without reading the whole log.
    "UPDATE reminders SET call_notes = COALESCE( \
     (SELECT json_extract(a.details, '$.notes') FROM audit_events a WHERE a.entity_type = 'loan' \
      AND a.entity_id = reminders.loan_id AND a.action = 'reminder_call' \
      AND json_extract(a.details, '$.reminder_id') = reminders.id ORDER BY a.id DESC LIMIT 1), \
     (SELECT json_extract(a.details, '$.notes') FROM audit_events a WHERE a.entity_type = 'borrower' \
      AND a.entity_id = reminders.borrower_id AND a.action = 'reminder_call' \
      AND json_extract(a.details, '$.reminder_id') = reminders.id ORDER BY a.id DESC LIMIT 1)) \
     WHERE channel = 'call' AND outcome IS NOT NULL",
    "DROP TRIGGER audit_events_no_update",
    "UPDATE audit_events SET details = json_remove(details, '$.notes') \
     WHERE action IN ('reminder_call', 'reported_lost') AND json_extract(details, '$.notes') IS NOT NULL",
    "UPDATE audit_events SET details = json_remove(details, '$.reason') \
     WHERE action = 'extended' AND json_extract(details, '$.reason') IS NOT NULL",
    "UPDATE audit_events SET details = json_remove(details, '$.last_error') \
     WHERE action = 'reminder_retried' AND json_extract(details, '$.last_error') IS NOT NULL",
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN \
     SELECT RAISE(ABORT, 'the audit log is append-only'); END",
];

const POSTGRES_AUDIT: &[&str] = &[
    "UPDATE reminders r SET call_notes = a.notes FROM ( \
     SELECT DISTINCT ON ((details::jsonb ->> 'reminder_id')::int) \
     (details::jsonb ->> 'reminder_id')::int AS reminder_id, details::jsonb ->> 'notes' AS notes \
     FROM audit_events WHERE action = 'reminder_call' \
     ORDER BY (details::jsonb ->> 'reminder_id')::int, id DESC) a \
     WHERE r.id = a.reminder_id",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "UPDATE audit_events SET details = (details::jsonb - 'notes')::text \
     WHERE action IN ('reminder_call', 'reported_lost') AND details::jsonb ->> 'notes' IS NOT NULL",
    "UPDATE audit_events SET details = (details::jsonb - 'reason')::text \
     WHERE action = 'extended' AND details::jsonb ->> 'reason' IS NOT NULL",
    "UPDATE audit_events SET details = (details::jsonb - 'last_error')::text \
     WHERE action = 'reminder_retried' AND details::jsonb ->> 'last_error' IS NOT NULL",
    "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing on SQLite too: the log's trigger is dropped and made again within it.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (
                Borrowers::Table.into_iden(),
                timestamp_with_time_zone_null(Borrowers::AnonymisedAt),
            ),
            (
                Borrowers::Table.into_iden(),
                timestamp_with_time_zone_null(Borrowers::HeldAt),
            ),
            (Borrowers::Table.into_iden(), text_null(Borrowers::HoldReason)),
            (Borrowers::Table.into_iden(), integer_null(Borrowers::HeldBy)),
            (
                Agreements::Table.into_iden(),
                timestamp_with_time_zone_null(Agreements::ErasedAt),
            ),
            (Reminders::Table.into_iden(), text_null(Reminders::CallNotes)),
        ];
        for (table, mut column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(&mut column).to_owned())
                .await?;
        }
        reachable_or_anonymised(manager).await?;
        let db = manager.get_connection();
        let statements: Vec<&str> = match manager.get_database_backend() {
            DbBackend::Sqlite => [
                &["DROP TRIGGER agreements_no_update", SQLITE_FROZEN][..],
                SQLITE_AUDIT,
            ]
            .concat(),
            DbBackend::Postgres => [&[POSTGRES_FROZEN][..], POSTGRES_AUDIT].concat(),
            _ => return Err(DbErr::Migration("lendhub runs on SQLite or PostgreSQL".into())),
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    /// Back to before: the columns go (with any call notes: the audit log keeps none since),
    /// and agreements are frozen whole again. Records anonymised stay anonymised.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared("DROP TRIGGER agreements_no_update").await?;
                db.execute_unprepared(
                    "CREATE TRIGGER agreements_no_update BEFORE UPDATE ON agreements BEGIN \
                     SELECT RAISE(ABORT, 'a signed agreement never changes'); END",
                )
                .await?;
                rewrite_check(manager, "borrowers", REACHABLE_OR_ANONYMISED, REACHABLE).await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION agreements_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'a signed agreement never changes'; END $$",
                )
                .await?;
                db.execute_unprepared("ALTER TABLE borrowers DROP CONSTRAINT borrowers_reachable")
                    .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE borrowers ADD CONSTRAINT borrowers_check {} NOT VALID",
                    REACHABLE.replace('"', "")
                ))
                .await?;
            }
        }
        let columns = [
            (Borrowers::Table.into_iden(), Borrowers::AnonymisedAt.into_iden()),
            (Borrowers::Table.into_iden(), Borrowers::HeldAt.into_iden()),
            (Borrowers::Table.into_iden(), Borrowers::HoldReason.into_iden()),
            (Borrowers::Table.into_iden(), Borrowers::HeldBy.into_iden()),
            (Agreements::Table.into_iden(), Agreements::ErasedAt.into_iden()),
            (Reminders::Table.into_iden(), Reminders::CallNotes.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

const REACHABLE: &str = r#"CHECK ("email" IS NOT NULL OR "phone" IS NOT NULL OR "address" IS NOT NULL)"#;
const REACHABLE_OR_ANONYMISED: &str = r#"CHECK ("email" IS NOT NULL OR "phone" IS NOT NULL OR "address" IS NOT NULL OR "anonymised_at" IS NOT NULL)"#;

/// A borrower must be reachable some way, until they are anonymised. On SQLite the CHECK is
/// loosened in the stored table definition, the way SQLite's documentation gives for a change
/// that leaves every row as it is (no table rebuild, which the tables that refer to borrowers
/// would make perilous); the schema version is raised so every connection reads it afresh.
async fn reachable_or_anonymised(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Sqlite => rewrite_check(manager, "borrowers", REACHABLE, REACHABLE_OR_ANONYMISED).await?,
        _ => {
            db.execute_unprepared(
                "DO $$ DECLARE c text; BEGIN \
                 SELECT conname INTO c FROM pg_constraint WHERE conrelid = 'borrowers'::regclass \
                 AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%address IS NOT NULL%'; \
                 IF c IS NOT NULL THEN EXECUTE format('ALTER TABLE borrowers DROP CONSTRAINT %I', c); END IF; \
                 END $$",
            )
            .await?;
            db.execute_unprepared(&format!(
                "ALTER TABLE borrowers ADD CONSTRAINT borrowers_reachable {}",
                REACHABLE_OR_ANONYMISED.replace('"', "")
            ))
            .await?;
        }
    }
    Ok(())
}

#[derive(DeriveIden)]
enum Borrowers {
    Table,
    AnonymisedAt,
    HeldAt,
    HoldReason,
    HeldBy,
}

#[derive(DeriveIden)]
enum Agreements {
    Table,
    ErasedAt,
}

#[derive(DeriveIden)]
enum Reminders {
    Table,
    CallNotes,
}
