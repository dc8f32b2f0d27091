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

/// Rewrites the CHECK `from` in SQLite's stored definition of `table` to `to`: the way SQLite's
/// documentation gives for a change every existing row already satisfies, without rebuilding a
/// table others refer to. The schema version is raised so every connection reads it afresh.
pub async fn rewrite_check(
    manager: &SchemaManager<'_>,
    table: &str,
    from: &str,
    to: &str,
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = manager.get_connection();
    let version: i64 = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA schema_version"))
        .await?
        .ok_or_else(|| DbErr::Migration("no schema version".into()))?
        .try_get_by_index(0)?;
    db.execute_unprepared("PRAGMA writable_schema = ON").await?;
    db.execute_unprepared(&format!(
        "UPDATE sqlite_master SET sql = replace(sql, '{}', '{}') WHERE type = 'table' AND name = '{table}'",
        from.replace('\'', "''"),
        to.replace('\'', "''")
    ))
    .await?;
    db.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1))
        .await?;
    db.execute_unprepared("PRAGMA writable_schema = OFF").await?;
    let sql: String = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"),
        ))
        .await?
        .ok_or_else(|| DbErr::Migration(format!("no {table} table")))?
        .try_get_by_index(0)?;
    if sql.contains(to) {
        Ok(())
    } else {
        Err(DbErr::Migration(format!(
            "the {table} table's check was not where it should be"
        )))
    }
}
