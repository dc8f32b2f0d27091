//! Turning a label request into a PDF: the tags checked against the organisation's devices, the
//! run laid out on the sheets, each code encoding `{PUBLIC_URL}/d/{asset_tag}` and nothing else.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use serde::Deserialize;

use super::{
    model::{Layout, Placement, QrRuns, encode_all, place, qr_runs},
    render::{LabelText, render},
};
use crate::{
    auth::{Action, Staff},
    devices::{self, model::AssetTag},
    error::{AppError, FieldError},
    organisations,
};

/// `POST /labels`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LabelRequest {
    pub asset_tags: Option<Vec<String>>,
    /// `a4-21`, `a4-24`, `a4-65` or `thermal-62x29`
    #[schema(value_type = super::model::Layout, required = true)]
    pub layout: Option<String>,
    /// The first free position on a part-used sheet, counting from 1 left to right, then down.
    #[schema(minimum = 1, maximum = 65)]
    pub start_position: Option<usize>,
    /// How many labels of each device; 1 when absent.
    #[schema(minimum = 1, maximum = 20)]
    pub copies: Option<usize>,
}

pub const MAX_LABELS: usize = 2000;
pub const MAX_COPIES: usize = 20;

/// A checked label request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRun {
    pub tags: Vec<AssetTag>,
    pub layout: Layout,
    pub start_position: usize,
    pub copies: usize,
}

