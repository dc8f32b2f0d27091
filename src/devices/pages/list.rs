//! The device list: filters, search, keyset pages, and a search that is a tag going straight
//! to that device.

use std::{collections::HashMap, fmt::Write};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use crate::devices::{
    model::{AssetTag, DeviceKind, DeviceStatus},
    service::{self, DeviceView, ListParams},
};
use crate::{
    auth::Staff,
    error::AppError,
    hubs::{self, service::HubView},
    state::AppState,
    web::{FormErrors, Nav, urlencode},
};

/// A row of the device list, ready to print.
pub struct DeviceRow {
    pub device: DeviceView,
    pub hub_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "devices/list.html")]
pub struct ListPage {
    nav: Nav,
    rows: Vec<DeviceRow>,
    hubs: Vec<HubView>,
    params: ListParams,
    errors: FormErrors,
    next_page: Option<String>,
    statuses: &'static [DeviceStatus],
    kinds: &'static [DeviceKind],
}

impl ListPage {
    fn selected(value: Option<&String>, option: &str) -> bool {
        value.is_some_and(|v| v == option)
    }
}

pub(super) fn hub_names(hubs: &[HubView]) -> HashMap<i32, String> {
    hubs.iter().map(|h| (h.id, h.name.clone())).collect()
}

/// The device list. A search that is exactly an asset tag goes straight to that device.
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(params): Query<ListParams>,
) -> Result<Response, AppError> {
    if let Some(q) = params.q.as_deref()
        && let Ok(tag) = AssetTag::parse("q", q)
    {
        if service::get(&app.db.read, &staff, tag.as_str()).await.is_ok() {
            return Ok(Redirect::to(&format!("/devices/{tag}")).into_response());
        }
        if let Some(loan) =
            crate::loans::service::elsewhere_by_tag(&app.db.read, &staff, tag.as_str()).await?
        {
            return Ok(Redirect::to(&format!("/loans/{loan}/return")).into_response());
        }
    }
    let hubs = hubs::service::list(&app.db.read, &staff).await?;
    let (rows, next_page, errors, status) = match params.parse() {
        Ok((filter, limit)) => {
            let page = service::list(&app.db.read, &staff, &filter, limit).await?;
            let names = hub_names(&hubs);
            let rows = page
                .items
                .into_iter()
                .map(|device| DeviceRow {
                    // A device's hub is a foreign key to a hub of its organisation.
                    hub_name: names.get(&device.hub_id).cloned().unwrap_or_default(),
                    device,
                })
                .collect();
            let next_page = page.next_cursor.map(|cursor| next_page_link(&params, &cursor));
            (rows, next_page, FormErrors::default(), StatusCode::OK)
        }
        Err(error) => (
            Vec::new(),
            None,
            vec![error].into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let page = ListPage {
        nav: Nav::new(&staff, "devices"),
        rows,
        hubs,
        params,
        errors,
        next_page,
        statuses: DeviceStatus::ALL,
        kinds: DeviceKind::ALL,
    };
    Ok((status, page).into_response())
}

fn next_page_link(params: &ListParams, cursor: &str) -> String {
    let pairs = [
        ("q", &params.q),
        ("status", &params.status),
        ("kind", &params.kind),
        ("hub_id", &params.hub_id),
    ];
    let mut link = format!("/devices?cursor={}", urlencode(cursor));
    for (key, value) in pairs {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            let _ = write!(link, "&{key}={}", urlencode(value));
        }
    }
    link
}
