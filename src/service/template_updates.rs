//! Updates of a CREATED template. alipay.pass.template.update has no Alipay-side key, so an
//! update is sent once per attempt through the keyless pipeline (`service::uncertain`): an
//! unknown outcome leaves it pending and uncertain until a resend of the same content
//! settles it (the caller's retry or the reconciler), or an operator does.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::alipay::client::AttemptLog;
use crate::alipay::methods::TemplateUpdate;
use crate::apps::{ActingFor, App};
use crate::domain::ids::TemplateId;
use crate::domain::status::TemplateStatus;
use crate::domain::template::TemplateContent;
use crate::service::templates::{
    invalid_template, template_row_by_id, TemplateService, UpdateTemplate,
};
use crate::service::uncertain::{
    read_change_failure, ChangeOutcome, KeylessChange, PendingOp, Resolution, Settle,
};
use crate::service::views::{to_json, TemplateView};
use crate::service::{lease_lost, Calls, Core, ServiceError};
use crate::store::records::{self, Pending, RecordKind, TemplateRow};
use crate::webhooks::events::{TemplateUpdatedData, UpdatedTemplate};
use crate::webhooks::{announce, EventType};

/// A template.update as the caller asked it: kept on the template (`pending_update`) until
/// settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TemplateChange {
    content: Value,
    params: Vec<String>,
}

impl TemplateService {
    /// Updates a CREATED template: sent once; an unknown outcome leaves the update pending
    /// (uncertain) until a resend of the same content settles it.
    pub async fn update_template(
        &self,
        app: &ActingFor,
        id: TemplateId,
        input: UpdateTemplate,
    ) -> Result<TemplateView, ServiceError> {
        let content = TemplateContent::parse(input.content, self.core.template_limits())
            .map_err(|report| invalid_template(&report))?;
        let update = PendingOp::new(TemplateChange {
            content: content.as_json().clone(),
            params: content.params().to_vec(),
        });
        if app.merchant.is_some() {
            let row = template_row_by_id(&self.core, Some(app.app_id()), id).await?;
            Core::check_merchant(row.merchant_id.as_deref(), app)?;
        }
        if let Some(sealed) = self.core.seal_token(app)? {
            records::set_app_auth_token(
                self.core.db(),
                RecordKind::Template,
                app.app_id(),
                id.into(),
                &sealed,
            )
            .await?;
        }
        self.core
            .run_change((app.app_id(), id.into()), update, content)
            .await
    }

    /// An operator's answer to an update no answer could prove: applied (the content
    /// becomes the template's new version) or not (it stays as it was); recorded in
    /// `operator_resolutions`, by `by`.
    pub async fn resolve_template_update(
        &self,
        app: &App,
        id: TemplateId,
        resolution: &Resolution,
        by: &str,
    ) -> Result<TemplateView, ServiceError> {
        let row = template_row_by_id(&self.core, Some(app.app_id()), id).await?;
        self.core
            .resolve_change::<TemplateChange>(row, resolution, by)
            .await
    }
}

