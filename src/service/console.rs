//! What the operator console reads beyond the resources' own use cases: counts by status,
//! the issuance rate, searches, and its signed-out sessions. The console reaches Postgres
//! only through these, so a read that fails is an error it shows, never an empty page.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::apps::App;
use crate::store::console::{self as store, CampaignLine, StatusCount};

use super::{Core, ServiceError};

/// The overview page's figures.
#[derive(Debug, Clone)]
pub struct Overview {
    pub counts: Vec<StatusCount>,
    /// Passes issued in each of the last twelve five-minute windows, oldest first.
    pub issued_last_hour: Vec<i64>,
}

impl Overview {
    /// The counts of one kind of record (`templates`, `passes`, `vouchers`).
    pub fn counts_of<'a>(&'a self, records: &'a str) -> impl Iterator<Item = &'a StatusCount> {
        self.counts.iter().filter(move |c| c.records == records)
    }
}

/// The console's own reads and its sessions.
#[derive(Clone)]
pub struct ConsoleService {
    core: Arc<Core>,
}

impl ConsoleService {
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    pub async fn console_overview(&self, app: &App) -> Result<Overview, ServiceError> {
        let counts = store::status_counts(self.core.db(), app.app_id()).await?;
        let issued_last_hour = store::issued_last_hour(self.core.db(), app.app_id()).await?;
        Ok(Overview {
            counts,
            issued_last_hour,
        })
    }

    /// Serial numbers of the app's passes bought with `out_trade_no`, newest first.
    pub async fn serials_by_trade(
        &self,
        app: &App,
        out_trade_no: &str,
    ) -> Result<Vec<String>, ServiceError> {
        Ok(store::serials_by_trade(self.core.db(), app.app_id(), out_trade_no).await?)
    }

    /// The app's campaigns, newest first, with their progress.
    pub async fn campaign_progress(&self, app: &App) -> Result<Vec<CampaignLine>, ServiceError> {
        Ok(store::campaigns(self.core.db(), app.app_id()).await?)
    }

    /// Ends a console session on every replica until it would have expired anyway.
    pub async fn revoke_console_session(
        &self,
        session_id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        Ok(store::revoke_session(self.core.db(), session_id, expires_at).await?)
    }

    pub async fn console_session_revoked(&self, session_id: Uuid) -> Result<bool, ServiceError> {
        Ok(store::session_revoked(self.core.db(), session_id).await?)
    }
}
