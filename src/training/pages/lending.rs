//! Lending a device to a partner's learner from the session's register: the device, and (the
//! first time) the record the organisation keeps of them, with their agreement; then on to the
//! counter's usual steps (how long, what goes with it, their consents, signing).

use axum::extract::State;
use axum::{
    Form,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;

use crate::{
    auth::{Action, Staff},
    devices,
    error::{ApiPath, AppError},
    people::model::ConsentRequest,
    state::AppState,
    training::service::{self, LearnerView, NO_LONGER_SHARED, OwnRecordRequest, SessionView},
    web::{
        Nav,
        form::{Field, FormData, FormPage},
    },
};

/// The session and the partner's learner in it, as the register shows them now.
async fn learner_in(
    app: &AppState,
    staff: &Staff,
    id: i32,
    borrower_id: i32,
) -> Result<(SessionView, LearnerView), AppError> {
    staff.require(Action::Lend)?;
    let detail = service::session(&app.db, staff, id).await?;
    let learner = detail
        .enrolments
        .into_iter()
        .find(|l| l.borrower_id == borrower_id && l.from_partner && l.name != NO_LONGER_SHARED)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "there is no learner {borrower_id} a partner shares with you in this session"
            ))
        })?;
    Ok((detail.session, learner))
}

fn lend_form(staff: &Staff, session: &SessionView, learner: &LearnerView) -> FormPage {
    let page = FormPage::new(
        Nav::new(staff, "training"),
        format!("Lend {} a device", learner.name),
        format!(
            "/training/sessions/{}/partners/{}/lend",
            session.id, learner.borrower_id
        ),
        "Continue",
    )
    .caption(session.course_title.clone())
    .back(format!(
        "/training/sessions/{}#learner-{}",
        session.id, learner.borrower_id
    ))
    .field(
        Field::text("asset_tag", "The device's asset tag")
            .hint("An available device of yours: scan its label or type the tag.")
            .input("text", "off"),
    );
    if learner.own_record_id.is_some() {
        return page.intro(format!(
            "{} has a record with you already, made when you last lent to them. Next you choose how long, what goes with it, and they sign the agreement.",
            learner.name
        ));
    }
    page.intro(format!(
        "{} is a partner organisation's learner. To lend them one of your devices you keep your own record of them: the loan agreement is between them and you, and the record stays yours to look after if the sharing ends. It starts with their name and access needs{}; add a way to reach them that they give you now.",
        learner.name,
        if learner.phone.is_some() || learner.email.is_some() {
            " and the contact details the partner shares"
        } else {
            ""
        }
    ))
    .field(
        Field::text("phone", "Phone")
            .hint("At least one way to reach them: a phone, an email or a postal address.")
            .value(learner.phone.clone().unwrap_or_default())
            .input("tel", "off"),
    )
    .field(
        Field::text("email", "Email")
            .value(learner.email.clone().unwrap_or_default())
            .input("email", "off"),
    )
    .field(Field::textarea("address", "Postal address").hint("For letters, if they would rather have those."))
    .field(Field::text("postcode", "Postcode (optional)").input("text", "off"))
    .field(Field::checkbox(
        "consent_loan",
        "They agree to us keeping their details to run the loan",
        false,
    ))
}

pub async fn lend_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
) -> Result<Response, AppError> {
    let (session, learner) = learner_in(&app, &staff, id, borrower_id).await?;
    Ok(lend_form(&staff, &session, &learner).into_response())
}

pub async fn lend(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let (session, learner) = learner_in(&app, &staff, id, borrower_id).await?;
    let form = lend_form(&staff, &session, &learner);
    // The device first, so nothing is recorded for a tag that is not one of ours.
    let tag = data.text("asset_tag").unwrap_or_default();
    let device = if tag.trim().is_empty() {
        Err(AppError::invalid("asset_tag", "enter the device's asset tag"))
    } else {
        devices::service::get(&app.db.read, &staff, tag.trim())
            .await
            // An unknown tag is the field's problem; a database that fails stays a failure.
            .map_err(|err| match err {
                AppError::NotFound(message) => AppError::invalid("asset_tag", message),
                other => other,
            })
    };
    let device = match device {
        Ok(device) => device,
        Err(err) => return form.refused(&data, err),
    };
    let request = OwnRecordRequest {
        consent: Some(ConsentRequest {
            loan: Some(data.ticked("consent_loan")),
            ..ConsentRequest::default()
        }),
        phone: data.text("phone"),
        email: data.text("email"),
        address: data.text("address"),
        postcode: data.text("postcode"),
    };
    // A record made before is found again, whatever the form says.
    let own = match service::own_record(&app.db, &staff, id, borrower_id, &request, Utc::now()).await {
        Ok(own) => own,
        // The form's names for the fields the API names otherwise.
        Err(AppError::Invalid(mut error)) => {
            error.field = match error.field.as_str() {
                "consent.loan" => "consent_loan".to_owned(),
                "contact" => "phone".to_owned(),
                other => other.to_owned(),
            };
            return form.refused(&data, AppError::Invalid(error));
        }
        Err(err @ AppError::Conflict { .. }) => return form.refused(&data, err),
        Err(err) => return Err(err),
    };
    Ok(Redirect::to(&format!(
        "/devices/{}/issue/details?borrower_id={}",
        device.asset_tag, own.borrower.id
    ))
    .into_response())
}
