//! Rows for sharing agreements: each side reads only agreements it is a party to; accepting and
//! ending are single guarded UPDATEs, so of two at once one wins and the other changes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::entities::sharing_agreement::{self, Column, Entity as Agreement};

/// Agreements in force on `today`: accepted, not ended, and between their dates.
fn in_force(today: NaiveDate) -> Condition {
    Condition::all()
        .add(Column::AcceptedAt.is_not_null())
        .add(Column::EndedAt.is_null())
        .add(Column::StartsOn.lte(today))
        .add(Column::EndsOn.gte(today))
}

/// Agreements `organisation_id` is a party to, either side.
fn party(organisation_id: i32) -> Condition {
    Condition::any()
        .add(Column::OrganisationId.eq(organisation_id))
        .add(Column::WithOrganisationId.eq(organisation_id))
}

pub async fn insert(
    db: &impl ConnectionTrait,
    row: sharing_agreement::ActiveModel,
) -> Result<sharing_agreement::Model, DbErr> {
    row.insert(db).await
}

/// Agreement `id`, if `organisation_id` is a party to it.
pub async fn find(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<sharing_agreement::Model>, DbErr> {
    Agreement::find_by_id(id)
        .filter(party(organisation_id))
        .one(db)
        .await
}

/// `organisation_id`'s agreements, newest first, below `before` (an id).
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    before: Option<i32>,
    limit: u64,
) -> Result<Vec<sharing_agreement::Model>, DbErr> {
    let mut query = Agreement::find().filter(party(organisation_id));
    if let Some(before) = before {
        query = query.filter(Column::Id.lt(before));
    }
    query.order_by_desc(Column::Id).limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, organisation_id: i32) -> Result<u64, DbErr> {
    Agreement::find().filter(party(organisation_id)).count(db).await
}

/// Accepts a proposal made to `organisation_id`: true when this call did.
pub async fn accept(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Agreement::update_many()
        .col_expr(Column::AcceptedBy, Expr::value(staff_id))
        .col_expr(Column::AcceptedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::WithOrganisationId.eq(organisation_id))
        .filter(Column::AcceptedAt.is_null())
        .filter(Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Ends an agreement `organisation_id` is a party to: true when this call did.
pub async fn end(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Agreement::update_many()
        .col_expr(Column::EndedBy, Expr::value(staff_id))
        .col_expr(Column::EndedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(party(organisation_id))
        .filter(Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The agreements between `a` and `b` (either way round) for `purpose` in force on `today`:
/// accepted, not ended, and between their dates. The newest first.
pub async fn in_force_between(
    db: &impl ConnectionTrait,
    a: i32,
    b: i32,
    purpose: &str,
    today: NaiveDate,
) -> Result<Vec<sharing_agreement::Model>, DbErr> {
    let pair = Condition::any()
        .add(
            Condition::all()
                .add(Column::OrganisationId.eq(a))
                .add(Column::WithOrganisationId.eq(b)),
        )
        .add(
            Condition::all()
                .add(Column::OrganisationId.eq(b))
                .add(Column::WithOrganisationId.eq(a)),
        );
    Agreement::find()
        .filter(pair)
        .filter(Column::Purpose.eq(purpose))
        .filter(in_force(today))
        .order_by_desc(Column::Id)
        .all(db)
        .await
}

/// The organisations `organisation_id` shares with for `purpose` on `today`, each once.
pub async fn partners_in_force(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    purpose: &str,
    today: NaiveDate,
) -> Result<Vec<sharing_agreement::Model>, DbErr> {
    Agreement::find()
        .filter(party(organisation_id))
        .filter(Column::Purpose.eq(purpose))
        .filter(in_force(today))
        .order_by_desc(Column::Id)
        // An organisation has a handful of partners, each with a few agreements.
        .limit(200)
        .all(db)
        .await
}
