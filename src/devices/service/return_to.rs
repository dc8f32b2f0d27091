//! The public page behind a device's QR label: where a found device goes back to.

use sea_orm::ConnectionTrait;

use crate::{
    devices::{model::AssetTag, repo},
    error::AppError,
    organisations,
};

/// Where a found device goes back to: what the public page behind its QR label shows to someone
/// who is not signed in. Nothing about the device's state and nothing about who borrowed it.
#[derive(Debug, Clone)]
pub struct ReturnTo {
    pub asset_tag: String,
    pub organisation: String,
    pub organisation_phone: Option<String>,
    pub organisation_email: Option<String>,
    pub hub: String,
    pub hub_address: Option<String>,
    pub hub_opening_hours: Option<String>,
    pub hub_phone: Option<String>,
}

/// The return details for `tag`, read as a scanner or a person types it; 404 when it is not a
/// device of any organisation here.
pub async fn return_to(db: &impl ConnectionTrait, tag: &str) -> Result<ReturnTo, AppError> {
    let not_ours = || AppError::NotFound("this label is not one of the devices lendhub knows".into());
    let tag = AssetTag::parse("asset_tag", tag).map_err(|_| not_ours())?;
    let device = repo::find_by_tag_anywhere(db, &tag).await?.ok_or_else(not_ours)?;
    let organisation = organisations::service::find(db, device.organisation_id)
        .await?
        .ok_or_else(not_ours)?;
    let hub = crate::hubs::service::find_row(db, device.hub_id)
        .await?
        .ok_or_else(not_ours)?;
    Ok(ReturnTo {
        asset_tag: device.asset_tag,
        organisation: organisation.name,
        organisation_phone: organisation.phone,
        organisation_email: organisation.email,
        hub: hub.name,
        hub_address: hub.address,
        hub_opening_hours: hub.opening_hours,
        hub_phone: hub.phone,
    })
}
