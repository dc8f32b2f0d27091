//! One borrower's page: their details, how reminders reach them, their loans (with the course
//! each goes with), their training and the calls made about their loans, as the reader may see.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::dates::{london_time, long_date};
use crate::people::{
    model::{How, Purpose, barrier_label},
    service::{self, AccessLogView, BorrowerView, ConsentChangeView, ConsentsView, LookView},
};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError},
    loans::views::{self, LoanView},
    state::AppState,
    web::Nav,
};

#[derive(Template, WebTemplate)]
#[template(path = "people/show.html")]
pub struct ShowPage {
    nav: Nav,
    borrower: BorrowerView,
    barriers: Vec<String>,
    consent_at: String,
    loans: Vec<LoanView>,
    /// Devices partners lent them, under an agreement that names loans.
    partner_loans: Vec<crate::loans::service::PartnerLoan>,
    /// Where they wait for a device now (staff who lend).
    waiting: Vec<crate::waiting::service::WaitingView>,
    /// SIMs with data given to them.
    sims: Vec<crate::sims::service::SimView>,
    /// The services they were pointed to.
    signposts: Vec<crate::directory::service::SignpostView>,
    training: Option<crate::training::service::LearnerTraining>,
    courses: std::collections::HashMap<i32, String>,
    calls: Vec<crate::reminders::service::CallRecord>,
    consents: ConsentsView,
    /// Who has looked at the record: admins only.
    looks: Option<AccessLogView>,
    purposes: &'static [Purpose],
    hows: &'static [How],
    retention_months: u32,
}

impl ShowPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn given(&self, purpose: &Purpose) -> bool {
        self.consents.current.get(*purpose)
    }

    fn changed_at(change: &ConsentChangeView) -> String {
        london_time(change.at)
    }

    fn changed_by(change: &ConsentChangeView) -> &str {
        change
            .by
            .as_deref()
            .unwrap_or("Set from the details held when lendhub began asking for each purpose")
    }

    fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
        long_date(crate::dates::today(*at))
    }

    fn looked_at(look: &LookView) -> String {
        london_time(look.at)
    }

    fn changed_how(change: &ConsentChangeView) -> &'static str {
        change.how.map_or("Not recorded", How::label)
    }
    /// The course the loan goes with; blank when it goes with none.
    fn course_of(&self, loan: &LoanView) -> String {
        loan.course_id
            .and_then(|id| self.courses.get(&id).cloned())
            .unwrap_or_default()
    }

    fn date(loan: &LoanView) -> String {
        long_date(loan.due_on)
    }

    /// How reminders reach them, as the reminder sweep decides it.
    fn reminders(&self) -> &'static str {
        use crate::reminders::model::Channel;
        let b = &self.borrower;
        let has = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        if !has(&b.email) && !has(&b.phone) && !has(&b.address) {
            return "None can reach them: add an email address, a phone number or a postal address";
        }
        let reach = b
            .consents
            .reach(b.email.as_deref(), b.phone.as_deref(), b.address.as_deref());
        match crate::reminders::service::channel_for(reach, b.prefers_phone) {
            Some(Channel::Email) => "By email",
            Some(Channel::Call) => "By a phone call from staff",
            Some(Channel::Letter) => "By a letter in the post",
            None => {
                "None: they have not agreed to be reminded by any way we have details for (see Consent below)"
            }
        }
    }
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<ShowPage, AppError> {
    let borrower = service::open(&app.db, &staff, id, chrono::Utc::now()).await?;
    let (loans, partner_loans) = if staff.can(Action::ViewLoans) {
        (
            views::of_borrower(&app.db.read, &staff, id).await?,
            crate::loans::service::partner_loans(&app.db, &staff, id, chrono::Utc::now()).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let sims = crate::sims::service::of_borrower(&app.db.read, &staff, id, chrono::Utc::now()).await?;
    let signposts = crate::directory::service::signposts_of(&app.db.read, &staff, id).await?;
    let waiting = if staff.can(Action::Lend) {
        crate::waiting::service::of_borrower(&app.db, &staff, id, chrono::Utc::now())
            .await?
            .into_iter()
            .filter(|w| w.status == crate::waiting::model::WaitingStatus::Waiting)
            .collect()
    } else {
        Vec::new()
    };
    let training = if staff.can(Action::ViewTraining) {
        Some(crate::training::service::learner_with_partners(&app.db, &staff, id, chrono::Utc::now()).await?)
    } else {
        None
    };
    let courses = if staff.can(Action::ViewTraining) {
        crate::training::service::courses(&app.db.read, &staff)
            .await?
            .into_iter()
            .map(|c| (c.id, c.title))
            .collect()
    } else {
        std::collections::HashMap::new()
    };
    let loan_ids: Vec<i32> = loans.iter().map(|l| l.id).collect();
    let calls = if staff.can(Action::ViewLoans) {
        crate::reminders::service::call_history(&app.db.read, &staff, &loan_ids).await?
    } else {
        Vec::new()
    };
    let consents = service::consents(&app.db.read, &staff, id).await?;
    let looks = if staff.can(Action::ReadAccessLog) {
        Some(service::access_log(&app.db.read, &staff, id).await?)
    } else {
        None
    };
    Ok(ShowPage {
        nav: Nav::new(&staff, "borrowers"),
        consents,
        looks,
        purposes: Purpose::ALL,
        hows: How::ALL,
        retention_months: app.config.retention_months,
        calls,
        training,
        courses,
        barriers: borrower
            .barriers
            .iter()
            .map(|b| barrier_label(b).to_owned())
            .collect(),
        consent_at: london_time(borrower.consent.recorded_at),
        borrower,
        loans,
        partner_loans,
        waiting,
        sims,
        signposts,
    })
}
