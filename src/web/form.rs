//! One accessible form page, described in Rust: the counter's many small steps (return, checks,
//! extend, report lost, repair, retire, a borrower's details) share its markup, its error summary
//! and its field errors, so each step is a description rather than a template of its own.

use std::borrow::Cow;

use askama::Template;
use askama_web::WebTemplate;

use super::{FormErrors, Nav};
use crate::error::{AppError, FieldError};
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// A choice in a select, radios or checkboxes.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, checked: bool) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
            checked,
        }
    }
}

/// The kinds of field the form knows how to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    Textarea,
    Select,
    Radios,
    Checkboxes,
    /// One checkbox whose value is `true` when ticked.
    Checkbox,
    Hidden,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// A literal for the fields every form has; made from data for questions a scheme sets.
    pub name: Cow<'static, str>,
    pub label: String,
    pub hint: String,
    pub kind: Kind,
    pub value: String,
    pub choices: Vec<Choice>,
    pub autocomplete: &'static str,
    pub input_type: &'static str,
}

impl Field {
    fn new(kind: Kind, name: impl Into<Cow<'static, str>>, label: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            hint: String::new(),
            kind,
            value: String::new(),
            choices: Vec::new(),
            autocomplete: "off",
            input_type: "text",
        }
    }

    pub fn text(name: impl Into<Cow<'static, str>>, label: impl Into<String>) -> Self {
        Self::new(Kind::Text, name, label)
    }

    pub fn date(name: impl Into<Cow<'static, str>>, label: impl Into<String>) -> Self {
        Self {
            input_type: "date",
            ..Self::new(Kind::Date, name, label)
        }
    }

    pub fn textarea(name: impl Into<Cow<'static, str>>, label: impl Into<String>) -> Self {
        Self::new(Kind::Textarea, name, label)
    }

    pub fn select(
        name: impl Into<Cow<'static, str>>,
        label: impl Into<String>,
        choices: Vec<Choice>,
    ) -> Self {
        Self {
            choices,
            ..Self::new(Kind::Select, name, label)
        }
    }

    pub fn radios(
        name: impl Into<Cow<'static, str>>,
        label: impl Into<String>,
        choices: Vec<Choice>,
    ) -> Self {
        Self {
            choices,
            ..Self::new(Kind::Radios, name, label)
        }
    }

    pub fn checkboxes(
        name: impl Into<Cow<'static, str>>,
        label: impl Into<String>,
        choices: Vec<Choice>,
    ) -> Self {
        Self {
            choices,
            ..Self::new(Kind::Checkboxes, name, label)
        }
    }

    pub fn checkbox(name: impl Into<Cow<'static, str>>, label: impl Into<String>, checked: bool) -> Self {
        Self {
            choices: vec![Choice::new("true", "", checked)],
            ..Self::new(Kind::Checkbox, name, label)
        }
    }

    pub fn hidden(name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            ..Self::new(Kind::Hidden, name, "")
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    #[must_use]
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    #[must_use]
    pub fn input(mut self, input_type: &'static str, autocomplete: &'static str) -> Self {
        self.input_type = input_type;
        self.autocomplete = autocomplete;
        self
    }

    /// Whether a choice's value is the field's current value (for selects and radios).
    pub fn is_selected(&self, choice: &Choice) -> bool {
        choice.value == self.value
    }

    /// The `aria-describedby` of the field: its hint and its error, when it has them.
    pub fn described_by(&self, errors: &FormErrors) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if errors.get(&self.name).is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }

    pub fn is(&self, kind: Kind) -> bool {
        self.kind == kind
    }
}

/// A whole form page.
#[derive(Template, WebTemplate)]
#[template(path = "forms/action.html")]
pub struct FormPage {
    pub nav: Nav,
    /// A line above the heading saying what the page is about, e.g. the device.
    pub caption: String,
    pub title: String,
    pub intro: String,
    pub action: String,
    pub submit: String,
    /// A warning shown above the button, e.g. what the action cannot undo.
    pub warning: String,
    pub fields: Vec<Field>,
    pub errors: FormErrors,
    pub back: String,
    /// The button does something that cannot be undone: it is drawn as a warning.
    pub destructive: bool,
    /// Pages that go with this one, as `(href, text)`, listed under the introduction.
    pub related: Vec<(String, String)>,
}

