//! Templates: create (idempotent on unique_id), update, read, list, lint.

use std::sync::Arc;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::alipay::methods::{result_text, Acting, TemplateAdd, TemplateResult};
use crate::apps::{ActingFor, App};
use crate::domain::ids::TemplateId;
use crate::domain::status::TemplateStatus;
use crate::domain::template::{lint, TemplateContent, TemplateReport};
use crate::domain::{bounded, FieldProblem};
use crate::service::adds::{AddSettlement, Applied, Fence, OpenAdd};
use crate::service::answers::Answer;
use crate::service::views::{to_json, Page, TemplateView};
use crate::service::ServiceError;
use crate::service::{findings_to_problems, page_limit, Core, Refused, Reply};
use crate::store::idempotency::{request_hash, KeyedRecord};
use crate::store::records::{self, CallLog, NewTemplate, OutboxEvent, RecordKind, TemplateRow};
use crate::webhooks::events::TemplateCreatedData;
use crate::webhooks::{announce, EventType};

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateTemplate {
    /// Your idempotency key (≤ 64 characters); generated and returned when absent.
    #[serde(default)]
    pub unique_id: Option<String>,
    /// The template (TemplateContent), or the same as JSON text.
    #[schema(schema_with = crate::domain::template::content_input_schema)]
    pub content: Value,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct UpdateTemplate {
    /// The new template content (same shape as on create).
    #[schema(schema_with = crate::domain::template::content_input_schema)]
    pub content: Value,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ValidateTemplate {
    /// Any JSON value: checked against every rule of a TemplateContent (or, as text, its
    /// JSON). What breaks a rule is reported in the answer, not refused.
    pub content: Value,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"alipay_template_id": "2015062614280547004605924"}))]
pub struct SetAlipayTemplateId {
    /// The template's tpl_id as the Alipay console shows it.
    pub alipay_template_id: String,
}

pub(super) fn invalid_template(report: &TemplateReport) -> ServiceError {
    ServiceError::validation(
        format!("the template breaks {} rule(s)", report.errors.len()),
        findings_to_problems(&report.errors),
    )
}

/// Templates: create, update, read, list, lint and preview. Holds nothing of its own:
/// everything it needs is shared ([`Core`]).
#[derive(Clone)]
pub struct TemplateService {
    pub(super) core: Arc<Core>,
}

impl TemplateService {
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    pub fn lint_template(&self, input: &ValidateTemplate) -> TemplateReport {
        lint(&input.content, self.core.template_limits())
    }

    pub async fn create_template(
        &self,
        app: &ActingFor,
        input: CreateTemplate,
    ) -> Result<Reply, ServiceError> {
        let chosen = input.unique_id.is_some();
        let content = TemplateContent::parse(input.content, self.core.template_limits())
            .map_err(|report| invalid_template(&report))?;
        let unique_id = match input.unique_id.as_deref() {
            Some(given) => {
                let mut problems = Vec::new();
                bounded(
                    &mut problems,
                    "$.unique_id",
                    given,
                    64,
                    "KP.AE_ALIPASS_TEMPLATE_UNIQUE_IS_BLANK",
                )
                .ok_or_else(|| ServiceError::validation("invalid unique_id", problems))?
            }
            None => Uuid::now_v7().simple().to_string(),
        };
        let hash =
            request_hash(&app.hashed_with_merchant(
                json!({"unique_id": unique_id, "content": content.as_json()}),
            ));
        let app_id = app.app_id().to_owned();
        let sealed = self.core.seal_token(app)?;
        let key = KeyedRecord::Template {
            app_id: &app_id,
            unique_id: &unique_id,
        };
        let params = content.params().to_vec();
        let new_record = NewTemplate {
            app_id: &app_id,
            unique_id: &unique_id,
            request_hash: &hash,
            tpl_content: content.as_json(),
            params: &params,
            app_auth_token_sealed: sealed.as_deref(),
            merchant_id: app.merchant_id(),
        };
        let lease = self.core.new_lease();
        let insert = records::insert_template(self.core.db(), &new_record, lease);
        self.core
            .run_keyed(key, (&hash, chosen), lease, insert, |claim| async move {
                self.core.perform::<OpenTemplate>(&claim, None).await
            })
            .await
    }

    pub async fn get_template(
        &self,
        app: &App,
        id: TemplateId,
    ) -> Result<TemplateView, ServiceError> {
        let row = template_row_by_id(&self.core, Some(app.app_id()), id).await?;
        Ok(TemplateView::from_row(&row, Vec::new()))
    }

    /// Every version of the template's content, newest first: (version, since, content).
    pub async fn template_versions(
        &self,
        app: &App,
        id: TemplateId,
    ) -> Result<Vec<(i32, chrono::DateTime<Utc>, Value)>, ServiceError> {
        let template = self.get_template(app, id).await?;
        Ok(records::template_versions(self.core.db(), template.id).await?)
    }

    pub async fn list_templates(
        &self,
        app: &App,
        after: Option<Uuid>,
        limit: Option<i64>,
    ) -> Result<Page<TemplateView>, ServiceError> {
        let limit = page_limit(limit);
        let rows = records::templates_page(self.core.db(), app.app_id(), after, limit).await?;
        Ok(page(
            &rows,
            limit,
            |r| r.id.into(),
            |r| TemplateView::from_row(r, Vec::new()),
        ))
    }

