//! Passes: issue (idempotent on channel + serial_number), update, redeem, close, history.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::alipay::methods::{result_text, InstanceAdd, InstanceUpdate};
use crate::domain::pass::{
    parse_channel_id, parse_serial_number, PassRecipient, PassStatus, RedeemPass, TemplateSlot,
    VerifyType,
};
use crate::domain::template::TemplateContent;
use crate::domain::FieldProblem;
use crate::error::ApiError;
use crate::service::templates::{page, unknown_template};
use crate::service::views::{to_json, GatewayCallView, Page, PassEventView, PassHistory, PassView};
use crate::service::{findings_to_problems, gateway_problem, page_limit, Reply, Service};
use crate::store::idempotency::{request_hash, Begin, KeyedRecord, StoredResponse};
use crate::store::records::{self, NewPass, PassRow, TemplateRow};
use crate::telemetry::current_request_id;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "template_id": "0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56",
    "serial_number": "4333673662446155",
    "params": {"validStartDate": "2016-06-30 20:00:00", "validEndDate": "2016-07-30 20:00:00",
               "discountInfo": "凭此券即可打8.5折", "logoText": "四季风情85折优惠券"},
    "recipient": {"partner_id": "2088102122069225", "out_trade_no": "1393388276383"}
}))]
pub struct IssuePass {
    /// Our template id (from POST /v1/templates).
    pub template_id: Uuid,
    /// The pass's idempotency key per channel (≤ 32); generated and returned when absent.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// The channel (partner id / app id, ≤ 32); defaults to our Alipay app id.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// A value for every `$var$` parameter of the template (serial number and channel id
    /// are filled in for you when the template takes them from variables).
    #[serde(default)]
    pub params: Map<String, Value>,
    pub recipient: PassRecipient,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"params": {"discountInfo": "凭此券即可打5折"}}))]
pub struct UpdatePass {
    /// The parameters to change.
    pub params: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChangeKind {
    Update,
    Redeem,
    Close,
}

/// A change sent to Alipay; stored on the pass until its outcome is known.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingChange {
    kind: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    params: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verify_type: Option<VerifyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verify_code: Option<String>,
    /// Set once an attempt's outcome was unknown (the reconciler's retry may meet the
    /// effect of that attempt).
    #[serde(default)]
    uncertain: bool,
}

fn keyed<'a>(app_id: &'a str, channel_id: &'a str, serial_number: &'a str) -> KeyedRecord<'a> {
    KeyedRecord {
        kind: "pass",
        table: "passes",
        key_sql: "app_id = $1 AND channel_id = $2 AND serial_number = $3",
        key_values: [app_id, channel_id, serial_number],
        key_arity: 3,
    }
}

fn problem_at(path: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(
        "invalid pass request",
        vec![FieldProblem {
            path: path.into(),
            message: message.into(),
            alipay_code: Some("KP.AE_ALIPASS_PARAMS_VALUE_INVAILD".into()),
        }],
    )
}

/// Puts the pass identity into the parameters the template takes it from.
fn fill_slot(
    slot: &TemplateSlot,
    given: Option<String>,
    default: impl FnOnce() -> String,
    params: &mut Map<String, Value>,
    path: &str,
) -> Result<String, ApiError> {
    slot.fill(given, params, default, path)
        .map_err(|problems| ApiError::validation("invalid pass request", problems))
}

impl Service {
    fn created_template_content(&self, row: &TemplateRow) -> Result<TemplateContent, ApiError> {
        if row.status != "CREATED" || row.alipay_tpl_id.is_none() {
            return Err(ApiError::conflict(
                "template_not_created",
                format!(
                    "template {} is {}: passes need a CREATED template",
                    row.id, row.status
                ),
            ));
        }
        TemplateContent::parse(row.tpl_content.clone(), self.template_limits()).map_err(|report| {
            ApiError::conflict(
                "template_invalid",
                format!(
                    "the stored template breaks {} rule(s) under the current limits",
                    report.errors.len()
                ),
            )
        })
    }

