//! Figures kept as things change, for counts that no index makes fast over a million rows: how
//! many devices each (organisation, hub, status, kind) holds, and how many open loans fall due on
//! each day at each hub (and how many of those are signed). Triggers keep them in the same statement as the change, so no code path
//! that writes a device or a loan can forget them; `lendhub tallies rebuild` counts them afresh.
//!
//! On PostgreSQL a move changes two tally rows; it changes them in key order, so two moves in
//! opposite directions (a loan and a return at one hub) never wait on each other in a cycle.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE device_tallies (organisation_id INTEGER NOT NULL, hub_id INTEGER NOT NULL, \
     status VARCHAR NOT NULL, kind VARCHAR NOT NULL, n BIGINT NOT NULL, \
     PRIMARY KEY (organisation_id, hub_id, status, kind))",
    // `signed`: how many of the `n` have a signed agreement.
    "CREATE TABLE open_loan_tallies (organisation_id INTEGER NOT NULL, hub_id INTEGER NOT NULL, \
     due_on DATE NOT NULL, n BIGINT NOT NULL, signed BIGINT NOT NULL, \
     PRIMARY KEY (organisation_id, hub_id, due_on))",
];

/// Counts the tallies afresh from the rows (the migration's first fill, and the rebuild).
pub const FILL: &[&str] = &[
    "INSERT INTO device_tallies (organisation_id, hub_id, status, kind, n) \
     SELECT organisation_id, hub_id, status, kind, COUNT(*) FROM devices \
     GROUP BY organisation_id, hub_id, status, kind",
    "INSERT INTO open_loan_tallies (organisation_id, hub_id, due_on, n, signed) \
     SELECT loans.organisation_id, loans.hub_id, loans.due_on, COUNT(*), COUNT(agreements.id) \
     FROM loans LEFT JOIN agreements ON agreements.loan_id = loans.id WHERE loans.status = 'open' \
     GROUP BY loans.organisation_id, loans.hub_id, loans.due_on",
];

fn device_add(row: &str, n: i32) -> String {
    format!(
        "INSERT INTO device_tallies (organisation_id, hub_id, status, kind, n) \
         VALUES ({row}.organisation_id, {row}.hub_id, {row}.status, {row}.kind, {n}) \
         ON CONFLICT (organisation_id, hub_id, status, kind) DO UPDATE SET n = device_tallies.n + excluded.n;"
    )
}

fn loan_add(row: &str, n: i32) -> String {
    format!(
        "INSERT INTO open_loan_tallies (organisation_id, hub_id, due_on, n, signed) \
         VALUES ({row}.organisation_id, {row}.hub_id, {row}.due_on, {n}, \
         {n} * (SELECT COUNT(*) FROM agreements WHERE agreements.loan_id = {row}.id)) {LOAN_UPSERT}"
    )
}

const LOAN_UPSERT: &str = "ON CONFLICT (organisation_id, hub_id, due_on) DO UPDATE SET \
     n = open_loan_tallies.n + excluded.n, signed = open_loan_tallies.signed + excluded.signed;";

/// An agreement signed for an open loan (agreements are never deleted, nor moved to another loan).
fn signed(row: &str) -> String {
    format!(
        "INSERT INTO open_loan_tallies (organisation_id, hub_id, due_on, n, signed) \
         SELECT organisation_id, hub_id, due_on, 0, 1 FROM loans \
         WHERE loans.id = {row}.loan_id AND loans.status = 'open' {LOAN_UPSERT}"
    )
}

const DEVICE_CHANGED: &str = "(old.organisation_id IS NOT new.organisation_id OR old.hub_id IS NOT new.hub_id \
     OR old.status IS NOT new.status OR old.kind IS NOT new.kind)";
const LOAN_CHANGED: &str = "(old.organisation_id IS NOT new.organisation_id OR old.hub_id IS NOT new.hub_id \
     OR old.due_on IS NOT new.due_on OR old.status IS NOT new.status)";

fn sqlite() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER device_tallies_insert AFTER INSERT ON devices BEGIN {} END",
            device_add("new", 1)
        ),
        format!(
            "CREATE TRIGGER device_tallies_delete AFTER DELETE ON devices BEGIN {} END",
            device_add("old", -1)
        ),
        format!(
            "CREATE TRIGGER device_tallies_update AFTER UPDATE OF organisation_id, hub_id, status, kind \
             ON devices WHEN {DEVICE_CHANGED} BEGIN {} {} END",
            device_add("old", -1),
            device_add("new", 1)
        ),
        format!(
            "CREATE TRIGGER open_loan_tallies_insert AFTER INSERT ON loans WHEN new.status = 'open' \
             BEGIN {} END",
            loan_add("new", 1)
        ),
        format!(
            "CREATE TRIGGER open_loan_tallies_delete AFTER DELETE ON loans WHEN old.status = 'open' \
             BEGIN {} END",
            loan_add("old", -1)
        ),
        format!(
            "CREATE TRIGGER open_loan_tallies_leave AFTER UPDATE OF organisation_id, hub_id, due_on, status \
             ON loans WHEN old.status = 'open' AND {LOAN_CHANGED} BEGIN {} END",
            loan_add("old", -1)
        ),
        format!(
            "CREATE TRIGGER open_loan_tallies_enter AFTER UPDATE OF organisation_id, hub_id, due_on, status \
             ON loans WHEN new.status = 'open' AND {LOAN_CHANGED} BEGIN {} END",
            loan_add("new", 1)
        ),
        format!(
            "CREATE TRIGGER open_loan_tallies_signed AFTER INSERT ON agreements BEGIN {} END",
            signed("new")
        ),
    ]
}

