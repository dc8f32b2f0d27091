//! What the migrations share: indexes and foreign keys in one line each.

use sea_orm_migration::prelude::*;

/// An index `name` on `table` over `cols`, in that order.
pub async fn index<T: IntoIden + Clone + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[T],
) -> Result<(), DbErr> {
    create(manager, name, table, cols, false).await
}

/// A unique index: the database refuses a second row with the same `cols`.
pub async fn unique_index<T: IntoIden + Clone + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[T],
) -> Result<(), DbErr> {
    create(manager, name, table, cols, true).await
}

async fn create<T: IntoIden + Clone + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[T],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col.clone());
    }
    if unique {
        index.unique();
    }
    manager.create_index(index).await
}

/// A foreign key from `(table, column)` to `(table, column)`.
pub fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}