/// Ends a pending update: with `applied` content as the template's new version (and its
/// webhook event), or without (the content stays what it was).
async fn finish_update(
    core: &Core,
    (row, token): (&TemplateRow, Uuid),
    update: &PendingOp<TemplateChange>,
    applied: Option<&TemplateContent>,
    calls: &Calls,
) -> Result<TemplateRow, ServiceError> {
    let tpl_id = alipay_id_of(row)?;
    let subject = json!({"kind": "template", "id": row.id});
    let event = applied.map(|content| {
        let template = UpdatedTemplate {
            id: row.id.into(),
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
    records::finish_template_update(core.db(), row.id, token, content, &log)
        .await?
        .ok_or_else(lease_lost)
}

impl KeylessChange for TemplateChange {
    const PENDING: Pending = Pending::TemplateUpdate;
    const RECORD: RecordKind = RecordKind::Template;
    const WHAT: &'static str = "an update of this template";
    const THIS: &'static str = "this update";
    type Row = TemplateRow;
    type Ready = TemplateContent;
    /// A success answer: template.update's answer proves nothing more.
    type Applied = ();
    type View = TemplateView;

    fn ready(&self, core: &Core) -> Result<TemplateContent, ServiceError> {
        TemplateContent::parse(self.content.clone(), core.template_limits())
            .map_err(|report| invalid_template(&report))
    }

    fn pending_of(row: &TemplateRow) -> (Uuid, Option<&Value>) {
        (row.id.into(), row.pending_update.as_ref())
    }

    async fn read(
        core: &Core,
        app_id: Option<&str>,
        id: Uuid,
    ) -> Result<Option<TemplateRow>, ServiceError> {
        Ok(records::template(core.db(), app_id, id.into()).await?)
    }

    fn check_ready(row: &TemplateRow) -> Result<(), ServiceError> {
        if row.status == TemplateStatus::Created {
            return Ok(());
        }
        Err(ServiceError::conflict(
            "template_not_created",
            format!(
                "the template is {}: only a CREATED template can be updated",
                row.status
            ),
        ))
    }

    fn in_progress() -> ServiceError {
        ServiceError::conflict(
            "request_in_progress",
            "another update of this template is in progress or awaits settlement",
        )
        .with_retry_after(1)
    }

    fn other_pending() -> ServiceError {
        Self::in_progress()
    }

    async fn attempt(
        core: &Core,
        row: &TemplateRow,
        update: &PendingOp<Self>,
        content: &TemplateContent,
        log: &AttemptLog,
    ) -> Result<ChangeOutcome<()>, ServiceError> {
        let tpl_id = alipay_id_of(row)?;
        let wire = content.to_wire_string();
        let request = TemplateUpdate {
            tpl_id: &tpl_id,
            tpl_content: &wire,
        };
        let gateway = core.gateway_for(&row.app_id, row.app_auth_token_sealed.as_deref())?;
        Ok(match gateway.template_update(&request, log).await {
            Ok(_) => ChangeOutcome::Applied(()),
            Err(error) => ChangeOutcome::failed(read_change_failure(&error, &update.doubt)),
        })
    }

    async fn settle(
        core: &Core,
        fenced: (&TemplateRow, Uuid),
        (update, content): (&PendingOp<Self>, &TemplateContent),
        how: Settle<'_, ()>,
        calls: &Calls,
    ) -> Result<TemplateView, ServiceError> {
        // The lint's warnings of the content go with an update that an answer applied.
        let (applied, warnings) = match how {
            Settle::Applied(()) => (Some(content), content.warnings().to_vec()),
            Settle::Confirmed => (Some(content), Vec::new()),
            Settle::Refused(_) | Settle::NotApplied => (None, Vec::new()),
        };
        let updated = finish_update(core, fenced, update, applied, calls).await?;
        Ok(TemplateView::from_row(&updated, warnings))
    }
}

/// The Alipay id an update is sent under. Only a CREATED template is updated, and it carries
/// one: a missing id is our inconsistency, never an empty tpl_id on the wire.
fn alipay_id_of(row: &TemplateRow) -> Result<String, ServiceError> {
    row.alipay_tpl_id
        .clone()
        .ok_or_else(|| ServiceError::internal("the template has no Alipay template id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_update_reads_and_is_written_back_the_same() {
        let stored = json!({"id": "0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56",
                            "content": {"logo": "https://example.com/l.png"},
                            "params": ["discountInfo"], "uncertain": false});
        let op: PendingOp<TemplateChange> = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(op.request.params, ["discountInfo"]);
        assert!(!op.doubt.uncertain);
        assert_eq!(serde_json::to_value(&op).unwrap(), stored);
        let other = TemplateChange {
            content: json!({"logo": "https://example.com/other.png"}),
            ..op.request.clone()
        };
        assert!(op.same_request(&op.request.clone()));
        assert!(!op.same_request(&other));
    }
}
