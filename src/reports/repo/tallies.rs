//! The tallies the database keeps (`device_tallies`, `open_loan_tallies`), counted afresh.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait};

use crate::entities::{device_tally::Entity as DeviceTally, open_loan_tally::Entity as OpenLoanTally};

/// Empties the tallies and counts them again from the rows, inside `db`'s transaction; answers
/// how many tally rows each now has.
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(u64, u64), DbErr> {
    DeviceTally::delete_many().exec(db).await?;
    OpenLoanTally::delete_many().exec(db).await?;
    for sql in migration::TALLIES_FILL {
        db.execute_unprepared(sql).await?;
    }
    Ok((
        DeviceTally::find().count(db).await?,
        OpenLoanTally::find().count(db).await?,
    ))
}
