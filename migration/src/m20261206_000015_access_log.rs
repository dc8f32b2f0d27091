//! Who looked: every view of a borrower's record, agreement or export is a row (who, when, what),
//! kept 12 months; admins read them on the record.

use sea_orm_migration::{
    prelude::*,
    schema::{integer, pk_auto, string, timestamp_with_time_zone},
};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessLog::Table)
                    .col(pk_auto(AccessLog::Id))
                    .col(integer(AccessLog::OrganisationId))
                    .col(integer(AccessLog::BorrowerId))
                    .col(integer(AccessLog::StaffId))
                    .col(string(AccessLog::What))
                    .col(timestamp_with_time_zone(AccessLog::At))
                    .foreign_key(&mut fk(
                        (AccessLog::Table, AccessLog::BorrowerId),
                        (Borrowers::Table, Borrowers::Id),
                    ))
                    .foreign_key(&mut fk(
                        (AccessLog::Table, AccessLog::StaffId),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "access_log_borrower",
            AccessLog::Table,
            &[AccessLog::BorrowerId, AccessLog::Id],
        )
        .await?;
        index(manager, "access_log_at", AccessLog::Table, &[AccessLog::At]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccessLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum AccessLog {
    Table,
    Id,
    OrganisationId,
    BorrowerId,
    StaffId,
    What,
    At,
}

#[derive(DeriveIden)]
enum Borrowers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}