    pub async fn issue_pass(&self, input: IssuePass) -> Result<Reply, ApiError> {
        let keyed_input = input.serial_number.is_some().then(|| to_json(&input));
        self.with_fast_replay("pass", keyed_input, || self.issue_pass_checked(input))
            .await
    }

    async fn issue_pass_checked(&self, input: IssuePass) -> Result<Reply, ApiError> {
        let template = records::template(self.db(), self.app_id(), input.template_id)
            .await?
            .ok_or_else(|| unknown_template(input.template_id))?;
        let content = self.created_template_content(&template)?;
        let recipient = input
            .recipient
            .parse()
            .map_err(|p| ApiError::validation("invalid recipient", p))?;
        let serial_given = input
            .serial_number
            .as_deref()
            .map(parse_serial_number)
            .transpose()
            .map_err(|p| ApiError::validation("invalid serial_number", p))?;
        let channel_given = input
            .channel_id
            .as_deref()
            .map(parse_channel_id)
            .transpose()
            .map_err(|p| ApiError::validation("invalid channel_id", p))?;
        let mut params = input.params;
        let serial_number = fill_slot(
            &TemplateSlot::serial_number(content.as_json()),
            serial_given,
            || Uuid::now_v7().simple().to_string(),
            &mut params,
            "serial_number",
        )?;
        let app_id = self.app_id().to_owned();
        let channel_id = fill_slot(
            &TemplateSlot::channel_id(content.as_json()),
            channel_given,
            || app_id.clone(),
            &mut params,
            "channel_id",
        )?;
        let checked = content.check_pass_params(&params).map_err(|f| {
            ApiError::validation(
                "the parameters break the template's rules",
                findings_to_problems(&f),
            )
        })?;
        let wire_params: Value =
            serde_json::from_str(&checked.to_wire_string()).unwrap_or(Value::Null);
        let hash = request_hash(&json!({
            "template_id": template.id, "serial_number": serial_number, "channel_id": channel_id,
            "params": wire_params, "recipient": recipient,
        }));
        let key = keyed(&app_id, &channel_id, &serial_number);
        let request_id = current_request_id();
        let new_record = NewPass {
            app_id: &app_id,
            channel_id: &channel_id,
            serial_number: &serial_number,
            template_id: template.id,
            request_hash: &hash,
            params: &wire_params,
            partner_id: &recipient.partner_id,
            out_trade_no: &recipient.out_trade_no,
        };
        let insert = records::insert_pass(
            self.db(),
            &new_record,
            self.inner.lease,
            request_id.as_deref(),
        );
        let claim = match self.inner.idempotency.begin(&key, &hash, insert).await? {
            Begin::Replay(stored) => return Ok(Reply::replay(stored)),
            Begin::Proceed(claim) => claim,
        };
        let outcome = self.perform_pass_issue(claim.id).await;
        self.inner
            .idempotency
            .finish(&key, &claim, outcome.as_ref().ok())
            .await;
        outcome.map(|s| Reply::fresh(s.status, s.body))
    }

