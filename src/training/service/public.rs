//! What an organisation that publishes its training shows the public feed: its courses with
//! sessions still open to book in the next 90 days. Sessions only: nobody's name.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

use super::{Names, SessionView};
use crate::{error::AppError, training::repo};

/// How far ahead the feed looks for sessions to book.
pub const OPEN_DAYS: i64 = 90;

/// A course with the sessions of it open to book, soonest first.
pub struct OpenCourse {
    pub course_id: i32,
    pub title: String,
    pub sessions: Vec<SessionView>,
}

/// `organisation_id`'s courses with sessions starting in the next [`OPEN_DAYS`], not cancelled
/// and with places left.
pub async fn open_to_book(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<OpenCourse>, AppError> {
    let rows = repo::sessions(
        db,
        organisation_id,
        now,
        now + Duration::days(OPEN_DAYS),
        None,
        None,
    )
    .await?;
    let rows: Vec<_> = rows.into_iter().filter(|r| r.cancelled_at.is_none()).collect();
    let counts = repo::enrolled_counts(db, rows.iter().map(|r| r.id).collect()).await?;
    let names = Names::load(db, organisation_id).await?;
    let mut courses: Vec<OpenCourse> = Vec::new();
    for row in rows {
        let enrolled = counts.get(&row.id).copied().unwrap_or_default();
        if enrolled >= u64::try_from(row.capacity).unwrap_or_default() {
            continue;
        }
        let view = names.view(row, enrolled);
        match courses.iter_mut().find(|c| c.course_id == view.course_id) {
            Some(course) => course.sessions.push(view),
            None => courses.push(OpenCourse {
                course_id: view.course_id,
                title: view.course_title.clone(),
                sessions: vec![view],
            }),
        }
    }
    Ok(courses)
}
