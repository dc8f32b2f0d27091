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

    /// How many connections each pool holds and how many of those are idle: `("read", 16, 15)`.
    /// On PostgreSQL the one pool is reported once, as "shared".
    pub fn pool_use(&self) -> Vec<(&'static str, u32, usize)> {
        fn of(connection: &DatabaseConnection) -> (u32, usize) {
            match connection.get_database_backend() {
                DbBackend::Postgres => {
                    let pool = connection.get_postgres_connection_pool();
                    (pool.size(), pool.num_idle())
                }
                _ => {
                    let pool = connection.get_sqlite_connection_pool();
                    (pool.size(), pool.num_idle())
                }
            }
        }
        if self.backend() == DbBackend::Postgres {
            let (size, idle) = of(&self.write);
            return vec![("shared", size, idle)];
        }
        [("read", &self.read), ("write", &self.write)]
            .into_iter()
            .map(|(name, connection)| {
                let (size, idle) = of(connection);
                (name, size, idle)
            })
            .collect()
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
        // A file on this machine needs no ping before each use: it cost every query another
        // round trip to the connection's thread.
        .test_before_acquire(false)
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

/// The name of a backup made at `now` in a folder of backups: `lendhub-20261207T031500Z.db`,
/// so that names sort as times do.
pub fn backup_name(now: chrono::DateTime<chrono::Utc>) -> String {
    format!("lendhub-{}.db", now.format("%Y%m%dT%H%M%SZ"))
}

/// Whether `name` is one [`backup_name`] gives: `lendhub-` and a time, `YYYYMMDDTHHMMSSZ`.
fn is_timed_backup(name: &str) -> bool {
    name.strip_prefix("lendhub-")
        .and_then(|rest| rest.strip_suffix(".db"))
        .and_then(|time| chrono::NaiveDateTime::parse_from_str(time, "%Y%m%dT%H%M%SZ").ok())
        .is_some()
}

/// Deletes all but the newest `keep` backups named by [`backup_name`] in `folder`, and answers
/// which were deleted. Other files (a copy someone named themselves, a `.partial` copy still
/// being written) are left alone.
pub fn prune_backups(folder: &std::path::Path, keep: usize) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut backups: Vec<std::path::PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(is_timed_backup)
        })
        .collect();
    backups.sort();
    let old = backups.len().saturating_sub(keep);
    let deleted: Vec<_> = backups.drain(..old).collect();
    for path in &deleted {
        std::fs::remove_file(path)?;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_newest_backups_and_nothing_else_is_touched() {
        let folder = tempfile::tempdir().unwrap();
        let days = ["20261201", "20261203", "20261202", "20261204"];
        for day in days {
            std::fs::write(folder.path().join(format!("lendhub-{day}T020000Z.db")), day).unwrap();
        }
        std::fs::write(folder.path().join("lendhub-20261205T020000Z.db.partial"), "").unwrap();
        std::fs::write(folder.path().join("notes.txt"), "").unwrap();
        std::fs::write(folder.path().join("lendhub-2026-12-03.db"), "by hand").unwrap();
        std::fs::write(folder.path().join("lendhub-zzz.db"), "by hand").unwrap();
        let deleted = super::prune_backups(folder.path(), 2).unwrap();
        let names = |paths: Vec<std::path::PathBuf>| {
            let mut names: Vec<String> = paths
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            names(deleted),
            ["lendhub-20261201T020000Z.db", "lendhub-20261202T020000Z.db"]
        );
        let left = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(
            names(left),
            [
                "lendhub-2026-12-03.db",
                "lendhub-20261203T020000Z.db",
                "lendhub-20261204T020000Z.db",
                "lendhub-20261205T020000Z.db.partial",
                "lendhub-zzz.db",
                "notes.txt"
            ]
        );
    }

    #[test]
    fn backup_names_sort_as_times_do() {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 3, 15, 0).unwrap();
        assert_eq!(super::backup_name(at), "lendhub-20261207T031500Z.db");
    }
}