impl FormPage {
    pub fn new(
        nav: Nav,
        title: impl Into<String>,
        action: impl Into<String>,
        submit: impl Into<String>,
    ) -> Self {
        Self {
            nav,
            caption: String::new(),
            title: title.into(),
            intro: String::new(),
            action: action.into(),
            submit: submit.into(),
            warning: String::new(),
            fields: Vec::new(),
            errors: FormErrors::default(),
            back: String::new(),
            destructive: false,
            related: Vec::new(),
        }
    }

    /// A page that goes with this one, linked under the introduction.
    #[must_use]
    pub fn related(mut self, href: impl Into<String>, text: impl Into<String>) -> Self {
        self.related.push((href.into(), text.into()));
        self
    }

    #[must_use]
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = caption.into();
        self
    }

    #[must_use]
    pub fn intro(mut self, intro: impl Into<String>) -> Self {
        self.intro = intro.into();
        self
    }

    #[must_use]
    pub fn warning(mut self, warning: impl Into<String>) -> Self {
        self.warning = warning.into();
        self
    }

    #[must_use]
    pub fn destructive(mut self) -> Self {
        self.destructive = true;
        self
    }

    #[must_use]
    pub fn back(mut self, href: impl Into<String>) -> Self {
        self.back = href.into();
        self
    }

    #[must_use]
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    /// The answer to a refused submission: the form again with what was typed and what is wrong
    /// (422 for a field; 409 for a conflict, shown against the first field); other errors pass on.
    pub fn refused(self, data: &FormData, err: AppError) -> Result<Response, AppError> {
        let (status, error) = match err {
            AppError::Invalid(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
            AppError::Conflict { message, .. } => {
                let field = self.fields.first().map_or("", |f| &f.name);
                (StatusCode::CONFLICT, FieldError::new(field, message))
            }
            other => return Err(other),
        };
        Ok((status, self.with_submission(data, vec![error])).into_response())
    }

    /// The same page again with what was typed and what is wrong with it.
    #[must_use]
    pub fn with_submission(mut self, data: &FormData, errors: Vec<FieldError>) -> Self {
        for field in &mut self.fields {
            match field.kind {
                Kind::Checkboxes | Kind::Checkbox => {
                    let ticked = data.all(&field.name);
                    for choice in &mut field.choices {
                        choice.checked = ticked.contains(&choice.value);
                    }
                }
                _ => field.value = data.get(&field.name).unwrap_or_default().to_owned(),
            }
        }
        self.errors = errors.into();
        self
    }
}

/// A submitted form as name and value pairs, keeping repeated names (ticked checkboxes).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value, or `None` when it is missing or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    pub fn ticked(&self, name: &str) -> bool {
        self.get(name) == Some("true")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resubmitted_form_keeps_what_was_typed_and_ticked() {
        let page = FormPage::new(Nav::default(), "Return", "/x", "Return")
            .field(Field::text("notes", "Notes"))
            .field(Field::checkboxes(
                "accessories",
                "Accessories",
                vec![
                    Choice::new("charger", "Charger", true),
                    Choice::new("case", "Case", true),
                ],
            ));
        let data = FormData(vec![
            ("notes".into(), "dent".into()),
            ("accessories".into(), "case".into()),
        ]);
        let page = page.with_submission(&data, vec![FieldError::new("notes", "too short")]);
        assert_eq!(page.fields[0].value, "dent");
        let ticked: Vec<bool> = page.fields[1].choices.iter().map(|c| c.checked).collect();
        assert_eq!(ticked, [false, true]);
        assert_eq!(page.errors.get("notes"), Some("too short"));
        assert_eq!(page.fields[0].described_by(&page.errors), "notes-error");
        let html = page.render().unwrap();
        assert!(html.contains("There is a problem"));
        assert!(html.contains("aria-invalid=\"true\""));
    }
}
