//! Borrower search that ignores accents, as people type names at a counter: "sian" finds "Siân",
//! "zoe" finds "Zoë". On SQLite the trigram index drops diacritics from what it stores and from
//! what is searched for; on PostgreSQL one immutable function, `lendhub_fold`, lower-cases and
//! unaccents both sides, and the trigram index is built over it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE: &[&str] = &[
    "DROP TRIGGER borrowers_fts_insert",
    "DROP TRIGGER borrowers_fts_delete",
    "DROP TRIGGER borrowers_fts_update",
    "DROP TABLE borrowers_fts",
    "CREATE VIRTUAL TABLE borrowers_fts USING fts5(name, email, phone, postcode, \
     content='borrowers', content_rowid='id', tokenize='trigram remove_diacritics 1')",
    "CREATE TRIGGER borrowers_fts_insert AFTER INSERT ON borrowers BEGIN \
     INSERT INTO borrowers_fts(rowid, name, email, phone, postcode) \
     VALUES (new.id, new.name, new.email, new.phone, new.postcode); END",
    "CREATE TRIGGER borrowers_fts_delete AFTER DELETE ON borrowers BEGIN \
     INSERT INTO borrowers_fts(borrowers_fts, rowid, name, email, phone, postcode) \
     VALUES ('delete', old.id, old.name, old.email, old.phone, old.postcode); END",
    "CREATE TRIGGER borrowers_fts_update AFTER UPDATE OF name, email, phone, postcode ON borrowers BEGIN \
     INSERT INTO borrowers_fts(borrowers_fts, rowid, name, email, phone, postcode) \
     VALUES ('delete', old.id, old.name, old.email, old.phone, old.postcode); \
     INSERT INTO borrowers_fts(rowid, name, email, phone, postcode) \
     VALUES (new.id, new.name, new.email, new.phone, new.postcode); END",
    "INSERT INTO borrowers_fts(borrowers_fts) VALUES ('rebuild')",
];

const POSTGRES: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    // unaccent() itself is only STABLE (its dictionary could change); naming the dictionary makes
    // the result fixed, so an index may use it.
    "CREATE FUNCTION lendhub_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT \
     AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$",
    "DROP INDEX borrowers_search_trgm",
    "CREATE INDEX borrowers_search_trgm ON borrowers USING gin ((lendhub_fold(name || ' ' || \
     coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(postcode, ''))) gin_trgm_ops)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => SQLITE,
            DbBackend::Postgres => POSTGRES,
            _ => return Err(DbErr::Migration("lendhub runs on SQLite or PostgreSQL".into())),
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
