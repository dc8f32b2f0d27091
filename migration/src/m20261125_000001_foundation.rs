//! Organisations, hubs, devices (with SIM fields), staff accounts, sessions, API tokens, sign-in
//! throttling and the audit log. Device kind, status and condition, and staff roles, are checked by
//! the database as well as by the code.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer_null, big_pk_auto, boolean, date_null, integer, integer_null, pk_auto, string,
        string_null, string_uniq, text, text_null, timestamp_with_time_zone,
    },
    sea_orm::DbBackend,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const DEVICE_KINDS: [&str; 3] = ["laptop", "tablet", "mifi"];
pub const DEVICE_STATUSES: [&str; 6] = [
    "available",
    "on_loan",
    "awaiting_checks",
    "in_repair",
    "lost",
    "retired",
];
pub const DEVICE_CONDITIONS: [&str; 4] = ["new", "good", "fair", "poor"];
pub const STAFF_ROLES: [&str; 4] = ["admin", "coordinator", "hub_staff", "trainer"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(pk_auto(Organisations::Id))
                    .col(string(Organisations::Name))
                    .col(string_uniq(Organisations::AssetPrefix))
                    .col(integer(Organisations::NextAssetNumber).default(1))
                    .col(string_null(Organisations::Phone))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Hubs::Table)
                    .col(pk_auto(Hubs::Id))
                    .col(integer(Hubs::OrganisationId))
                    .col(string(Hubs::Name))
                    .col(text_null(Hubs::Address))
                    .col(timestamp_with_time_zone(Hubs::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Hubs::Table, Hubs::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("hubs_organisation_name")
                    .table(Hubs::Table)
                    .col(Hubs::OrganisationId)
                    .col(Hubs::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffUsers::Table)
                    .col(pk_auto(StaffUsers::Id))
                    .col(integer(StaffUsers::OrganisationId))
                    .col(string_uniq(StaffUsers::Email))
                    .col(string(StaffUsers::Name))
                    .col(string(StaffUsers::Role).check(Expr::col(StaffUsers::Role).is_in(STAFF_ROLES)))
                    .col(string(StaffUsers::PasswordHash))
                    .col(boolean(StaffUsers::Active).default(true))
                    .col(timestamp_with_time_zone(StaffUsers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffUsers::Table, StaffUsers::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffSessions::Table)
                    .col(string(StaffSessions::Id).primary_key())
                    .col(integer(StaffSessions::StaffId))
                    .col(timestamp_with_time_zone(StaffSessions::CreatedAt))
                    .col(timestamp_with_time_zone(StaffSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffSessions::Table, StaffSessions::StaffId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("staff_sessions_staff")
                    .table(StaffSessions::Table)
                    .col(StaffSessions::StaffId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::StaffId))
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone(ApiTokens::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::StaffId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(pk_auto(LoginFailures::Id))
                    .col(string(LoginFailures::Email))
                    .col(timestamp_with_time_zone(LoginFailures::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_failures_email_at")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::Email)
                    .col(LoginFailures::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(pk_auto(Devices::Id))
                    .col(integer(Devices::OrganisationId))
                    .col(string_uniq(Devices::AssetTag))
                    .col(string(Devices::Kind).check(Expr::col(Devices::Kind).is_in(DEVICE_KINDS)))
                    .col(string(Devices::Make))
                    .col(string(Devices::Model))
                    .col(string_null(Devices::SerialNumber))
                    .col(string_null(Devices::Imei))
                    .col(
                        string(Devices::Status)
                            .default("available")
                            .check(Expr::col(Devices::Status).is_in(DEVICE_STATUSES)),
                    )
                    .col(
                        string(Devices::Condition)
                            .check(Expr::col(Devices::Condition).is_in(DEVICE_CONDITIONS)),
                    )
                    .col(text(Devices::Accessories).default("[]"))
                    .col(integer(Devices::HubId))
                    .col(string_null(Devices::FundingSource))
                    .col(date_null(Devices::PurchasedOn))
                    .col(
                        big_integer_null(Devices::PurchaseCostPence)
                            .check(Expr::col(Devices::PurchaseCostPence).gte(0)),
                    )
                    .col(text_null(Devices::Notes))
                    .col(string_null(Devices::SimIccid))
                    .col(string_null(Devices::SimNetwork))
                    .col(integer_null(Devices::SimAllowanceGb))
                    .col(date_null(Devices::SimPlanEndsOn))
                    .col(timestamp_with_time_zone(Devices::CreatedAt))
                    .col(timestamp_with_time_zone(Devices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Devices::Table, Devices::OrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Devices::Table, Devices::HubId)
                            .to(Hubs::Table, Hubs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One index per list filter, each ending in the sort key so a page is a range scan.
        for (name, cols) in [
            ("devices_org_tag", &[Devices::OrganisationId][..]),
            (
                "devices_org_status_tag",
                &[Devices::OrganisationId, Devices::Status][..],
            ),
            (
                "devices_org_kind_tag",
                &[Devices::OrganisationId, Devices::Kind][..],
            ),
            ("devices_hub_tag", &[Devices::HubId][..]),
            ("devices_hub_status_tag", &[Devices::HubId, Devices::Status][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Devices::Table);
            for col in cols {
                index.col(col.clone());
            }
            manager
                .create_index(index.col(Devices::AssetTag).to_owned())
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(integer(AuditEvents::OrganisationId))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(integer_null(AuditEvents::ActorStaffId))
                    .col(string(AuditEvents::ActorLabel))
                    .col(string(AuditEvents::EntityType))
                    .col(integer(AuditEvents::EntityId))
                    .col(string(AuditEvents::Action))
                    .col(text(AuditEvents::Details))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEvents::Table, AuditEvents::ActorStaffId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_events_entity")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::EntityType)
                    .col(AuditEvents::EntityId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            // Substring search over tag, serial, make, model and IMEI without scanning every row:
            // an FTS5 trigram index kept in step by triggers.
            DbBackend::Sqlite => {
                for sql in [
                    "CREATE VIRTUAL TABLE devices_fts USING fts5(asset_tag, serial_number, make, model, imei, \
                     content='devices', content_rowid='id', tokenize='trigram')",
                    "CREATE TRIGGER devices_fts_insert AFTER INSERT ON devices BEGIN \
                     INSERT INTO devices_fts(rowid, asset_tag, serial_number, make, model, imei) \
                     VALUES (new.id, new.asset_tag, new.serial_number, new.make, new.model, new.imei); END",
                    "CREATE TRIGGER devices_fts_delete AFTER DELETE ON devices BEGIN \
                     INSERT INTO devices_fts(devices_fts, rowid, asset_tag, serial_number, make, model, imei) \
                     VALUES ('delete', old.id, old.asset_tag, old.serial_number, old.make, old.model, old.imei); END",
                    "CREATE TRIGGER devices_fts_update AFTER UPDATE OF asset_tag, serial_number, make, model, imei \
                     ON devices BEGIN \
                     INSERT INTO devices_fts(devices_fts, rowid, asset_tag, serial_number, make, model, imei) \
                     VALUES ('delete', old.id, old.asset_tag, old.serial_number, old.make, old.model, old.imei); \
                     INSERT INTO devices_fts(rowid, asset_tag, serial_number, make, model, imei) \
                     VALUES (new.id, new.asset_tag, new.serial_number, new.make, new.model, new.imei); END",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            // The same search on PostgreSQL: a trigram GIN index over one expression, which the
            // query repeats word for word.
            DbBackend::Postgres => {
                for sql in [
                    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                    "CREATE INDEX devices_search_trgm ON devices USING gin ((lower(asset_tag || ' ' || \
                     coalesce(serial_number, '') || ' ' || make || ' ' || model || ' ' || coalesce(imei, ''))) \
                     gin_trgm_ops)",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                return Err(DbErr::Migration("lendhub runs on SQLite or PostgreSQL".into()));
            }
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    AssetPrefix,
    NextAssetNumber,
    Phone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Hubs {
    Table,
    Id,
    OrganisationId,
    Name,
    Address,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
    OrganisationId,
    Email,
    Name,
    Role,
    PasswordHash,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffSessions {
    Table,
    Id,
    StaffId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    StaffId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Email,
    At,
}

#[derive(DeriveIden, Clone)]
enum Devices {
    Table,
    Id,
    OrganisationId,
    AssetTag,
    Kind,
    Make,
    Model,
    SerialNumber,
    Imei,
    Status,
    Condition,
    Accessories,
    HubId,
    FundingSource,
    PurchasedOn,
    PurchaseCostPence,
    Notes,
    SimIccid,
    SimNetwork,
    SimAllowanceGb,
    SimPlanEndsOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OrganisationId,
    At,
    ActorStaffId,
    ActorLabel,
    EntityType,
    EntityId,
    Action,
    Details,
}
