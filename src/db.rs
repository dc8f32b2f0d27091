//! Opening the database and starting write transactions.
//!
//! SQLite is opened in WAL mode with foreign keys on and a busy timeout. Writes go through one
//! connection (one writer at a time, queued fairly in the pool instead of sleeping in SQLite's busy
//! handler) and start with `BEGIN IMMEDIATE`, so a transaction that reads before it writes never
//! fails to upgrade its lock when another process (the CLI, say) writes at the same time. Reads
//! that need no transaction use a pool of their own, which WAL lets run beside the writer.
//! On PostgreSQL both are the same pool.

use std::time::Duration;

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// The database: where reads go and where writes go.
#[derive(Debug, Clone)]
pub struct Db {
    /// For reads outside a transaction.
    pub read: DatabaseConnection,
    /// For write transactions, through [`begin_write`].
    pub write: DatabaseConnection,
}

impl Db {
    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }
}

/// Connects to `url` (`sqlite://...` or `postgres://...`).
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    if url.starts_with("sqlite:") {
        let write = Database::connect(sqlite_options(url, 1)).await?;
        let read = Database::connect(sqlite_options(url, 4)).await?;
        Ok(Db { read, write })
    } else {
        let mut options = ConnectOptions::new(url);
        // A server that cannot be reached is answered 503 within seconds, not after half a
        // minute of the client waiting.
        options
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(5))
            .max_connections(16);
        let pool = Database::connect(options).await?;
        Ok(Db {
            read: pool.clone(),
            write: pool,
        })
    }
}

fn sqlite_options(url: &str, connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(connections)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    options
}

/// Starts a transaction that will write: `BEGIN IMMEDIATE` on SQLite, a plain `BEGIN` on
/// PostgreSQL (where rows are locked as they are changed).
pub async fn begin_write(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.write.begin_with_options(options).await
}
