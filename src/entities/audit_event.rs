use sea_orm::entity::prelude::*;

/// One append-only audit record: who did what to which entity, with before and after in `details`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i32,
    pub at: DateTimeUtc,
    pub actor_staff_id: Option<i32>,
    pub actor_label: String,
    pub entity_type: String,
    pub entity_id: i32,
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub details: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
