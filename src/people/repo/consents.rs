//! A borrower's consents: the answer now for each purpose (columns of `borrowers`) and every
//! change (`consent_changes`, only ever added to).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::{
    entities::{borrower, consent_change},
    people::model::{Consents, How, Purpose},
};

/// Writes the answer now for each purpose into a borrower's row.
pub fn set_columns(row: &mut borrower::ActiveModel, consents: &Consents) {
    row.consent_loan = Set(consents.loan);
    row.consent_email_reminders = Set(consents.email_reminders);
    row.consent_phone_reminders = Set(consents.phone_reminders);
    row.consent_post = Set(consents.post);
    row.consent_follow_up = Set(consents.follow_up);
    row.consent_share_with_partners = Set(consents.share_with_partners);
}

/// The column that holds the answer for `purpose`.
fn column_of(purpose: Purpose) -> borrower::Column {
    match purpose {
        Purpose::Loan => borrower::Column::ConsentLoan,
        Purpose::EmailReminders => borrower::Column::ConsentEmailReminders,
        Purpose::PhoneReminders => borrower::Column::ConsentPhoneReminders,
        Purpose::Post => borrower::Column::ConsentPost,
        Purpose::FollowUp => borrower::Column::ConsentFollowUp,
        Purpose::ShareWithPartners => borrower::Column::ConsentShareWithPartners,
    }
}

/// The answers now, from a borrower's row.
pub fn of_row(row: &borrower::Model) -> Consents {
    Consents {
        loan: row.consent_loan,
        email_reminders: row.consent_email_reminders,
        phone_reminders: row.consent_phone_reminders,
        post: row.consent_post,
        follow_up: row.consent_follow_up,
        share_with_partners: row.consent_share_with_partners,
    }
}

/// Records `changes` to a borrower's consents (made by `staff_id`, said `how`) and their answers
/// now.
pub async fn record(
    db: &impl ConnectionTrait,
    row: borrower::Model,
    changes: &[(Purpose, bool)],
    staff_id: i32,
    how: Option<How>,
    now: DateTime<Utc>,
) -> Result<Consents, DbErr> {
    let mut consents = of_row(&row);
    for (purpose, given) in changes {
        consents.set(*purpose, *given);
    }
    if changes.is_empty() {
        return Ok(consents);
    }
    let borrower_id = row.id;
    let mut active: borrower::ActiveModel = row.into();
    set_columns(&mut active, &consents);
    active.updated_at = Set(now);
    borrower::Entity::update(active).exec(db).await?;
    insert_changes(db, borrower_id, changes, staff_id, how, now).await?;
    Ok(consents)
}

/// Records the consents a new borrower gave, one change for each purpose given.
pub async fn record_new(
    db: &impl ConnectionTrait,
    borrower_id: i32,
    consents: &Consents,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let given: Vec<(Purpose, bool)> = Purpose::ALL
        .iter()
        .filter(|p| consents.get(**p))
        .map(|p| (*p, true))
        .collect();
    insert_changes(db, borrower_id, &given, staff_id, None, now).await
}

async fn insert_changes(
    db: &impl ConnectionTrait,
    borrower_id: i32,
    changes: &[(Purpose, bool)],
    staff_id: i32,
    how: Option<How>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if changes.is_empty() {
        return Ok(());
    }
    consent_change::Entity::insert_many(
        changes
            .iter()
            .map(|(purpose, given)| consent_change::ActiveModel {
                borrower_id: Set(borrower_id),
                purpose: Set(purpose.as_str().to_owned()),
                given: Set(*given),
                at: Set(now),
                staff_id: Set(Some(staff_id)),
                how: Set(how.map(|h| h.as_str().to_owned())),
                ..Default::default()
            }),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The newest `limit` changes to a borrower's consents, newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    borrower_id: i32,
    limit: u64,
) -> Result<Vec<consent_change::Model>, DbErr> {
    consent_change::Entity::find()
        .filter(consent_change::Column::BorrowerId.eq(borrower_id))
        .order_by_desc(consent_change::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Records, for each borrower an import wrote at `now` (recorded by `staff_id`), one change for
/// each purpose they were given, as `record_new` does for one: six statements, whatever the
/// file's size.
pub async fn record_imported(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for purpose in Purpose::ALL {
        let select = Query::select()
            .column(borrower::Column::Id)
            .expr(Expr::val(purpose.as_str()))
            .expr(Expr::val(true))
            .expr(Expr::val(now))
            .expr(Expr::val(staff_id))
            .from(borrower::Entity)
            .and_where(Expr::col(borrower::Column::OrganisationId).eq(organisation_id))
            .and_where(Expr::col(borrower::Column::CreatedAt).eq(now))
            .and_where(Expr::col(borrower::Column::ConsentRecordedBy).eq(staff_id))
            .and_where(Expr::col(column_of(*purpose)).eq(true))
            .to_owned();
        let insert = Query::insert()
            .into_table(consent_change::Entity)
            .columns([
                consent_change::Column::BorrowerId,
                consent_change::Column::Purpose,
                consent_change::Column::Given,
                consent_change::Column::At,
                consent_change::Column::StaffId,
            ])
            .select_from(select)
            .map_err(|err| DbErr::Custom(err.to_string()))?
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}
