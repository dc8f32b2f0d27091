//! Training run for a term: a session can be cancelled (when, by whom and why are kept, and it
//! stays on the record), and the outbox can carry the message that tells each learner so. Until
//! now every outbox row but the weekly digest was about a loan, checked in the table itself; a
//! row now names the borrower it is for and may be about a session instead. Neither SQLite nor a
//! portable `ALTER TABLE` changes a CHECK constraint, so the outbox table is rebuilt: made anew
//! with the wider checks, its rows copied with their ids, the old one dropped and the new one
//! renamed. Existing rows learn their borrower from their loan.

use sea_orm_migration::{
    prelude::*,
    schema::{
        date_null, integer, integer_null, pk_auto, string, string_null, text, text_null,
        timestamp_with_time_zone, timestamp_with_time_zone_null,
    },
    sea_orm::DbBackend,
};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: [&str; 5] = ["due_soon", "due_today", "overdue", "digest", "session_cancelled"];
const OLD_KINDS: [&str; 4] = ["due_soon", "due_today", "overdue", "digest"];
const CHANNELS: [&str; 3] = ["email", "call", "letter"];
const STATUSES: [&str; 5] = ["queued", "sending", "sent", "failed", "cancelled"];
const OUTCOMES: [&str; 4] = ["spoke_to_them", "left_message", "no_answer", "wrong_number"];

/// The columns both shapes of the table share, in the order they are copied.
const SHARED: &str = "id, organisation_id, dedupe_key, loan_id, hub_id, kind, step, channel, status, \
     recipient_email, recipient_staff_id, due_on, subject, body_text, body_html, attempts, \
     next_attempt_at, lease_until, last_error, message_id, sent_at, outcome, outcome_by, created_at, \
     updated_at, claim_id, printed_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            timestamp_with_time_zone_null(TrainingSessions::CancelledAt),
            integer_null(TrainingSessions::CancelledBy),
            text_null(TrainingSessions::CancelReason),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(TrainingSessions::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        rebuild(manager, Shape::Term).await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE reminders SET borrower_id = (SELECT borrower_id FROM loans \
                 WHERE loans.id = reminders.loan_id) WHERE loan_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM reminders WHERE kind = 'session_cancelled'")
            .await?;
        rebuild(manager, Shape::Loans).await?;
        for column in [
            TrainingSessions::CancelledAt,
            TrainingSessions::CancelledBy,
            TrainingSessions::CancelReason,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TrainingSessions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

/// The outbox table before this migration (every row but a digest about a loan) and after.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Loans,
    Term,
}

/// Makes `reminders` anew in `shape`, keeping its rows and their ids.
async fn rebuild(manager: &SchemaManager<'_>, shape: Shape) -> Result<(), DbErr> {
    let db = manager.get_connection();
    manager.create_table(table(shape)).await?;
    db.execute_unprepared(&format!(
        "INSERT INTO reminders_new ({SHARED}) SELECT {SHARED} FROM reminders"
    ))
    .await?;
    db.execute_unprepared("DROP TABLE reminders").await?;
    db.execute_unprepared("ALTER TABLE reminders_new RENAME TO reminders")
        .await?;
    if manager.get_database_backend() == DbBackend::Postgres {
        // The new table's id sequence starts at 1; the copied rows kept their ids.
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('reminders', 'id'), \
             COALESCE((SELECT MAX(id) FROM reminders), 0) + 1, false)",
        )
        .await?;
    }
    for sql in [
        // The worker's claim: queued email rows whose time has come.
        "CREATE INDEX reminders_due ON reminders (channel, status, next_attempt_at)",
        // Cancelling a loan's pending reminders.
        "CREATE INDEX reminders_loan ON reminders (loan_id, status)",
        // A hub's call list and letters; the outbox page by status.
        "CREATE INDEX reminders_hub ON reminders (organisation_id, channel, status, hub_id)",
    ] {
        db.execute_unprepared(sql).await?;
    }
    if shape == Shape::Term {
        db.execute_unprepared("CREATE INDEX reminders_borrower ON reminders (borrower_id)")
            .await?;
    }
    Ok(())
}

fn table(shape: Shape) -> TableCreateStatement {
    let kinds: &[&str] = match shape {
        Shape::Loans => &OLD_KINDS,
        Shape::Term => &KINDS,
    };
    // An email has an address; everything but a digest is about a loan, or now a session.
    let about = match shape {
        Shape::Loans => Expr::col(Reminders::Kind)
            .eq("digest")
            .or(Expr::col(Reminders::LoanId).is_not_null()),
        Shape::Term => Expr::col(Reminders::Kind)
            .eq("digest")
            .or(Expr::col(Reminders::LoanId).is_not_null())
            .or(Expr::col(Reminders::SessionId).is_not_null()),
    };
    let mut table = Table::create();
    table
        .table(RemindersNew::Table)
        .col(pk_auto(Reminders::Id))
        .col(integer(Reminders::OrganisationId))
        .col(string(Reminders::DedupeKey).unique_key())
        .col(integer_null(Reminders::LoanId))
        .col(integer_null(Reminders::HubId))
        .col(string(Reminders::Kind).check(Expr::col(Reminders::Kind).is_in(kinds.iter().copied())))
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
        .col(string_null(Reminders::ClaimId))
        .col(timestamp_with_time_zone_null(Reminders::PrintedAt))
        .check(
            Expr::col(Reminders::Channel)
                .ne("email")
                .or(Expr::col(Reminders::RecipientEmail).is_not_null()),
        )
        .check(about)
        .foreign_key(&mut fk(
            (RemindersNew::Table, Reminders::OrganisationId),
            (Organisations::Table, Organisations::Id),
        ))
        .foreign_key(&mut fk(
            (RemindersNew::Table, Reminders::LoanId),
            (Loans::Table, Loans::Id),
        ))
        .foreign_key(&mut fk(
            (RemindersNew::Table, Reminders::HubId),
            (Hubs::Table, Hubs::Id),
        ))
        .foreign_key(
            ForeignKey::create()
                .from(RemindersNew::Table, Reminders::RecipientStaffId)
                .to(StaffUsers::Table, StaffUsers::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .foreign_key(
            ForeignKey::create()
                .from(RemindersNew::Table, Reminders::OutcomeBy)
                .to(StaffUsers::Table, StaffUsers::Id)
                .on_delete(ForeignKeyAction::SetNull),
        );
    if shape == Shape::Term {
        table
            .col(integer_null(Reminders::BorrowerId))
            .col(integer_null(Reminders::SessionId))
            .foreign_key(&mut fk(
                (RemindersNew::Table, Reminders::BorrowerId),
                (Borrowers::Table, Borrowers::Id),
            ))
            .foreign_key(&mut fk(
                (RemindersNew::Table, Reminders::SessionId),
                (TrainingSessions::Table, TrainingSessions::Id),
            ));
    }
    table
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
enum Borrowers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TrainingSessions {
    Table,
    Id,
    CancelledAt,
    CancelledBy,
    CancelReason,
}

#[derive(DeriveIden)]
enum RemindersNew {
    Table,
}

#[derive(DeriveIden)]
enum Reminders {
    Id,
    OrganisationId,
    DedupeKey,
    LoanId,
    HubId,
    BorrowerId,
    SessionId,
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
    ClaimId,
    PrintedAt,
}
