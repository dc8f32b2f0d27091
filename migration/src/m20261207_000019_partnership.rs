//! A scheme as a partnership: each organisation has a kind (landlord, charity, training partner,
//! council, other); its asset prefix is already no other's, so tags stay unique across them.
//!
//! The signposting directory: partner services (`directory_services`, each with a UUID of its own
//! for the Open Referral feed), the areas of need each meets (`directory_service_areas`, one row an
//! area, so a search by area is an index range), where each is found (`directory_locations`), and
//! the signposts staff record on a borrower (`signposts`: to which service, when, by whom, and
//! whether the person agreed to their details being passed on).

use sea_orm_migration::{
    prelude::*,
    schema::{
        boolean, integer, integer_null, pk_auto, string, string_null, text_null, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
};

use crate::helpers::{fk, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(string(Organisations::Kind).default("other").check(
                        Expr::col(Organisations::Kind).is_in([
                            "landlord",
                            "charity",
                            "training_partner",
                            "council",
                            "other",
                        ]),
                    ))
                    .to_owned(),
            )
            .await?;
        // A partner added without naming its first admin: a one-time link (kept as its SHA-256)
        // with which whoever the lead hands it to makes that admin's account.
        manager
            .create_table(
                Table::create()
                    .table(OrganisationInvitations::Table)
                    .col(pk_auto(OrganisationInvitations::Id))
                    .col(integer(OrganisationInvitations::OrganisationId))
                    .col(string(OrganisationInvitations::KeyHash).unique_key())
                    .col(integer_null(OrganisationInvitations::CreatedBy))
                    .col(timestamp_with_time_zone(OrganisationInvitations::CreatedAt))
                    .col(timestamp_with_time_zone(OrganisationInvitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OrganisationInvitations::UsedAt))
                    .foreign_key(&mut fk(
                        (
                            OrganisationInvitations::Table,
                            OrganisationInvitations::OrganisationId,
                        ),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DirectoryServices::Table)
                    .col(pk_auto(DirectoryServices::Id))
                    .col(string(DirectoryServices::Uuid).unique_key())
                    .col(integer(DirectoryServices::OrganisationId))
                    .col(string(DirectoryServices::Name))
                    // The name lower-cased (by lendhub, the same on every database): one service
                    // a name, however it is written.
                    .col(string(DirectoryServices::NameKey).unique_key())
                    .col(text_null(DirectoryServices::Description))
                    .col(string_null(DirectoryServices::Provider))
                    .col(string_null(DirectoryServices::Email))
                    .col(string_null(DirectoryServices::Phone))
                    .col(string_null(DirectoryServices::Url))
                    .col(text_null(DirectoryServices::ReferralNotes))
                    .col(text_null(DirectoryServices::OpeningTimes))
                    // What the search matches: name, provider and description, lower-cased.
                    .col(text_null(DirectoryServices::SearchText))
                    .col(integer(DirectoryServices::CreatedBy))
                    .col(timestamp_with_time_zone(DirectoryServices::CreatedAt))
                    .col(timestamp_with_time_zone(DirectoryServices::UpdatedAt))
                    .foreign_key(&mut fk(
                        (DirectoryServices::Table, DirectoryServices::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (DirectoryServices::Table, DirectoryServices::CreatedBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The directory lists by name then id (the key it pages by).
        index(
            manager,
            "directory_services_name",
            DirectoryServices::Table,
            &[DirectoryServices::Name, DirectoryServices::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DirectoryServiceAreas::Table)
                    .col(integer(DirectoryServiceAreas::ServiceId))
                    .col(string(DirectoryServiceAreas::Area))
                    .primary_key(
                        Index::create()
                            .col(DirectoryServiceAreas::ServiceId)
                            .col(DirectoryServiceAreas::Area),
                    )
                    .foreign_key(
                        fk(
                            (DirectoryServiceAreas::Table, DirectoryServiceAreas::ServiceId),
                            (DirectoryServices::Table, DirectoryServices::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "directory_service_areas_area",
            DirectoryServiceAreas::Table,
            &[DirectoryServiceAreas::Area, DirectoryServiceAreas::ServiceId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DirectoryLocations::Table)
                    .col(pk_auto(DirectoryLocations::Id))
                    .col(integer(DirectoryLocations::ServiceId))
                    .col(string(DirectoryLocations::Name))
                    .col(string_null(DirectoryLocations::Address))
                    .col(string_null(DirectoryLocations::Postcode))
                    // Name and address lower-cased by lendhub, for the search by place.
                    .col(text_null(DirectoryLocations::PlaceText))
                    .foreign_key(
                        fk(
                            (DirectoryLocations::Table, DirectoryLocations::ServiceId),
                            (DirectoryServices::Table, DirectoryServices::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "directory_locations_service",
            DirectoryLocations::Table,
            &[DirectoryLocations::ServiceId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Signposts::Table)
                    .col(pk_auto(Signposts::Id))
                    .col(integer(Signposts::OrganisationId))
                    .col(integer(Signposts::BorrowerId))
                    .col(integer(Signposts::ServiceId))
                    .col(text_null(Signposts::Notes))
                    // The person agreed to their details being passed to the service.
                    .col(boolean(Signposts::Consent))
                    .col(integer(Signposts::MadeBy))
                    .col(timestamp_with_time_zone(Signposts::MadeAt))
                    .foreign_key(&mut fk(
                        (Signposts::Table, Signposts::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Signposts::Table, Signposts::BorrowerId),
                        (Borrowers::Table, Borrowers::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Signposts::Table, Signposts::ServiceId),
                        (DirectoryServices::Table, DirectoryServices::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Signposts::Table, Signposts::MadeBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "signposts_borrower",
            Signposts::Table,
            &[Signposts::BorrowerId, Signposts::Id],
        )
        .await?;
        index(
            manager,
            "signposts_service",
            Signposts::Table,
            &[Signposts::ServiceId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrganisationInvitations::Table.into_iden(),
            Signposts::Table.into_iden(),
            DirectoryLocations::Table.into_iden(),
            DirectoryServiceAreas::Table.into_iden(),
            DirectoryServices::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(Organisations::Kind)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum DirectoryServices {
    Table,
    Id,
    Uuid,
    OrganisationId,
    Name,
    NameKey,
    Description,
    Provider,
    Email,
    Phone,
    Url,
    ReferralNotes,
    OpeningTimes,
    SearchText,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum DirectoryServiceAreas {
    Table,
    ServiceId,
    Area,
}

#[derive(DeriveIden, Clone)]
enum DirectoryLocations {
    Table,
    Id,
    ServiceId,
    Name,
    Address,
    Postcode,
    PlaceText,
}

#[derive(DeriveIden, Clone)]
enum Signposts {
    Table,
    Id,
    OrganisationId,
    BorrowerId,
    ServiceId,
    Notes,
    Consent,
    MadeBy,
    MadeAt,
}

#[derive(DeriveIden, Clone)]
enum OrganisationInvitations {
    Table,
    Id,
    OrganisationId,
    KeyHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden, Clone)]
enum Organisations {
    Table,
    Id,
    Kind,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Borrowers {
    Table,
    Id,
}
