//! The two halves of `bench/retention.sh` that need lendhub's own SQLite (its search index uses
//! a tokenizer older `sqlite3` shells lack): `fill` writes ROWS borrowers, each with a returned
//! loan, every tenth quiet for 30 months and the rest for one; `baseline` anonymises those tenth
//! rows with one plain UPDATE, as a database client would, for the run to be compared with.
//!
//! cargo bench --bench retention_raw -- fill DATABASE_URL ROWS
//! cargo bench --bench retention_raw -- baseline DATABASE_URL
//!
//! The database needs an organisation, a hub and a device (`lendhub user create` and
//! `lendhub demo --devices 1` make them).

use lendhub::db;
use sea_orm::{ConnectionTrait, DbBackend};

/// The bench's borrowers' ids start above the demo's few.
const OFFSET: i64 = 1_000_000;

fn fill(backend: DbBackend, rows: i64) -> Vec<String> {
    let (series, recent, quiet, ended) = match backend {
        DbBackend::Postgres => (
            format!("generate_series(1, {rows}) AS s(n)"),
            "now() - interval '1 month'",
            "now() - interval '31 months'",
            "now() - interval '30 months'",
        ),
        _ => (
            format!(
                "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows}) SELECT n FROM s)"
            ),
            "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-1 month')",
            "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-31 months')",
            "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-30 months')",
        ),
    };
    vec![
        format!(
            "INSERT INTO borrowers (id, organisation_id, name, email, phone, postcode, barriers, \
             consent_data_processing, consent_recorded_at, consent_loan, created_at, updated_at) \
             SELECT {OFFSET} + n, 1, 'Bench Person ' || n, 'person' || n || '@example.org', '07700 ' || n, \
             'E1 1AA', '[\"no_device\"]', TRUE, {recent}, TRUE, {recent}, {recent} FROM {series}"
        ),
        format!(
            "INSERT INTO loans (organisation_id, device_id, borrower_id, hub_id, issued_at, due_on, \
             accessories_issued, status, returned_at, updated_at) \
             SELECT 1, (SELECT MIN(id) FROM devices), {OFFSET} + n, (SELECT MIN(id) FROM hubs), {recent}, \
             '2024-01-01', '[]', 'returned', {recent}, {recent} FROM {series}"
        ),
        format!("UPDATE borrowers SET created_at = {quiet} WHERE id > {OFFSET} AND id % 10 = 0"),
        format!(
            "UPDATE loans SET issued_at = {quiet}, returned_at = {ended} \
             WHERE borrower_id > {OFFSET} AND borrower_id % 10 = 0"
        ),
    ]
}

fn baseline(backend: DbBackend) -> String {
    let now = match backend {
        DbBackend::Postgres => "now()",
        _ => "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')",
    };
    format!(
        "UPDATE borrowers SET name = 'Former borrower ' || CAST(id AS TEXT), email = NULL, phone = NULL, \
         address = NULL, postcode = NULL, anonymised_at = {now}, updated_at = {now} \
         WHERE id > {OFFSET} AND id % 10 = 0"
    )
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mode = args.next().expect("fill or baseline");
    let url = args.next().expect("a database URL");
    let db = db::connect(&url).await.expect("the database");
    let backend = db.backend();
    let statements = match mode.as_str() {
        "fill" => fill(
            backend,
            args.next().and_then(|s| s.parse().ok()).unwrap_or(1_000_000),
        ),
        "baseline" => vec![baseline(backend)],
        other => panic!("{other}: fill or baseline"),
    };
    let tx = db::begin_write(&db).await.expect("a transaction");
    for sql in statements {
        tx.execute_unprepared(&sql).await.expect(&sql);
    }
    tx.commit().await.expect("the commit");
    if backend == DbBackend::Postgres {
        db.write.execute_unprepared("ANALYZE").await.expect("analyze");
    }
}