    /// Calls instance.add for a claimed ISSUING pass and settles it (request path and
    /// reconciler). Err = outcome unknown (stays ISSUING) or a store failure.
    pub(crate) async fn perform_pass_issue(&self, id: Uuid) -> Result<StoredResponse, ApiError> {
        let row = records::pass_by_id(self.db(), id)
            .await?
            .ok_or_else(|| ApiError::internal("claimed pass vanished"))?;
        let template = records::template(self.db(), &row.app_id, row.template_id)
            .await?
            .ok_or_else(|| ApiError::internal("pass template vanished"))?;
        let tpl_id = template.alipay_tpl_id.clone().unwrap_or_default();
        let params = row.params.to_string();
        let recognition = PassRecipient {
            partner_id: row.partner_id.clone(),
            out_trade_no: row.out_trade_no.clone(),
        }
        .to_wire_string();
        let log = AttemptLog::default();
        let result = self
            .inner
            .gateway
            .instance_add(
                &InstanceAdd {
                    tpl_id: &tpl_id,
                    tpl_params: &params,
                    recognition_type: "1",
                    recognition_info: &recognition,
                },
                &log,
            )
            .await;
        self.log_calls(&pass_key(&row), &log).await;
        let mut settled = PassRow {
            updated_at: Utc::now(),
            ..row
        };
        let request_id = current_request_id();
        let (response, event) = match result {
            Ok(issued) => {
                settled.status = PassStatus::Issued.as_str().into();
                settled.alipay_pass_id = issued.pass_id;
                let event = json!({"alipay_pass_id": settled.alipay_pass_id});
                ((201, to_json(&PassView::from(&settled))), ("ISSUED", event))
            }
            // Our earlier attempt issued it and its answer was lost: that is success.
            Err(GatewayError::Refused(refusal)) if refusal.meaning.already_done => {
                settled.status = PassStatus::Issued.as_str().into();
                settled.alipay_pass_id = refusal
                    .result
                    .as_ref()
                    .and_then(|r| result_text(r, "passId"));
                let event = json!({"alipay_pass_id": settled.alipay_pass_id, "settled_from": "already_exists"});
                ((201, to_json(&PassView::from(&settled))), ("ISSUED", event))
            }
            Err(error) => {
                let (problem, code) = self.settle_refusal("passes", id, &error).await?;
                settled.status = PassStatus::Failed.as_str().into();
                settled.failure_code = code;
                (problem, ("FAILED", failure_detail(&error)))
            }
        };
        records::settle_pass_issue(
            self.db(),
            &settled,
            (response.0, &response.1),
            (event.0, &event.1),
            request_id.as_deref(),
        )
        .await?;
        Ok(StoredResponse {
            request_hash: String::new(),
            status: response.0,
            body: response.1,
        })
    }

    async fn find_pass(
        &self,
        serial_number: &str,
        channel_id: Option<&str>,
    ) -> Result<PassRow, ApiError> {
        let mut rows =
            records::passes_by_serial(self.db(), self.app_id(), serial_number, channel_id).await?;
        match rows.len() {
            0 => Err(ApiError::not_found(format!(
                "no pass with serial number {serial_number}"
            ))),
            1 => Ok(rows.remove(0)),
            _ => Err(ApiError::conflict(
                "ambiguous_serial_number",
                "several channels use this serial number: pass ?channel_id=",
            )),
        }
    }

    pub async fn get_pass(
        &self,
        serial_number: &str,
        channel_id: Option<&str>,
    ) -> Result<PassView, ApiError> {
        Ok(PassView::from(
            &self.find_pass(serial_number, channel_id).await?,
        ))
    }

    pub async fn list_passes(
        &self,
        template_id: Option<Uuid>,
        status: Option<PassStatus>,
        after: Option<Uuid>,
        limit: Option<i64>,
    ) -> Result<Page<PassView>, ApiError> {
        let limit = page_limit(limit);
        let rows = records::passes_page(
            self.db(),
            self.app_id(),
            template_id,
            status.map(PassStatus::as_str),
            after,
            limit,
        )
        .await?;
        Ok(page(&rows, limit, |r| r.id, |r| PassView::from(r)))
    }

    pub async fn pass_history(
        &self,
        serial_number: &str,
        channel_id: Option<&str>,
    ) -> Result<PassHistory, ApiError> {
        let row = self.find_pass(serial_number, channel_id).await?;
        let events = records::pass_events(self.db(), row.id).await?;
        let calls = records::gateway_calls_for(self.db(), &pass_key(&row)).await?;
        Ok(PassHistory {
            pass: PassView::from(&row),
            events: events.iter().map(PassEventView::from).collect(),
            gateway_calls: calls.iter().map(GatewayCallView::from).collect(),
        })
    }