fn postgres() -> Vec<String> {
    let device_key =
        |row: &str| format!("ROW({row}.organisation_id, {row}.hub_id, {row}.status::text, {row}.kind::text)");
    let loan_key = |row: &str| format!("ROW({row}.organisation_id, {row}.hub_id, {row}.due_on)");
    let device_add = |row: &str, n: i32| device_add(&row.to_uppercase(), n);
    let loan_add = |row: &str, n: i32| loan_add(&row.to_uppercase(), n);
    vec![
        format!(
            "CREATE FUNCTION device_tallies_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF TG_OP = 'INSERT' THEN {add_new} \
             ELSIF TG_OP = 'DELETE' THEN {take_old} \
             ELSIF {old_key} IS NOT DISTINCT FROM {new_key} THEN NULL; \
             ELSIF {old_key} < {new_key} THEN {take_old} {add_new} \
             ELSE {add_new} {take_old} END IF; RETURN NULL; END $$",
            add_new = device_add("new", 1),
            take_old = device_add("old", -1),
            old_key = device_key("OLD"),
            new_key = device_key("NEW"),
        ),
        "CREATE TRIGGER device_tallies_keep AFTER INSERT OR DELETE OR UPDATE OF organisation_id, hub_id, \
         status, kind ON devices FOR EACH ROW EXECUTE FUNCTION device_tallies_keep()"
            .to_owned(),
        format!(
            "CREATE FUNCTION open_loan_tallies_keep() RETURNS trigger LANGUAGE plpgsql AS $$ \
             DECLARE was boolean := TG_OP <> 'INSERT' AND OLD.status = 'open'; \
             is_now boolean := TG_OP <> 'DELETE' AND NEW.status = 'open'; BEGIN \
             IF was AND is_now AND {old_key} IS NOT DISTINCT FROM {new_key} THEN RETURN NULL; END IF; \
             IF was AND is_now AND {new_key} < {old_key} THEN {add_new} {take_old} RETURN NULL; END IF; \
             IF was THEN {take_old} END IF; IF is_now THEN {add_new} END IF; RETURN NULL; END $$",
            add_new = loan_add("new", 1),
            take_old = loan_add("old", -1),
            old_key = loan_key("OLD"),
            new_key = loan_key("NEW"),
        ),
        "CREATE TRIGGER open_loan_tallies_keep AFTER INSERT OR DELETE OR UPDATE OF organisation_id, hub_id, \
         due_on, status ON loans FOR EACH ROW EXECUTE FUNCTION open_loan_tallies_keep()"
            .to_owned(),
        format!(
            "CREATE FUNCTION open_loan_tallies_signed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             {} RETURN NULL; END $$",
            signed("NEW")
        ),
        "CREATE TRIGGER open_loan_tallies_signed AFTER INSERT ON agreements FOR EACH ROW \
         EXECUTE FUNCTION open_loan_tallies_signed()"
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
        for sql in TABLES.iter().chain(FILL) {
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
                "DROP TRIGGER device_tallies_keep ON devices",
                "DROP TRIGGER open_loan_tallies_keep ON loans",
                "DROP TRIGGER open_loan_tallies_signed ON agreements",
                "DROP FUNCTION device_tallies_keep()",
                "DROP FUNCTION open_loan_tallies_keep()",
                "DROP FUNCTION open_loan_tallies_signed()",
            ],
            _ => &[
                "DROP TRIGGER device_tallies_insert",
                "DROP TRIGGER device_tallies_delete",
                "DROP TRIGGER device_tallies_update",
                "DROP TRIGGER open_loan_tallies_insert",
                "DROP TRIGGER open_loan_tallies_delete",
                "DROP TRIGGER open_loan_tallies_leave",
                "DROP TRIGGER open_loan_tallies_enter",
                "DROP TRIGGER open_loan_tallies_signed",
            ],
        };
        for sql in drops
            .iter()
            .chain(&["DROP TABLE device_tallies", "DROP TABLE open_loan_tallies"])
        {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
