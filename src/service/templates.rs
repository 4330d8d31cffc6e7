//! Templates: create (idempotent on unique_id), update, read, list, lint.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alipay::client::AttemptLog;
use crate::alipay::methods::{result_text, TemplateAdd, TemplateUpdate};
use crate::apps::{ActingFor, App};
use crate::domain::status::TemplateStatus;
use crate::domain::template::{lint, TemplateContent, TemplateReport};
use crate::domain::{bounded, FieldProblem};
use crate::service::answers::Answer;
use crate::service::uncertain::{
    awaiting_operator, pending_operation, read_change_failure, Doubt, Resolution,
};
use crate::service::views::{to_json, Page, TemplateView};
use crate::service::ServiceError;
use crate::service::{
    findings_to_problems, lease_lost, page_limit, AddOutcome, Calls, Reply, Service,
};
use crate::store::idempotency::{request_hash, Claim, KeyedRecord, Lease};
use crate::store::records::{
    self, NewTemplate, Pending, RecordKind, RecordRef, SavedAnswer, Take, TemplateRow,
};
use crate::webhooks::events::{TemplateCreatedData, TemplateUpdatedData, UpdatedTemplate};
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

fn invalid_template(report: &TemplateReport) -> ServiceError {
    ServiceError::validation(
        format!("the template breaks {} rule(s)", report.errors.len()),
        findings_to_problems(&report.errors),
    )
}

impl Service {
    pub fn lint_template(&self, input: &ValidateTemplate) -> TemplateReport {
        lint(&input.content, self.template_limits())
    }

