//! Webhook endpoints: registered per API key and app, managed only by that key.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::apps::App;
use crate::domain::FieldProblem;
use crate::service::views::to_json;
use crate::service::{Core, ServiceError};
use crate::store::webhooks::{self as store, AttemptRow, EndpointRow};
use crate::webhooks::events::WebhookTestData;
use crate::webhooks::guard::Guard;
use crate::webhooks::{keep_secret, new_secret, EventType};

/// Test sends (`POST …/test`) an endpoint takes a minute: a test checks a receiver, and
/// more would let one key crowd the deliverer that every app shares.
pub const TEST_SENDS_PER_MINUTE: i32 = 5;

/// What a caller posts to register an endpoint.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "url": "https://orders.example.com/alipass-events",
    "event_types": ["pass.issued", "pass.failed", "operation.settled"],
    "description": "order service"
}))]
pub struct CreateEndpoint {
    /// Where events are posted (http or https; the operator's allow-list decides).
    pub url: String,
    /// The event types to receive: template.created, template.updated, pass.issued,
    /// pass.updated, pass.redeemed, pass.closed, pass.failed, voucher.sent,
    /// voucher.failed, operation.settled, campaign.finished.
    pub event_types: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    /// The signing secret (`whsec_…`): shown once, in the answer that creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub enabled: bool,
    /// Why it was disabled (every delivery failed for too long), if it was.
    pub disabled_reason: Option<String>,
    /// Since when every delivery failed, while that lasts.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&EndpointRow> for EndpointView {
    fn from(row: &EndpointRow) -> Self {
        Self {
            id: row.id,
            url: row.url.clone(),
            event_types: row.event_types.clone(),
            description: row.description.clone(),
            secret: None,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason.clone(),
            failing_since: row.failing_since,
            created_at: row.created_at,
        }
    }
}

fn problem(path: &str, message: String) -> FieldProblem {
    FieldProblem {
        path: path.to_owned(),
        message,
        alipay_code: None,
    }
}

/// Webhook endpoints: register, list, enable, test, redeliver. Beside the shared [`Core`]
/// it holds the operator's allow-list of where endpoints may point.
#[derive(Clone)]
pub struct WebhookService {
    core: Arc<Core>,
    guard: Guard,
}

impl WebhookService {
    pub fn new(core: Arc<Core>, guard: Guard) -> Self {
        Self { core, guard }
    }

