//! The agreement at the counter: read and signed on screen (typed name, a tick, and a signature
//! drawn with a finger if the borrower wants), or printed and signed on paper.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;
use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::{
    model::{AgreementDoc, Signature, parse_signed_name},
    service::{self, AcceptRequest, AgreementView, PaperRequest},
};
use crate::dates::london_time;
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError, FieldError},
    loans::model::LoanStatus,
    state::AppState,
    web::{
        FormErrors, Nav,
        form::{Field, FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "agreements/sign.html")]
pub struct SignPage {
    nav: Nav,
    doc: AgreementDoc,
    summary: String,
    agreement: AgreementView,
    signed_at: String,
    can_sign: bool,
    errors: FormErrors,
    signed_name: String,
    agreed: bool,
    signature: String,
}

impl SignPage {
    /// The drawing to show again on a refused form; one that does not parse was refused by name
    /// already, so it is not drawn.
    fn drawn(&self) -> String {
        Signature::parse(Some(&self.signature))
            .ok()
            .flatten()
            .map(|s| s.svg_path())
            .unwrap_or_default()
    }
}

async fn sign_page(app: &AppState, staff: &Staff, id: i32) -> Result<SignPage, AppError> {
    let (doc, agreement, status) = service::document(&app.db, staff, &app.config.agreement_terms, id).await?;
    Ok(SignPage {
        nav: Nav::new(staff, "devices"),
        summary: doc.summary(),
        signed_at: agreement.accepted_at.map(london_time).unwrap_or_default(),
        can_sign: !agreement.is_signed() && status == LoanStatus::Open && staff.role().allows(Action::Lend),
        doc,
        agreement,
        errors: FormErrors::default(),
        signed_name: String::new(),
        agreed: false,
        signature: String::new(),
    })
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<SignPage, AppError> {
    sign_page(&app, &staff, id).await
}

pub async fn accept(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let agreed = data.text("agree").as_deref() == Some("true");
    let request = AcceptRequest {
        signed_name: data.text("signed_name"),
        signature: data.text("signature"),
        terms_version: data.text("terms_version"),
    };
    let result = if agreed {
        service::accept(
            &app.db,
            &staff,
            &app.config.agreement_terms,
            id,
            &request,
            Utc::now(),
        )
        .await
    } else {
        Err(AppError::invalid(
            "agree",
            "tick the box to say you have read the agreement and agree to it",
        ))
    };
    match result {
        Ok(signed) => Ok(crate::web::done(
            &format!("/loans/{id}"),
            &format!(
                "The agreement is signed by {}.",
                signed.signed_name.unwrap_or_default()
            ),
        )),
        Err(AppError::Invalid(error)) => {
            let mut errors = vec![error];
            // Say everything that is missing at once, not one thing per try.
            if !agreed && let Err(name) = parse_signed_name(request.signed_name.as_deref()) {
                errors.insert(0, name);
            }
            let mut page = sign_page(&app, &staff, id).await?;
            page.errors = FormErrors(errors);
            page.signed_name = request.signed_name.unwrap_or_default();
            page.agreed = agreed;
            page.signature = request.signature.unwrap_or_default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

fn paper_form(staff: &Staff, id: i32, doc: &AgreementDoc) -> FormPage {
    FormPage::new(
        Nav::new(staff, "devices"),
        "Record a paper signature",
        format!("/loans/{id}/agreement/paper"),
        "Record the signature",
    )
    .caption(format!("{}: loan to {}", doc.asset_tag, doc.borrower))
    .back(format!("/loans/{id}"))
    .intro(
        "Print the agreement from the loan's page and ask the borrower to read and sign it. \
         Keep the signed copy at the hub. Then record it here.",
    )
    .field(
        Field::text("signed_name", "Name signed on the paper")
            .value(doc.borrower.clone())
            .hint("As the borrower wrote it."),
    )
    .field(Field::checkbox(
        "kept",
        "The borrower has signed the printed agreement and we have kept it",
        false,
    ))
}

pub async fn paper_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let (doc, _, _) = service::document(&app.db, &staff, &app.config.agreement_terms, id).await?;
    Ok(paper_form(&staff, id, &doc).into_response())
}

pub async fn paper(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let result = if data.text("kept").as_deref() == Some("true") {
        service::record_paper(
            &app.db,
            &staff,
            &app.config.agreement_terms,
            id,
            &PaperRequest {
                signed_name: data.text("signed_name"),
            },
            Utc::now(),
        )
        .await
    } else {
        Err(AppError::Invalid(FieldError::new(
            "kept",
            "tick the box to confirm the borrower signed and the copy is kept",
        )))
    };
    match result {
        Ok(signed) => Ok(crate::web::done(
            &format!("/loans/{id}"),
            &format!(
                "The agreement is signed by {}.",
                signed.signed_name.unwrap_or_default()
            ),
        )),
        Err(AppError::Invalid(error)) => {
            let (doc, _, _) = service::document(&app.db, &staff, &app.config.agreement_terms, id).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                paper_form(&staff, id, &doc).with_submission(&data, vec![error]),
            )
                .into_response())
        }
        Err(other) => Err(other),
    }
}

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/loans/{id}/agreement", get(show).post(accept))
        .route("/loans/{id}/agreement.pdf", get(super::routes::pdf))
        .route("/loans/{id}/agreement/paper", get(paper_page).post(paper))
}
