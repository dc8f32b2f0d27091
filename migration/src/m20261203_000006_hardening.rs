//! Hardening: each outbox claim carries an id of its own, so only the worker that holds a claim
//! can finish it; sign-in attempts name the address they came from, so one address's failures
//! do not lock an account for everyone; sessions remember when they were last used, for the idle
//! timeout; and the audit log refuses UPDATE and DELETE, as the signed agreements do.

use sea_orm_migration::{
    prelude::*,
    schema::{string_null, timestamp_with_time_zone_null},
    sea_orm::DbBackend,
};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Reminders::Table)
                    .add_column(string_null(Reminders::ClaimId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LoginFailures::Table)
                    .add_column(string_null(LoginFailures::Address))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "login_failures_address_at",
            LoginFailures::Table,
            &[LoginFailures::Address, LoginFailures::At],
        )
        .await?;
        index(
            manager,
            "login_failures_at",
            LoginFailures::Table,
            &[LoginFailures::At],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StaffSessions::Table)
                    .add_column(timestamp_with_time_zone_null(StaffSessions::LastSeenAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "staff_sessions_expires_at",
            StaffSessions::Table,
            &[StaffSessions::ExpiresAt],
        )
        .await?;
        index(
            manager,
            "api_tokens_expires_at",
            ApiTokens::Table,
            &[ApiTokens::ExpiresAt],
        )
        .await?;

        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &[
                "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN \
                 SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN \
                 SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            ],
            DbBackend::Postgres => &[
                "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
                "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events \
                 FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
            ],
            _ => return Err(DbErr::Migration("lendhub runs on SQLite or PostgreSQL".into())),
        };
        for sql in statements {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Reminders {
    Table,
    ClaimId,
}

#[derive(DeriveIden, Clone)]
enum LoginFailures {
    Table,
    Address,
    At,
}

#[derive(DeriveIden, Clone)]
enum StaffSessions {
    Table,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone)]
enum ApiTokens {
    Table,
    ExpiresAt,
}
