//! Templates: create (idempotent on unique_id), update, read, list, lint.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::alipay::methods::{result_text, TemplateAdd, TemplateUpdate};
use crate::domain::template::{lint, TemplateContent, TemplateReport};
use crate::domain::{bounded, FieldProblem};
use crate::error::ApiError;
use crate::service::views::{to_json, Page, TemplateView};
use crate::service::{findings_to_problems, gateway_problem, page_limit, Reply, Service};
use crate::store::idempotency::{request_hash, Begin, KeyedRecord, StoredResponse};
use crate::store::records::{self, NewTemplate, TemplateRow};

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateTemplate {
    /// Your idempotency key (≤ 64 characters); generated and returned when absent.
    #[serde(default)]
    pub unique_id: Option<String>,
    /// The template: `{"logo": url, "icon": url|null, "strip": url|null, "content": pass.json}`.
    pub content: Value,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct UpdateTemplate {
    /// The new template content (same shape as on create).
    pub content: Value,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ValidateTemplate {
    pub content: Value,
}

fn keyed<'a>(app_id: &'a str, unique_id: &'a str) -> KeyedRecord<'a> {
    KeyedRecord {
        kind: "template",
        table: "templates",
        key_sql: "app_id = $1 AND unique_id = $2",
        key_values: [app_id, unique_id, ""],
        key_arity: 2,
    }
}

fn invalid_template(report: &TemplateReport) -> ApiError {
    ApiError::validation(
        format!("the template breaks {} rule(s)", report.errors.len()),
        findings_to_problems(&report.errors),
    )
}

impl Service {
    pub fn lint_template(&self, input: &ValidateTemplate) -> TemplateReport {
        lint(&input.content, self.template_limits())
    }

    pub async fn create_template(&self, input: CreateTemplate) -> Result<Reply, ApiError> {
        let keyed_input = input.unique_id.is_some().then(|| to_json(&input));
        self.with_fast_replay("template", keyed_input, || {
            self.create_template_checked(input)
        })
        .await
    }

    async fn create_template_checked(&self, input: CreateTemplate) -> Result<Reply, ApiError> {
        let content = TemplateContent::parse(input.content, self.template_limits())
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
                .ok_or_else(|| ApiError::validation("invalid unique_id", problems))?
            }
            None => Uuid::now_v7().simple().to_string(),
        };
        let hash = request_hash(&json!({"unique_id": unique_id, "content": content.as_json()}));
        let app_id = self.app_id().to_owned();
        let key = keyed(&app_id, &unique_id);
        let params = content.params().to_vec();
        let new_record = NewTemplate {
            app_id: &app_id,
            unique_id: &unique_id,
            request_hash: &hash,
            tpl_content: content.as_json(),
            params: &params,
        };
        let insert = records::insert_template(self.db(), &new_record, self.inner.lease);
        let claim = match self.inner.idempotency.begin(&key, &hash, insert).await? {
            Begin::Replay(stored) => return Ok(Reply::replay(stored)),
            Begin::Proceed(claim) => claim,
        };
        let outcome = self.perform_template_add(claim.id, &content).await;
        let stored = outcome.as_ref().ok().cloned();
        self.inner
            .idempotency
            .finish(&key, &claim, stored.as_ref())
            .await;
        outcome.map(|s| Reply::fresh(s.status, s.body))
    }

    /// Calls template.add for a claimed PENDING record and settles it. Also used by the
    /// reconciler. Err = outcome unknown (the record stays PENDING) or a store failure.
    pub(crate) async fn perform_template_add(
        &self,
        id: Uuid,
        content: &TemplateContent,
    ) -> Result<StoredResponse, ApiError> {
        let row = self.template_row_by_id(id).await?;
        let log = AttemptLog::default();
        let wire = content.to_wire_string();
        let result = self
            .inner
            .gateway
            .template_add(
                &TemplateAdd {
                    unique_id: &row.unique_id,
                    tpl_content: &wire,
                },
                &log,
            )
            .await;
        self.log_calls(&format!("template:{}", row.unique_id), &log)
            .await;
        let mut settled = TemplateRow {
            updated_at: Utc::now(),
            ..row
        };
        let response = match result {
            Ok(created) => {
                settled.status = "CREATED".into();
                settled.alipay_tpl_id = Some(created.tpl_id);
                (
                    201,
                    to_json(&TemplateView::from_row(
                        &settled,
                        content.warnings().to_vec(),
                    )),
                )
            }
            // Our earlier attempt created it and its answer was lost: that is success.
            Err(GatewayError::Refused(refusal)) if refusal.meaning.already_done => {
                settled.status = "CREATED".into();
                settled.alipay_tpl_id = refusal
                    .result
                    .as_ref()
                    .and_then(|r| result_text(r, "tpl_id"));
                (
                    201,
                    to_json(&TemplateView::from_row(
                        &settled,
                        content.warnings().to_vec(),
                    )),
                )
            }
            Err(error) => {
                let (problem, code) = self.settle_refusal("templates", id, &error).await?;
                settled.status = "FAILED".into();
                settled.failure_code = code;
                problem
            }
        };
        records::settle_template(self.db(), &settled, (response.0, &response.1)).await?;
        Ok(StoredResponse {
            request_hash: String::new(),
            status: response.0,
            body: response.1,
        })
    }

    async fn template_row_by_id(&self, id: Uuid) -> Result<TemplateRow, ApiError> {
        records::template(self.db(), self.app_id(), id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no template {id}")))
    }

    pub async fn get_template(&self, id: Uuid) -> Result<TemplateView, ApiError> {
        let row = self.template_row_by_id(id).await?;
        Ok(TemplateView::from_row(&row, Vec::new()))
    }

    pub async fn list_templates(
        &self,
        after: Option<Uuid>,
        limit: Option<i64>,
    ) -> Result<Page<TemplateView>, ApiError> {
        let limit = page_limit(limit);
        let rows = records::templates_page(self.db(), self.app_id(), after, limit).await?;
        Ok(page(
            &rows,
            limit,
            |r| r.id,
            |r| TemplateView::from_row(r, Vec::new()),
        ))
    }

    pub async fn update_template(
        &self,
        id: Uuid,
        input: UpdateTemplate,
    ) -> Result<TemplateView, ApiError> {
        let content = TemplateContent::parse(input.content, self.template_limits())
            .map_err(|report| invalid_template(&report))?;
        let row = match records::lease_template_for_update(
            self.db(),
            self.app_id(),
            id,
            self.inner.lease,
        )
        .await?
        {
            Some(row) => row,
            None => {
                let row = self.template_row_by_id(id).await?;
                return Err(if row.status == "CREATED" {
                    ApiError::conflict(
                        "request_in_progress",
                        "another update of this template is in progress",
                    )
                    .with_retry_after(1)
                } else {
                    ApiError::conflict(
                        "template_not_created",
                        format!(
                            "the template is {}: only a CREATED template can be updated",
                            row.status
                        ),
                    )
                });
            }
        };
        let tpl_id = row.alipay_tpl_id.clone().unwrap_or_default();
        let log = AttemptLog::default();
        let wire = content.to_wire_string();
        let result = self
            .inner
            .gateway
            .template_update(
                &TemplateUpdate {
                    tpl_id: &tpl_id,
                    tpl_content: &wire,
                },
                &log,
            )
            .await;
        self.log_calls(&format!("template:{}", row.unique_id), &log)
            .await;
        match result {
            Ok(_) => {
                let params = content.params().to_vec();
                let updated = records::finish_template_update(
                    self.db(),
                    id,
                    Some((content.as_json(), &params)),
                )
                .await?;
                Ok(TemplateView::from_row(
                    &updated,
                    content.warnings().to_vec(),
                ))
            }
            Err(error) => {
                records::finish_template_update(self.db(), id, None).await?;
                Err(gateway_problem(&error))
            }
        }
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
pub(crate) fn unknown_template(id: Uuid) -> ApiError {
    ApiError::validation(
        format!("no template {id}"),
        vec![FieldProblem {
            path: "$.template_id".into(),
            message: "unknown template".into(),
            alipay_code: Some("KP.AE_ALIPASS_TEMPLATE_NOT_FOUND".into()),
        }],
    )
}
