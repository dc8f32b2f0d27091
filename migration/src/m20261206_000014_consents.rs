//! Consent for each purpose. A borrower's current answer for each purpose is a column of
//! `borrowers` (the reminder sweep reads them with the loan); every change is a row of
//! `consent_changes`, with who recorded it, when and how; lendhub only ever adds these rows.
//!
//! Existing borrowers: their `data_processing` consent becomes `loan`, and each is given the
//! reminder purposes matching the contact details held (an email: `email_reminders`; a phone:
//! `phone_reminders`; an address: `post`), as lendhub used those details before; the history
//! records these as set by the upgrade (no staff member, no "how"). `follow_up` and
//! `share_with_partners` start withdrawn: they were never asked.

use sea_orm_migration::{
    prelude::*,
    schema::{boolean, integer, integer_null, pk_auto, string, string_null, timestamp_with_time_zone},
};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PURPOSES: [(Borrowers, &str); 6] = [
    (Borrowers::ConsentLoan, "loan"),
    (Borrowers::ConsentEmailReminders, "email_reminders"),
    (Borrowers::ConsentPhoneReminders, "phone_reminders"),
    (Borrowers::ConsentPost, "post"),
    (Borrowers::ConsentFollowUp, "follow_up"),
    (Borrowers::ConsentShareWithPartners, "share_with_partners"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, _) in PURPOSES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Borrowers::Table)
                        .add_column(boolean(column).default(false))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ConsentChanges::Table)
                    .col(pk_auto(ConsentChanges::Id))
                    .col(integer(ConsentChanges::BorrowerId))
                    .col(string(ConsentChanges::Purpose))
                    .col(boolean(ConsentChanges::Given))
                    .col(timestamp_with_time_zone(ConsentChanges::At))
                    .col(integer_null(ConsentChanges::StaffId))
                    .col(string_null(ConsentChanges::How))
                    .foreign_key(&mut fk(
                        (ConsentChanges::Table, ConsentChanges::BorrowerId),
                        (Borrowers::Table, Borrowers::Id),
                    ))
                    .foreign_key(&mut fk(
                        (ConsentChanges::Table, ConsentChanges::StaffId),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "consent_changes_borrower",
            ConsentChanges::Table,
            &[ConsentChanges::BorrowerId, ConsentChanges::Id],
        )
        .await?;
        let db = manager.get_connection();
        for sql in [
            "UPDATE borrowers SET consent_loan = consent_data_processing, \
             consent_email_reminders = (email IS NOT NULL), \
             consent_phone_reminders = (phone IS NOT NULL), \
             consent_post = (address IS NOT NULL)",
            "INSERT INTO consent_changes (borrower_id, purpose, given, at, staff_id, how) \
             SELECT id, 'loan', TRUE, consent_recorded_at, consent_recorded_by, NULL \
             FROM borrowers WHERE consent_loan",
        ] {
            db.execute_unprepared(sql).await?;
        }
        for (column, purpose) in [
            ("consent_email_reminders", "email_reminders"),
            ("consent_phone_reminders", "phone_reminders"),
            ("consent_post", "post"),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO consent_changes (borrower_id, purpose, given, at, staff_id, how) \
                 SELECT id, '{purpose}', TRUE, consent_recorded_at, NULL, NULL \
                 FROM borrowers WHERE {column}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentChanges::Table).to_owned())
            .await?;
        for (column, _) in PURPOSES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Borrowers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Borrowers {
    Table,
    Id,
    ConsentLoan,
    ConsentEmailReminders,
    ConsentPhoneReminders,
    ConsentPost,
    ConsentFollowUp,
    ConsentShareWithPartners,
}

#[derive(DeriveIden, Clone)]
enum ConsentChanges {
    Table,
    Id,
    BorrowerId,
    Purpose,
    Given,
    At,
    StaffId,
    How,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}
