//! The training calls of the JSON API, and the trainers' calendar feeds.

use axum::{
    Json,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{
    self, AttendanceRequest, CancelRequest, Cancelled, CourseRequest, CourseView, DevicesRequest,
    EnrolRequest, LearnerTraining, LearnerView, LoanCourseRequest, OwnRecordRequest, SessionDetail,
    SessionFilter, SessionPatch, SessionRequest, SessionView, SkillsRequest,
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    people::service::BorrowerView,
    state::AppState,
};

#[utoipa::path(post, path = "/training/courses", tag = "training", request_body = CourseRequest,
    responses((status = 201, body = CourseView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_course(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<CourseRequest>,
) -> Result<(StatusCode, Json<CourseView>), AppError> {
    let course = service::create_course(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(course)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CourseList {
    pub items: Vec<CourseView>,
}

#[utoipa::path(get, path = "/training/courses", tag = "training", responses((status = 200, body = CourseList)), security(("bearer" = [])))]
pub async fn courses(State(app): State<AppState>, staff: Staff) -> Result<Json<CourseList>, AppError> {
    Ok(Json(CourseList {
        items: service::courses(&app.db.read, &staff).await?,
    }))
}

#[utoipa::path(post, path = "/training/sessions", tag = "training", request_body = SessionRequest,
    responses((status = 201, body = SessionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_session(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<SessionRequest>,
) -> Result<(StatusCode, Json<SessionView>), AppError> {
    let session = service::create_session(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

/// Upcoming sessions (today and the next eight weeks unless `from`/`to` say otherwise), by hub or
/// trainer.
#[utoipa::path(get, path = "/training/sessions", tag = "training", params(SessionFilter),
    responses((status = 200, body = SessionList), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn sessions(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(filter): ApiQuery<SessionFilter>,
) -> Result<Json<SessionList>, AppError> {
    Ok(Json(SessionList {
        items: service::sessions(&app.db.read, &staff, &filter, Utc::now()).await?,
    }))
}

#[utoipa::path(get, path = "/training/sessions/{id}", tag = "training", params(("id" = i32, Path)),
    responses((status = 200, body = SessionDetail), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn session(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SessionDetail>, AppError> {
    Ok(Json(service::session(&app.db, &staff, id).await?))
}

/// Changes a session's time, length, places, place or trainer (only coordinators and admins
/// choose the trainer).
#[utoipa::path(patch, path = "/training/sessions/{id}", tag = "training", params(("id" = i32, Path)), request_body = SessionPatch,
    responses((status = 200, body = SessionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "session_cancelled"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_session(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<SessionPatch>,
) -> Result<Json<SessionView>, AppError> {
    Ok(Json(
        service::update_session(&app.db, &staff, id, &patch, Utc::now()).await?,
    ))
}

/// Cancels a session that has not started; each learner is told by email, a call or a letter,
/// as their contact details allow.
#[utoipa::path(post, path = "/training/sessions/{id}/cancel", tag = "training", params(("id" = i32, Path)), request_body = CancelRequest,
    responses((status = 200, body = Cancelled), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "session_cancelled or session_started"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel_session(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<CancelRequest>,
) -> Result<Json<Cancelled>, AppError> {
    Ok(Json(
        service::cancel_session(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Takes a learner off a session, freeing their place (not once they are marked in the
/// register).
#[utoipa::path(delete, path = "/training/sessions/{id}/enrolments/{borrower_id}", tag = "training",
    params(("id" = i32, Path), ("borrower_id" = i32, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "attendance_recorded or session_cancelled")),
    security(("bearer" = [])))]
pub async fn unenrol(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
) -> Result<StatusCode, AppError> {
    service::unenrol(&app.db, &staff, id, borrower_id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/training/sessions/{id}/enrolments", tag = "training", params(("id" = i32, Path)), request_body = EnrolRequest,
    responses((status = 201, body = LearnerView), (status = 409, body = ErrorBody, description = "session_full, already_enrolled or session_cancelled"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn enrol(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<EnrolRequest>,
) -> Result<(StatusCode, Json<LearnerView>), AppError> {
    let learner = service::enrol(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(learner)))
}

/// The organisation's own record of a partner's learner enrolled in the session, to lend them
/// one of its devices: made from what the sharing agreement names and what the person gives now
/// (201), or the one already made (200).
#[utoipa::path(post, path = "/training/sessions/{id}/enrolments/{borrower_id}/own-record", tag = "training",
    params(("id" = i32, Path), ("borrower_id" = i32, Path, description = "the partner's borrower")),
    request_body = OwnRecordRequest,
    responses((status = 201, body = BorrowerView, description = "the record made"), (status = 200, body = BorrowerView, description = "the record made before"),
        (status = 409, body = ErrorBody, description = "session_cancelled, or already_recorded when another request made it at the same moment")),
    security(("bearer" = [])))]
pub async fn own_record(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
    ApiJson(request): ApiJson<OwnRecordRequest>,
) -> Result<(StatusCode, Json<BorrowerView>), AppError> {
    let own = service::own_record(&app.db, &staff, id, borrower_id, &request, Utc::now()).await?;
    let status = if own.made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(own.borrower)))
}

#[utoipa::path(put, path = "/training/sessions/{id}/attendance", tag = "training", params(("id" = i32, Path)), request_body = AttendanceRequest,
    responses((status = 200, body = SessionDetail), (status = 403, body = ErrorBody, description = "another trainer's session"), (status = 409, body = ErrorBody, description = "session_cancelled"), (status = 422, body = ErrorBody, description = "someone not enrolled, or a bad status")),
    security(("bearer" = [])))]
pub async fn attendance(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<AttendanceRequest>,
) -> Result<Json<SessionDetail>, AppError> {
    Ok(Json(
        service::record_attendance(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Records devices used in the session.
#[utoipa::path(post, path = "/training/sessions/{id}/devices", tag = "training", params(("id" = i32, Path)), request_body = DevicesRequest,
    responses((status = 200, body = SessionDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "session_cancelled"), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_devices(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<DevicesRequest>,
) -> Result<Json<SessionDetail>, AppError> {
    Ok(Json(
        service::add_devices(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Confidence scores (1 to 5) per skills area for learners at this session.
#[utoipa::path(put, path = "/training/sessions/{id}/skills", tag = "training", params(("id" = i32, Path)), request_body = SkillsRequest,
    responses((status = 200, body = SessionDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "session_cancelled"), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn skills(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<SkillsRequest>,
) -> Result<Json<SessionDetail>, AppError> {
    Ok(Json(
        service::record_skills(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// A learner's progress per skills area (first and latest scores) and their sessions.
#[utoipa::path(get, path = "/borrowers/{id}/training", tag = "training", params(("id" = i32, Path)),
    responses((status = 200, body = LearnerTraining), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn learner(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<LearnerTraining>, AppError> {
    Ok(Json(
        service::learner_with_partners(&app.db, &staff, id, chrono::Utc::now()).await?,
    ))
}

#[utoipa::path(get, path = "/devices/{asset_tag}/sessions", tag = "training", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042")),
    responses((status = 200, body = SessionList), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn device_sessions(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Json<SessionList>, AppError> {
    Ok(Json(SessionList {
        items: service::device_sessions(&app.db.read, &staff, &tag).await?,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoanCourse {
    pub loan_id: i32,
    pub course: Option<CourseView>,
}

/// Links a loan to the course the borrower is taking.
#[utoipa::path(put, path = "/loans/{id}/course", tag = "training", params(("id" = i32, Path)), request_body = LoanCourseRequest,
    responses((status = 200, body = LoanCourse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn loan_course(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<LoanCourseRequest>,
) -> Result<Json<LoanCourse>, AppError> {
    let course = service::link_loan(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok(Json(LoanCourse { loan_id: id, course }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedView {
    /// The secret address to subscribe to in a calendar app; making a new one retires the old.
    pub url: String,
}

/// A new calendar feed address for the signed-in staff member's sessions.
#[utoipa::path(post, path = "/training/calendar-feed", tag = "training",
    responses((status = 201, body = FeedView)), security(("bearer" = [])))]
pub async fn new_feed(
    State(app): State<AppState>,
    staff: Staff,
) -> Result<(StatusCode, Json<FeedView>), AppError> {
    let url = service::new_feed(&app.db, &staff, &app.config.public_url, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(FeedView { url })))
}

/// `GET /calendar/{secret}.ics`: no sign-in, the secret in the address is the key, as calendar
/// apps need.
pub async fn feed(State(app): State<AppState>, Path(file): Path<String>) -> Result<Response, AppError> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    match service::feed(&app.db.read, token, &app.config.public_url, Utc::now()).await? {
        Some(calendar) => Ok((
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            calendar,
        )
            .into_response()),
        None => Err(AppError::NotFound("there is no calendar at this address".into())),
    }
}

/// The calendar feeds: outside the API and the pages, since calendar apps sign in with the secret
/// in the address alone.
pub fn calendar() -> axum::Router<AppState> {
    axum::Router::new().route("/calendar/{file}", axum::routing::get(feed))
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_course, courses))
        .routes(routes!(create_session, sessions))
        .routes(routes!(session, update_session))
        .routes(routes!(cancel_session))
        .routes(routes!(enrol))
        .routes(routes!(unenrol))
        .routes(routes!(own_record))
        .routes(routes!(attendance))
        .routes(routes!(skills))
        .routes(routes!(add_devices))
        .routes(routes!(learner))
        .routes(routes!(device_sessions))
        .routes(routes!(loan_course))
        .routes(routes!(new_feed))
}