    pub async fn update_pass(
        &self,
        serial: &str,
        channel: Option<&str>,
        input: UpdatePass,
    ) -> Result<PassView, ApiError> {
        if input.params.is_empty() {
            return Err(problem_at(
                "$.params",
                "give at least one parameter to change",
            ));
        }
        let change = PendingChange {
            kind: ChangeKind::Update,
            params: Some(Value::Object(input.params)),
            verify_type: None,
            verify_code: None,
            uncertain: false,
        };
        self.change_pass(serial, channel, change).await
    }

    pub async fn redeem_pass(
        &self,
        serial: &str,
        channel: Option<&str>,
        input: RedeemPass,
    ) -> Result<PassView, ApiError> {
        let verification = input
            .verification(self.inner.limits.verify_code_max_chars)
            .map_err(|p| ApiError::validation("invalid verification", p))?;
        let change = PendingChange {
            kind: ChangeKind::Redeem,
            params: input.params.map(Value::Object),
            verify_type: verification.as_ref().map(|v| v.verify_type),
            verify_code: verification.map(|v| v.verify_code),
            uncertain: false,
        };
        self.change_pass(serial, channel, change).await
    }

    pub async fn close_pass(
        &self,
        serial: &str,
        channel: Option<&str>,
    ) -> Result<PassView, ApiError> {
        let change = PendingChange {
            kind: ChangeKind::Close,
            params: None,
            verify_type: None,
            verify_code: None,
            uncertain: false,
        };
        self.change_pass(serial, channel, change).await
    }

    async fn change_pass(
        &self,
        serial: &str,
        channel: Option<&str>,
        mut change: PendingChange,
    ) -> Result<PassView, ApiError> {
        let row = self.find_pass(serial, channel).await?;
        refuse_unless_changeable(&row)?;
        if let Some(Value::Object(params)) = &change.params {
            let template = records::template(self.db(), &row.app_id, row.template_id)
                .await?
                .ok_or_else(|| ApiError::internal("pass template vanished"))?;
            let content = self.created_template_content(&template)?;
            let checked = content.check_update_params(params).map_err(|f| {
                ApiError::validation(
                    "the parameters break the template's rules",
                    findings_to_problems(&f),
                )
            })?;
            change.params = serde_json::from_str(&checked.to_wire_string()).ok();
        }
        let claimed =
            records::begin_pass_change(self.db(), row.id, &to_json(&change), self.inner.lease)
                .await?;
        let Some(row) = claimed else {
            let current = records::pass_by_id(self.db(), row.id).await?.unwrap_or(row);
            refuse_unless_changeable(&current)?;
            return Err(ApiError::conflict(
                "request_in_progress",
                "another change of this pass is in progress",
            )
            .with_retry_after(1));
        };
        self.perform_pass_change(row, change).await
    }