    /// The operator's way out of NEEDS_ALIPAY_ID: the tpl_id shown in the Alipay console.
    pub async fn set_alipay_template_id(
        &self,
        app: &App,
        id: TemplateId,
        input: SetAlipayTemplateId,
    ) -> Result<TemplateView, ServiceError> {
        let mut problems = Vec::new();
        let tpl_id = bounded(
            &mut problems,
            "$.alipay_template_id",
            &input.alipay_template_id,
            64,
            "KP.AE_ALIPASS_TEMPLATE_PARAMTER_IS_NULL",
        )
        .ok_or_else(|| ServiceError::validation("invalid alipay_template_id", problems))?;
        let set = records::set_alipay_template_id(self.core.db(), app.app_id(), id, &tpl_id).await;
        match set {
            Ok(Some(row)) => Ok(TemplateView::from_row(&row, Vec::new())),
            Ok(None) => {
                let row = template_row_by_id(&self.core, Some(app.app_id()), id).await?;
                Err(ServiceError::conflict(
                    "template_has_alipay_id",
                    format!(
                        "the template is {}: only a NEEDS_ALIPAY_ID template takes an id",
                        row.status
                    ),
                ))
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(ServiceError::conflict(
                    "alipay_template_id_taken",
                    "another template already has this Alipay template id",
                ))
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Template `id`, of app `app_id` when given (a caller's view), else of any app (a
/// claimed record).
pub(super) async fn template_row_by_id(
    core: &Core,
    app_id: Option<&str>,
    id: TemplateId,
) -> Result<TemplateRow, ServiceError> {
    records::template(core.db(), app_id, id)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("no template {id}")))
}

/// A claimed PENDING template, its content parsed: what template.add sends.
pub(crate) struct OpenTemplate {
    row: TemplateRow,
    content: TemplateContent,
}

impl OpenAdd for OpenTemplate {
    const KIND: RecordKind = RecordKind::Template;
    type Row = TemplateRow;
    type Done = TemplateResult;
    /// Nothing: a template is always read back, its content parsed as stored.
    type Written = std::convert::Infallible;

    async fn open(
        core: &Core,
        id: Uuid,
        _: Option<std::convert::Infallible>,
    ) -> Result<Self, ServiceError> {
        let row = template_row_by_id(core, None, id.into()).await?;
        let content = TemplateContent::parse(row.tpl_content.clone(), core.template_limits())
            .map_err(|report| invalid_template(&report))?;
        Ok(Self { row, content })
    }

    fn row(&self) -> &TemplateRow {
        &self.row
    }

    fn row_mut(&mut self) -> &mut TemplateRow {
        &mut self.row
    }

    async fn call(
        &self,
        _: &Core,
        gateway: &Acting<'_>,
        log: &AttemptLog,
    ) -> Result<TemplateResult, GatewayError> {
        let wire = self.content.to_wire_string();
        let request = TemplateAdd {
            unique_id: &self.row.unique_id,
            tpl_content: &wire,
        };
        gateway.template_add(&request, log).await
    }

    fn applied(&mut self, _: &Core, how: Applied<TemplateResult>) -> Result<Answer, ServiceError> {
        let row = &mut self.row;
        match how {
            Applied::Now(done) => {
                row.status = TemplateStatus::Created;
                row.alipay_tpl_id = Some(done.tpl_id);
            }
            // Created by our earlier attempt. Without the id in the answer the template
            // cannot be used until an operator sets it (PUT …/alipay-template-id).
            Applied::Earlier(result) => {
                row.alipay_tpl_id = result.as_ref().and_then(|r| result_text(r, "tpl_id"));
                row.status = match row.alipay_tpl_id {
                    Some(_) => TemplateStatus::Created,
                    None => TemplateStatus::NeedsAlipayId,
                };
            }
        }
        let view = TemplateView::from_row(row, self.content.warnings().to_vec());
        Ok(Answer::created(&view, row.alipay_tpl_id.as_deref()))
    }

    fn refused(&mut self, refusal: &Refused) {
        self.row.status = TemplateStatus::Failed;
        self.row.failure_code = Some(refusal.code.clone());
    }

    fn events(&self, _: &Core, after_unknown: bool) -> Vec<OutboxEvent> {
        let row = &self.row;
        let event = matches!(
            row.status,
            TemplateStatus::Created | TemplateStatus::NeedsAlipayId
        )
        .then(|| {
            let template = TemplateView::from_row(row, self.content.warnings().to_vec());
            let data = TemplateCreatedData { template };
            (EventType::TemplateCreated, to_json(&data))
        });
        let subject = json!({"kind": "template", "id": row.id, "unique_id": row.unique_id});
        announce(&row.app_id, event, after_unknown, subject)
    }

    async fn settle(
        &self,
        core: &Core,
        fence: Fence<'_>,
        _: &AddSettlement<'_>,
        log: &CallLog<'_>,
    ) -> Result<bool, sqlx::Error> {
        let fenced = (fence.claim.token, fence.answer);
        records::settle_add(core.db(), &(&self.row).into(), fenced, log).await
    }
}

/// Builds a keyset page: a full page means there may be more after its last id.
/// The cursor is the last row's id, so views need not carry it.
pub(crate) fn page<R, T>(
    rows: &[R],
    limit: i64,
    id: impl Fn(&R) -> Uuid,
    view: impl Fn(&R) -> T,
) -> Page<T> {
    let next_cursor = if rows.len() as i64 == limit {
        rows.last().map(id)
    } else {
        None
    };
    Page {
        items: rows.iter().map(view).collect(),
        next_cursor,
    }
}

/// Problems for a missing template reference in other use cases.
pub(crate) fn unknown_template(id: TemplateId) -> ServiceError {
    ServiceError::validation(
        format!("no template {id}"),
        vec![FieldProblem {
            path: "$.template_id".into(),
            message: "unknown template".into(),
            alipay_code: Some("KP.AE_ALIPASS_TEMPLATE_NOT_FOUND".into()),
        }],
    )
}
