//! Borrower rows. Search goes through the text index of the loans migration.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};

mod access;
mod consents;
mod retention;
mod shared;

pub use access::*;
pub use consents::*;
pub use retention::*;
pub use shared::*;

use super::model::{BorrowerDetails, Consents};
use crate::entities::borrower::{self, Entity as Borrower};

/// Writes many borrowers at once (demo data).
pub async fn insert_many(db: &impl ConnectionTrait, rows: Vec<borrower::ActiveModel>) -> Result<(), DbErr> {
    Borrower::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// The ids of an organisation's borrowers with ids above `after`, in order (demo data).
pub async fn ids_after(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
) -> Result<Vec<i32>, DbErr> {
    Borrower::find()
        .select_only()
        .column(borrower::Column::Id)
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(borrower::Column::Id.gt(after))
        .order_by_asc(borrower::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

fn set_details(row: &mut borrower::ActiveModel, details: &BorrowerDetails, now: DateTime<Utc>) {
    row.name = Set(details.name.clone());
    row.email = Set(details.email.clone());
    row.phone = Set(details.phone.clone());
    row.address = Set(details.address.clone());
    row.postcode = Set(details.postcode.clone());
    row.barriers = Set(details.barriers.clone().into());
    row.large_print = Set(details.large_print);
    row.preferred_language = Set(details.preferred_language.clone());
    row.accessibility_needs = Set(details.accessibility_needs.clone());
    row.referral_source = Set(details.referral_source.clone());
    row.resident_of_organisation_id = Set(details.resident_of_organisation_id);
    row.prefers_phone = Set(details.prefers_phone);
    row.updated_at = Set(now);
}

/// A new borrower with the consents they gave, recorded by `consent_by` now.
pub async fn insert(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    details: &BorrowerDetails,
    consents: &Consents,
    consent_by: i32,
    now: DateTime<Utc>,
) -> Result<borrower::Model, DbErr> {
    let mut row = new_row(organisation_id, details, consent_by, now);
    consents::set_columns(&mut row, consents);
    row.insert(db).await
}

/// A new borrower's row, consent to the loan (and reminders by the details given) recorded by
/// `consent_by` now.
pub fn new_row(
    organisation_id: i32,
    details: &BorrowerDetails,
    consent_by: i32,
    now: DateTime<Utc>,
) -> borrower::ActiveModel {
    let mut row = borrower::ActiveModel {
        organisation_id: Set(organisation_id),
        consent_data_processing: Set(true),
        consent_recorded_at: Set(now),
        consent_recorded_by: Set(Some(consent_by)),
        created_at: Set(now),
        ..Default::default()
    };
    set_details(&mut row, details, now);
    consents::set_columns(&mut row, &Consents::for_new(details));
    row
}

/// Which of `emails` (lower-case) belong to the organisation's borrowers.
pub async fn existing_emails(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    emails: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in emails.chunks(500) {
        let rows: Vec<Option<String>> = Borrower::find()
            .select_only()
            .column(borrower::Column::Email)
            .filter(borrower::Column::OrganisationId.eq(organisation_id))
            .filter(borrower::Column::Email.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}

/// Records when a borrower was last lent a device, for the list sorted by it.
pub async fn set_last_loan(db: &impl ConnectionTrait, id: i32, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let done = Borrower::update_many()
        .col_expr(borrower::Column::LastLoanAt, Expr::value(at))
        .filter(borrower::Column::Id.eq(id))
        .filter(borrower::Column::AnonymisedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Sets every borrower's last loan from the loans (after loans were written in bulk).
pub async fn refresh_last_loans(db: &impl ConnectionTrait, organisation_id: i32) -> Result<(), DbErr> {
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE borrowers SET last_loan_at = (SELECT MAX(issued_at) FROM loans \
                 WHERE loans.borrower_id = borrowers.id) WHERE organisation_id = $1"
            }
            _ => {
                "UPDATE borrowers SET last_loan_at = (SELECT MAX(issued_at) FROM loans \
                 WHERE loans.borrower_id = borrowers.id) WHERE organisation_id = ?"
            }
        },
        [organisation_id.into()],
    ))
    .await?;
    Ok(())
}

/// Which list order a page of borrowers follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BorrowerOrder {
    /// By name, A to Z.
    Name,
    /// Who borrowed most recently first; those who never borrowed last.
    LastLoan,
}

/// A page of the organisation's borrowers in `order`, after the borrower `after` (the last of
/// the page before: its own sort key is read, so the cursor is an id and never a name).
pub async fn page(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    order: BorrowerOrder,
    after: Option<&borrower::Model>,
    limit: u64,
) -> Result<Vec<borrower::Model>, DbErr> {
    use sea_orm::{Condition, Order, sea_query::NullOrdering};
    let mut query = Borrower::find().filter(borrower::Column::OrganisationId.eq(organisation_id));
    match order {
        BorrowerOrder::Name => {
            if let Some(last) = after {
                query = query.filter(
                    Condition::any()
                        .add(borrower::Column::Name.gt(last.name.as_str()))
                        .add(
                            Condition::all()
                                .add(borrower::Column::Name.eq(last.name.as_str()))
                                .add(borrower::Column::Id.gt(last.id)),
                        ),
                );
            }
            query = query
                .order_by_asc(borrower::Column::Name)
                .order_by_asc(borrower::Column::Id);
        }
        BorrowerOrder::LastLoan => {
            if let Some(last) = after {
                query = query.filter(match last.last_loan_at {
                    Some(at) => Condition::any()
                        .add(borrower::Column::LastLoanAt.lt(at))
                        .add(
                            Condition::all()
                                .add(borrower::Column::LastLoanAt.eq(at))
                                .add(borrower::Column::Id.lt(last.id)),
                        )
                        .add(borrower::Column::LastLoanAt.is_null()),
                    None => Condition::all()
                        .add(borrower::Column::LastLoanAt.is_null())
                        .add(borrower::Column::Id.lt(last.id)),
                });
            }
            query = query
                .order_by_with_nulls(borrower::Column::LastLoanAt, Order::Desc, NullOrdering::Last)
                .order_by_desc(borrower::Column::Id);
        }
    }
    query.limit(limit).all(db).await
}

/// How many borrowers the organisation has.
pub async fn count(db: &impl ConnectionTrait, organisation_id: i32) -> Result<u64, DbErr> {
    Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .count(db)
        .await
}

/// Whether another borrower of the organisation has this email address.
pub async fn email_taken(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    email: &str,
    except: Option<i32>,
) -> Result<bool, DbErr> {
    let mut query = Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(borrower::Column::Email.eq(email));
    if let Some(id) = except {
        query = query.filter(borrower::Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

pub async fn update(
    db: &impl ConnectionTrait,
    row: borrower::Model,
    details: &BorrowerDetails,
    now: DateTime<Utc>,
) -> Result<borrower::Model, DbErr> {
    let email_changed = row.email != details.email;
    let mut row = row.into_active_model();
    set_details(&mut row, details, now);
    if email_changed {
        // A corrected email is checked like any other by the unique index.
        row.email_duplicate = Set(false);
    }
    row.update(db).await
}

pub async fn find(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<borrower::Model>, DbErr> {
    Borrower::find_by_id(id)
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// The borrower a referral is about, if the organisation already has them: the same email (one
/// borrower's in an organisation), or the same name (any case) with the same phone or postcode;
/// a phone alone may be a household's. Anonymised records never match.
pub async fn matching(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    details: &BorrowerDetails,
) -> Result<Option<borrower::Model>, DbErr> {
    let mut any = Condition::any();
    if let Some(email) = &details.email {
        any = any.add(borrower::Column::Email.eq(email.as_str()));
    }
    let same_name = || {
        Expr::expr(Func::lower(Expr::col(borrower::Column::Name))).eq(Expr::val(details.name.to_lowercase()))
    };
    if let Some(phone) = &details.phone {
        any = any.add(
            Condition::all()
                .add(borrower::Column::Phone.eq(phone.as_str()))
                .add(same_name()),
        );
    }
    if let Some(postcode) = &details.postcode {
        any = any.add(
            Condition::all()
                .add(borrower::Column::Postcode.eq(postcode.as_str()))
                .add(same_name()),
        );
    }
    if any.is_empty() {
        return Ok(None);
    }
    Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(borrower::Column::AnonymisedAt.is_null())
        .filter(any)
        .order_by_asc(borrower::Column::Id)
        .one(db)
        .await
}

/// Borrowers whose name, email, phone or postcode contains `q` (3 characters or more), by name.
pub async fn search(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    q: &str,
    limit: u64,
) -> Result<Vec<borrower::Model>, DbErr> {
    let condition = if db.get_database_backend() == DbBackend::Postgres {
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        // `lendhub_fold` (lower case, no accents) on both sides, as the index is built.
        Expr::cust_with_values(
            "lendhub_fold(name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || \
             coalesce(postcode, '')) LIKE lendhub_fold($1)",
            [format!("%{escaped}%")],
        )
    } else {
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        Expr::cust_with_values(
            "borrowers.id IN (SELECT rowid FROM borrowers_fts WHERE borrowers_fts MATCH ?)",
            [phrase],
        )
    };
    Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(condition)
        .order_by_asc(borrower::Column::Name)
        .order_by_asc(borrower::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The most recently added borrowers.
pub async fn recent(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    limit: u64,
) -> Result<Vec<borrower::Model>, DbErr> {
    Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .order_by_desc(borrower::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn find_many(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: &[i32],
) -> Result<Vec<borrower::Model>, DbErr> {
    Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(borrower::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Up to `limit` of the organisation's borrowers with ids above `after`, by id: one batch of an
/// export.
pub async fn batch_after(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<borrower::Model>, DbErr> {
    Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(borrower::Column::Id.gt(after))
        .order_by_asc(borrower::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
