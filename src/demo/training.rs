//! Demo training: three courses, and sessions at the hubs over the past eight weeks and the next
//! two, each with learners enrolled from the demo borrowers; past sessions have their register
//! marked and confidence scores that mostly rise, as a scheme's records look.

use chrono::{Duration, Utc};
use sea_orm::ActiveValue::Set;

use crate::{
    auth::Role,
    db::{self, Db},
    entities::{course, enrolment, training_session},
    error::AppError,
    training::{
        model::{Attendance, SkillsArea},
        repo,
    },
};

const COURSES: [(&str, &str, &[SkillsArea]); 3] = [
    (
        "Getting started with your tablet",
        "Switching on, charging, the home screen, and connecting to Wi-Fi.",
        &[SkillsArea::Communicating, SkillsArea::ProblemSolving],
    ),
    (
        "Staying safe online",
        "Strong passwords, spotting scams, and what to do if something goes wrong.",
        &[SkillsArea::BeingSafe],
    ),
    (
        "Online forms and banking",
        "Universal Credit journals, paying bills, and booking appointments.",
        &[SkillsArea::Transacting, SkillsArea::HandlingInformation],
    ),
];

/// Adds the demo courses and `sessions` sessions to the organisation. Returns how many sessions.
pub async fn train(db: &Db, organisation_id: i32, sessions: usize) -> Result<usize, AppError> {
    let now = Utc::now();
    let tx = db::begin_write(db).await?;
    let hubs = crate::hubs::service::list_rows(&tx, organisation_id).await?;
    let staff = crate::auth::service::staff_of(&tx, organisation_id).await?;
    let trainer = staff.iter().find(|s| s.role == Role::Trainer).map(|s| s.id);
    // Who the register says marked it: the trainer, or else anyone on the staff.
    let recorder = trainer.or_else(|| staff.first().map(|s| s.id));
    let learners = crate::people::service::ids_after(&tx, organisation_id, 0).await?;
    if hubs.is_empty() || learners.is_empty() {
        return Ok(0);
    }
    let mut courses = Vec::new();
    for (title, description, areas) in COURSES {
        let existing = repo::courses(&tx, organisation_id)
            .await?
            .into_iter()
            .find(|c| c.title == title);
        let course = match existing {
            Some(course) => course,
            None => {
                repo::insert_course(
                    &tx,
                    course::ActiveModel {
                        organisation_id: Set(organisation_id),
                        title: Set(title.to_owned()),
                        description: Set(Some(description.to_owned())),
                        skills_areas: Set(areas.to_vec().into()),
                        created_at: Set(now),
                        ..Default::default()
                    },
                )
                .await?
            }
        };
        courses.push((course.id, areas));
    }
    let today = crate::dates::london_midnight(crate::dates::today(now));
    for n in 0..sessions {
        let (course_id, areas) = courses[n % courses.len()];
        let days =
            i64::try_from(n).unwrap_or_default() * 70 / i64::try_from(sessions.max(1)).unwrap_or(1) - 56;
        let starts_at =
            today + Duration::days(days) + Duration::hours(10 + i64::try_from(n % 3).unwrap_or(0) * 2);
        let session = repo::insert_session(
            &tx,
            training_session::ActiveModel {
                organisation_id: Set(organisation_id),
                course_id: Set(course_id),
                trainer_id: Set(trainer),
                hub_id: Set(Some(hubs[n % hubs.len()].id)),
                starts_at: Set(starts_at),
                duration_minutes: Set(if n % 2 == 0 { 90 } else { 60 }),
                capacity: Set(8),
                created_at: Set(now),
                ..Default::default()
            },
        )
        .await?;
        // Six learners a session, or every demo borrower when there are fewer: nobody twice.
        for k in 0..6.min(learners.len()) {
            let borrower_id = learners[(n * 5 + k) % learners.len()];
            let past = starts_at < now;
            let attendance = past.then(|| match (n + k) % 7 {
                0 => Attendance::Absent,
                1 => Attendance::Late,
                2 => Attendance::Excused,
                _ => Attendance::Present,
            });
            repo::insert_enrolment(
                &tx,
                enrolment::ActiveModel {
                    session_id: Set(session.id),
                    borrower_id: Set(borrower_id),
                    enrolled_at: Set(starts_at - Duration::days(7)),
                    attendance: Set(attendance),
                    recorded_by: Set(attendance.and(recorder)),
                    recorded_at: Set(attendance.map(|_| starts_at)),
                    ..Default::default()
                },
            )
            .await?;
            if let (Some(recorder), Some(Attendance::Present | Attendance::Late)) = (recorder, attendance) {
                for area in areas {
                    // Confidence grows over the weeks, from 1-2 at the start to 3-5 by the end.
                    let score = i32::try_from((n * 4 / sessions.max(1) + k % 2 + 1).min(5)).unwrap_or(3);
                    repo::upsert_score(&tx, session.id, borrower_id, *area, score, recorder, starts_at)
                        .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(sessions)
}