    pub async fn create_template(
        &self,
        app: &ActingFor,
        input: CreateTemplate,
    ) -> Result<Reply, ServiceError> {
        let chosen = input.unique_id.is_some();
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
                .ok_or_else(|| ServiceError::validation("invalid unique_id", problems))?
            }
            None => Uuid::now_v7().simple().to_string(),
        };
        let hash =
            request_hash(&app.hashed_with_merchant(
                json!({"unique_id": unique_id, "content": content.as_json()}),
            ));
        let app_id = app.app_id().to_owned();
        let sealed = self.seal_token(app)?;
        let key = KeyedRecord::template(&app_id, &unique_id);
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
        let lease = self.new_lease();
        let insert = records::insert_template(self.db(), &new_record, lease);
        self.run_keyed(key, (&hash, chosen), lease, insert, |claim| async move {
            self.perform_template_add(&claim).await
        })
        .await
    }

    /// Calls template.add for a claimed PENDING record and settles it.
    pub(super) async fn perform_template_add(
        &self,
        claim: &Claim,
    ) -> Result<SavedAnswer, ServiceError> {
        let row = self.template_row_by_id(None, claim.id).await?;
        let content = TemplateContent::parse(row.tpl_content.clone(), self.template_limits())
            .map_err(|report| invalid_template(&report))?;
        let log = AttemptLog::default();
        let wire = content.to_wire_string();
        let result = self
            .gateway_for(&row.app_id, row.app_auth_token_sealed.as_deref())?
            .template_add(
                &TemplateAdd {
                    unique_id: &row.unique_id,
                    tpl_content: &wire,
                },
                &log,
            )
            .await;
        let calls = Calls::new(template_record(row.id), &log);
        let mut settled = TemplateRow {
            updated_at: Utc::now(),
            ..row
        };
        let created = |settled: &TemplateRow| {
            let view = TemplateView::from_row(settled, content.warnings().to_vec());
            Some(Answer::created(&view, settled.alipay_tpl_id.as_deref()))
        };
        let mut refused = None;
        let response = match AddOutcome::read(result, claim.sent_before) {
            AddOutcome::Applied(done) => {
                settled.status = TemplateStatus::Created;
                settled.alipay_tpl_id = Some(done.tpl_id);
                created(&settled)
            }
            // Created by our earlier attempt. Without the id in the answer the template
            // cannot be used until an operator sets it (PUT …/alipay-template-id).
            AddOutcome::AppliedEarlier(result) => {
                settled.alipay_tpl_id = result.as_ref().and_then(|r| result_text(r, "tpl_id"));
                settled.status = match settled.alipay_tpl_id {
                    Some(_) => TemplateStatus::Created,
                    None => TemplateStatus::NeedsAlipayId,
                };
                created(&settled)
            }
            AddOutcome::Refused(refusal) => {
                settled.status = TemplateStatus::Failed;
                settled.failure_code = Some(refusal.code.clone());
                let response = refusal.answer();
                refused = Some(refusal);
                response
            }
            AddOutcome::Unknown(unknown) => return self.leave_open(claim, &calls, unknown).await,
        };
        let event = matches!(
            settled.status,
            TemplateStatus::Created | TemplateStatus::NeedsAlipayId
        )
        .then(|| {
            let template = TemplateView::from_row(&settled, content.warnings().to_vec());
            let data = TemplateCreatedData { template };
            (EventType::TemplateCreated, to_json(&data))
        });
        let subject = json!({"kind": "template", "id": settled.id, "unique_id": settled.unique_id});
        let events = announce(&settled.app_id, event, claim.sent_before, subject);
        let final_row = (&settled).into();
        self.settle_add(
            RecordKind::Template,
            claim,
            final_row,
            (&calls, &events),
            (response, refused),
        )
        .await
    }

    /// Template `id`, of app `app_id` when given (a caller's view), else of any app (a
    /// claimed record).
    async fn template_row_by_id(
        &self,
        app_id: Option<&str>,
        id: Uuid,
    ) -> Result<TemplateRow, ServiceError> {
        records::template(self.db(), app_id, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("no template {id}")))
    }

    pub async fn get_template(&self, app: &App, id: Uuid) -> Result<TemplateView, ServiceError> {
        let row = self.template_row_by_id(Some(app.app_id()), id).await?;
        Ok(TemplateView::from_row(&row, Vec::new()))
    }

    /// Every version of the template's content, newest first: (version, since, content).
    pub async fn template_versions(
        &self,
        app: &App,
        id: Uuid,
    ) -> Result<Vec<(i32, chrono::DateTime<Utc>, Value)>, ServiceError> {
        let template = self.get_template(app, id).await?;
        Ok(records::template_versions(self.db(), template.id).await?)
    }

    pub async fn list_templates(
        &self,
        app: &App,
        after: Option<Uuid>,
        limit: Option<i64>,
    ) -> Result<Page<TemplateView>, ServiceError> {
        let limit = page_limit(limit);
        let rows = records::templates_page(self.db(), app.app_id(), after, limit).await?;
        Ok(page(
            &rows,
            limit,
            |r| r.id,
            |r| TemplateView::from_row(r, Vec::new()),
        ))
    }

    /// Updates a CREATED template. template.update has no Alipay-side key, so it is sent
    /// once; an unknown outcome leaves the update pending (uncertain) until a resend of the
    /// same content settles it: the caller's retry or the reconciler.
    pub async fn update_template(
        &self,
        app: &ActingFor,
        id: Uuid,
        input: UpdateTemplate,
    ) -> Result<TemplateView, ServiceError> {
        let content = TemplateContent::parse(input.content, self.template_limits())
            .map_err(|report| invalid_template(&report))?;
        let update = PendingUpdate {
            id: Uuid::now_v7(),
            content: content.as_json().clone(),
            params: content.params().to_vec(),
            doubt: Doubt::default(),
        };
        if app.merchant.is_some() {
            let row = self.template_row_by_id(Some(app.app_id()), id).await?;
            Self::check_merchant(row.merchant_id.as_deref(), app)?;
        }
        if let Some(sealed) = self.seal_token(app)? {
            records::set_app_auth_token(self.db(), RecordKind::Template, app.app_id(), id, &sealed)
                .await?;
        }
        let lease = self.new_lease();
        let take = Take::New {
            app_id: app.app_id(),
        };
        let value = to_json(&update);
        let begun = records::take_pending(
            self.db(),
            (Pending::TemplateUpdate, id),
            take,
            &value,
            lease,
        )
        .await?;
        let (row, update) = match begun {
            Some(row) => (row, update),
            None => {
                self.resume_template_update(app.app_id(), id, &update, lease)
                    .await?
            }
        };
        self.perform_template_update(row, lease.token, update, &content)
            .await
    }

    /// When an update cannot begin: the same content as a pending update whose lease
    /// expired takes that update over; anything else is refused.
    async fn resume_template_update(
        &self,
        app_id: &str,
        id: Uuid,
        wanted: &PendingUpdate,
        lease: Lease,
    ) -> Result<(TemplateRow, PendingUpdate), ServiceError> {
        let row = self.template_row_by_id(Some(app_id), id).await?;
        if row.status != TemplateStatus::Created {
            return Err(ServiceError::conflict(
                "template_not_created",
                format!(
                    "the template is {}: only a CREATED template can be updated",
                    row.status
                ),
            ));
        }
        let pending: Option<PendingUpdate> =
            self.stored_operation(Pending::TemplateUpdate, id, row.pending_update.clone())?;
        if pending.as_ref().is_some_and(|p| p.doubt.needs_confirmation) {
            return Err(awaiting_operator("an update of this template"));
        }
        if let Some(pending) = pending.filter(|p| p.content == wanted.content) {
            return self
                .resume_pending(Pending::TemplateUpdate, id, pending, lease)
                .await?
                .ok_or_else(|| self.awaiting_settlement("this update"));
        }
        Err(ServiceError::conflict(
            "request_in_progress",
            "another update of this template is in progress or awaits settlement",
        )
        .with_retry_after(1))
    }

    /// Sends a claimed update once and settles it (request path and reconciler).
    async fn perform_template_update(
        &self,
        row: TemplateRow,
        token: Uuid,
        update: PendingUpdate,
        content: &TemplateContent,
    ) -> Result<TemplateView, ServiceError> {
        let tpl_id = row.alipay_tpl_id.clone().unwrap_or_default();
        let log = AttemptLog::default();
        let wire = content.to_wire_string();
        let result = self
            .gateway_for(&row.app_id, row.app_auth_token_sealed.as_deref())?
            .template_update(
                &TemplateUpdate {
                    tpl_id: &tpl_id,
                    tpl_content: &wire,
                },
                &log,
            )
            .await;
        let calls = Calls::new(template_record(row.id), &log);
        if let Err(error) = result {
            return match read_change_failure(&error, &update.doubt) {
                Err(problem) => {
                    let at = (Pending::TemplateUpdate, row.id, token);
                    self.keep_uncertain(at, update, &calls, &problem).await?;
                    Err(problem)
                }
                Ok(refused) => {
                    self.finish_update(&row, token, &update, None, &calls)
                        .await?;
                    Err(refused.error)
                }
            };
        }
        let updated = self
            .finish_update(&row, token, &update, Some(content), &calls)
            .await?;
        Ok(TemplateView::from_row(
            &updated,
            content.warnings().to_vec(),
        ))
    }

    /// Ends a pending update: with `applied` content as the template's new version (and
    /// its webhook event), or without (the content stays what it was).
    async fn finish_update(
        &self,
        row: &TemplateRow,
        token: Uuid,
        update: &PendingUpdate,
        applied: Option<&TemplateContent>,
        calls: &Calls,
    ) -> Result<TemplateRow, ServiceError> {
        let tpl_id = row.alipay_tpl_id.clone().unwrap_or_default();
        let subject = json!({"kind": "template", "id": row.id});
        let event = applied.map(|content| {
            let template = UpdatedTemplate {
                id: row.id,
                alipay_tpl_id: tpl_id.clone(),
                content: content.as_json().clone(),
            };
            (
                EventType::TemplateUpdated,
                to_json(&TemplateUpdatedData { template }),
            )
        });
        let events = announce(&row.app_id, event, update.doubt.uncertain, subject);
        let log = calls.log().announcing(&events);
        let content = applied.map(|c| (c.as_json(), c.params()));
        records::finish_template_update(self.db(), row.id, token, content, &log)
            .await?
            .ok_or_else(lease_lost)
    }

    /// An operator's answer to an update no answer could prove: applied (the content
    /// becomes the template's new version) or not (it stays as it was); recorded in
    /// `operator_resolutions`, by `by`.
    pub async fn resolve_template_update(
        &self,
        app: &App,
        id: Uuid,
        resolution: &Resolution,
        by: &str,
    ) -> Result<TemplateView, ServiceError> {
        let row = self.template_row_by_id(Some(app.app_id()), id).await?;
        let (update, decided): (PendingUpdate, _) = resolution.decide(&row.pending_update, by)?;
        let content = TemplateContent::parse(update.content.clone(), self.template_limits())
            .map_err(|report| invalid_template(&report))?;
        let lease = self.new_lease();
        let row: TemplateRow = self
            .take_for_resolution(Pending::TemplateUpdate, id, &update, lease)
            .await?;
        let calls = Calls::resolved(template_record(id), decided);
        let applied = resolution.applied.then_some(&content);
        let updated = self
            .finish_update(&row, lease.token, &update, applied, &calls)
            .await?;
        Ok(TemplateView::from_row(&updated, Vec::new()))
    }

    /// Reconciler: resends a pending update whose outcome is unknown (the same content
    /// again is safe). Ok(true) when settled.
    pub(crate) async fn reconcile_template_update(&self, id: Uuid) -> Result<bool, ServiceError> {
        let row = self.template_row_by_id(None, id).await?;
        let stored = self.stored_operation(Pending::TemplateUpdate, id, row.pending_update)?;
        let Some(pending): Option<PendingUpdate> = stored else {
            return Ok(false);
        };
        let content = TemplateContent::parse(pending.content.clone(), self.template_limits())
            .map_err(|report| invalid_template(&report))?;
        let lease = self.new_lease();
        let Some((row, resumed)) = self
            .resume_pending(Pending::TemplateUpdate, id, pending, lease)
            .await?
        else {
            return Ok(false);
        };
        match self
            .perform_template_update(row, lease.token, resumed, &content)
            .await
        {
            Ok(_) => Ok(true),
            // A refusal settles it too; an unknown outcome keeps it pending.
            Err(_) => Ok(self
                .template_row_by_id(None, id)
                .await?
                .pending_update
                .is_none()),
        }
    }

    /// The operator's way out of NEEDS_ALIPAY_ID: the tpl_id shown in the Alipay console.
    pub async fn set_alipay_template_id(
        &self,
        app: &App,
        id: Uuid,
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
        let set = records::set_alipay_template_id(self.db(), app.app_id(), id, &tpl_id).await;
        match set {
            Ok(Some(row)) => Ok(TemplateView::from_row(&row, Vec::new())),
            Ok(None) => {
                let row = self.template_row_by_id(Some(app.app_id()), id).await?;
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

/// A template.update sent but not yet settled, stored on the template.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingUpdate {
    id: Uuid,
    content: Value,
    params: Vec<String>,
    /// What earlier attempts left unknown.
    #[serde(flatten)]
    doubt: Doubt,
}

pending_operation!(PendingUpdate);

fn template_record(id: Uuid) -> RecordRef {
    RecordRef {
        kind: RecordKind::Template,
        id,
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
pub(crate) fn unknown_template(id: Uuid) -> ServiceError {
    ServiceError::validation(
        format!("no template {id}"),
        vec![FieldProblem {
            path: "$.template_id".into(),
            message: "unknown template".into(),
            alipay_code: Some("KP.AE_ALIPASS_TEMPLATE_NOT_FOUND".into()),
        }],
    )
}
