//! Stocktakes: a count of one hub's devices. Each scan is kept once per device (a second scan of
//! the same label changes nothing); closing one records when and by whom.

use sea_orm_migration::{
    prelude::*,
    schema::{integer, integer_null, pk_auto, timestamp_with_time_zone, timestamp_with_time_zone_null},
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
                    .table(Stocktakes::Table)
                    .col(pk_auto(Stocktakes::Id))
                    .col(integer(Stocktakes::OrganisationId))
                    .col(integer(Stocktakes::HubId))
                    .col(integer_null(Stocktakes::StartedBy))
                    .col(timestamp_with_time_zone(Stocktakes::StartedAt))
                    .col(integer_null(Stocktakes::ClosedBy))
                    .col(timestamp_with_time_zone_null(Stocktakes::ClosedAt))
                    .foreign_key(&mut fk(
                        (Stocktakes::Table, Stocktakes::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Stocktakes::Table, Stocktakes::HubId),
                        (Hubs::Table, Hubs::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "stocktakes_org_started",
            Stocktakes::Table,
            &[Stocktakes::OrganisationId, Stocktakes::StartedAt],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(StocktakeScans::Table)
                    .col(integer(StocktakeScans::StocktakeId))
                    .col(integer(StocktakeScans::DeviceId))
                    .col(integer_null(StocktakeScans::ScannedBy))
                    .col(timestamp_with_time_zone(StocktakeScans::ScannedAt))
                    .primary_key(
                        Index::create()
                            .col(StocktakeScans::StocktakeId)
                            .col(StocktakeScans::DeviceId),
                    )
                    .foreign_key(&mut fk(
                        (StocktakeScans::Table, StocktakeScans::StocktakeId),
                        (Stocktakes::Table, Stocktakes::Id),
                    ))
                    .foreign_key(&mut fk(
                        (StocktakeScans::Table, StocktakeScans::DeviceId),
                        (Devices::Table, Devices::Id),
                    ))
                    .to_owned(),
            )
            .await
    }
}

#[derive(Clone, DeriveIden)]
enum Stocktakes {
    Table,
    Id,
    OrganisationId,
    HubId,
    StartedBy,
    StartedAt,
    ClosedBy,
    ClosedAt,
}

#[derive(DeriveIden)]
enum StocktakeScans {
    Table,
    StocktakeId,
    DeviceId,
    ScannedBy,
    ScannedAt,
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
enum Devices {
    Table,
    Id,
}