impl LabelRequest {
    pub fn parse(&self) -> Result<LabelRun, FieldError> {
        let layout = Layout::parse(self.layout.as_deref().unwrap_or_default())?;
        let start_position = start_position(layout, self.start_position.unwrap_or(1))?;
        let copies = copies(self.copies.unwrap_or(1))?;
        let texts = self.asset_tags.as_deref().unwrap_or_default();
        if texts.is_empty() {
            return Err(FieldError::new("asset_tags", "choose at least one device"));
        }
        if texts.len() * copies > MAX_LABELS {
            return Err(FieldError::new(
                "asset_tags",
                format!("at most {MAX_LABELS} labels at a time"),
            ));
        }
        let tags = texts
            .iter()
            .map(|t| {
                AssetTag::parse("asset_tags", t)
                    .map_err(|_| FieldError::new("asset_tags", format!("{t} is not an asset tag")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LabelRun {
            tags,
            layout,
            start_position,
            copies,
        })
    }
}

fn start_position(layout: Layout, n: usize) -> Result<usize, FieldError> {
    let per_page = layout.geometry().per_page();
    if (1..=per_page).contains(&n) {
        Ok(n)
    } else {
        Err(FieldError::new(
            "start_position",
            format!("the start position must be from 1 to {per_page} on this sheet"),
        ))
    }
}

fn copies(n: usize) -> Result<usize, FieldError> {
    if (1..=MAX_COPIES).contains(&n) {
        Ok(n)
    } else {
        Err(FieldError::new(
            "copies",
            format!("the labels for each device must be from 1 to {MAX_COPIES}"),
        ))
    }
}

/// The sheet a preview draws while the form is being filled in: the same rules as the download,
/// but each wrong answer is reported beside a sheet drawn with the default (A4 21, position 1,
/// one copy) in its place, so the page always shows something.
pub fn preview_sheet(
    layout: Option<&str>,
    start: Option<&str>,
    copies_text: Option<&str>,
) -> (Layout, usize, usize, Vec<FieldError>) {
    let layout = layout
        .and_then(|l| Layout::parse(l).ok())
        .unwrap_or(Layout::A4x21);
    let mut errors = Vec::new();
    let mut number = |text: Option<&str>, check: &dyn Fn(usize) -> Result<usize, FieldError>| {
        let Some(text) = text else { return 1 };
        // A number that does not parse is as wrong as one off the sheet: 0 is refused by both.
        match check(text.trim().parse::<usize>().unwrap_or(0)) {
            Ok(n) => n,
            Err(error) => {
                errors.push(error);
                1
            }
        }
    };
    let start = number(start, &|n| start_position(layout, n));
    let copies = number(copies_text, &copies);
    (layout, start, copies, errors)
}

/// The address a label's QR code opens.
pub fn device_url(public_url: &str, tag: &str) -> String {
    format!("{public_url}/d/{tag}")
}

/// A device's QR code as SVG, for its page: the same address its printed label encodes.
pub async fn qr_svg(
    db: &impl ConnectionTrait,
    staff: &Staff,
    public_url: &str,
    tag: &str,
) -> Result<String, AppError> {
    let device = devices::service::get(db, staff, tag).await?;
    let runs = qr_runs(
        &device_url(public_url, &device.asset_tag),
        Layout::A4x21.error_correction(),
    )
    .map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(runs.svg(&format!("QR code of {}", device.asset_tag)))
}

/// What a label says to whoever finds the device, under the organisation's name: the number to
/// ring when the organisation has one. The hub is left off: a device moves between hubs, and the
/// code's page names the one it belongs to now. Short enough for three lines on the smallest label.
fn default_found_line(organisation: &str, phone: Option<&str>) -> String {
    match phone {
        Some(phone) => format!("Found this? Please ring {phone} to return it."),
        None => format!("Found this? Please return it to {organisation}."),
    }
}

/// The PDF for a run of labels. Every tag must be a device of the staff member's organisation.
pub async fn pdf(
    db: &impl ConnectionTrait,
    staff: &Staff,
    public_url: &str,
    found_line: Option<&str>,
    run: &LabelRun,
) -> Result<Vec<u8>, AppError> {
    staff.require(Action::ManageDevices)?;
    let known = devices::service::existing_tags(db, staff.organisation_id(), &run.tags).await?;
    if let Some(unknown) = run.tags.iter().find(|t| !known.contains(t.as_str())) {
        return Err(AppError::invalid(
            "asset_tags",
            format!("there is no device with asset tag {unknown}"),
        ));
    }
    let org = organisations::service::find(db, staff.organisation_id())
        .await?
        .ok_or_else(|| AppError::NotFound("your organisation no longer exists".into()))?;
    let found_line = found_line.map_or_else(
        || default_found_line(&org.name, org.phone.as_deref()),
        str::to_owned,
    );
    let tags: Vec<String> = run.tags.iter().map(ToString::to_string).collect();
    // Each different tag's code once (copies share theirs), encoded off the async threads.
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<String> = tags.iter().filter(|t| seen.insert(t.as_str())).cloned().collect();
    let urls: Vec<String> = unique.iter().map(|t| device_url(public_url, t)).collect();
    let plan = place(&tags, &run.layout.geometry(), run.start_position, run.copies);
    let words = LabelText {
        organisation: org.name,
        found_line,
    };
    let layout = run.layout;
    tokio::task::spawn_blocking(move || {
        let codes = encode_all(&urls, layout.error_correction())?;
        let by_tag: HashMap<&str, &QrRuns> = unique.iter().map(String::as_str).zip(&codes).collect();
        let placements: Vec<(Placement, QrRuns)> = plan
            .into_iter()
            .map(|p| {
                let qr = by_tag[p.tag.as_str()].clone();
                (p, qr)
            })
            .collect();
        Ok(render(layout, &placements, &words))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|e: qrcode::types::QrError| AppError::Internal(e.to_string().into()))
}

/// The tags of the devices added on `day` (London time), at `hub_id` or at every hub: the labels
/// a coordinator prints after a delivery. At most 2,000, a few sheets' worth.
pub async fn tags_added_on(
    db: &impl ConnectionTrait,
    staff: &Staff,
    hub_id: Option<i32>,
    day: chrono::NaiveDate,
) -> Result<Vec<String>, AppError> {
    staff.require(Action::ManageDevices)?;
    let from = crate::dates::london_midnight(day);
    let to = crate::dates::london_midnight(day + chrono::Duration::days(1));
    let rows = devices::service::added_between(db, staff.organisation_id(), hub_id, from, to, 2000).await?;
    Ok(rows.into_iter().map(|d| d.asset_tag).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_names_each_wrong_answer_and_still_draws_a_sheet() {
        let (layout, start, copies, errors) = preview_sheet(Some("a4-65"), Some("66"), Some("two"));
        assert_eq!((layout, start, copies), (Layout::A4x65, 1, 1));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["start_position", "copies"]);
        assert!(
            errors[0].message.contains("from 1 to 65"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn the_preview_and_the_download_agree_on_a_good_choice() {
        let (layout, start, copies, errors) = preview_sheet(Some("a4-24"), Some("24"), Some("3"));
        assert!(errors.is_empty());
        let run = LabelRequest {
            asset_tags: Some(vec!["TCH-00001".into()]),
            layout: Some("a4-24".into()),
            start_position: Some(24),
            copies: Some(3),
        }
        .parse()
        .unwrap();
        assert_eq!(
            (run.layout, run.start_position, run.copies),
            (layout, start, copies)
        );
    }
}
