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
use crate::service::passes::{pass_record, UpdatePass};
use crate::service::uncertain::{
    awaiting_operator, pending_operation, read_change_failure, Doubt, Resolution,
};
use crate::service::views::{to_json, PassView};
use crate::service::ServiceError;
use crate::service::{findings_to_problems, lease_lost, read_failure, Calls, Refused, Service};
use crate::store::idempotency::Lease;
use crate::store::records::{self, AppliedChange, NewEvent, PassRow, Pending, RecordKind, Take};
use crate::telemetry::current_request_id;
use crate::webhooks::events::{ChangedPass, PassChangedData};
use crate::webhooks::{announce, EventType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChangeKind {
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

/// A change sent to Alipay; stored on the pass until its outcome is known.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingChange {
    /// The operation id: its settling event is unique per pass.
    id: Uuid,
    kind: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    params: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verify_type: Option<VerifyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verify_code: Option<String>,
    /// What earlier attempts left unknown.
    #[serde(flatten)]
    doubt: Doubt,
}

impl PendingChange {
    fn new(kind: ChangeKind) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind,
            params: None,
            verify_type: None,
            verify_code: None,
            doubt: Doubt::default(),
        }
    }

    /// The same request as `other` (what a caller's retry sends again).
    fn same_request(&self, other: &PendingChange) -> bool {
        self.kind == other.kind
            && self.params == other.params
            && self.verify_type == other.verify_type
            && self.verify_code == other.verify_code
    }
}

pending_operation!(PendingChange);

/// How one attempt of a change ended, read in the light of earlier attempts.
enum ChangeOutcome {
    /// Alipay holds the pass in `status` (with our params when it is the status we asked).
    Applied {
        status: PassStatus,
        pass_id: Option<String>,
        settled_from: Option<&'static str>,
    },
    Refused(Refused),
    /// Still unknown: keep the change pending and uncertain.
    Unknown(ServiceError),
}

impl ChangeOutcome {
    fn read(result: Result<Map<String, Value>, GatewayError>, change: &PendingChange) -> Self {
        let asked = change.kind.resulting_status();
        let error = match result {
            Ok(result) => {
                return ChangeOutcome::Applied {
                    status: asked,
                    pass_id: result_text(&result, "passId"),
                    settled_from: None,
                }
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
                ChangeOutcome::Applied {
                    status,
                    pass_id: told.and_then(|result| result_text(result, "passId")),
                    settled_from: Some("status_in_refusal"),
                }
            }
            // Another status proves that a redeem or close did not apply (a plain refusal);
            // it proves nothing of an update's parameters.
            Some(_) if change.kind.target().is_some() => Self::failed(read_failure(&error, false)),
            _ => Self::failed(read_change_failure(&error, &change.doubt)),
        }
    }

    fn failed(read: Result<Refused, ServiceError>) -> Self {
        match read {
            Ok(refused) => ChangeOutcome::Refused(refused),
            Err(problem) => ChangeOutcome::Unknown(problem),
        }
    }
}

impl Service {
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
        let change = PendingChange {
            params: Some(Value::Object(input.params)),
            ..PendingChange::new(ChangeKind::Update)
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
            .verification(self.inner.limits.verify_code_max_chars)
            .map_err(|p| ServiceError::validation("invalid verification", p))?;
        let change = PendingChange {
            params: input.params.map(Value::Object),
            verify_type: verification.as_ref().map(|v| v.verify_type),
            verify_code: verification.map(|v| v.verify_code),
            ..PendingChange::new(ChangeKind::Redeem)
        };
        self.change_pass(app, serial, channel, change).await
    }

    pub async fn close_pass(
        &self,
        app: &ActingFor,
        serial: &str,
        channel: Option<&str>,
    ) -> Result<PassView, ServiceError> {
        self.change_pass(app, serial, channel, PendingChange::new(ChangeKind::Close))
            .await
    }

