//! The tables of the journey after a loan: gifts, follow-ups, reservations and SIMs.

use sea_orm_migration::{
    prelude::*,
    schema::{
        boolean_null, date, integer, integer_null, pk_auto, string, string_null, text_null,
        timestamp_with_time_zone, timestamp_with_time_zone_null,
    },
    sea_orm::ConnectionTrait,
};

use crate::helpers::{fk, index};

pub async fn gifts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Gifts::Table)
                .col(pk_auto(Gifts::Id))
                .col(integer(Gifts::OrganisationId))
                .col(integer(Gifts::HubId))
                // A device is given away once; a loan becomes a gift once.
                .col(integer(Gifts::DeviceId).unique_key())
                .col(integer(Gifts::BorrowerId))
                .col(integer_null(Gifts::LoanId).unique_key())
                .col(text_null(Gifts::Reason))
                .col(integer(Gifts::GivenBy))
                .col(timestamp_with_time_zone(Gifts::GivenAt))
                .foreign_key(&mut fk(
                    (Gifts::Table, Gifts::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .foreign_key(&mut fk((Gifts::Table, Gifts::HubId), (Hubs::Table, Hubs::Id)))
                .foreign_key(&mut fk(
                    (Gifts::Table, Gifts::DeviceId),
                    (Devices::Table, Devices::Id),
                ))
                .foreign_key(&mut fk(
                    (Gifts::Table, Gifts::BorrowerId),
                    (Borrowers::Table, Borrowers::Id),
                ))
                .foreign_key(&mut fk((Gifts::Table, Gifts::LoanId), (Loans::Table, Loans::Id)))
                .foreign_key(&mut fk(
                    (Gifts::Table, Gifts::GivenBy),
                    (StaffUsers::Table, StaffUsers::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "gifts_given",
        Gifts::Table,
        &[Gifts::OrganisationId, Gifts::GivenAt],
    )
    .await?;
    index(manager, "gifts_borrower", Gifts::Table, &[Gifts::BorrowerId]).await
}

pub async fn follow_ups(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let confidence = |col: FollowUps| {
        integer_null(col.clone())
            .check(Expr::col(col.clone()).between(1, 5).or(Expr::col(col).is_null()))
            .to_owned()
    };
    manager
        .create_table(
            Table::create()
                .table(FollowUps::Table)
                .col(pk_auto(FollowUps::Id))
                .col(integer(FollowUps::OrganisationId))
                .col(integer(FollowUps::HubId))
                .col(integer(FollowUps::BorrowerId))
                .col(integer_null(FollowUps::LoanId))
                .col(integer_null(FollowUps::GiftId))
                .col(integer(FollowUps::AfterDays).check(Expr::col(FollowUps::AfterDays).between(1, 730)))
                .col(date(FollowUps::DueOn))
                .col(
                    string(FollowUps::Status).check(Expr::col(FollowUps::Status).is_in([
                        "asked",
                        "answered",
                        "not_asked",
                    ])),
                )
                .col(string_null(FollowUps::Channel))
                .col(string_null(FollowUps::KeyHash).unique_key())
                .col(timestamp_with_time_zone(FollowUps::CreatedAt))
                .col(timestamp_with_time_zone_null(FollowUps::AnsweredAt))
                .col(integer_null(FollowUps::AnsweredBy))
                .col(boolean_null(FollowUps::StillUsing))
                .col(string_null(FollowUps::HowOften))
                .col(text_null(FollowUps::HelpedWith))
                .col(confidence(FollowUps::Confidence))
                .col(confidence(FollowUps::ConfidenceBefore))
                // About a loan or a gift; answered means the answers are there.
                .check(
                    Expr::col(FollowUps::LoanId)
                        .is_not_null()
                        .or(Expr::col(FollowUps::GiftId).is_not_null()),
                )
                .check(
                    Expr::col(FollowUps::Status)
                        .ne("answered")
                        .or(Expr::col(FollowUps::AnsweredAt)
                            .is_not_null()
                            .and(Expr::col(FollowUps::StillUsing).is_not_null())),
                )
                .foreign_key(&mut fk(
                    (FollowUps::Table, FollowUps::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .foreign_key(&mut fk(
                    (FollowUps::Table, FollowUps::HubId),
                    (Hubs::Table, Hubs::Id),
                ))
                .foreign_key(&mut fk(
                    (FollowUps::Table, FollowUps::BorrowerId),
                    (Borrowers::Table, Borrowers::Id),
                ))
                .foreign_key(&mut fk(
                    (FollowUps::Table, FollowUps::LoanId),
                    (Loans::Table, Loans::Id),
                ))
                .foreign_key(&mut fk(
                    (FollowUps::Table, FollowUps::GiftId),
                    (Gifts::Table, Gifts::Id),
                ))
                .to_owned(),
        )
        .await?;
    let db = manager.get_connection();
    // Each loan or gift is asked once at each point, whichever instance's sweep gets there first.
    db.execute_unprepared(
        "CREATE UNIQUE INDEX follow_ups_loan ON follow_ups (loan_id, after_days) WHERE loan_id IS NOT NULL",
    )
    .await?;
    db.execute_unprepared(
        "CREATE UNIQUE INDEX follow_ups_gift ON follow_ups (gift_id, after_days) WHERE gift_id IS NOT NULL",
    )
    .await?;
    index(
        manager,
        "follow_ups_due",
        FollowUps::Table,
        &[FollowUps::OrganisationId, FollowUps::DueOn, FollowUps::Id],
    )
    .await?;
    index(
        manager,
        "follow_ups_borrower",
        FollowUps::Table,
        &[FollowUps::BorrowerId],
    )
    .await
}

pub async fn reservations(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Reservations::Table)
                .col(pk_auto(Reservations::Id))
                .col(integer(Reservations::OrganisationId))
                .col(integer(Reservations::HubId))
                .col(
                    string(Reservations::Kind)
                        .check(Expr::col(Reservations::Kind).is_in(["laptop", "tablet", "mifi"])),
                )
                .col(integer(Reservations::Count).check(Expr::col(Reservations::Count).between(1, 500)))
                .col(timestamp_with_time_zone(Reservations::StartsAt))
                .col(timestamp_with_time_zone(Reservations::EndsAt))
                .col(integer_null(Reservations::SessionId))
                .col(integer(Reservations::MadeBy))
                .col(timestamp_with_time_zone(Reservations::CreatedAt))
                .col(timestamp_with_time_zone_null(Reservations::CancelledAt))
                .check(Expr::col(Reservations::EndsAt).gt(Expr::col(Reservations::StartsAt)))
                .foreign_key(&mut fk(
                    (Reservations::Table, Reservations::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .foreign_key(&mut fk(
                    (Reservations::Table, Reservations::HubId),
                    (Hubs::Table, Hubs::Id),
                ))
                .foreign_key(&mut fk(
                    (Reservations::Table, Reservations::SessionId),
                    (TrainingSessions::Table, TrainingSessions::Id),
                ))
                .foreign_key(&mut fk(
                    (Reservations::Table, Reservations::MadeBy),
                    (StaffUsers::Table, StaffUsers::Id),
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "reservations_window",
        Reservations::Table,
        &[Reservations::HubId, Reservations::Kind, Reservations::EndsAt],
    )
    .await
}

pub async fn sims(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Sims::Table)
                .col(pk_auto(Sims::Id))
                .col(integer(Sims::OrganisationId))
                // A SIM kept at a hub, or (none) for every hub of the organisation.
                .col(integer_null(Sims::HubId))
                .col(string(Sims::Iccid).unique_key())
                .col(string(Sims::Network))
                .col(integer(Sims::AllowanceGb).check(Expr::col(Sims::AllowanceGb).between(0, 10_000)))
                .col(date(Sims::ExpiresOn))
                .col(string_null(Sims::Batch))
                .col(integer_null(Sims::BorrowerId))
                .col(timestamp_with_time_zone_null(Sims::IssuedAt))
                .col(integer_null(Sims::IssuedBy))
                .col(timestamp_with_time_zone(Sims::CreatedAt))
                // Given to someone, or not: both or neither.
                .check(
                    Expr::col(Sims::BorrowerId)
                        .is_null()
                        .and(Expr::col(Sims::IssuedAt).is_null())
                        .or(Expr::col(Sims::BorrowerId)
                            .is_not_null()
                            .and(Expr::col(Sims::IssuedAt).is_not_null())),
                )
                .foreign_key(&mut fk(
                    (Sims::Table, Sims::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .foreign_key(&mut fk((Sims::Table, Sims::HubId), (Hubs::Table, Hubs::Id)))
                .foreign_key(&mut fk(
                    (Sims::Table, Sims::BorrowerId),
                    (Borrowers::Table, Borrowers::Id),
                ))
                .foreign_key(&mut fk(
                    (Sims::Table, Sims::IssuedBy),
                    (StaffUsers::Table, StaffUsers::Id),
                ))
                .to_owned(),
        )
        .await?;
    // The list pages by id; the funder report counts by issue time; the sweep finds data ending.
    index(
        manager,
        "sims_organisation",
        Sims::Table,
        &[Sims::OrganisationId, Sims::Id],
    )
    .await?;
    index(
        manager,
        "sims_issued",
        Sims::Table,
        &[Sims::OrganisationId, Sims::IssuedAt],
    )
    .await?;
    index(manager, "sims_expiring", Sims::Table, &[Sims::ExpiresOn]).await?;
    index(manager, "sims_borrower", Sims::Table, &[Sims::BorrowerId]).await
}

#[derive(DeriveIden, Clone)]
pub enum Sims {
    Table,
    Id,
    OrganisationId,
    HubId,
    Iccid,
    Network,
    AllowanceGb,
    ExpiresOn,
    Batch,
    BorrowerId,
    IssuedAt,
    IssuedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum Gifts {
    Table,
    Id,
    OrganisationId,
    HubId,
    DeviceId,
    BorrowerId,
    LoanId,
    Reason,
    GivenBy,
    GivenAt,
}

#[derive(DeriveIden, Clone)]
pub enum FollowUps {
    Table,
    Id,
    OrganisationId,
    HubId,
    BorrowerId,
    LoanId,
    GiftId,
    AfterDays,
    DueOn,
    Status,
    Channel,
    KeyHash,
    CreatedAt,
    AnsweredAt,
    AnsweredBy,
    StillUsing,
    HowOften,
    HelpedWith,
    Confidence,
    ConfidenceBefore,
}

#[derive(DeriveIden, Clone)]
pub enum Reservations {
    Table,
    Id,
    OrganisationId,
    HubId,
    Kind,
    Count,
    StartsAt,
    EndsAt,
    SessionId,
    MadeBy,
    CreatedAt,
    CancelledAt,
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
enum Hubs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Borrowers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Loans {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TrainingSessions {
    Table,
    Id,
}
