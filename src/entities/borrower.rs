use sea_orm::entity::prelude::*;

use super::JsonList;

// A row of the table: its flags are columns, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "borrowers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub name: String,
    pub email: Option<String>,
    /// Set by the upgrade on a borrower whose email an earlier borrower already had, until it is
    /// corrected: the unique index leaves these rows out.
    pub email_duplicate: bool,
    /// When they were last lent a device, for the list sorted by it.
    pub last_loan_at: Option<DateTimeUtc>,
    pub phone: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub resident_of_organisation_id: Option<i32>,
    pub referral_source: Option<String>,
    /// A JSON array of `no_device`, `no_connection`, `skills`.
    #[sea_orm(column_type = "Text")]
    pub barriers: JsonList,
    pub consent_data_processing: bool,
    pub consent_recorded_at: DateTimeUtc,
    pub consent_recorded_by: Option<i32>,
    /// The answer now for each purpose (`people::model::Purpose`); `consent_changes` holds how
    /// each came to be.
    pub consent_loan: bool,
    pub consent_email_reminders: bool,
    pub consent_phone_reminders: bool,
    pub consent_post: bool,
    pub consent_follow_up: bool,
    pub consent_share_with_partners: bool,
    pub large_print: bool,
    pub preferred_language: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub accessibility_needs: Option<String>,
    pub prefers_phone: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When retention or an erasure request anonymised the record: its contact details are gone
    /// and its name is "Former borrower {id}".
    pub anonymised_at: Option<DateTimeUtc>,
    /// When an admin held the record back from retention, and why.
    pub held_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub hold_reason: Option<String>,
    pub held_by: Option<i32>,
    /// The partner organisation's borrower this record was made from, to lend them a device at
    /// this organisation's training (cleared when this record is anonymised).
    pub partner_borrower_id: Option<i32>,
    /// The sharing agreement it was made under.
    pub partner_agreement_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
