//! Reminders: an outbox of emails, phone calls and letters about loans, and the coordinators'
//! weekly digest. Each row has a dedupe key (loan, due date, kind and step; or digest, recipient
//! and week) that is unique in the database, so a sweep run twice or on two instances at once
//! writes nothing twice. Hubs gain opening hours, which reminders tell borrowers.

use sea_orm_migration::{
    prelude::*,
    schema::{
        date_null, integer, integer_null, pk_auto, string, string_null, text, text_null,
        timestamp_with_time_zone, timestamp_with_time_zone_null,
    },
};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const KINDS: [&str; 4] = ["due_soon", "due_today", "overdue", "digest"];
pub const CHANNELS: [&str; 3] = ["email", "call", "letter"];
pub const STATUSES: [&str; 5] = ["queued", "sending", "sent", "failed", "cancelled"];
pub const OUTCOMES: [&str; 4] = ["spoke_to_them", "left_message", "no_answer", "wrong_number"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Hubs::Table)
                    .add_column(text_null(Hubs::OpeningHours))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reminders::Table)
                    .col(pk_auto(Reminders::Id))
                    .col(integer(Reminders::OrganisationId))
                    .col(string(Reminders::DedupeKey).unique_key())
                    .col(integer_null(Reminders::LoanId))
                    .col(integer_null(Reminders::HubId))
                    .col(string(Reminders::Kind).check(Expr::col(Reminders::Kind).is_in(KINDS)))
                    .col(integer(Reminders::Step))
                    .col(string(Reminders::Channel).check(Expr::col(Reminders::Channel).is_in(CHANNELS)))
                    .col(
                        string(Reminders::Status)
                            .default("queued")
                            .check(Expr::col(Reminders::Status).is_in(STATUSES)),
                    )
                    .col(string_null(Reminders::RecipientEmail))
                    .col(integer_null(Reminders::RecipientStaffId))
                    .col(date_null(Reminders::DueOn))
                    .col(string(Reminders::Subject))
                    .col(text(Reminders::BodyText))
                    .col(text_null(Reminders::BodyHtml))
                    .col(integer(Reminders::Attempts).default(0))
                    .col(timestamp_with_time_zone(Reminders::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Reminders::LeaseUntil))
                    .col(text_null(Reminders::LastError))
                    .col(string_null(Reminders::MessageId))
                    .col(timestamp_with_time_zone_null(Reminders::SentAt))
                    .col(
                        string_null(Reminders::Outcome).check(
                            Expr::col(Reminders::Outcome)
                                .is_null()
                                .or(Expr::col(Reminders::Outcome).is_in(OUTCOMES)),
                        ),
                    )
                    .col(integer_null(Reminders::OutcomeBy))
                    .col(timestamp_with_time_zone(Reminders::CreatedAt))
                    .col(timestamp_with_time_zone(Reminders::UpdatedAt))
                    // An email has an address; everything but a digest is about a loan.
                    .check(
                        Expr::col(Reminders::Channel)
                            .ne("email")
                            .or(Expr::col(Reminders::RecipientEmail).is_not_null()),
                    )
                    .check(
                        Expr::col(Reminders::Kind)
                            .eq("digest")
                            .or(Expr::col(Reminders::LoanId).is_not_null()),
                    )
                    .foreign_key(&mut fk(
                        (Reminders::Table, Reminders::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Reminders::Table, Reminders::LoanId),
                        (Loans::Table, Loans::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Reminders::Table, Reminders::HubId),
                        (Hubs::Table, Hubs::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reminders::Table, Reminders::RecipientStaffId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reminders::Table, Reminders::OutcomeBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's claim: queued email rows whose time has come.
        index(
            manager,
            "reminders_due",
            Reminders::Table,
            &[Reminders::Channel, Reminders::Status, Reminders::NextAttemptAt],
        )
        .await?;
        // Cancelling a loan's pending reminders.
        index(
            manager,
            "reminders_loan",
            Reminders::Table,
            &[Reminders::LoanId, Reminders::Status],
        )
        .await?;
        // A hub's call list and letters; the outbox page by status.
        index(
            manager,
            "reminders_hub",
            Reminders::Table,
            &[
                Reminders::OrganisationId,
                Reminders::Channel,
                Reminders::Status,
                Reminders::HubId,
            ],
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Hubs {
    Table,
    Id,
    OpeningHours,
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

#[derive(DeriveIden, Clone)]
enum Reminders {
    Table,
    Id,
    OrganisationId,
    DedupeKey,
    LoanId,
    HubId,
    Kind,
    Step,
    Channel,
    Status,
    RecipientEmail,
    RecipientStaffId,
    DueOn,
    Subject,
    BodyText,
    BodyHtml,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    MessageId,
    SentAt,
    Outcome,
    OutcomeBy,
    CreatedAt,
    UpdatedAt,
}
