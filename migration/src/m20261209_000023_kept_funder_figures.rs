//! The funder report's figures kept by London day (`loan_days`; runs of days out and the gaps
//! between them, `presence_days` and `presence_gaps`), and what each device or person last added
//! to them (`presence`). London days cannot be worked out inside SQLite, so the counting is done
//! by lendhub; the triggers here only mark which keys changed (`presence_dirty`), in the same
//! statement as the change, so no code path that writes a loan, an attendance, a session or a
//! person's barriers can forget them. The report counts the marked keys again before it reads.
//!
//! A mark counts up (`marks`) rather than doing nothing when the key is already marked: on
//! PostgreSQL that takes the row's lock, so a change made while the key is being counted waits
//! and marks it again afterwards instead of being lost.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE presence_dirty (kind VARCHAR NOT NULL, organisation_id INTEGER NOT NULL, \
     key_id INTEGER NOT NULL, marks BIGINT NOT NULL DEFAULT 1, PRIMARY KEY (kind, organisation_id, key_id))",
    "CREATE TABLE presence (kind VARCHAR NOT NULL, organisation_id INTEGER NOT NULL, \
     key_id INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (kind, key_id, organisation_id))",
    "CREATE TABLE presence_days (organisation_id INTEGER NOT NULL, kind VARCHAR NOT NULL, \
     day INTEGER NOT NULL, starts BIGINT NOT NULL, ends BIGINT NOT NULL, \
     PRIMARY KEY (organisation_id, kind, day))",
    "CREATE TABLE presence_gaps (organisation_id INTEGER NOT NULL, kind VARCHAR NOT NULL, \
     after_day INTEGER NOT NULL, before_day INTEGER NOT NULL, n BIGINT NOT NULL, \
     PRIMARY KEY (organisation_id, kind, after_day, before_day))",
    "CREATE TABLE loan_days (organisation_id INTEGER NOT NULL, day INTEGER NOT NULL, \
     issued BIGINT NOT NULL, issued_secs BIGINT NOT NULL, closed BIGINT NOT NULL, \
     ended BIGINT NOT NULL, ended_secs BIGINT NOT NULL, to_end BIGINT NOT NULL, \
     to_end_secs BIGINT NOT NULL, returned BIGINT NOT NULL, on_time BIGINT NOT NULL, \
     lost BIGINT NOT NULL, PRIMARY KEY (organisation_id, day))",
    // The report's repairs and retirements by when they happened, not a walk through all of them.
    "CREATE INDEX repairs_org_closed ON repairs (organisation_id, closed_at)",
    "CREATE INDEX disposals_retired ON disposals (retired_at)",
];

const MARKED: &str =
    "ON CONFLICT (kind, organisation_id, key_id) DO UPDATE SET marks = presence_dirty.marks + 1;";

/// Marks every key with a loan or an attendance (the first count, and `lendhub tallies rebuild`).
pub const MARK_ALL: &[&str] = &[
    "INSERT INTO presence_dirty (kind, organisation_id, key_id) \
     SELECT DISTINCT 'device', organisation_id, device_id FROM loans WHERE true ON CONFLICT DO NOTHING",
    "INSERT INTO presence_dirty (kind, organisation_id, key_id) \
     SELECT DISTINCT 'person', organisation_id, borrower_id FROM loans WHERE true ON CONFLICT DO NOTHING",
    "INSERT INTO presence_dirty (kind, organisation_id, key_id) \
     SELECT DISTINCT 'person', training_sessions.organisation_id, enrolments.borrower_id \
     FROM enrolments JOIN training_sessions ON training_sessions.id = enrolments.session_id \
     WHERE enrolments.attendance IN ('present', 'late') ON CONFLICT DO NOTHING",
];

fn loan(row: &str) -> String {
    format!(
        "INSERT INTO presence_dirty (kind, organisation_id, key_id) VALUES \
         ('device', {row}.organisation_id, {row}.device_id), ('person', {row}.organisation_id, {row}.borrower_id) \
         {MARKED}"
    )
}

fn enrolment(row: &str) -> String {
    format!(
        "INSERT INTO presence_dirty (kind, organisation_id, key_id) \
         SELECT 'person', organisation_id, {row}.borrower_id FROM training_sessions \
         WHERE id = {row}.session_id {MARKED}"
    )
}

fn session(row: &str) -> String {
    format!(
        "INSERT INTO presence_dirty (kind, organisation_id, key_id) \
         SELECT DISTINCT 'person', {row}.organisation_id, borrower_id FROM enrolments \
         WHERE session_id = {row}.id {MARKED}"
    )
}

fn person(row: &str) -> String {
    format!(
        "INSERT INTO presence_dirty (kind, organisation_id, key_id) \
         SELECT 'person', organisation_id, key_id FROM presence \
         WHERE kind = 'person' AND key_id = {row}.id {MARKED}"
    )
}

const LOAN_COLUMNS: &str =
    "organisation_id, device_id, borrower_id, issued_at, returned_at, lost_at, status, returned_on, due_on";
const ENROLMENT_COLUMNS: &str = "session_id, borrower_id, attendance";
const SESSION_COLUMNS: &str = "organisation_id, starts_at, cancelled_at";