    pub async fn create_endpoint(
        &self,
        app: &App,
        owner: &str,
        input: CreateEndpoint,
    ) -> Result<EndpointView, ServiceError> {
        let mut problems = Vec::new();
        if let Err(why) = self.guard.check_url(&input.url) {
            problems.push(problem("$.url", why));
        }
        if input.event_types.is_empty() {
            problems.push(problem("$.event_types", "at least one".into()));
        }
        for (i, kind) in input.event_types.iter().enumerate() {
            let known = EventType::parse(kind).filter(|k| *k != EventType::WebhookTest);
            if known.is_none() {
                problems.push(problem(
                    &format!("$.event_types[{i}]"),
                    format!("`{kind}` is not an event type"),
                ));
            }
        }
        if input
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 256)
        {
            problems.push(problem("$.description", "at most 256 characters".into()));
        }
        if !problems.is_empty() {
            return Err(ServiceError::validation(
                "invalid webhook endpoint",
                problems,
            ));
        }
        let id = Uuid::now_v7();
        let secret = new_secret();
        let mut event_types = input.event_types;
        event_types.sort();
        event_types.dedup();
        let row = EndpointRow {
            id,
            app_id: app.app_id().to_owned(),
            owner: owner.to_owned(),
            url: input.url,
            event_types,
            description: input.description,
            secret_sealed: keep_secret(self.core.pii.as_ref(), id, &secret)?,
            enabled: true,
            disabled_reason: None,
            failing_since: None,
            created_at: Utc::now(),
        };
        store::insert_endpoint(self.core.db(), &row).await?;
        Ok(EndpointView {
            secret: Some(secret),
            ..EndpointView::from(&row)
        })
    }

    pub async fn list_endpoints(
        &self,
        app: &App,
        owner: &str,
    ) -> Result<Vec<EndpointView>, ServiceError> {
        let rows = store::endpoints(self.core.db(), app.app_id(), owner).await?;
        Ok(rows.iter().map(EndpointView::from).collect())
    }

    async fn endpoint_row(
        &self,
        app: &App,
        owner: &str,
        id: Uuid,
    ) -> Result<EndpointRow, ServiceError> {
        store::endpoint(self.core.db(), (app.app_id(), owner), id)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("no webhook endpoint {id}")))
    }

    /// The endpoint, refused 409 while it is disabled: nothing is sent to it until it is
    /// enabled again.
    async fn enabled_endpoint_row(
        &self,
        app: &App,
        owner: &str,
        id: Uuid,
    ) -> Result<EndpointRow, ServiceError> {
        let row = self.endpoint_row(app, owner, id).await?;
        if !row.enabled {
            let reason = row.disabled_reason.as_deref().unwrap_or("disabled");
            return Err(ServiceError::conflict(
                "endpoint_disabled",
                format!("webhook endpoint {id} is disabled ({reason}): POST …/enable first"),
            ));
        }
        Ok(row)
    }

    pub async fn get_endpoint(
        &self,
        app: &App,
        owner: &str,
        id: Uuid,
    ) -> Result<EndpointView, ServiceError> {
        Ok(EndpointView::from(
            &self.endpoint_row(app, owner, id).await?,
        ))
    }

    pub async fn delete_endpoint(
        &self,
        app: &App,
        owner: &str,
        id: Uuid,
    ) -> Result<(), ServiceError> {
        let row = self.endpoint_row(app, owner, id).await?;
        Ok(store::delete_endpoint(self.core.db(), row.id).await?)
    }

    /// Enables a disabled endpoint again; deliveries failed meanwhile can be redelivered.
    pub async fn enable_endpoint(
        &self,
        app: &App,
        owner: &str,
        id: Uuid,
    ) -> Result<EndpointView, ServiceError> {
        let row = self.endpoint_row(app, owner, id).await?;
        store::set_enabled(self.core.db(), row.id, None).await?;
        self.get_endpoint(app, owner, id).await
    }

    /// Queues a `webhook.test` event for this endpoint alone: answers its id. At most
    /// `TEST_SENDS_PER_MINUTE` a minute per endpoint, counted across replicas.
    pub async fn test_endpoint(
        &self,
        app: &App,
        owner: &str,
        id: Uuid,
    ) -> Result<Uuid, ServiceError> {
        let row = self.enabled_endpoint_row(app, owner, id).await?;
        if let Err(wait) =
            store::count_test_send(self.core.db(), row.id, TEST_SENDS_PER_MINUTE).await?
        {
            return Err(ServiceError::TooMany {
                code: "test_send_rate_limited",
                detail: format!(
                    "at most {TEST_SENDS_PER_MINUTE} test sends a minute per endpoint: \
                     retry in {wait} s"
                ),
                retry_after: wait,
            });
        }
        let event_id = Uuid::now_v7();
        let payload = WebhookTestData {
            endpoint_id: row.id,
            message: "a test event from alipass".to_owned(),
        };
        store::insert_test_event(self.core.db(), &row, event_id, &to_json(&payload)).await?;
        Ok(event_id)
    }

    pub async fn endpoint_attempts(
        &self,
        app: &App,
        owner: &str,
        id: Uuid,
        before: Option<i64>,
    ) -> Result<Vec<AttemptRow>, ServiceError> {
        let row = self.endpoint_row(app, owner, id).await?;
        Ok(store::attempts(self.core.db(), row.id, before, 100).await?)
    }

    /// Sends one event to this endpoint again, whatever became of it before.
    pub async fn redeliver(
        &self,
        app: &App,
        owner: &str,
        (id, event_id): (Uuid, Uuid),
    ) -> Result<(), ServiceError> {
        let row = self.enabled_endpoint_row(app, owner, id).await?;
        match store::redeliver(self.core.db(), row.id, event_id).await? {
            true => Ok(()),
            false => Err(ServiceError::not_found(format!(
                "event {event_id} was never for endpoint {id}"
            ))),
        }
    }
}
