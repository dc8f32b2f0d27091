//! Staff accounts run from the web: which hubs a hub staff member works at, and the one-time
//! links that let someone choose a password (an invitation, or a reset an admin issues). Existing
//! hub staff are assigned to every hub of their organisation, so nothing changes for them.

use sea_orm_migration::{
    prelude::*,
    schema::{
        integer, integer_null, pk_auto, string, timestamp_with_time_zone, timestamp_with_time_zone_null,
    },
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
                    .table(StaffHubs::Table)
                    .col(integer(StaffHubs::StaffId))
                    .col(integer(StaffHubs::HubId))
                    .primary_key(Index::create().col(StaffHubs::StaffId).col(StaffHubs::HubId))
                    .foreign_key(&mut fk(
                        (StaffHubs::Table, StaffHubs::StaffId),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .foreign_key(&mut fk(
                        (StaffHubs::Table, StaffHubs::HubId),
                        (Hubs::Table, Hubs::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO staff_hubs (staff_id, hub_id) \
                 SELECT s.id, h.id FROM staff_users s JOIN hubs h ON h.organisation_id = s.organisation_id \
                 WHERE s.role = 'hub_staff'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffLinks::Table)
                    .col(pk_auto(StaffLinks::Id))
                    .col(integer(StaffLinks::StaffId))
                    .col(string(StaffLinks::Purpose))
                    .col(string(StaffLinks::TokenHash).unique_key())
                    .col(integer_null(StaffLinks::CreatedBy))
                    .col(timestamp_with_time_zone(StaffLinks::CreatedAt))
                    .col(timestamp_with_time_zone(StaffLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(StaffLinks::UsedAt))
                    .foreign_key(&mut fk(
                        (StaffLinks::Table, StaffLinks::StaffId),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "staff_links_staff",
            StaffLinks::Table,
            &[StaffLinks::StaffId],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum StaffHubs {
    Table,
    StaffId,
    HubId,
}

#[derive(Clone, DeriveIden)]
enum StaffLinks {
    Table,
    Id,
    StaffId,
    Purpose,
    TokenHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
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