fn sqlite() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER presence_loan_insert AFTER INSERT ON loans BEGIN {} END",
            loan("new")
        ),
        format!(
            "CREATE TRIGGER presence_loan_delete AFTER DELETE ON loans BEGIN {} END",
            loan("old")
        ),
        format!(
            "CREATE TRIGGER presence_loan_update AFTER UPDATE OF {LOAN_COLUMNS} ON loans BEGIN {} {} END",
            loan("old"),
            loan("new")
        ),
        format!(
            "CREATE TRIGGER presence_enrolment_insert AFTER INSERT ON enrolments BEGIN {} END",
            enrolment("new")
        ),
        format!(
            "CREATE TRIGGER presence_enrolment_delete AFTER DELETE ON enrolments BEGIN {} END",
            enrolment("old")
        ),
        format!(
            "CREATE TRIGGER presence_enrolment_update AFTER UPDATE OF {ENROLMENT_COLUMNS} ON enrolments \
             BEGIN {} {} END",
            enrolment("old"),
            enrolment("new")
        ),
        format!(
            "CREATE TRIGGER presence_session_update AFTER UPDATE OF {SESSION_COLUMNS} ON training_sessions \
             BEGIN {} {} END",
            session("old"),
            session("new")
        ),
        format!(
            "CREATE TRIGGER presence_session_delete BEFORE DELETE ON training_sessions BEGIN {} END",
            session("old")
        ),
        format!(
            "CREATE TRIGGER presence_person_update AFTER UPDATE OF barriers ON borrowers BEGIN {} END",
            person("new")
        ),
        format!(
            "CREATE TRIGGER presence_person_delete AFTER DELETE ON borrowers BEGIN {} END",
            person("old")
        ),
    ]
}

/// A PostgreSQL trigger function that runs `on_old` for the old row and `on_new` for the new.
fn pg_function(name: &str, on_old: &str, on_new: &str) -> String {
    format!(
        "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF TG_OP <> 'INSERT' THEN {on_old} END IF; \
         IF TG_OP <> 'DELETE' THEN {on_new} END IF; RETURN NULL; END $$"
    )
}

fn postgres() -> Vec<String> {
    vec![
        pg_function("presence_loan_mark", &loan("OLD"), &loan("NEW")),
        format!(
            "CREATE TRIGGER presence_loan_mark AFTER INSERT OR DELETE OR UPDATE OF {LOAN_COLUMNS} ON loans \
             FOR EACH ROW EXECUTE FUNCTION presence_loan_mark()"
        ),
        pg_function("presence_enrolment_mark", &enrolment("OLD"), &enrolment("NEW")),
        format!(
            "CREATE TRIGGER presence_enrolment_mark AFTER INSERT OR DELETE OR UPDATE OF {ENROLMENT_COLUMNS} \
             ON enrolments FOR EACH ROW EXECUTE FUNCTION presence_enrolment_mark()"
        ),
        pg_function("presence_session_mark", &session("OLD"), &session("NEW")),
        format!(
            "CREATE TRIGGER presence_session_mark AFTER UPDATE OF {SESSION_COLUMNS} ON training_sessions \
             FOR EACH ROW EXECUTE FUNCTION presence_session_mark()"
        ),
        format!(
            "CREATE FUNCTION presence_session_gone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {} \
             RETURN OLD; END $$",
            session("OLD")
        ),
        "CREATE TRIGGER presence_session_gone BEFORE DELETE ON training_sessions \
         FOR EACH ROW EXECUTE FUNCTION presence_session_gone()"
            .to_owned(),
        pg_function("presence_person_mark", &person("OLD"), "NULL;"),
        "CREATE TRIGGER presence_person_mark AFTER DELETE OR UPDATE OF barriers ON borrowers \
         FOR EACH ROW EXECUTE FUNCTION presence_person_mark()"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let triggers = match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite(),
            DbBackend::Postgres => postgres(),
            _ => return Err(DbErr::Migration("lendhub runs on SQLite or PostgreSQL".into())),
        };
        for sql in TABLES.iter().chain(MARK_ALL) {
            db.execute_unprepared(sql).await?;
        }
        for sql in triggers {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let drops: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER presence_loan_mark ON loans",
                "DROP TRIGGER presence_enrolment_mark ON enrolments",
                "DROP TRIGGER presence_session_mark ON training_sessions",
                "DROP TRIGGER presence_session_gone ON training_sessions",
                "DROP TRIGGER presence_person_mark ON borrowers",
                "DROP FUNCTION presence_loan_mark()",
                "DROP FUNCTION presence_enrolment_mark()",
                "DROP FUNCTION presence_session_mark()",
                "DROP FUNCTION presence_session_gone()",
                "DROP FUNCTION presence_person_mark()",
            ],
            _ => &[
                "DROP TRIGGER presence_loan_insert",
                "DROP TRIGGER presence_loan_delete",
                "DROP TRIGGER presence_loan_update",
                "DROP TRIGGER presence_enrolment_insert",
                "DROP TRIGGER presence_enrolment_delete",
                "DROP TRIGGER presence_enrolment_update",
                "DROP TRIGGER presence_session_update",
                "DROP TRIGGER presence_session_delete",
                "DROP TRIGGER presence_person_update",
                "DROP TRIGGER presence_person_delete",
            ],
        };
        for sql in drops {
            db.execute_unprepared(sql).await?;
        }
        for index in ["repairs_org_closed", "disposals_retired"] {
            db.execute_unprepared(&format!("DROP INDEX {index}")).await?;
        }
        for table in [
            "presence_dirty",
            "presence",
            "presence_days",
            "presence_gaps",
            "loan_days",
        ] {
            db.execute_unprepared(&format!("DROP TABLE {table}")).await?;
        }
        Ok(())
    }
}
