//! Changes of an issued pass: update its parameters, redeem it (USED), close it (CLOSED).
//!
//! alipay.pass.instance.update has no Alipay-side idempotency key, so a change is sent once.
//! The change is written on the pass before the call; an unknown outcome leaves it pending
//! and *uncertain* (`service::uncertain`). Only a success or a `status` in an answer settles
//! it then; a refusal (even `KP.AE_ALIPASS_UPDATE_ERROR`, "update failed, retry") proves
//! nothing about the earlier attempt, and when the resends are spent an operator decides.
//! Changes of one pass are serialised (one pending change at a time).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::alipay::methods::{result_text, InstanceUpdate};
use crate::apps::ActingFor;
use crate::domain::pass::{PassStatus, RedeemPass, VerifyType};
use crate::service::passes::PassService;
use crate::service::passes::UpdatePass;
use crate::service::uncertain::{
    read_change_failure, ChangeOutcome, Doubt, KeylessChange, PendingOp, Resolution, Settle,
};
use crate::service::views::{to_json, PassView};
use crate::service::ServiceError;
use crate::service::{findings_to_problems, lease_lost, read_failure, Calls, Core};
use crate::store::records::{
    self, AppliedChange, NewEvent, PassEventKind, PassRow, Pending, RecordKind,
};
use crate::telemetry::current_request_id;
use crate::webhooks::events::{ChangedPass, PassChangedData};
use crate::webhooks::{announce, EventType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChangeKind {
    Update,
    Redeem,
    Close,
}

impl ChangeKind {
    /// The status the change asks Alipay for (an update keeps the pass ACTIVE).
    fn target(self) -> Option<PassStatus> {
        match self {
            ChangeKind::Update => None,
            ChangeKind::Redeem => Some(PassStatus::Used),
            ChangeKind::Close => Some(PassStatus::Closed),
        }
    }

    /// The status the pass has once the change applied.
    fn resulting_status(self) -> PassStatus {
        self.target().unwrap_or(PassStatus::Issued)
    }
}

/// A change of a pass as the caller asked it: kept on the pass (`pending_change`) until
/// its outcome is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PassChange {
    kind: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    params: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verify_type: Option<VerifyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verify_code: Option<String>,
}

impl PassChange {
    fn new(kind: ChangeKind) -> Self {
        Self {
            kind,
            params: None,
            verify_type: None,
            verify_code: None,
        }
    }

    /// How one attempt's answer reads, in the light of earlier attempts (`doubt`).
    fn read(
        &self,
        result: Result<Map<String, Value>, GatewayError>,
        doubt: &Doubt,
    ) -> ChangeOutcome<Held> {
        let asked = self.kind.resulting_status();
        let error = match result {
            Ok(result) => {
                return ChangeOutcome::Applied(Held {
                    status: asked,
                    pass_id: result_text(&result, "passId"),
                    settled_from: None,
                })
            }
            Err(error) => error,
        };
        let told = match &error {
            GatewayError::Refused(refusal) => refusal.result.as_ref(),
            _ => None,
        };
        // A `status` in a refusal (the vendor's pages do not promise one) is what Alipay
        // holds: USED or CLOSED settles the pass so, whoever moved it.
        let status = told.and_then(|result| result_text(result, "status"));
        match status.as_deref().map(PassStatus::parse) {
            Some(Some(status @ (PassStatus::Used | PassStatus::Closed))) => {
                ChangeOutcome::Applied(Held {
                    status,
                    pass_id: told.and_then(|result| result_text(result, "passId")),
                    settled_from: Some("status_in_refusal"),
                })
            }
            // Another status proves that a redeem or close did not apply (a plain refusal);
            // it proves nothing of an update's parameters.
            Some(_) if self.kind.target().is_some() => {
                ChangeOutcome::failed(read_failure(&error, false))
            }
            _ => ChangeOutcome::failed(read_change_failure(&error, doubt)),
        }
    }
}

/// What Alipay holds once a change's answer proved it: the pass in `status` (with our
/// params when it is the status we asked).
pub(crate) struct Held {
    status: PassStatus,
    pass_id: Option<String>,
    settled_from: Option<&'static str>,
}

