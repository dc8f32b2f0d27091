//! Directory rows: services with their areas and places written together, searched by words,
//! area and place and paged in name order by the last row's id, and the signposts on a borrower.
//! The directory is the whole scheme's: every organisation's staff read all of it, and a change
//! applies only to a service of the organisation that lists it.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
};

use super::model::{ImpactArea, Location};
use crate::entities::{
    directory_location as location, directory_service as service, directory_service_area as area, signpost,
};

/// What a search asks for: every word in the name, provider or description; the area; a place
/// (a location's name or postcode starting so).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub words: Vec<String>,
    pub area: Option<ImpactArea>,
    pub place: Option<String>,
}

fn contains(text: &str) -> LikeExpr {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

fn condition(filter: &Filter) -> Condition {
    let mut all = Condition::all();
    for word in &filter.words {
        all = all.add(Expr::col(service::Column::SearchText).like(contains(&word.to_lowercase())));
    }
    if let Some(a) = filter.area {
        all = all.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(area::Entity)
                .and_where(
                    Expr::col((area::Entity, area::Column::ServiceId))
                        .equals((service::Entity, service::Column::Id)),
                )
                .and_where(Expr::col((area::Entity, area::Column::Area)).eq(a.as_str()))
                .to_owned(),
        ));
    }
    if let Some(place) = &filter.place {
        let postcode = place.to_uppercase().replace(' ', "");
        all = all.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(location::Entity)
                .and_where(
                    Expr::col((location::Entity, location::Column::ServiceId))
                        .equals((service::Entity, service::Column::Id)),
                )
                .cond_where(
                    Condition::any()
                        .add(
                            Expr::col((location::Entity, location::Column::PlaceText))
                                .like(contains(&place.to_lowercase())),
                        )
                        .add(
                            Expr::expr(Func::cust("REPLACE").args([
                                Expr::col((location::Entity, location::Column::Postcode)),
                                Expr::val(" "),
                                Expr::val(""),
                            ]))
                            .like(LikeExpr::new(format!(
                                "{}%",
                                postcode.replace(['%', '_', '\\'], "")
                            ))),
                        ),
                )
                .to_owned(),
        ));
    }
    all
}

