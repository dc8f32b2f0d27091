//! What a scheme's first day needed: the organisation's own contact details, where a device came
//! back when it was returned at another hub, when a reminder letter was printed (it is marked
//! posted only after), and one device per serial number and one borrower
//! per email address in each organisation, in the database. Records that already share a serial
//! number or an email are not refused: all but the first of each are flagged (`serial_duplicate`,
//! `email_duplicate`) for an admin to put right, and the unique indexes hold for every other row.

use sea_orm_migration::{
    prelude::*,
    schema::{boolean, integer_null, string_null, text_null, timestamp_with_time_zone_null},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let add = |table: TableRef, column: ColumnDef| {
            let mut column = column;
            Table::alter().table(table).add_column(&mut column).to_owned()
        };
        for statement in [
            add(
                Organisations::Table.into_table_ref(),
                string_null(Organisations::Email),
            ),
            add(
                Organisations::Table.into_table_ref(),
                text_null(Organisations::Address),
            ),
            add(Loans::Table.into_table_ref(), integer_null(Loans::ReturnedHubId)),
            add(
                Reminders::Table.into_table_ref(),
                timestamp_with_time_zone_null(Reminders::PrintedAt),
            ),
            add(
                Borrowers::Table.into_table_ref(),
                timestamp_with_time_zone_null(Borrowers::LastLoanAt),
            ),
            add(
                Devices::Table.into_table_ref(),
                boolean(Devices::SerialDuplicate).default(false).take(),
            ),
            add(
                Borrowers::Table.into_table_ref(),
                boolean(Borrowers::EmailDuplicate).default(false).take(),
            ),
        ] {
            manager.alter_table(statement).await?;
        }
        let db = manager.get_connection();
        for sql in [
            "UPDATE devices SET serial_duplicate = TRUE WHERE serial_number IS NOT NULL AND EXISTS \
             (SELECT 1 FROM devices first WHERE first.organisation_id = devices.organisation_id \
             AND first.serial_number = devices.serial_number AND first.id < devices.id)",
            "CREATE UNIQUE INDEX devices_org_serial ON devices (organisation_id, serial_number) \
             WHERE serial_number IS NOT NULL AND serial_duplicate = FALSE",
            "UPDATE borrowers SET email_duplicate = TRUE WHERE email IS NOT NULL AND EXISTS \
             (SELECT 1 FROM borrowers first WHERE first.organisation_id = borrowers.organisation_id \
             AND first.email = borrowers.email AND first.id < borrowers.id)",
            "CREATE UNIQUE INDEX borrowers_org_email ON borrowers (organisation_id, email) \
             WHERE email IS NOT NULL AND email_duplicate = FALSE",
            // The borrower list pages by when each last borrowed (by name it has an index).
            "UPDATE borrowers SET last_loan_at = (SELECT MAX(issued_at) FROM loans \
             WHERE loans.borrower_id = borrowers.id)",
            "CREATE INDEX borrowers_org_last_loan ON borrowers (organisation_id, last_loan_at, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for index in [
            "devices_org_serial",
            "borrowers_org_email",
            "borrowers_org_last_loan",
        ] {
            db.execute_unprepared(&format!("DROP INDEX {index}")).await?;
        }
        let drop =
            |table: TableRef, column: DynIden| Table::alter().table(table).drop_column(column).to_owned();
        for statement in [
            drop(
                Organisations::Table.into_table_ref(),
                Organisations::Email.into_iden(),
            ),
            drop(
                Organisations::Table.into_table_ref(),
                Organisations::Address.into_iden(),
            ),
            drop(Loans::Table.into_table_ref(), Loans::ReturnedHubId.into_iden()),
            drop(
                Reminders::Table.into_table_ref(),
                Reminders::PrintedAt.into_iden(),
            ),
            drop(
                Devices::Table.into_table_ref(),
                Devices::SerialDuplicate.into_iden(),
            ),
            drop(
                Borrowers::Table.into_table_ref(),
                Borrowers::EmailDuplicate.into_iden(),
            ),
            drop(
                Borrowers::Table.into_table_ref(),
                Borrowers::LastLoanAt.into_iden(),
            ),
        ] {
            manager.alter_table(statement).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Email,
    Address,
}

#[derive(DeriveIden)]
enum Loans {
    Table,
    ReturnedHubId,
}

#[derive(DeriveIden)]
enum Reminders {
    Table,
    PrintedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    SerialDuplicate,
}

#[derive(DeriveIden)]
enum Borrowers {
    Table,
    EmailDuplicate,
    LastLoanAt,
}
