//! Sharing agreements between two of the scheme's organisations: proposed by one's admin,
//! accepted by the other's, ended by either. While one is in force, and only for people who agreed
//! to sharing with partners, each side may read the other's people for the agreement's purpose
//! and only the data it names. The access log says under which agreement a look crossed
//! organisations. An organisation may also publish its hubs' lending and its open training
//! sessions in the public Open Referral feed.

use sea_orm_migration::{
    prelude::*,
    schema::{
        boolean, date, integer, integer_null, pk_auto, string, text, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SharingAgreements::Table)
                    .col(pk_auto(SharingAgreements::Id))
                    // The organisation whose admin proposed it, and the one asked to accept.
                    .col(integer(SharingAgreements::OrganisationId))
                    .col(integer(SharingAgreements::WithOrganisationId))
                    .col(string(SharingAgreements::Purpose).check(
                        Expr::col(SharingAgreements::Purpose).is_in(["training", "loans", "referrals"]),
                    ))
                    // A JSON array of `names`, `contact`, `barriers`, `loans`, `attendance`.
                    .col(text(SharingAgreements::Data))
                    .col(date(SharingAgreements::StartsOn))
                    .col(date(SharingAgreements::EndsOn))
                    .col(string(SharingAgreements::LawfulBasis))
                    .col(integer(SharingAgreements::ProposedBy))
                    .col(timestamp_with_time_zone(SharingAgreements::ProposedAt))
                    .col(integer_null(SharingAgreements::AcceptedBy))
                    .col(timestamp_with_time_zone_null(SharingAgreements::AcceptedAt))
                    .col(integer_null(SharingAgreements::EndedBy))
                    .col(timestamp_with_time_zone_null(SharingAgreements::EndedAt))
                    .check(
                        Expr::col(SharingAgreements::OrganisationId)
                            .ne(Expr::col(SharingAgreements::WithOrganisationId)),
                    )
                    .check(Expr::col(SharingAgreements::StartsOn).lte(Expr::col(SharingAgreements::EndsOn)))
                    .foreign_key(&mut fk(
                        (SharingAgreements::Table, SharingAgreements::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (SharingAgreements::Table, SharingAgreements::WithOrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (SharingAgreements::Table, SharingAgreements::ProposedBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Each side lists its agreements newest first, and the sharing check looks up the pair.
        index(
            manager,
            "sharing_agreements_organisation",
            SharingAgreements::Table,
            &[SharingAgreements::OrganisationId, SharingAgreements::Id],
        )
        .await?;
        index(
            manager,
            "sharing_agreements_with",
            SharingAgreements::Table,
            &[SharingAgreements::WithOrganisationId, SharingAgreements::Id],
        )
        .await?;
        // What an organisation publishes in the open Open Referral feed besides its directory
        // entries: its hubs' lending, and its training sessions open to book.
        for column in [Organisations::PublishLending, Organisations::PublishTraining] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organisations::Table)
                        .add_column(boolean(column).default(false))
                        .to_owned(),
                )
                .await?;
        }
        // A look across organisations names the agreement it was made under.
        manager
            .alter_table(
                Table::alter()
                    .table(AccessLog::Table)
                    .add_column(integer_null(AccessLog::AgreementId))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Organisations::PublishLending, Organisations::PublishTraining] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organisations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AccessLog::Table)
                    .drop_column(AccessLog::AgreementId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SharingAgreements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum SharingAgreements {
    Table,
    Id,
    OrganisationId,
    WithOrganisationId,
    Purpose,
    Data,
    StartsOn,
    EndsOn,
    LawfulBasis,
    ProposedBy,
    ProposedAt,
    AcceptedBy,
    AcceptedAt,
    EndedBy,
    EndedAt,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    AgreementId,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    PublishLending,
    PublishTraining,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}
