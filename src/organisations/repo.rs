//! Organisation rows.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};

use crate::entities::{
    organisation::{self, Entity as Organisation},
    organisation_invitation,
};

pub async fn insert(
    db: &impl ConnectionTrait,
    name: &str,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<organisation::Model, DbErr> {
    insert_partner(db, name, prefix, "other", now).await
}

pub async fn insert_partner(
    db: &impl ConnectionTrait,
    name: &str,
    prefix: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<organisation::Model, DbErr> {
    organisation::ActiveModel {
        name: Set(name.to_owned()),
        asset_prefix: Set(prefix.to_owned()),
        kind: Set(kind.to_owned()),
        next_asset_number: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<organisation::Model>, DbErr> {
    Organisation::find_by_id(id).one(db).await
}

/// Writes the organisation's name and contact details, and answers the row as it is now.
/// Writes the organisation's details: the columns `row` sets.
pub async fn update_details(
    db: &impl ConnectionTrait,
    row: organisation::ActiveModel,
) -> Result<organisation::Model, DbErr> {
    row.update(db).await
}

/// The organisations that publish their hubs' lending, or their training, in the open feed.
pub async fn publishing(db: &impl ConnectionTrait) -> Result<Vec<organisation::Model>, DbErr> {
    use sea_orm::Condition;
    Organisation::find()
        .filter(
            Condition::any()
                .add(organisation::Column::PublishLending.eq(true))
                .add(organisation::Column::PublishTraining.eq(true)),
        )
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await
}

pub async fn first(db: &impl ConnectionTrait) -> Result<Option<organisation::Model>, DbErr> {
    Organisation::find()
        .order_by_asc(organisation::Column::Id)
        .one(db)
        .await
}

/// Takes the next `count` asset numbers of the organisation and returns the first. The counter
/// moves in one UPDATE, so two transactions can never be handed the same number.
pub async fn take_asset_numbers(db: &impl ConnectionTrait, id: i32, count: i32) -> Result<i32, DbErr> {
    Organisation::update_many()
        .col_expr(
            organisation::Column::NextAssetNumber,
            Expr::col(organisation::Column::NextAssetNumber).add(count),
        )
        .filter(organisation::Column::Id.eq(id))
        .exec(db)
        .await?;
    let org = find(db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("organisation {id}")))?;
    Ok(org.next_asset_number - count)
}

/// Makes sure numbers handed out later are above `number` (after a tag was given by hand).
pub async fn skip_asset_numbers_to(db: &impl ConnectionTrait, id: i32, number: i32) -> Result<(), DbErr> {
    Organisation::update_many()
        .col_expr(organisation::Column::NextAssetNumber, Expr::value(number + 1))
        .filter(organisation::Column::Id.eq(id))
        .filter(organisation::Column::NextAssetNumber.lte(number))
        .exec(db)
        .await?;
    Ok(())
}

/// The scheme's organisations in the order they joined (the first leads), after `after` (an id).
pub async fn list(
    db: &impl ConnectionTrait,
    after: Option<i32>,
    limit: u64,
) -> Result<Vec<organisation::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let mut query = Organisation::find();
    if let Some(after) = after {
        query = query.filter(organisation::Column::Id.gt(after));
    }
    query
        .order_by_asc(organisation::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Organisation::find().count(db).await
}

pub async fn insert_invitation(
    db: &impl ConnectionTrait,
    row: organisation_invitation::ActiveModel,
) -> Result<organisation_invitation::Model, DbErr> {
    row.insert(db).await
}

/// The invitation with this key's hash, if it is unused and not past its time.
pub async fn open_invitation(
    db: &impl ConnectionTrait,
    key_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<organisation_invitation::Model>, DbErr> {
    organisation_invitation::Entity::find()
        .filter(organisation_invitation::Column::KeyHash.eq(key_hash))
        .filter(organisation_invitation::Column::UsedAt.is_null())
        .filter(organisation_invitation::Column::ExpiresAt.gt(now))
        .one(db)
        .await
}

/// Uses the invitation once: answers whether this call did (of two at once, one does).
pub async fn use_invitation(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let done = organisation_invitation::Entity::update_many()
        .col_expr(organisation_invitation::Column::UsedAt, Expr::value(now))
        .filter(organisation_invitation::Column::Id.eq(id))
        .filter(organisation_invitation::Column::UsedAt.is_null())
        .filter(organisation_invitation::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
