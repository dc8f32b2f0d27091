use sea_orm::entity::prelude::*;

use crate::reminders::model::{CallOutcome, Channel, ReminderKind, ReminderStatus};

/// One message in the outbox: an email to send, a call to make or a letter to post.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub loan_id: Option<i32>,
    pub hub_id: Option<i32>,
    /// Who it is for, when it goes to a borrower.
    pub borrower_id: Option<i32>,
    /// The training session it is about, when it is not about a loan.
    pub session_id: Option<i32>,
    /// The follow-up this asks, for kind `follow_up`.
    pub follow_up_id: Option<i32>,
    pub kind: ReminderKind,
    pub step: i32,
    pub channel: Channel,
    pub status: ReminderStatus,
    pub recipient_email: Option<String>,
    pub recipient_staff_id: Option<i32>,
    pub due_on: Option<Date>,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub body_html: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    /// The claim a worker holds while it sends: only that worker can finish the row.
    pub claim_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub message_id: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    /// When a letter was downloaded to print: only printed letters can be marked posted.
    pub printed_at: Option<DateTimeUtc>,
    pub outcome: Option<CallOutcome>,
    pub outcome_by: Option<i32>,
    /// What the caller noted about a call.
    #[sea_orm(column_type = "Text", nullable)]
    pub call_notes: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
