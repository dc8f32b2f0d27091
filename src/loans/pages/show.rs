//! A loan's page: the device, the borrower, the agreement, the course, extensions, the calls
//! made about it, and what to do next (take it back, extend, give it to them to keep).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::dates::{london_time, long_date};
use crate::loans::{
    service::{self, GiftView},
    views::{self, LoanView},
};
use crate::{
    agreements::{self, service::AgreementView},
    auth::Staff,
    devices::{self, service::DeviceView},
    error::{ApiPath, AppError},
    people::{self, service::BorrowerView},
    state::AppState,
    web::Nav,
};

#[derive(Template, WebTemplate)]
#[template(path = "loans/show.html")]
pub struct LoanPage {
    nav: Nav,
    loan: LoanView,
    device: DeviceView,
    borrower: BorrowerView,
    issued_at: String,
    due_on: String,
    returned_at: Option<String>,
    extensions: Vec<(String, String, String)>,
    agreement: AgreementView,
    agreement_at: String,
    course: Option<crate::training::service::CourseView>,
    courses: Vec<crate::training::service::CourseView>,
    calls: Vec<crate::reminders::service::CallRecord>,
    /// What it became, when the loan ended as a gift.
    gift: Option<GiftView>,
}

impl LoanPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn is_course(&self, id: &i32) -> bool {
        self.course.as_ref().is_some_and(|c| c.id == *id)
    }
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<LoanPage, AppError> {
    let loan = views::loan(&app.db.read, &staff, id).await?;
    let device = devices::service::get(&app.db.read, &staff, &loan.asset_tag).await?;
    let borrower = people::service::get(&app.db.read, &staff, loan.borrower_id).await?;
    let extensions = loan
        .extensions
        .iter()
        .map(|e| {
            (
                long_date(e.from_due_on),
                long_date(e.to_due_on),
                e.reason.clone().unwrap_or_default(),
            )
        })
        .collect();
    let agreement = agreements::service::status(&app.db, &staff, &app.config.agreement_terms, id).await?;
    let course = crate::training::service::course_of_loan(&app.db.read, &staff, loan.course_id).await?;
    let courses = crate::training::service::courses(&app.db.read, &staff).await?;
    let calls = crate::reminders::service::call_history(&app.db.read, &staff, &[id]).await?;
    let gift = service::gift_of_loan(&app.db, &staff, id).await?;
    Ok(LoanPage {
        gift,
        calls,
        nav: Nav::new(&staff, "devices"),
        agreement_at: agreement.accepted_at.map(london_time).unwrap_or_default(),
        course,
        courses,
        agreement,
        issued_at: london_time(loan.issued_at),
        due_on: long_date(loan.due_on),
        returned_at: loan.returned_at.map(london_time),
        extensions,
        loan,
        device,
        borrower,
    })
}
