//! Signposting a borrower from the directory: the form that records it on their record.

use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use crate::{
    auth::{Action, Staff},
    directory::{model::SignpostRequest, service},
    error::{ApiPath, AppError},
    state::AppState,
    web::{
        Nav, done,
        form::{Field, FormData, FormPage},
    },
};

#[derive(Debug, Deserialize)]
pub struct SignpostQuery {
    borrower_id: Option<i32>,
}

async fn signpost_form(
    app: &AppState,
    staff: &Staff,
    id: i32,
    borrower_id: i32,
) -> Result<FormPage, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let borrower = crate::people::service::get(&app.db.read, staff, borrower_id).await?;
    let service = service::get(&app.db, staff, id).await?;
    let how = service
        .referral_notes
        .clone()
        .map_or_else(String::new, |notes| format!(" How to refer: {notes}"));
    Ok(FormPage::new(
        Nav::new(staff, "borrowers"),
        format!("Signpost {} to {}", borrower.name, service.name),
        format!("/directory/{id}/signpost?borrower_id={borrower_id}"),
        "Record the signpost",
    )
    .back(format!("/directory?borrower_id={borrower_id}"))
    .intro(format!(
        "Kept on their record, so the next person who helps them knows.{how}"
    ))
    .field(
        Field::textarea("notes", "What was said or arranged (optional)")
            .hint("No more than the service needs to know."),
    )
    .field(Field::checkbox(
        "consent",
        "They agreed to their name and contact details being passed to the service",
        false,
    )))
}

pub async fn signpost_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Query(query): Query<SignpostQuery>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let borrower_id = query
        .borrower_id
        .ok_or_else(|| AppError::NotFound("choose a borrower first, then signpost from their page".into()))?;
    Ok(signpost_form(&app, &staff, id, borrower_id)
        .await?
        .into_response())
}

pub async fn signpost(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Query(query): Query<SignpostQuery>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let borrower_id = query
        .borrower_id
        .ok_or_else(|| AppError::NotFound("choose a borrower first, then signpost from their page".into()))?;
    let page = signpost_form(&app, &staff, id, borrower_id).await?;
    let request = SignpostRequest {
        service_id: Some(id),
        notes: data.text("notes"),
        consent: Some(data.ticked("consent")),
    };
    match service::signpost(&app.db, &staff, borrower_id, &request, Utc::now()).await {
        Ok(s) => Ok(done(
            &format!("/borrowers/{borrower_id}#signposts"),
            &format!("Signposted to {}", s.service_name),
        )),
        Err(err) => page.refused(&data, err),
    }
}