    /// Sends a claimed change and settles it (request path and reconciler).
    async fn perform_pass_change(
        &self,
        row: PassRow,
        change: PendingChange,
    ) -> Result<PassView, ApiError> {
        let status = match change.kind {
            ChangeKind::Update => None,
            ChangeKind::Redeem => Some(PassStatus::Used.as_str()),
            ChangeKind::Close => Some(PassStatus::Closed.as_str()),
        };
        let params_text = change.params.as_ref().map(Value::to_string);
        let log = AttemptLog::default();
        let result = self
            .inner
            .gateway
            .instance_update(
                &InstanceUpdate {
                    serial_number: &row.serial_number,
                    channel_id: &row.channel_id,
                    tpl_params: params_text.as_deref(),
                    status,
                    verify_code: change.verify_code.as_deref(),
                    verify_type: change.verify_type.map(VerifyType::as_str),
                },
                &log,
            )
            .await;
        self.log_calls(&pass_key(&row), &log).await;
        let request_id = current_request_id();
        let applied_event = || {
            let kind = match change.kind {
                ChangeKind::Update => "UPDATED",
                ChangeKind::Redeem => "REDEEMED",
                ChangeKind::Close => "CLOSED",
            };
            let mut detail = json!({});
            if let Some(params) = &change.params {
                detail["params"] = params.clone();
            }
            if let (Some(t), Some(c)) = (change.verify_type, &change.verify_code) {
                detail["verify_type"] = json!(t.as_str());
                detail["verify_code"] = json!(c);
            }
            (kind, detail)
        };
        let merged_params = || {
            let mut params = row.params.clone();
            if let (Value::Object(target), Some(Value::Object(changed))) =
                (&mut params, &change.params)
            {
                for (k, v) in changed {
                    target.insert(k.clone(), v.clone());
                }
            }
            params
        };
        match result {
            Ok(_) => {
                let (kind, detail) = applied_event();
                let params = merged_params();
                let new_status = status.unwrap_or(PassStatus::Issued.as_str());
                let updated = records::finish_pass_change(
                    self.db(),
                    row.id,
                    Some((new_status, &params)),
                    (kind, &detail),
                    request_id.as_deref(),
                )
                .await?;
                Ok(PassView::from(&updated))
            }
            // An earlier attempt's outcome was unknown and Alipay now refuses the same final
            // transition: that attempt applied it.
            Err(GatewayError::Refused(ref refusal))
                if change.uncertain
                    && status.is_some()
                    && refusal.sub_code.as_deref().is_some_and(|sub| {
                        sub.eq_ignore_ascii_case("KP.AE_ALIPASS_UPDATE_ERROR")
                    }) =>
            {
                let (kind, mut detail) = applied_event();
                detail["settled_from"] = json!("repeat_refused_after_unknown_outcome");
                let params = merged_params();
                let updated = records::finish_pass_change(
                    self.db(),
                    row.id,
                    Some((status.unwrap_or_default(), &params)),
                    (kind, &detail),
                    request_id.as_deref(),
                )
                .await?;
                Ok(PassView::from(&updated))
            }
            Err(error) if error.is_ambiguous() => {
                let uncertain = PendingChange {
                    uncertain: true,
                    ..change
                };
                records::keep_pass_change_pending(self.db(), row.id, &to_json(&uncertain)).await?;
                Err(gateway_problem(&error))
            }
            Err(error) => {
                let problem = gateway_problem(&error);
                let mut detail = failure_detail(&error);
                detail["change"] = json!(change.kind);
                records::finish_pass_change(
                    self.db(),
                    row.id,
                    None,
                    ("FAILED", &detail),
                    request_id.as_deref(),
                )
                .await?;
                Err(problem)
            }
        }
    }

    /// Reconciler: re-sends a pending change whose outcome is unknown.
    pub(crate) async fn reconcile_pass_change(&self, id: Uuid) -> Result<bool, ApiError> {
        let Some(row) = records::claim_pass_change(self.db(), id, self.inner.lease).await? else {
            return Ok(false);
        };
        let change: PendingChange = match row.pending_change.clone().map(serde_json::from_value) {
            Some(Ok(change)) => change,
            _ => return Err(ApiError::internal("unreadable pending change")),
        };
        match self.perform_pass_change(row, change).await {
            Ok(_) => Ok(true),
            Err(error) if error.code() == "gateway_outcome_unknown" => Ok(false),
            // A definitive refusal is settled (FAILED event) too.
            Err(_) => Ok(true),
        }
    }
}

fn refuse_unless_changeable(row: &PassRow) -> Result<(), ApiError> {
    let status = PassStatus::parse(&row.status).unwrap_or(PassStatus::Failed);
    status.check_changeable().map_err(|why| {
        let code = match status {
            PassStatus::Used | PassStatus::Closed => "pass_final",
            _ => "pass_not_issued",
        };
        ApiError::conflict(code, why)
    })
}

/// The gateway-call log key of a pass.
pub(crate) fn pass_key(row: &PassRow) -> String {
    format!("pass:{}:{}", row.channel_id, row.serial_number)
}

pub(crate) fn failure_detail(error: &GatewayError) -> Value {
    match error {
        GatewayError::Refused(refusal) => json!({
            "gateway_code": refusal.code,
            "gateway_sub_code": refusal.sub_code,
            "gateway_sub_msg": refusal.sub_msg,
        }),
        other => json!({"reason": other.to_string()}),
    }
}
