//! Borrowers, loans with their extensions, return checks, repairs and disposals. The database
//! holds the loan invariants itself: at most one open loan per device and at most one open repair
//! per device (partial unique indexes), statuses and outcomes checked, a borrower reachable some way.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer_null, boolean, date, integer, integer_null, pk_auto, string, string_null, text,
        text_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
    },
    sea_orm::DbBackend,
};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const LOAN_STATUSES: [&str; 3] = ["open", "returned", "lost"];
pub const REPAIR_OUTCOMES: [&str; 2] = ["fixed", "unrepairable"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Borrowers::Table)
                    .col(pk_auto(Borrowers::Id))
                    .col(integer(Borrowers::OrganisationId))
                    .col(string(Borrowers::Name))
                    .col(string_null(Borrowers::Email))
                    .col(string_null(Borrowers::Phone))
                    .col(text_null(Borrowers::Address))
                    .col(string_null(Borrowers::Postcode))
                    .col(integer_null(Borrowers::ResidentOfOrganisationId))
                    .col(string_null(Borrowers::ReferralSource))
                    .col(text(Borrowers::Barriers).default("[]"))
                    .col(boolean(Borrowers::ConsentDataProcessing))
                    .col(timestamp_with_time_zone(Borrowers::ConsentRecordedAt))
                    .col(integer_null(Borrowers::ConsentRecordedBy))
                    .col(boolean(Borrowers::LargePrint).default(false))
                    .col(string_null(Borrowers::PreferredLanguage))
                    .col(text_null(Borrowers::AccessibilityNeeds))
                    .col(boolean(Borrowers::PrefersPhone).default(false))
                    .col(timestamp_with_time_zone(Borrowers::CreatedAt))
                    .col(timestamp_with_time_zone(Borrowers::UpdatedAt))
                    .check(
                        Expr::col(Borrowers::Email)
                            .is_not_null()
                            .or(Expr::col(Borrowers::Phone).is_not_null())
                            .or(Expr::col(Borrowers::Address).is_not_null()),
                    )
                    .check(Expr::col(Borrowers::ConsentDataProcessing).eq(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Borrowers::Table, Borrowers::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Borrowers::Table, Borrowers::ResidentOfOrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Borrowers::Table, Borrowers::ConsentRecordedBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "borrowers_org_name",
            Borrowers::Table,
            &[Borrowers::OrganisationId, Borrowers::Name, Borrowers::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Loans::Table)
                    .col(pk_auto(Loans::Id))
                    .col(integer(Loans::OrganisationId))
                    .col(integer(Loans::DeviceId))
                    .col(integer(Loans::BorrowerId))
                    .col(integer(Loans::HubId))
                    .col(integer_null(Loans::IssuedBy))
                    .col(timestamp_with_time_zone(Loans::IssuedAt))
                    .col(date(Loans::DueOn))
                    .col(text(Loans::AccessoriesIssued).default("[]"))
                    .col(
                        string(Loans::Status)
                            .default("open")
                            .check(Expr::col(Loans::Status).is_in(LOAN_STATUSES)),
                    )
                    .col(timestamp_with_time_zone_null(Loans::ReturnedAt))
                    .col(integer_null(Loans::ReturnedTo))
                    .col(string_null(Loans::ReturnCondition))
                    .col(text_null(Loans::AccessoriesReturned))
                    .col(text_null(Loans::MissingAccessories))
                    .col(text_null(Loans::ReturnNotes))
                    .col(timestamp_with_time_zone_null(Loans::LostAt))
                    .col(text_null(Loans::LostNotes))
                    .col(timestamp_with_time_zone(Loans::UpdatedAt))
                    .check(
                        Expr::col(Loans::Status)
                            .ne("returned")
                            .or(Expr::col(Loans::ReturnedAt).is_not_null()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Loans::Table, Loans::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Loans::Table, Loans::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Loans::Table, Loans::BorrowerId)
                            .to(Borrowers::Table, Borrowers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Loans::Table, Loans::HubId)
                            .to(Hubs::Table, Hubs::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Loans::Table, Loans::IssuedBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Loans::Table, Loans::ReturnedTo)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "loans_device",
            Loans::Table,
            &[Loans::DeviceId, Loans::Id],
        )
        .await?;
        index(
            manager,
            "loans_borrower",
            Loans::Table,
            &[Loans::BorrowerId, Loans::Id],
        )
        .await?;
        index(
            manager,
            "loans_org_status_due",
            Loans::Table,
            &[Loans::OrganisationId, Loans::Status, Loans::DueOn, Loans::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoanExtensions::Table)
                    .col(pk_auto(LoanExtensions::Id))
                    .col(integer(LoanExtensions::LoanId))
                    .col(date(LoanExtensions::FromDueOn))
                    .col(date(LoanExtensions::ToDueOn))
                    .col(text_null(LoanExtensions::Reason))
                    .col(integer_null(LoanExtensions::ExtendedBy))
                    .col(timestamp_with_time_zone(LoanExtensions::ExtendedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LoanExtensions::Table, LoanExtensions::LoanId)
                            .to(Loans::Table, Loans::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LoanExtensions::Table, LoanExtensions::ExtendedBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "loan_extensions_loan",
            LoanExtensions::Table,
            &[LoanExtensions::LoanId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeviceChecks::Table)
                    .col(pk_auto(DeviceChecks::Id))
                    .col(integer(DeviceChecks::DeviceId))
                    .col(integer_null(DeviceChecks::LoanId))
                    .col(boolean(DeviceChecks::Wiped))
                    .col(string(DeviceChecks::WipeMethod))
                    .col(boolean(DeviceChecks::Complete))
                    .col(string(DeviceChecks::Condition))
                    .col(text_null(DeviceChecks::Notes))
                    .col(integer_null(DeviceChecks::CheckedBy))
                    .col(timestamp_with_time_zone(DeviceChecks::CheckedAt))
                    .check(Expr::col(DeviceChecks::Wiped).eq(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceChecks::Table, DeviceChecks::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceChecks::Table, DeviceChecks::LoanId)
                            .to(Loans::Table, Loans::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceChecks::Table, DeviceChecks::CheckedBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "device_checks_device",
            DeviceChecks::Table,
            &[DeviceChecks::DeviceId, DeviceChecks::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Repairs::Table)
                    .col(pk_auto(Repairs::Id))
                    .col(integer(Repairs::OrganisationId))
                    .col(integer(Repairs::DeviceId))
                    .col(text(Repairs::Fault))
                    .col(string_null(Repairs::Repairer))
                    .col(integer_null(Repairs::OpenedBy))
                    .col(timestamp_with_time_zone(Repairs::OpenedAt))
                    .col(
                        string_null(Repairs::Outcome)
                            .check(Expr::col(Repairs::Outcome).is_in(REPAIR_OUTCOMES)),
                    )
                    .col(big_integer_null(Repairs::CostPence).check(Expr::col(Repairs::CostPence).gte(0)))
                    .col(text_null(Repairs::Notes))
                    .col(integer_null(Repairs::ClosedBy))
                    .col(timestamp_with_time_zone_null(Repairs::ClosedAt))
                    .check(
                        Expr::col(Repairs::Outcome)
                            .is_null()
                            .eq(Expr::col(Repairs::ClosedAt).is_null()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Repairs::Table, Repairs::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Repairs::Table, Repairs::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Repairs::Table, Repairs::OpenedBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Repairs::Table, Repairs::ClosedBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "repairs_device",
            Repairs::Table,
            &[Repairs::DeviceId, Repairs::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Disposals::Table)
                    .col(pk_auto(Disposals::Id))
                    .col(integer(Disposals::DeviceId).unique_key())
                    .col(string(Disposals::Method))
                    .col(string_null(Disposals::WipeCertificate))
                    .col(text_null(Disposals::Notes))
                    .col(integer_null(Disposals::RetiredBy))
                    .col(timestamp_with_time_zone(Disposals::RetiredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Disposals::Table, Disposals::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Disposals::Table, Disposals::RetiredBy)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        // Partial unique indexes: the same SQL on SQLite and PostgreSQL.
        for sql in [
            "CREATE UNIQUE INDEX loans_one_open_per_device ON loans (device_id) WHERE status = 'open'",
            "CREATE UNIQUE INDEX repairs_one_open_per_device ON repairs (device_id) WHERE closed_at IS NULL",
        ] {
            db.execute_unprepared(sql).await?;
        }
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for sql in [
                    "CREATE VIRTUAL TABLE borrowers_fts USING fts5(name, email, phone, postcode, \
                     content='borrowers', content_rowid='id', tokenize='trigram')",
                    "CREATE TRIGGER borrowers_fts_insert AFTER INSERT ON borrowers BEGIN \
                     INSERT INTO borrowers_fts(rowid, name, email, phone, postcode) \
                     VALUES (new.id, new.name, new.email, new.phone, new.postcode); END",
                    "CREATE TRIGGER borrowers_fts_delete AFTER DELETE ON borrowers BEGIN \
                     INSERT INTO borrowers_fts(borrowers_fts, rowid, name, email, phone, postcode) \
                     VALUES ('delete', old.id, old.name, old.email, old.phone, old.postcode); END",
                    "CREATE TRIGGER borrowers_fts_update AFTER UPDATE OF name, email, phone, postcode ON borrowers BEGIN \
                     INSERT INTO borrowers_fts(borrowers_fts, rowid, name, email, phone, postcode) \
                     VALUES ('delete', old.id, old.name, old.email, old.phone, old.postcode); \
                     INSERT INTO borrowers_fts(rowid, name, email, phone, postcode) \
                     VALUES (new.id, new.name, new.email, new.phone, new.postcode); END",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE INDEX borrowers_search_trgm ON borrowers USING gin ((lower(name || ' ' || \
                     coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(postcode, ''))) gin_trgm_ops)",
                )
                .await?;
            }
            _ => return Err(DbErr::Migration("lendhub runs on SQLite or PostgreSQL".into())),
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
enum Devices {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Borrowers {
    Table,
    Id,
    OrganisationId,
    Name,
    Email,
    Phone,
    Address,
    Postcode,
    ResidentOfOrganisationId,
    ReferralSource,
    Barriers,
    ConsentDataProcessing,
    ConsentRecordedAt,
    ConsentRecordedBy,
    LargePrint,
    PreferredLanguage,
    AccessibilityNeeds,
    PrefersPhone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Loans {
    Table,
    Id,
    OrganisationId,
    DeviceId,
    BorrowerId,
    HubId,
    IssuedBy,
    IssuedAt,
    DueOn,
    AccessoriesIssued,
    Status,
    ReturnedAt,
    ReturnedTo,
    ReturnCondition,
    AccessoriesReturned,
    MissingAccessories,
    ReturnNotes,
    LostAt,
    LostNotes,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum LoanExtensions {
    Table,
    Id,
    LoanId,
    FromDueOn,
    ToDueOn,
    Reason,
    ExtendedBy,
    ExtendedAt,
}

#[derive(DeriveIden, Clone)]
enum DeviceChecks {
    Table,
    Id,
    DeviceId,
    LoanId,
    Wiped,
    WipeMethod,
    Complete,
    Condition,
    Notes,
    CheckedBy,
    CheckedAt,
}

#[derive(DeriveIden, Clone)]
enum Repairs {
    Table,
    Id,
    OrganisationId,
    DeviceId,
    Fault,
    Repairer,
    OpenedBy,
    OpenedAt,
    Outcome,
    CostPence,
    Notes,
    ClosedBy,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Disposals {
    Table,
    Id,
    DeviceId,
    Method,
    WipeCertificate,
    Notes,
    RetiredBy,
    RetiredAt,
}