/// The services that match, in name order after the service `after` (an id); and how many match.
pub async fn search(
    db: &impl ConnectionTrait,
    filter: &Filter,
    after: Option<i32>,
    limit: u64,
) -> Result<(Vec<service::Model>, u64), DbErr> {
    let matching = condition(filter);
    let total = service::Entity::find().filter(matching.clone()).count(db).await?;
    let mut query = service::Entity::find().filter(matching);
    if let Some(after) = after {
        let Some(last) = service::Entity::find_by_id(after).one(db).await? else {
            return Ok((Vec::new(), total));
        };
        query = query.filter(
            Condition::any()
                .add(service::Column::Name.gt(last.name.as_str()))
                .add(
                    Condition::all()
                        .add(service::Column::Name.eq(last.name.as_str()))
                        .add(service::Column::Id.gt(after)),
                ),
        );
    }
    let rows = query
        .order_by_asc(service::Column::Name)
        .order_by_asc(service::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The services in id order, `offset` rows in (the Open Referral feed's numbered pages).
pub async fn numbered_page(
    db: &impl ConnectionTrait,
    words: &[String],
    offset: u64,
    limit: u64,
) -> Result<(Vec<service::Model>, u64), DbErr> {
    let matching = condition(&Filter {
        words: words.to_vec(),
        ..Filter::default()
    });
    let total = service::Entity::find().filter(matching.clone()).count(db).await?;
    let rows = service::Entity::find()
        .filter(matching)
        .order_by_asc(service::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<service::Model>, DbErr> {
    service::Entity::find_by_id(id).one(db).await
}

pub async fn by_uuid(db: &impl ConnectionTrait, uuid: &str) -> Result<Option<service::Model>, DbErr> {
    service::Entity::find()
        .filter(service::Column::Uuid.eq(uuid))
        .one(db)
        .await
}

/// Which of these names (compared lower-cased) are services already, lower-cased.
pub async fn existing_names(
    db: &impl ConnectionTrait,
    names: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in names.chunks(500) {
        let lowered: Vec<String> = chunk.iter().map(|n| n.to_lowercase()).collect();
        let rows: Vec<String> = service::Entity::find()
            .select_only()
            .column(service::Column::Name)
            .filter(service::Column::NameKey.is_in(lowered))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|n| n.to_lowercase()));
    }
    Ok(found)
}

pub async fn insert(db: &impl ConnectionTrait, row: service::ActiveModel) -> Result<service::Model, DbErr> {
    row.insert(db).await
}

/// Writes `row` over the service if it is `organisation_id`'s; answers whether it was.
pub async fn update(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    row: service::ActiveModel,
) -> Result<bool, DbErr> {
    let id = row.id.clone().unwrap();
    let done = service::Entity::update_many()
        .set(row)
        .filter(service::Column::Id.eq(id))
        .filter(service::Column::OrganisationId.eq(organisation_id))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Replaces the service's areas and places with these.
pub async fn set_details(
    db: &impl ConnectionTrait,
    service_id: i32,
    areas: &[ImpactArea],
    places: &[Location],
) -> Result<(), DbErr> {
    area::Entity::delete_many()
        .filter(area::Column::ServiceId.eq(service_id))
        .exec(db)
        .await?;
    location::Entity::delete_many()
        .filter(location::Column::ServiceId.eq(service_id))
        .exec(db)
        .await?;
    if !areas.is_empty() {
        area::Entity::insert_many(areas.iter().map(|a| area::ActiveModel {
            service_id: sea_orm::ActiveValue::Set(service_id),
            area: sea_orm::ActiveValue::Set(a.as_str().to_owned()),
        }))
        .exec(db)
        .await?;
    }
    if !places.is_empty() {
        location::Entity::insert_many(places.iter().map(|p| location::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            service_id: sea_orm::ActiveValue::Set(service_id),
            name: sea_orm::ActiveValue::Set(p.name.clone()),
            address: sea_orm::ActiveValue::Set(p.address.clone()),
            postcode: sea_orm::ActiveValue::Set(p.postcode.clone()),
            place_text: sea_orm::ActiveValue::Set(Some(p.place_text())),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The areas and places of these services (at most a page's worth of ids).
pub async fn details_of(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<(Vec<area::Model>, Vec<location::Model>), DbErr> {
    let areas = area::Entity::find()
        .filter(area::Column::ServiceId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let places = location::Entity::find()
        .filter(location::Column::ServiceId.is_in(ids.iter().copied()))
        .order_by_asc(location::Column::Id)
        .all(db)
        .await?;
    Ok((areas, places))
}

pub async fn insert_signpost(
    db: &impl ConnectionTrait,
    row: signpost::ActiveModel,
) -> Result<signpost::Model, DbErr> {
    row.insert(db).await
}

/// A person's signposts, newest first, with the services' names.
pub async fn signposts_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    borrower_id: i32,
) -> Result<Vec<(signpost::Model, Option<service::Model>)>, DbErr> {
    let rows = signpost::Entity::find()
        .filter(signpost::Column::OrganisationId.eq(organisation_id))
        .filter(signpost::Column::BorrowerId.eq(borrower_id))
        .order_by_desc(signpost::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.service_id).collect();
    let services = service::Entity::find()
        .filter(service::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = services.iter().find(|s| s.id == r.service_id).cloned();
            (r, s)
        })
        .collect())
}

/// Clears what was written on a person's signposts (their record is being anonymised).
pub async fn forget_signposts(db: &impl ConnectionTrait, borrower_ids: &[i32]) -> Result<(), DbErr> {
    signpost::Entity::update_many()
        .col_expr(signpost::Column::Notes, Expr::value(Option::<String>::None))
        .filter(signpost::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}
