//! What the funder report counts by: the London date a loan came back (so "returned on time" is
//! a comparison of two dates the database can make), filled in for loans already returned, and
//! indexes that let each of the reports' counts read only the rows it counts: loans by issue
//! time, return time and status, devices by hub, status and kind, by SIM plan end and by how
//! long they have waited.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use sea_orm_migration::{prelude::*, schema::date_null};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Loans::Table)
                    .add_column(date_null(Loans::ReturnedOn))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "loans_org_issued",
            Loans::Table,
            &[Loans::OrganisationId, Loans::IssuedAt],
        )
        .await?;
        index(
            manager,
            "loans_org_returned",
            Loans::Table,
            &[Loans::OrganisationId, Loans::ReturnedAt],
        )
        .await?;
        // Loans open (or lost) before a moment, without reading every loan issued before it.
        index(
            manager,
            "loans_org_status_issued",
            Loans::Table,
            &[Loans::OrganisationId, Loans::Status, Loans::IssuedAt],
        )
        .await?;
        // The summary's device counts, read from the index alone.
        index(
            manager,
            "devices_org_hub_status_kind",
            Devices::Table,
            &[
                Devices::OrganisationId,
                Devices::HubId,
                Devices::Status,
                Devices::Kind,
            ],
        )
        .await?;
        // SIM plans ending soon, and devices waiting for their checks since a day.
        index(
            manager,
            "devices_org_sim_ends",
            Devices::Table,
            &[Devices::OrganisationId, Devices::SimPlanEndsOn],
        )
        .await?;
        index(
            manager,
            "devices_org_status_updated",
            Devices::Table,
            &[Devices::OrganisationId, Devices::Status, Devices::UpdatedAt],
        )
        .await?;
        fill_returned_on(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "loans_org_issued",
            "loans_org_returned",
            "loans_org_status_issued",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Loans::Table).to_owned())
                .await?;
        }
        for name in [
            "devices_org_hub_status_kind",
            "devices_org_sim_ends",
            "devices_org_status_updated",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Devices::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Loans::Table)
                    .drop_column(Loans::ReturnedOn)
                    .to_owned(),
            )
            .await
    }
}

/// One update per London day from the first return to the last, each over that day's instants,
/// so the dates are London's (BST or not) on SQLite too, without reading the loans one by one.
async fn fill_returned_on(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let span = Query::select()
        .expr_as(Expr::col(Loans::ReturnedAt).min(), Alias::new("first"))
        .expr_as(Expr::col(Loans::ReturnedAt).max(), Alias::new("last"))
        .from(Loans::Table)
        .to_owned();
    let Some(row) = db.query_one(&span).await? else {
        return Ok(());
    };
    let first: Option<DateTime<Utc>> = row.try_get("", "first")?;
    let last: Option<DateTime<Utc>> = row.try_get("", "last")?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(());
    };
    let mut day = first.with_timezone(&London).date_naive();
    let last = last.with_timezone(&London).date_naive();
    while day <= last {
        let next = day + Duration::days(1);
        let update = Query::update()
            .table(Loans::Table)
            .value(Loans::ReturnedOn, day)
            .and_where(Expr::col(Loans::ReturnedAt).gte(midnight(day)))
            .and_where(Expr::col(Loans::ReturnedAt).lt(midnight(next)))
            .to_owned();
        db.execute(&update).await?;
        day = next;
    }
    Ok(())
}

/// The instant a London day begins (midnight always exists in London).
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    London
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

#[derive(DeriveIden, Clone)]
enum Loans {
    Table,
    OrganisationId,
    IssuedAt,
    ReturnedAt,
    ReturnedOn,
    Status,
}

#[derive(DeriveIden, Clone)]
enum Devices {
    Table,
    OrganisationId,
    HubId,
    Status,
    Kind,
    SimPlanEndsOn,
    UpdatedAt,
}
