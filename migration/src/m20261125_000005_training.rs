//! Training: courses, sessions (with the devices used in them), enrolments with attendance, and
//! skills scores per Essential Digital Skills area. A loan can be linked to a course. The
//! database keeps one enrolment per learner per session and one score per learner, session and
//! area; capacity is checked under a lock on the session row.

use sea_orm_migration::{
    prelude::*,
    schema::{
        integer, integer_null, pk_auto, string, string_null, text, text_null, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
};

use crate::helpers::{fk, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const ATTENDANCE: [&str; 4] = ["present", "late", "absent", "excused"];
pub const AREAS: [&str; 5] = [
    "communicating",
    "handling_information",
    "transacting",
    "problem_solving",
    "being_safe",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(pk_auto(Courses::Id))
                    .col(integer(Courses::OrganisationId))
                    .col(string(Courses::Title))
                    .col(text_null(Courses::Description))
                    .col(text(Courses::SkillsAreas).default("[]"))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .foreign_key(&mut fk(
                        (Courses::Table, Courses::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "courses_org_title",
            Courses::Table,
            &[Courses::OrganisationId, Courses::Title],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingSessions::Table)
                    .col(pk_auto(TrainingSessions::Id))
                    .col(integer(TrainingSessions::OrganisationId))
                    .col(integer(TrainingSessions::CourseId))
                    .col(integer_null(TrainingSessions::TrainerId))
                    .col(integer_null(TrainingSessions::HubId))
                    .col(string_null(TrainingSessions::MeetingUrl))
                    .col(timestamp_with_time_zone(TrainingSessions::StartsAt))
                    .col(
                        integer(TrainingSessions::DurationMinutes)
                            .check(Expr::col(TrainingSessions::DurationMinutes).between(15, 480)),
                    )
                    .col(
                        integer(TrainingSessions::Capacity)
                            .check(Expr::col(TrainingSessions::Capacity).between(1, 500)),
                    )
                    .col(text_null(TrainingSessions::Notes))
                    .col(timestamp_with_time_zone(TrainingSessions::CreatedAt))
                    .check(
                        Expr::col(TrainingSessions::HubId)
                            .is_not_null()
                            .or(Expr::col(TrainingSessions::MeetingUrl).is_not_null()),
                    )
                    .foreign_key(&mut fk(
                        (TrainingSessions::Table, TrainingSessions::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (TrainingSessions::Table, TrainingSessions::CourseId),
                        (Courses::Table, Courses::Id),
                    ))
                    .foreign_key(&mut fk(
                        (TrainingSessions::Table, TrainingSessions::TrainerId),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .foreign_key(&mut fk(
                        (TrainingSessions::Table, TrainingSessions::HubId),
                        (Hubs::Table, Hubs::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "training_sessions_org_start",
            TrainingSessions::Table,
            &[TrainingSessions::OrganisationId, TrainingSessions::StartsAt],
        )
        .await?;
        index(
            manager,
            "training_sessions_trainer_start",
            TrainingSessions::Table,
            &[TrainingSessions::TrainerId, TrainingSessions::StartsAt],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(SessionDevices::Table)
                    .col(integer(SessionDevices::SessionId))
                    .col(integer(SessionDevices::DeviceId))
                    .primary_key(
                        Index::create()
                            .col(SessionDevices::SessionId)
                            .col(SessionDevices::DeviceId),
                    )
                    .foreign_key(&mut fk(
                        (SessionDevices::Table, SessionDevices::SessionId),
                        (TrainingSessions::Table, TrainingSessions::Id),
                    ))
                    .foreign_key(&mut fk(
                        (SessionDevices::Table, SessionDevices::DeviceId),
                        (Devices::Table, Devices::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "session_devices_device",
            SessionDevices::Table,
            &[SessionDevices::DeviceId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Enrolments::Table)
                    .col(pk_auto(Enrolments::Id))
                    .col(integer(Enrolments::SessionId))
                    .col(integer(Enrolments::BorrowerId))
                    .col(integer_null(Enrolments::EnrolledBy))
                    .col(timestamp_with_time_zone(Enrolments::EnrolledAt))
                    .col(
                        string_null(Enrolments::Attendance).check(
                            Expr::col(Enrolments::Attendance)
                                .is_null()
                                .or(Expr::col(Enrolments::Attendance).is_in(ATTENDANCE)),
                        ),
                    )
                    .col(text_null(Enrolments::Notes))
                    .col(integer_null(Enrolments::RecordedBy))
                    .col(timestamp_with_time_zone_null(Enrolments::RecordedAt))
                    .foreign_key(&mut fk(
                        (Enrolments::Table, Enrolments::SessionId),
                        (TrainingSessions::Table, TrainingSessions::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Enrolments::Table, Enrolments::BorrowerId),
                        (Borrowers::Table, Borrowers::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Enrolments::Table, Enrolments::EnrolledBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Enrolments::Table, Enrolments::RecordedBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "enrolments_one_per_learner",
            Enrolments::Table,
            &[Enrolments::SessionId, Enrolments::BorrowerId],
        )
        .await?;
        index(
            manager,
            "enrolments_borrower",
            Enrolments::Table,
            &[Enrolments::BorrowerId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(SkillsScores::Table)
                    .col(pk_auto(SkillsScores::Id))
                    .col(integer(SkillsScores::SessionId))
                    .col(integer(SkillsScores::BorrowerId))
                    .col(string(SkillsScores::Area).check(Expr::col(SkillsScores::Area).is_in(AREAS)))
                    .col(integer(SkillsScores::Score).check(Expr::col(SkillsScores::Score).between(1, 5)))
                    .col(integer_null(SkillsScores::RecordedBy))
                    .col(timestamp_with_time_zone(SkillsScores::RecordedAt))
                    // A score is for a learner enrolled in that session.
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                SkillsScores::Table,
                                (SkillsScores::SessionId, SkillsScores::BorrowerId),
                            )
                            .to(Enrolments::Table, (Enrolments::SessionId, Enrolments::BorrowerId)),
                    )
                    .foreign_key(&mut fk(
                        (SkillsScores::Table, SkillsScores::RecordedBy),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "skills_one_per_area",
            SkillsScores::Table,
            &[
                SkillsScores::SessionId,
                SkillsScores::BorrowerId,
                SkillsScores::Area,
            ],
        )
        .await?;
        index(
            manager,
            "skills_borrower",
            SkillsScores::Table,
            &[SkillsScores::BorrowerId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(integer(CalendarFeeds::StaffId).primary_key())
                    .col(string(CalendarFeeds::TokenHash).unique_key())
                    .col(timestamp_with_time_zone(CalendarFeeds::CreatedAt))
                    .foreign_key(&mut fk(
                        (CalendarFeeds::Table, CalendarFeeds::StaffId),
                        (StaffUsers::Table, StaffUsers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Plain SQL: sea-query cannot add a column with a foreign key on SQLite, and both databases
        // take this statement.
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE loans ADD COLUMN course_id integer NULL REFERENCES courses (id)")
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Hubs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Borrowers {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Courses {
    Table,
    Id,
    OrganisationId,
    Title,
    Description,
    SkillsAreas,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum TrainingSessions {
    Table,
    Id,
    OrganisationId,
    CourseId,
    TrainerId,
    HubId,
    MeetingUrl,
    StartsAt,
    DurationMinutes,
    Capacity,
    Notes,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum SessionDevices {
    Table,
    SessionId,
    DeviceId,
}

#[derive(DeriveIden, Clone)]
enum Enrolments {
    Table,
    Id,
    SessionId,
    BorrowerId,
    EnrolledBy,
    EnrolledAt,
    Attendance,
    Notes,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden, Clone)]
enum SkillsScores {
    Table,
    Id,
    SessionId,
    BorrowerId,
    Area,
    Score,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    StaffId,
    TokenHash,
    CreatedAt,
}
