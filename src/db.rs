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
                // Deleted and overwritten content is zeroed on disk, so an anonymised name
                // does not linger in free pages.
                .pragma("secure_delete", "ON")
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

/// Why `lendhub backup` made no copy.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "lendhub backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. \
         pg_dump --format=custom --file=lendhub.dump \"$LENDHUB_DATABASE_URL\""
    )]
    Postgres,
    #[error("{0} already exists: choose a new file name (a backup is never overwritten)")]
    Exists(String),
    #[error("{0}: the folder does not exist")]
    NoFolder(String),
    #[error("{0}: the file name must be valid UTF-8")]
    Name(String),
    #[error("the database holds no lendhub tables: is LENDHUB_DATABASE_URL right?")]
    NotLendhub,
    #[error("the copy failed its integrity check: {0}")]
    Damaged(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Sqlx(#[from] sea_orm::sqlx::Error),
}

/// A finished backup: how big the copy is and how many loans it holds.
#[derive(Debug, Clone, Copy)]
pub struct Backup {
    pub bytes: u64,
    pub loans: i64,
}

/// Copies a SQLite database to the new file `to` while lendhub serves: `VACUUM INTO` reads one
/// snapshot (every transaction committed before it began, none after) without blocking writers.
/// The copy is written beside `to` under a `.partial` name, checked with `PRAGMA integrity_check`,
/// synced to disk and only then renamed, so a file with the name asked for is always whole.
///
/// # Errors
/// [`BackupError`]: on PostgreSQL (use `pg_dump`), when `to` exists or its folder does not, or
/// when the copy fails.
pub async fn backup(db: &Db, to: &std::path::Path) -> Result<Backup, BackupError> {
    use sea_orm::{ConnectionTrait, Statement, sqlx::Connection};

    if db.backend() != DbBackend::Sqlite {
        return Err(BackupError::Postgres);
    }
    let shown = to.display().to_string();
    if to.exists() {
        return Err(BackupError::Exists(shown));
    }
    let folder = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !folder.is_dir() {
        return Err(BackupError::NoFolder(shown));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let name = partial.to_str().ok_or_else(|| BackupError::Name(shown.clone()))?;
    // A partial file is what a backup cut off earlier left: it is never a good copy.
    if partial.exists() {
        std::fs::remove_file(&partial)?;
    }
    let tables = db
        .read
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'loans'",
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?;
    if tables != Some(1) {
        return Err(BackupError::NotLendhub);
    }
    let copied = async {
        db.read
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [name.into()],
            ))
            .await?;
        let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&partial)
            .read_only(true);
        let mut copy = sea_orm::sqlx::SqliteConnection::connect_with(&options).await?;
        let check: String = sea_orm::sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut copy)
            .await?;
        if check != "ok" {
            return Err(BackupError::Damaged(check));
        }
        let loans: i64 = sea_orm::sqlx::query_scalar("SELECT COUNT(*) FROM loans")
            .fetch_one(&mut copy)
            .await?;
        copy.close().await?;
        std::fs::File::open(&partial)?.sync_all()?;
        Ok(loans)
    }
    .await;
    let loans = match copied {
        Ok(loans) => loans,
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            return Err(err);
        }
    };
    std::fs::rename(&partial, to)?;
    Ok(Backup {
        bytes: std::fs::metadata(to)?.len(),
        loans,
    })
}
