//! Referrals and the waiting list. Partner organisations refer people through a link of their
//! own (`referral_links`: only the key's SHA-256 is kept) into `referrals`, which staff accept
//! (making or matching a borrower, who then waits in `waiting` for a kind of device at a hub) or
//! decline, the referrer told why by email. A waiting entry is ordered by priority, then time,
//! and may hold one device for its person until `held_until`: the unique index on
//! `held_device_id` lets one entry hold a device at a time, whichever instance offers it.
//!
//! The outbox learns two messages: a referral declined (to the referrer, about no borrower) and
//! a device offered (to the borrower). Its CHECKs are widened in place: on SQLite in the stored
//! definition (`helpers::rewrite_check`), on PostgreSQL by replacing the named constraints.

use sea_orm_migration::{
    prelude::*,
    schema::{
        integer, integer_null, pk_auto, string, string_null, text, text_null, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
    sea_orm::{ConnectionTrait, DbBackend},
};

use crate::helpers::{fk, index, rewrite_check, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KIND_OLD: &str =
    r#"CHECK ("kind" IN ('due_soon', 'due_today', 'overdue', 'digest', 'session_cancelled'))"#;
const KIND_NEW: &str = r#"CHECK ("kind" IN ('due_soon', 'due_today', 'overdue', 'digest', 'session_cancelled', 'referral_declined', 'device_offered'))"#;
const ABOUT_OLD: &str = r#"CHECK ("kind" = 'digest' OR "loan_id" IS NOT NULL OR "session_id" IS NOT NULL)"#;
const ABOUT_NEW: &str = r#"CHECK ("kind" IN ('digest', 'referral_declined') OR "loan_id" IS NOT NULL OR "session_id" IS NOT NULL OR ("kind" = 'device_offered' AND "borrower_id" IS NOT NULL))"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReferralLinks::Table)
                    .col(pk_auto(ReferralLinks::Id))
                    .col(integer(ReferralLinks::OrganisationId))
                    .col(string(ReferralLinks::KeyHash).unique_key())
                    .col(string(ReferralLinks::ReferrerOrganisation))
                    .col(string_null(ReferralLinks::Name))
                    .col(string_null(ReferralLinks::Email))
                    .col(integer(ReferralLinks::CreatedBy))
                    .col(timestamp_with_time_zone(ReferralLinks::CreatedAt))
                    .col(timestamp_with_time_zone_null(ReferralLinks::RevokedAt))
                    .foreign_key(&mut fk(
                        (ReferralLinks::Table, ReferralLinks::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (ReferralLinks::Table, ReferralLinks::CreatedBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "referral_links_organisation",
            ReferralLinks::Table,
            &[ReferralLinks::OrganisationId, ReferralLinks::Id],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Referrals::Table)
                    .col(pk_auto(Referrals::Id))
                    .col(integer(Referrals::OrganisationId))
                    .col(integer_null(Referrals::LinkId))
                    .col(
                        string(Referrals::Status)
                            .default("new")
                            .check(Expr::col(Referrals::Status).is_in(["new", "accepted", "declined"])),
                    )
                    .col(string(Referrals::Name))
                    .col(string_null(Referrals::Email))
                    .col(string_null(Referrals::Phone))
                    .col(text_null(Referrals::Address))
                    .col(string_null(Referrals::Postcode))
                    .col(text(Referrals::Needs))
                    .col(integer_null(Referrals::HubId))
                    .col(text(Referrals::Answers))
                    .col(text_null(Referrals::Reasons))
                    .col(string(Referrals::ReferrerName))
                    .col(string(Referrals::ReferrerOrganisation))
                    .col(string_null(Referrals::ReferrerEmail))
                    .col(string_null(Referrals::ReferrerPhone))
                    .col(text(Referrals::Consents))
                    .col(integer(Referrals::Priority))
                    .col(timestamp_with_time_zone(Referrals::CreatedAt))
                    .col(integer_null(Referrals::CreatedBy))
                    .col(timestamp_with_time_zone_null(Referrals::DecidedAt))
                    .col(integer_null(Referrals::DecidedBy))
                    .col(text_null(Referrals::DeclineReason))
                    .col(integer_null(Referrals::BorrowerId))
                    // A decision is dated; an accepted referral names the borrower it became.
                    .check(
                        Expr::col(Referrals::Status)
                            .eq("new")
                            .or(Expr::col(Referrals::DecidedAt).is_not_null()),
                    )
                    .check(
                        Expr::col(Referrals::Status)
                            .ne("accepted")
                            .or(Expr::col(Referrals::BorrowerId).is_not_null()),
                    )
                    .foreign_key(&mut fk(
                        (Referrals::Table, Referrals::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Referrals::Table, Referrals::LinkId),
                        (ReferralLinks::Table, ReferralLinks::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Referrals::Table, Referrals::HubId),
                        (Hubs::Table, Hubs::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Referrals::Table, Referrals::BorrowerId),
                        (Borrowers::Table, Borrowers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "referrals_status",
            Referrals::Table,
            &[Referrals::OrganisationId, Referrals::Status, Referrals::Id],
        )
        .await?;
        // Throttling a link counts its referrals of the last hour.
        index(
            manager,
            "referrals_link",
            Referrals::Table,
            &[Referrals::LinkId, Referrals::CreatedAt],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Waiting::Table)
                    .col(pk_auto(Waiting::Id))
                    .col(integer(Waiting::OrganisationId))
                    .col(integer(Waiting::BorrowerId))
                    .col(
                        string(Waiting::Kind)
                            .check(Expr::col(Waiting::Kind).is_in(["laptop", "tablet", "mifi"])),
                    )
                    .col(integer(Waiting::HubId))
                    .col(integer(Waiting::Priority))
                    .col(timestamp_with_time_zone(Waiting::Since))
                    .col(integer_null(Waiting::ReferralId))
                    .col(
                        string(Waiting::Status)
                            .default("waiting")
                            .check(Expr::col(Waiting::Status).is_in(["waiting", "lent", "cancelled"])),
                    )
                    .col(integer_null(Waiting::HeldDeviceId))
                    .col(timestamp_with_time_zone_null(Waiting::HeldUntil))
                    .col(timestamp_with_time_zone_null(Waiting::EndedAt))
                    .col(integer_null(Waiting::CreatedBy))
                    .check(
                        Expr::col(Waiting::HeldDeviceId)
                            .is_null()
                            .or(Expr::col(Waiting::HeldUntil).is_not_null()),
                    )
                    // Only someone still waiting holds a device.
                    .check(
                        Expr::col(Waiting::Status)
                            .eq("waiting")
                            .or(Expr::col(Waiting::HeldDeviceId).is_null()),
                    )
                    .foreign_key(&mut fk(
                        (Waiting::Table, Waiting::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Waiting::Table, Waiting::BorrowerId),
                        (Borrowers::Table, Borrowers::Id),
                    ))
                    .foreign_key(&mut fk((Waiting::Table, Waiting::HubId), (Hubs::Table, Hubs::Id)))
                    .foreign_key(&mut fk(
                        (Waiting::Table, Waiting::ReferralId),
                        (Referrals::Table, Referrals::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Waiting::Table, Waiting::HeldDeviceId),
                        (Devices::Table, Devices::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The list in its order, for one hub and kind.
        index(
            manager,
            "waiting_order",
            Waiting::Table,
            &[
                Waiting::HubId,
                Waiting::Kind,
                Waiting::Status,
                Waiting::Priority,
                Waiting::Since,
            ],
        )
        .await?;
        index(
            manager,
            "waiting_borrower",
            Waiting::Table,
            &[Waiting::BorrowerId],
        )
        .await?;
        // One hold on a device at a time, whoever offers it.
        unique_index(
            manager,
            "waiting_held_device",
            Waiting::Table,
            &[Waiting::HeldDeviceId],
        )
        .await?;
        let db = manager.get_connection();
        // A person waits once for a kind of device at a hub.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX waiting_once ON waiting (borrower_id, kind, hub_id) WHERE status = 'waiting'",
        )
        .await?;
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                rewrite_check(manager, "reminders", KIND_OLD, KIND_NEW).await?;
                rewrite_check(manager, "reminders", ABOUT_OLD, ABOUT_NEW).await?;
            }
            _ => replace_checks(db, KIND_NEW, ABOUT_NEW).await?,
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM reminders WHERE kind IN ('referral_declined', 'device_offered')")
            .await?;
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                rewrite_check(manager, "reminders", KIND_NEW, KIND_OLD).await?;
                rewrite_check(manager, "reminders", ABOUT_NEW, ABOUT_OLD).await?;
            }
            _ => replace_checks(db, KIND_OLD, ABOUT_OLD).await?,
        }
        for table in [
            Waiting::Table.into_iden(),
            Referrals::Table.into_iden(),
            ReferralLinks::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// On PostgreSQL: drops the outbox's kind and "about" checks, whatever they were named (the
/// table was made as `reminders_new`), and adds `kind` and `about` under names of their own.
async fn replace_checks(db: &impl ConnectionTrait, kind: &str, about: &str) -> Result<(), DbErr> {
    db.execute_unprepared(
        "DO $$ DECLARE c record; BEGIN \
         FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'reminders'::regclass \
         AND contype = 'c' AND (pg_get_constraintdef(oid) LIKE '%due_soon%' \
         OR pg_get_constraintdef(oid) LIKE '%session_id IS NOT NULL%') LOOP \
         EXECUTE format('ALTER TABLE reminders DROP CONSTRAINT %I', c.conname); END LOOP; END $$",
    )
    .await?;
    db.execute_unprepared(&format!(
        "ALTER TABLE reminders ADD CONSTRAINT reminders_kind {kind}"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "ALTER TABLE reminders ADD CONSTRAINT reminders_about {about}"
    ))
    .await?;
    Ok(())
}

#[derive(DeriveIden, Clone)]
enum ReferralLinks {
    Table,
    Id,
    OrganisationId,
    KeyHash,
    ReferrerOrganisation,
    Name,
    Email,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone)]
enum Referrals {
    Table,
    Id,
    OrganisationId,
    LinkId,
    Status,
    Name,
    Email,
    Phone,
    Address,
    Postcode,
    Needs,
    HubId,
    Answers,
    Reasons,
    ReferrerName,
    ReferrerOrganisation,
    ReferrerEmail,
    ReferrerPhone,
    Consents,
    Priority,
    CreatedAt,
    CreatedBy,
    DecidedAt,
    DecidedBy,
    DeclineReason,
    BorrowerId,
}

#[derive(DeriveIden, Clone)]
enum Waiting {
    Table,
    Id,
    OrganisationId,
    BorrowerId,
    Kind,
    HubId,
    Priority,
    Since,
    ReferralId,
    Status,
    HeldDeviceId,
    HeldUntil,
    EndedAt,
    CreatedBy,
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
