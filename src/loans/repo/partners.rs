//! A partner's loans to its own record of one of the organisation's people, with each device's
//! kind: read only by the loans service's `partner_loans`, which holds the sharing agreement's
//! grant for that partner.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    devices::model::DeviceKind,
    entities::{
        device::{self, Entity as Device},
        loan::{self, Entity as Loan},
    },
};

/// How many of one person's loans a partner shows at most: a record's worth.
const MOST: u64 = 50;

/// `organisation_id`'s loans to its borrower `borrower_id`, the newest first, each with its
/// device's kind.
pub async fn loans_in(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    borrower_id: i32,
) -> Result<Vec<(loan::Model, Option<DeviceKind>)>, DbErr> {
    let loans = Loan::find()
        .filter(loan::Column::OrganisationId.eq(organisation_id))
        .filter(loan::Column::BorrowerId.eq(borrower_id))
        .order_by_desc(loan::Column::Id)
        .limit(MOST)
        .all(db)
        .await?;
    let kinds: std::collections::HashMap<i32, DeviceKind> = Device::find()
        .select_only()
        .column(device::Column::Id)
        .column(device::Column::Kind)
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Id.is_in(loans.iter().map(|l| l.device_id)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(loans
        .into_iter()
        .map(|l| {
            let kind = kinds.get(&l.device_id).copied();
            (l, kind)
        })
        .collect())
}
