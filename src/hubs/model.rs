//! A hub as checked, ready to be stored.

/// A hub's details once checked: a name, and optionally where it is, when it opens and its phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubDetails {
    pub name: String,
    pub address: Option<String>,
    pub opening_hours: Option<String>,
    pub phone: Option<String>,
}