impl PassService {
    pub async fn update_pass(
        &self,
        app: &ActingFor,
        serial: &str,
        channel: Option<&str>,
        input: UpdatePass,
    ) -> Result<PassView, ServiceError> {
        if input.params.is_empty() {
            return Err(ServiceError::validation(
                "invalid pass request",
                vec![crate::domain::FieldProblem {
                    path: "$.params".into(),
                    message: "give at least one parameter to change".into(),
                    alipay_code: Some("KP.AE_ALIPASS_PARAMS_VALUE_INVAILD".into()),
                }],
            ));
        }
        let change = PassChange {
            params: Some(Value::Object(input.params)),
            ..PassChange::new(ChangeKind::Update)
        };
        self.change_pass(app, serial, channel, change).await
    }

    pub async fn redeem_pass(
        &self,
        app: &ActingFor,
        serial: &str,
        channel: Option<&str>,
        input: RedeemPass,
    ) -> Result<PassView, ServiceError> {
        let verification = input
            .verification(self.core.limits.verify_code_max_chars)
            .map_err(|p| ServiceError::validation("invalid verification", p))?;
        let change = PassChange {
            params: input.params.map(Value::Object),
            verify_type: verification.as_ref().map(|v| v.verify_type),
            verify_code: verification.map(|v| v.verify_code),
            ..PassChange::new(ChangeKind::Redeem)
        };
        self.change_pass(app, serial, channel, change).await
    }

    pub async fn close_pass(
        &self,
        app: &ActingFor,
        serial: &str,
        channel: Option<&str>,
    ) -> Result<PassView, ServiceError> {
        self.change_pass(app, serial, channel, PassChange::new(ChangeKind::Close))
            .await
    }

    async fn change_pass(
        &self,
        app: &ActingFor,
        serial: &str,
        channel: Option<&str>,
        mut change: PassChange,
    ) -> Result<PassView, ServiceError> {
        let mut row = self.find_pass(app, serial, channel).await?;
        Core::check_merchant(row.merchant_id.as_deref(), app)?;
        // A change that brings the merchant's (renewed) token keeps it for this pass.
        if let Some(sealed) = self.core.seal_token(app)? {
            records::set_app_auth_token(
                self.core.db(),
                RecordKind::Pass,
                &row.app_id,
                row.id,
                &sealed,
            )
            .await?;
            row.app_auth_token_sealed = Some(sealed);
        }
        if row.pending_change.is_none() {
            refuse_unless_changeable(&row)?;
        }
        if let Some(Value::Object(params)) = &change.params {
            let template = self.issuable_template(&row.app_id, row.template_id).await?;
            let checked = template.content.check_update_params(params).map_err(|f| {
                ServiceError::validation(
                    "the parameters break the template's rules",
                    findings_to_problems(&f),
                )
            })?;
            change.params = Some(checked.to_json());
        }
        let op = PendingOp::new(change);
        self.core.run_change((&row.app_id, row.id), op, ()).await
    }

    /// An operator's answer to a change no answer could prove: applied (the pass takes the
    /// change's status and parameters) or not (the change ends, the pass stays as it was);
    /// recorded with the pass event and in `operator_resolutions`, by `by`.
    pub async fn resolve_pass_change(
        &self,
        app: &ActingFor,
        (serial, channel): (&str, Option<&str>),
        resolution: &Resolution,
        by: &str,
    ) -> Result<PassView, ServiceError> {
        let row = self.find_pass(app, serial, channel).await?;
        self.core
            .resolve_change::<PassChange>(row, resolution, by)
            .await
    }
}

