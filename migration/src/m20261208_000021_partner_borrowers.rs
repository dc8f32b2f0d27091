//! Lending to a partner's learner: an organisation that lends one of its devices to a learner
//! another organisation shares with it keeps its own record of them (the loan agreement is
//! between the lender and the person), made from the shared record under the agreement. The
//! record remembers whose person it was made from, and under which agreement, so the same person
//! gets one record in each organisation however often it is asked for.

use sea_orm_migration::{prelude::*, schema::integer_null};

use crate::helpers::unique_index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Borrowers::PartnerBorrowerId, Borrowers::PartnerAgreementId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Borrowers::Table)
                        .add_column(integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        // One record of a partner's person in each organisation (rows with no partner are left
        // out: both databases hold NULLs distinct in a unique index).
        unique_index(
            manager,
            "borrowers_partner",
            Borrowers::Table,
            &[Borrowers::OrganisationId, Borrowers::PartnerBorrowerId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("borrowers_partner")
                    .table(Borrowers::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Borrowers::PartnerBorrowerId, Borrowers::PartnerAgreementId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Borrowers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Borrowers {
    Table,
    OrganisationId,
    PartnerBorrowerId,
    PartnerAgreementId,
}
