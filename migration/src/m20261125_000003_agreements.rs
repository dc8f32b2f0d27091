//! Signed loan agreements. A row is written once, when the borrower accepts (on screen or on
//! paper), and holds the final PDF and its SHA-256. The database keeps both as they were: one row
//! per loan, and triggers refuse any UPDATE or DELETE.

use sea_orm_migration::{
    prelude::*,
    schema::{blob, integer, integer_null, pk_auto, string, text_null, timestamp_with_time_zone},
    sea_orm::DbBackend,
};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const METHODS: [&str; 2] = ["screen", "paper"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agreements::Table)
                    .col(pk_auto(Agreements::Id))
                    .col(integer(Agreements::OrganisationId))
                    .col(integer(Agreements::LoanId).unique_key())
                    .col(string(Agreements::TermsVersion))
                    .col(string(Agreements::Method).check(Expr::col(Agreements::Method).is_in(METHODS)))
                    .col(string(Agreements::SignedName))
                    .col(text_null(Agreements::Signature))
                    .col(timestamp_with_time_zone(Agreements::AcceptedAt))
                    .col(integer_null(Agreements::RecordedBy))
                    .col(blob(Agreements::Pdf))
                    .col(string(Agreements::Sha256))
                    .foreign_key(&mut fk(
                        (Agreements::Table, Agreements::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Agreements::Table, Agreements::LoanId),
                        (Loans::Table, Loans::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Agreements::Table, Agreements::RecordedBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &[
                "CREATE TRIGGER agreements_no_update BEFORE UPDATE ON agreements BEGIN \
                 SELECT RAISE(ABORT, 'a signed agreement never changes'); END",
                "CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements BEGIN \
                 SELECT RAISE(ABORT, 'a signed agreement never changes'); END",
            ],
            DbBackend::Postgres => &[
                "CREATE FUNCTION agreements_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'a signed agreement never changes'; END $$",
                "CREATE TRIGGER agreements_frozen BEFORE UPDATE OR DELETE ON agreements \
                 FOR EACH ROW EXECUTE FUNCTION agreements_frozen()",
            ],
            _ => return Err(DbErr::Migration("lendhub runs on SQLite or PostgreSQL".into())),
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Loans {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agreements {
    Table,
    Id,
    OrganisationId,
    LoanId,
    TermsVersion,
    Method,
    SignedName,
    Signature,
    AcceptedAt,
    RecordedBy,
    Pdf,
    Sha256,
}
