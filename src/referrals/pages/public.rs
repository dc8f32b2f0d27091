//! The referral form a partner opens from their link: no account, no navigation, the questions
//! in the order a work coach asks them, and a plain "thank you" that repeats nothing personal.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use crate::{
    error::{AppError, FieldError},
    people::model::ConsentRequest,
    referrals::{
        model::{Answers, Eligibility, Need, ReferralRequest, ReferrerRequest},
        service::{self, ReferralLink},
    },
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "referrals/thanks.html")]
pub struct ThanksPage {
    nav: Nav,
    organisation: String,
    again: String,
}

fn yes_no(name: String, question: &str) -> Field {
    Field::radios(
        name,
        question,
        vec![Choice::new("yes", "Yes", false), Choice::new("no", "No", false)],
    )
}

/// The form for `key`'s link, the link itself and the scheme's name: the scheme's hubs to choose
/// from, the referrer's organisation filled in.
async fn form(app: &AppState, key: &str) -> Result<(FormPage, ReferralLink, String, Eligibility), AppError> {
    let link = service::link_for_key(&app.db, key).await?;
    let eligibility = service::eligibility(&app.db.read, link.organisation_id).await?;
    let organisation = crate::organisations::service::find(&app.db.read, link.organisation_id)
        .await?
        .map_or_else(|| "the scheme".to_owned(), |o| o.name);
    let hubs = crate::hubs::service::list_rows(&app.db.read, link.organisation_id).await?;
    let mut hub_choices = vec![Choice::new("", "Any hub", false)];
    hub_choices.extend(
        hubs.iter()
            .map(|h| Choice::new(h.id.to_string(), h.name.clone(), false)),
    );
    let mut page = FormPage::new(
        Nav::signed_out(),
        format!("Refer someone to {organisation}"),
        format!("/r/{key}"),
        "Send the referral",
    )
    .intro(format!(
        "{organisation} lends laptops, tablets and MiFi units, and gives SIMs with data, to people \
         who have no device or connection, with help to use them. Tell us about the person: we \
         will contact them, and tell you if we cannot help."
    ))
    .field(Field::text("name", "Their full name").input("text", "off"))
    .field(
        Field::text("phone", "Their phone number")
            .hint("We will call them about collecting a device. Give a phone, an email or an address.")
            .input("tel", "off"),
    )
    .field(Field::text("email", "Their email address (optional)").input("email", "off"))
    .field(Field::textarea("address", "Their postal address (optional)"))
    .field(Field::text("postcode", "Their postcode (optional)").input("text", "off"))
    .field(Field::checkboxes(
        "needs",
        "What do they need?",
        Need::ALL
            .iter()
            .map(|n| Choice::new(n.as_str(), n.label(), false))
            .collect(),
    ))
    .field(Field::select("hub_id", "Where can they collect it?", hub_choices));
    for question in eligibility.questions() {
        page = page.field(yes_no(question.key.clone(), &question.question));
    }
    let page = page
        .field(Field::textarea("reasons", "Why do they need it? (optional)").hint(
            "For example: looking for work online, keeping in touch with family, managing health appointments.",
        ))
        .field(Field::text("referrer_name", "Your name").input("text", "name"))
        .field(
            Field::text("referrer_organisation", "Your organisation")
                .value(link.referrer_organisation.clone())
                .input("text", "organization"),
        )
        .field(
            Field::text("referrer_email", "Your email address")
                .hint("If we cannot help, we will email you why.")
                .input("email", "email"),
        )
        .field(Field::text("referrer_phone", "Your phone number (optional)").input("tel", "tel"))
        .field(Field::checkbox(
            "consent",
            format!(
                "They agree to {organisation} keeping these details to lend them a device and to contact them about it"
            ),
            false,
        ));
    Ok((page, link, organisation, eligibility))
}

pub async fn show(State(app): State<AppState>, Path(key): Path<String>) -> Result<Response, AppError> {
    Ok(form(&app, &key).await?.0.into_response())
}

/// The form's fields as the API's request.
fn request_of(data: &FormData, eligibility: &Eligibility) -> ReferralRequest {
    let answered = eligibility.questions().iter().all(|q| data.get(&q.key).is_some());
    ReferralRequest {
        name: data.text("name"),
        email: data.text("email"),
        phone: data.text("phone"),
        address: data.text("address"),
        postcode: data.text("postcode"),
        needs: Some(data.all("needs")),
        hub_id: data.text("hub_id").and_then(|h| h.parse().ok()),
        answers: answered.then(|| {
            Answers(
                eligibility
                    .questions()
                    .iter()
                    .map(|q| (q.key.clone(), data.get(&q.key) == Some("yes")))
                    .collect(),
            )
        }),
        reasons: data.text("reasons"),
        referrer: Some(ReferrerRequest {
            name: data.text("referrer_name"),
            organisation: data.text("referrer_organisation"),
            email: data.text("referrer_email"),
            phone: data.text("referrer_phone"),
        }),
        consent: Some(ConsentRequest {
            loan: Some(data.ticked("consent")),
            ..ConsentRequest::default()
        }),
    }
}

/// An API field's name as the form names it; the eligibility questions go to the first one not
/// answered in `data`.
fn on_the_form(error: FieldError, data: &FormData, eligibility: &Eligibility) -> FieldError {
    if let Some(key) = error.field.strip_prefix("answers.") {
        return FieldError::new(key, error.message);
    }
    let field = match error.field.as_str() {
        "referrer.name" => "referrer_name",
        "referrer.organisation" => "referrer_organisation",
        "referrer.email" => "referrer_email",
        "referrer.phone" => "referrer_phone",
        "consent.data_processing" | "consent.loan" => "consent",
        "contact" => "phone",
        "answers" => {
            let questions = eligibility.questions();
            let unanswered = questions
                .iter()
                .find(|q| data.get(&q.key).is_none())
                .or(questions.first());
            return FieldError::new(unanswered.map_or("answers", |q| q.key.as_str()), error.message);
        }
        _ => return error,
    };
    FieldError::new(field, error.message)
}

pub async fn submit(
    State(app): State<AppState>,
    Path(key): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let (page, link, organisation, eligibility) = form(&app, &key).await?;
    let request = request_of(&data, &eligibility);
    let mut errors: Vec<FieldError> = match request.parse() {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| on_the_form(e, &data, &eligibility))
            .collect(),
    };
    // Only a hub the form offered: a value altered in the page is not quietly "any hub".
    if data.text("hub_id").is_some() && request.hub_id.is_none() {
        errors.push(FieldError::new("hub_id", "choose one of the hubs listed"));
    }
    if !errors.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page.with_submission(&data, errors),
        )
            .into_response());
    }
    match service::refer_by_link(&app.db, &link, &request, Utc::now()).await {
        Ok(_) => Ok(ThanksPage {
            nav: Nav::signed_out(),
            organisation,
            again: format!("/r/{key}"),
        }
        .into_response()),
        Err(AppError::Invalid(error)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page.with_submission(&data, vec![on_the_form(error, &data, &eligibility)]),
        )
            .into_response()),
        Err(other) => Err(other),
    }
}
