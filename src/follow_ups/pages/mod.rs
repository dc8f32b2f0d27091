//! Follow-ups in the browser: the questionnaire a person opens from their email (`public.rs`),
//! and the staff list and the form for answers taken on the phone (`staff.rs`). Both ask the same
//! questions, in words for whoever is filling them in.

mod public;
mod staff;

use axum::{Router, routing::get};

use crate::{
    follow_ups::{
        model::{Helped, HowOften},
        service::AnswersRequest,
    },
    state::AppState,
    web::form::{Choice, Field, FormData, FormPage},
};

const CONFIDENCE: [(&str, &str); 5] = [
    ("1", "1: not at all confident"),
    ("2", "2: a little confident"),
    ("3", "3: fairly confident"),
    ("4", "4: confident"),
    ("5", "5: very confident"),
];

fn scale(name: &'static str, question: String) -> Field {
    Field::radios(
        name,
        question,
        CONFIDENCE
            .iter()
            .map(|(value, label)| Choice::new(*value, *label, false))
            .collect(),
    )
}

/// The questions about a `device` ("laptop"), asked of the person (`you`) or of staff about them.
fn questions(page: FormPage, device: &str, you: bool) -> FormPage {
    let (are, do_, feel, did, have) = if you {
        ("Are you", "do you", "do you feel", "did you feel", "you had")
    } else {
        ("Are they", "do they", "do they feel", "did they feel", "they had")
    };
    page.field(Field::radios(
        "still_using",
        format!("{are} still using the {device}?"),
        vec![Choice::new("yes", "Yes", false), Choice::new("no", "No", false)],
    ))
    .field(Field::radios(
        "how_often",
        format!("How often {do_} use it? (optional)"),
        HowOften::ALL
            .iter()
            .map(|h| Choice::new(h.as_str(), h.label(), false))
            .collect(),
    ))
    .field(
        Field::checkboxes(
            "helped_with",
            "What has it helped with? (optional)",
            Helped::ALL
                .iter()
                .map(|h| Choice::new(h.as_str(), h.label(), false))
                .collect(),
        )
        .hint("Tick all that apply."),
    )
    .field(scale(
        "confidence",
        format!("How confident {feel} using the internet now? (optional)"),
    ))
    .field(scale(
        "confidence_before",
        format!("And how confident {did} before {have} it? (optional)"),
    ))
}

/// The form's answers as the API's request.
fn request_of(data: &FormData) -> AnswersRequest {
    let number = |name: &str| data.text(name).and_then(|v| v.parse().ok());
    AnswersRequest {
        still_using: data.text("still_using").map(|v| v == "yes"),
        how_often: data.text("how_often"),
        helped_with: Some(data.all("helped_with")),
        confidence: number("confidence"),
        confidence_before: number("confidence_before"),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/f/{key}", get(public::show).post(public::submit))
        .route("/follow-ups", get(staff::list))
        .route(
            "/follow-ups/{id}/answers",
            get(staff::form_page).post(staff::answer),
        )
}