/// Settles a change proved applied (by an answer, or an operator): the pass takes `held`'s
/// status, and the change's parameters when that is the status it asked for.
async fn settle_applied_change(
    core: &Core,
    fenced: (&PassRow, Uuid),
    op: &PendingOp<PassChange>,
    held: Held,
    calls: &Calls,
) -> Result<PassView, ServiceError> {
    let (row, change) = (fenced.0, &op.request);
    let Held {
        status,
        pass_id,
        settled_from,
    } = held;
    let asked = change.kind.resulting_status();
    let mut params = row.params.clone();
    let mut detail = json!({});
    // Our params went with our change; a status we did not ask for came from elsewhere.
    if let (Value::Object(target), Some(Value::Object(changed)), true) =
        (&mut params, &change.params, status == asked)
    {
        target.extend(changed.clone());
        detail["params"] = Value::Object(changed.clone());
    }
    if let (Some(t), Some(c)) = (change.verify_type, &change.verify_code) {
        detail["verify_type"] = json!(t.as_str());
        detail["verify_code"] = json!(c);
    }
    if let Some(from) = settled_from {
        detail["settled_from"] = json!(from);
    }
    let kind = PassEventKind::of_change(status);
    let applied = AppliedChange {
        status,
        params: &params,
        alipay_pass_id: pass_id.as_deref(),
    };
    let updated = finish_change(core, fenced, Some(applied), (kind, &detail, op), calls).await?;
    if status != asked {
        return Err(ServiceError::conflict(
            "pass_final",
            format!("Alipay holds the pass as {}: it is final", status.as_str()),
        ));
    }
    Ok(PassView::from(&updated))
}

/// Ends a change with its pass event and, when it took effect, its webhook events.
async fn finish_change(
    core: &Core,
    (row, token): (&PassRow, Uuid),
    applied: Option<AppliedChange<'_>>,
    (kind, detail, change): (PassEventKind, &Value, &PendingOp<PassChange>),
    calls: &Calls,
) -> Result<PassRow, ServiceError> {
    let request_id = current_request_id();
    let mut detail = detail.clone();
    if let Some(resolution) = calls.resolution() {
        detail["resolution"] = json!({"applied": resolution.applied,
            "reason": resolution.reason, "resolved_by": resolution.resolved_by,
            "unproven_tries": resolution.unproven_tries,
            "last_answer": resolution.last_answer});
    }
    let detail = &detail;
    let event = NewEvent {
        kind,
        detail,
        operation_id: Some(change.id),
        request_id: request_id.as_deref(),
    };
    let announced = applied.as_ref().and_then(|applied| {
        let kind = EventType::of_pass_change(kind)?;
        let pass = ChangedPass {
            serial_number: row.serial_number.clone(),
            channel_id: row.channel_id.clone(),
            status: applied.status.as_str().to_owned(),
        };
        let data = PassChangedData {
            pass,
            operation_id: change.id,
            detail: detail.clone(),
        };
        Some((kind, to_json(&data)))
    });
    let subject = json!({"kind": "pass", "serial_number": row.serial_number,
                         "channel_id": row.channel_id, "operation_id": change.id});
    let events = announce(&row.app_id, announced, change.doubt.uncertain, subject);
    let log = calls.log().announcing(&events);
    records::finish_pass_change(core.db(), row.id, token, applied, &event, &log)
        .await?
        .ok_or_else(lease_lost)
}

impl KeylessChange for PassChange {
    const PENDING: Pending = Pending::PassChange;
    const RECORD: RecordKind = RecordKind::Pass;
    const WHAT: &'static str = "a change of this pass";
    const THIS: &'static str = "this change";
    type Row = PassRow;
    type Ready = ();
    type Applied = Held;
    type View = PassView;

    fn ready(&self, _: &Core) -> Result<(), ServiceError> {
        Ok(())
    }

    fn pending_of(row: &PassRow) -> (Uuid, Option<&Value>) {
        (row.id, row.pending_change.as_ref())
    }

    async fn read(
        core: &Core,
        app_id: Option<&str>,
        id: Uuid,
    ) -> Result<Option<PassRow>, ServiceError> {
        let row = records::pass_by_id(core.db(), id).await?;
        Ok(row.filter(|row| app_id.is_none_or(|app_id| row.app_id == app_id)))
    }

    fn check_ready(row: &PassRow) -> Result<(), ServiceError> {
        refuse_unless_changeable(row)
    }

