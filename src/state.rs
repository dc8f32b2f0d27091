//! What every handler can reach: the database, the configuration and, before the first account
//! exists, the secret of the one-time set-up link. It sits on the bottom floor so that handlers
//! depend on it and `startup` depends on the handlers, never the other way round; extractors ask
//! for just the part they need through `FromRef`.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::{config::Config, db::Db};

/// The state the router is built with.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The secret of the one-time set-up link, while no account exists.
    pub setup_token: Option<Arc<str>>,
    /// Spreadsheets uploaded on the import page, and the imports running from them.
    pub imports: crate::imports::model::Jobs,
}

impl FromRef<AppState> for Db {
    fn from_ref(app: &AppState) -> Self {
        app.db.clone()
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(app: &AppState) -> Self {
        Arc::clone(&app.config)
    }
}
