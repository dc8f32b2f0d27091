//! Giving a device away in the browser: a loan ending as a gift (from the loan's page), a device
//! given without a loan first (from the borrower's page), and the gift letter to print.

use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use super::{answer, caption, loan_form};
use crate::loans::{
    service::{self, GiftLoanRequest, GiftRequest, GiftView},
    views::LoanView,
};
use crate::{
    auth::{Action, Staff},
    devices::service::DeviceView,
    error::{ApiPath, AppError},
    state::AppState,
    web::{
        Nav,
        form::{Field, FormData, FormPage},
    },
};

fn gift_loan_form(staff: &Staff, loan: &LoanView, device: &DeviceView) -> FormPage {
    FormPage::new(
        Nav::new(staff, "devices"),
        format!("Give it to {} to keep", loan.borrower_name),
        format!("/loans/{}/gift", loan.id),
        "Give it to them",
    )
    .caption(caption(device))
    .back(format!("/loans/{}", loan.id))
    .intro(format!(
        "The loan ends and {} becomes {}'s for good: it will not be asked back, and it leaves the scheme's stock. Print the gift letter for them afterwards.",
        device.asset_tag, loan.borrower_name
    ))
    .warning("This cannot be undone.")
    .destructive()
    .field(Field::textarea("reason", "Why it is given (optional)").hint("For the scheme's records, for example: they finished the course and still need it."))
}

pub async fn gift_loan_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    Ok(loan_form(&app, &staff, id, gift_loan_form).await?.into_response())
}

#[allow(clippy::needless_pass_by_value)] // `answer` hands over what the service made
fn given(gift: GiftView) -> (String, String) {
    (
        format!("/gifts/{}", gift.id),
        format!("{} is now {}'s to keep", gift.asset_tag, gift.borrower_name),
    )
}

pub async fn gift_loan(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = GiftLoanRequest {
        reason: data.text("reason"),
    };
    let result = service::gift_loan(&app.db, &staff, id, &request, Utc::now()).await;
    answer(&data, result, given, async || {
        loan_form(&app, &staff, id, gift_loan_form).await
    })
    .await
}

async fn gift_form(app: &AppState, staff: &Staff, borrower_id: i32) -> Result<FormPage, AppError> {
    staff.require(Action::Lend)?;
    let borrower = crate::people::service::get(&app.db.read, staff, borrower_id).await?;
    Ok(FormPage::new(
        Nav::new(staff, "borrowers"),
        format!("Give {} a device to keep", borrower.name),
        "/gifts/new",
        "Give it to them",
    )
    .back(format!("/borrowers/{borrower_id}"))
    .intro("The device becomes theirs for good, without a loan first: it leaves the scheme's stock. Print the gift letter for them afterwards.")
    .warning("This cannot be undone.")
    .destructive()
    .field(Field::hidden("borrower_id", borrower_id.to_string()))
    .field(
        Field::text("asset_tag", "The device's asset tag")
            .hint("An available device: scan its label or type the tag.")
            .input("text", "off"),
    )
    .field(Field::textarea("reason", "Why it is given (optional)")))
}

#[derive(Debug, Deserialize)]
pub struct NewGiftQuery {
    borrower_id: Option<i32>,
}

pub async fn new_gift(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<NewGiftQuery>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let borrower_id = query
        .borrower_id
        .ok_or_else(|| AppError::NotFound("choose a borrower first, then give from their page".into()))?;
    Ok(gift_form(&app, &staff, borrower_id).await?.into_response())
}

pub async fn gift_device(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let borrower_id = data
        .text("borrower_id")
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| AppError::NotFound("there is no such borrower".into()))?;
    let request = GiftRequest {
        asset_tag: data.text("asset_tag"),
        borrower_id: Some(borrower_id),
        reason: data.text("reason"),
    };
    let result = service::gift_device(&app.db, &staff, &request, Utc::now()).await;
    answer(&data, result, given, async || {
        gift_form(&app, &staff, borrower_id).await
    })
    .await
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "loans/gift.html")]
pub struct GiftPage {
    nav: Nav,
    gift: GiftView,
    given_on: String,
}

pub async fn show_gift(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<GiftPage, AppError> {
    let gift = service::gift(&app.db, &staff, id).await?;
    Ok(GiftPage {
        nav: Nav::new(&staff, "devices"),
        given_on: crate::dates::london_time(gift.given_at),
        gift,
    })
}