    fn in_progress() -> ServiceError {
        ServiceError::conflict(
            "request_in_progress",
            "another change of this pass is in progress",
        )
        .with_retry_after(1)
    }

    fn other_pending() -> ServiceError {
        ServiceError::conflict(
            "change_pending",
            "another change of this pass awaits its outcome; retry it, or wait until it is \
             settled",
        )
        .with_retry_after(1)
    }

    async fn attempt(
        core: &Core,
        row: &PassRow,
        op: &PendingOp<Self>,
        _: &(),
        log: &AttemptLog,
    ) -> Result<ChangeOutcome<Held>, ServiceError> {
        let change = &op.request;
        let params_text = change.params.as_ref().map(Value::to_string);
        let request = InstanceUpdate {
            serial_number: &row.serial_number,
            channel_id: &row.channel_id,
            tpl_params: params_text.as_deref(),
            status: change.kind.target().map(PassStatus::as_str),
            verify_code: change.verify_code.as_deref(),
            verify_type: change.verify_type.map(VerifyType::as_str),
        };
        let gateway = core.gateway_for(&row.app_id, row.app_auth_token_sealed.as_deref())?;
        let result = gateway.instance_update(&request, log).await;
        Ok(change.read(result.map(|done| done.result), &op.doubt))
    }

    async fn settle(
        core: &Core,
        fenced: (&PassRow, Uuid),
        (op, _): (&PendingOp<Self>, &()),
        how: Settle<'_, Held>,
        calls: &Calls,
    ) -> Result<PassView, ServiceError> {
        let kind = json!(op.request.kind);
        let detail = match how {
            Settle::Applied(held) => {
                return settle_applied_change(core, fenced, op, held, calls).await
            }
            Settle::Confirmed => {
                let held = Held {
                    status: op.request.kind.resulting_status(),
                    pass_id: None,
                    settled_from: Some("operator_confirmed"),
                };
                return settle_applied_change(core, fenced, op, held, calls).await;
            }
            Settle::Refused(refused) => {
                let mut detail = refused.detail.clone();
                detail["change"] = kind;
                detail
            }
            Settle::NotApplied => json!({"change": kind, "settled_from": "operator_not_applied"}),
        };
        let event = (PassEventKind::Failed, &detail, op);
        let row = finish_change(core, fenced, None, event, calls).await?;
        Ok(PassView::from(&row))
    }
}

fn refuse_unless_changeable(row: &PassRow) -> Result<(), ServiceError> {
    let status = row.status;
    status.check_changeable().map_err(|why| {
        let code = match status {
            PassStatus::Used | PassStatus::Closed => "pass_final",
            _ => "pass_not_issued",
        };
        ServiceError::conflict(code, why)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A redeem as the pass kept it before changes were typed per kind (`PendingChange`).
    fn stored_redeem() -> Value {
        json!({"id": "0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56", "kind": "redeem",
               "params": {"useStateDesc": "已使用"}, "verify_type": "qrcode",
               "verify_code": "8612231273", "uncertain": true, "unproven_tries": 1})
    }

    #[test]
    fn a_stored_change_reads_and_is_written_back_the_same() {
        let op: PendingOp<PassChange> = serde_json::from_value(stored_redeem()).unwrap();
        assert_eq!(op.request.kind, ChangeKind::Redeem);
        assert_eq!(op.request.verify_type, Some(VerifyType::Qrcode));
        assert!(op.doubt.uncertain);
        assert_eq!(op.doubt.unproven_tries, 1);
        assert_eq!(serde_json::to_value(&op).unwrap(), stored_redeem());
    }

    #[test]
    fn the_same_request_is_the_callers_fields_not_our_id_or_doubt() {
        let op: PendingOp<PassChange> = serde_json::from_value(stored_redeem()).unwrap();
        let resent = PendingOp::new(op.request.clone());
        assert!(op.same_request(&resent.request));
        let other_code = PassChange {
            verify_code: Some("another".into()),
            ..op.request.clone()
        };
        assert!(!op.same_request(&other_code));
        assert!(!op.same_request(&PassChange::new(ChangeKind::Close)));
    }
}
