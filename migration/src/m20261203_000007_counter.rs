//! The counter on a phone: hubs have a phone number, for borrowers' letters and for whoever finds
//! a lost device and scans its label.

use sea_orm_migration::{prelude::*, schema::string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Hubs::Table)
                    .add_column(string_null(Hubs::Phone))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Hubs {
    Table,
    Phone,
}