    async fn change_pass(
        &self,
        app: &ActingFor,
        serial: &str,
        channel: Option<&str>,
        mut change: PendingChange,
    ) -> Result<PassView, ServiceError> {
        let mut row = self.find_pass(app, serial, channel).await?;
        Self::check_merchant(row.merchant_id.as_deref(), app)?;
        // A change that brings the merchant's (renewed) token keeps it for this pass.
        if let Some(sealed) = self.seal_token(app)? {
            records::set_app_auth_token(self.db(), RecordKind::Pass, &row.app_id, row.id, &sealed)
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
        let lease = self.new_lease();
        let take = Take::New {
            app_id: &row.app_id,
        };
        let value = to_json(&change);
        let claimed = records::take_pending(
            self.db(),
            (Pending::PassChange, row.id),
            take,
            &value,
            lease,
        )
        .await?;
        let (row, change) = match claimed {
            Some(row) => (row, change),
            None => self.resume_pass_change(row.id, &change, lease).await?,
        };
        self.perform_pass_change(row, lease.token, change).await
    }

    /// When a change cannot begin: the same request as a pending change whose lease
    /// expired (the caller's retry after an unknown outcome) takes that change over;
    /// anything else is refused.
    async fn resume_pass_change(
        &self,
        id: Uuid,
        wanted: &PendingChange,
        lease: Lease,
    ) -> Result<(PassRow, PendingChange), ServiceError> {
        let current = records::pass_by_id(self.db(), id)
            .await?
            .ok_or_else(|| ServiceError::internal("pass vanished"))?;
        let pending = current.pending_change.clone();
        let pending: Option<PendingChange> =
            self.stored_operation(Pending::PassChange, id, pending)?;
        let Some(pending) = pending else {
            refuse_unless_changeable(&current)?;
            return Err(in_progress());
        };
        if pending.doubt.needs_confirmation {
            return Err(awaiting_operator("a change of this pass"));
        }
        if !pending.same_request(wanted) {
            return Err(ServiceError::conflict(
                "change_pending",
                "another change of this pass awaits its outcome; retry it, or wait until it \
                 is settled",
            )
            .with_retry_after(1));
        }
        self.resume_pending(Pending::PassChange, id, pending, lease)
            .await?
            .ok_or_else(|| self.awaiting_settlement("this change"))
    }

    /// Sends a claimed change once and settles it (request path and reconciler).
    async fn perform_pass_change(
        &self,
        row: PassRow,
        token: Uuid,
        change: PendingChange,
    ) -> Result<PassView, ServiceError> {
        let params_text = change.params.as_ref().map(Value::to_string);
        let log = AttemptLog::default();
        let result = self
            .gateway_for(&row.app_id, row.app_auth_token_sealed.as_deref())?
            .instance_update(
                &InstanceUpdate {
                    serial_number: &row.serial_number,
                    channel_id: &row.channel_id,
                    tpl_params: params_text.as_deref(),
                    status: change.kind.target().map(PassStatus::as_str),
                    verify_code: change.verify_code.as_deref(),
                    verify_type: change.verify_type.map(VerifyType::as_str),
                },
                &log,
            )
            .await;
        let calls = Calls::new(pass_record(row.id), &log);
        let result = result.map(|done| done.result);
        match ChangeOutcome::read(result, &change) {
            ChangeOutcome::Applied {
                status,
                pass_id,
                settled_from,
            } => {
                self.settle_applied_change(
                    &row,
                    token,
                    &change,
                    (status, pass_id, settled_from),
                    &calls,
                )
                .await
            }
            ChangeOutcome::Refused(refused) => {
                let mut detail = refused.detail.clone();
                detail["change"] = json!(change.kind);
                self.finish_change(&row, token, None, ("FAILED", &detail, &change), &calls)
                    .await?;
                Err(refused.error)
            }
            ChangeOutcome::Unknown(problem) => {
                let at = (Pending::PassChange, row.id, token);
                self.keep_uncertain(at, change, &calls, &problem).await?;
                Err(problem)
            }
        }
    }

    async fn settle_applied_change(
        &self,
        row: &PassRow,
        token: Uuid,
        change: &PendingChange,
        (status, pass_id, settled_from): (PassStatus, Option<String>, Option<&'static str>),
        calls: &Calls,
    ) -> Result<PassView, ServiceError> {
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
        let kind = match status {
            PassStatus::Used => "REDEEMED",
            PassStatus::Closed => "CLOSED",
            _ => "UPDATED",
        };
        let applied = AppliedChange {
            status: status.as_str(),
            params: &params,
            alipay_pass_id: pass_id.as_deref(),
        };
        let updated = self
            .finish_change(row, token, Some(applied), (kind, &detail, change), calls)
            .await?;
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
        &self,
        row: &PassRow,
        token: Uuid,
        applied: Option<AppliedChange<'_>>,
        (kind, detail, change): (&str, &Value, &PendingChange),
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
        let announced = applied.as_ref().map(|applied| {
            let kind = match kind {
                "REDEEMED" => EventType::PassRedeemed,
                "CLOSED" => EventType::PassClosed,
                _ => EventType::PassUpdated,
            };
            let pass = ChangedPass {
                serial_number: row.serial_number.clone(),
                channel_id: row.channel_id.clone(),
                status: applied.status.to_owned(),
            };
            let data = PassChangedData {
                pass,
                operation_id: change.id,
                detail: detail.clone(),
            };
            (kind, to_json(&data))
        });
        let subject = json!({"kind": "pass", "serial_number": row.serial_number,
                             "channel_id": row.channel_id, "operation_id": change.id});
        let events = announce(&row.app_id, announced, change.doubt.uncertain, subject);
        let log = calls.log().announcing(&events);
        records::finish_pass_change(self.db(), row.id, token, applied, &event, &log)
            .await?
            .ok_or_else(lease_lost)
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
        let (change, decided): (PendingChange, _) = resolution.decide(&row.pending_change, by)?;
        let lease = self.new_lease();
        let row: PassRow = self
            .take_for_resolution(Pending::PassChange, row.id, &change, lease)
            .await?;
        let calls = Calls::resolved(pass_record(row.id), decided);
        if resolution.applied {
            let status = change.kind.resulting_status();
            let applied = (status, None, Some("operator_confirmed"));
            return self
                .settle_applied_change(&row, lease.token, &change, applied, &calls)
                .await;
        }
        let detail = json!({"change": change.kind, "settled_from": "operator_not_applied"});
        let row = self
            .finish_change(
                &row,
                lease.token,
                None,
                ("FAILED", &detail, &change),
                &calls,
            )
            .await?;
        Ok(PassView::from(&row))
    }

    /// Reconciler: resends a pending change. Every pending change is uncertain here: its
    /// owner may have sent it before it crashed. Ok(true) when settled.
    pub(crate) async fn reconcile_pass_change(&self, id: Uuid) -> Result<bool, ServiceError> {
        let Some(row) = records::pass_by_id(self.db(), id).await? else {
            return Ok(false);
        };
        let stored = self.stored_operation(Pending::PassChange, id, row.pending_change.clone())?;
        let Some(change): Option<PendingChange> = stored else {
            return Ok(false);
        };
        let lease = self.new_lease();
        let Some((row, change)) = self
            .resume_pending(Pending::PassChange, id, change, lease)
            .await?
        else {
            return Ok(false);
        };
        match self.perform_pass_change(row, lease.token, change).await {
            Ok(_) => Ok(true),
            Err(_) => Ok(records::pass_by_id(self.db(), id)
                .await?
                .is_some_and(|r| r.pending_change.is_none())),
        }
    }
}

fn in_progress() -> ServiceError {
    ServiceError::conflict(
        "request_in_progress",
        "another change of this pass is in progress",
    )
    .with_retry_after(1)
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
