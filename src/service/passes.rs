//! Passes: issue (idempotent on channel + serial_number), update, redeem, close, history.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::alipay::methods::{result_text, Acting, InstanceAdd, InstanceResult};
use crate::apps::{ActingFor, App};
use crate::domain::ids::TemplateId;
use crate::domain::pass::{
    ChannelId, PassRecipient, PassStatus, SerialNumber, SlotError, SlotValue, TemplateSlot,
};
use crate::domain::status::TemplateStatus;
use crate::domain::template::{PassParams, TemplateContent, TemplateLimits};
use crate::domain::FieldProblem;
use crate::service::adds::{AddSettlement, Applied, Fence, OpenAdd};
use crate::service::answers::Answer;
use crate::service::error::TEMPLATE_CHANGED;
use crate::service::templates::{page, unknown_template};
use crate::service::views::{to_json, Page, PassEventView, PassHistory, PassView};
use crate::service::ServiceError;
use crate::service::{findings_to_problems, page_limit, Core, Refused, Reply};
use crate::store::idempotency::{request_hash, KeyedRecord};
use crate::store::records::{
    self, CallLog, NewEvent, NewPass, OutboxEvent, PassEventKind, PassRow, RecordKind, TemplateRow,
};
use crate::telemetry::current_request_id;
use crate::webhooks::events::PassSettledData;
use crate::webhooks::{announce, EventType};

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "template_id": "0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56",
    "serial_number": "4333673662446155",
    "params": {"validStartDate": "2016-06-30 20:00:00", "validEndDate": "2016-07-30 20:00:00",
               "discountInfo": "凭此券即可打8.5折", "logoText": "四季风情85折优惠券",
               "ackCode": "1234567", "useStateDesc": "未使用"},
    "recipient": {"partner_id": "2088102122069225", "out_trade_no": "1393388276383"}
}))]
pub struct IssuePass {
    /// Our template id (from POST /v1/templates).
    #[schema(value_type = Uuid)]
    pub template_id: TemplateId,
    /// The pass's idempotency key per channel (≤ 32); generated and returned when absent.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// The channel (partner id / app id, ≤ 32); defaults to our Alipay app id.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// A value for every `$var$` parameter of the template (serial number and channel id
    /// are filled in for you when the template takes them from variables).
    #[serde(default)]
    #[schema(value_type = PassParams)]
    pub params: Map<String, Value>,
    pub recipient: PassRecipient,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"params": {"discountInfo": "凭此券即可打5折"}}))]
pub struct UpdatePass {
    /// The parameters to change.
    #[schema(value_type = PassParams)]
    pub params: Map<String, Value>,
}

/// Puts the pass identity into the parameters the template takes it from.
fn fill_slot<T: SlotValue>(
    slot: &TemplateSlot,
    given: Option<&str>,
    default: impl FnOnce() -> String,
    params: &mut Map<String, Value>,
) -> Result<T, ServiceError> {
    let given = given.map(T::parse).transpose().map_err(invalid(T::FIELD))?;
    slot.fill(given, params, default)
        .map_err(|refusal| match refusal {
            SlotError::Conflict(problems) => {
                ServiceError::validation("invalid pass request", problems)
            }
            SlotError::Invalid(problems) => invalid(T::FIELD)(problems),
        })
}

fn invalid(what: &'static str) -> impl FnOnce(Vec<FieldProblem>) -> ServiceError {
    move |problems| ServiceError::validation(format!("invalid {what}"), problems)
}

/// Templates kept in memory at most.
const ISSUABLE_TEMPLATES_MAX: usize = 1024;

/// A CREATED template, as passes are issued from it.
pub(crate) struct IssuableTemplate {
    pub id: TemplateId,
    pub app_id: String,
    pub version: i32,
    pub alipay_tpl_id: String,
    pub content: TemplateContent,
    /// Where the template takes a pass's serial number and channel from (read once).
    pub serial_slot: TemplateSlot,
    pub channel_slot: TemplateSlot,
}

impl IssuableTemplate {
    fn from_row(row: TemplateRow, limits: &TemplateLimits) -> Result<Self, ServiceError> {
        if row.status == TemplateStatus::NeedsAlipayId {
            return Err(ServiceError::conflict(
                "template_needs_alipay_id",
                format!(
                    "Alipay holds template {} but did not name its id: set it from the Alipay \
                     console with PUT /v1/templates/{}/alipay-template-id",
                    row.id, row.id
                ),
            ));
        }
        let Some(alipay_tpl_id) = row
            .alipay_tpl_id
            .filter(|_| row.status == TemplateStatus::Created)
        else {
            return Err(ServiceError::conflict(
                "template_not_created",
                format!(
                    "template {} is {}: passes need a CREATED template",
                    row.id, row.status
                ),
            ));
        };
        let content = TemplateContent::parse(row.tpl_content, limits).map_err(|report| {
            ServiceError::conflict(
                "template_invalid",
                format!(
                    "the stored template breaks {} rule(s) under the current limits",
                    report.errors.len()
                ),
            )
        })?;
        Ok(Self {
            id: row.id,
            app_id: row.app_id,
            version: row.version,
            alipay_tpl_id,
            serial_slot: TemplateSlot::serial_number(content.as_json()),
            channel_slot: TemplateSlot::channel_id(content.as_json()),
            content,
        })
    }
}

/// What instance.add needs of a pass this request has just written: no read back.
pub(crate) struct IssuingPass {
    row: PassRow,
    alipay_tpl_id: String,
}

/// Passes: issue, read, list, history, and (`service::pass_changes`) update, redeem and
/// close. Beside the shared [`Core`] it holds the templates passes are issued from.
#[derive(Clone)]
pub struct PassService {
    pub(super) core: Arc<Core>,
    /// CREATED templates that passes are issued from, parsed once per version. An entry
    /// may be stale: a pass insert names the version it was checked against.
    issuable: Arc<parking_lot::RwLock<HashMap<TemplateId, Arc<IssuableTemplate>>>>,
}

impl PassService {
    pub fn new(core: Arc<Core>) -> Self {
        Self {
            core,
            issuable: Default::default(),
        }
    }

    /// A template that passes can be issued from, read and parsed once per version. The
    /// cached entry may be stale; the pass insert checks the version and a stale entry is
    /// dropped ([`Self::forget_issuable`]).
    pub(crate) async fn issuable_template(
        &self,
        app_id: &str,
        id: TemplateId,
    ) -> Result<Arc<IssuableTemplate>, ServiceError> {
        let cached = self.issuable.read().get(&id).cloned();
        if let Some(template) = cached.filter(|t| t.app_id == app_id) {
            return Ok(template);
        }
        let row = records::template(self.core.db(), Some(app_id), id)
            .await?
            .ok_or_else(|| unknown_template(id))?;
        let template = Arc::new(IssuableTemplate::from_row(
            row,
            self.core.template_limits(),
        )?);
        let mut cache = self.issuable.write();
        // A full cache starts over rather than tracking use.
        if cache.len() >= ISSUABLE_TEMPLATES_MAX {
            cache.clear();
        }
        cache.insert(id, template.clone());
        Ok(template)
    }

    fn forget_issuable(&self, id: TemplateId) {
        self.issuable.write().remove(&id);
    }

    /// The pass's serial number and channel: given in the request, taken from the
    /// parameters or the template, or generated (a serial number; the channel defaults to
    /// the merchant's id when acting for one, as instance.update's page asks, else our app
    /// id), and put into the parameters the template takes them from.
    fn pass_identity(
        &self,
        app: &ActingFor,
        template: &IssuableTemplate,
        input: &IssuePass,
        params: &mut Map<String, Value>,
    ) -> Result<(SerialNumber, ChannelId), ServiceError> {
        let serial_number = fill_slot(
            &template.serial_slot,
            input.serial_number.as_deref(),
            || Uuid::now_v7().simple().to_string(),
            params,
        )?;
        let channel_id = fill_slot(
            &template.channel_slot,
            input.channel_id.as_deref(),
            || app.merchant_id().unwrap_or(app.app_id()).to_owned(),
            params,
        )?;
        Ok((serial_number, channel_id))
    }

    pub async fn issue_pass(
        &self,
        app: &ActingFor,
        input: IssuePass,
    ) -> Result<Reply, ServiceError> {
        match self.issue_pass_checked(app, &input).await {
            // Checked against a template version that changed: once more, read afresh.
            Err(e) if e.is_conflict(TEMPLATE_CHANGED) => {
                self.forget_issuable(input.template_id);
                self.issue_pass_checked(app, &input).await
            }
            other => other,
        }
    }

    async fn issue_pass_checked(
        &self,
        app: &ActingFor,
        input: &IssuePass,
    ) -> Result<Reply, ServiceError> {
        let template = self
            .issuable_template(app.app_id(), input.template_id)
            .await?;
        let content = &template.content;
        let recipient = input.recipient.parse().map_err(invalid("recipient"))?;
        let mut params = input.params.clone();
        let (serial_number, channel_id) = self.pass_identity(app, &template, input, &mut params)?;
        let app_id = app.app_id().to_owned();
        let sealed = self.core.seal_token(app)?;
        let checked = content.check_pass_params(&params).map_err(|f| {
            ServiceError::validation(
                "the parameters break the template's rules",
                findings_to_problems(&f),
            )
        })?;
        let wire_params = checked.to_json();
        let hash = request_hash(&app.hashed_with_merchant(json!({
            "template_id": template.id, "serial_number": serial_number.as_str(),
            "channel_id": channel_id.as_str(),
            "params": wire_params, "recipient": recipient,
        })));
        let key = KeyedRecord::Pass {
            app_id: &app_id,
            channel_id: &channel_id,
            serial_number: &serial_number,
        };
        let request_id = current_request_id();
        let new_record = NewPass {
            id: Uuid::now_v7(),
            // Postgres keeps microseconds: the answer shows what a read shows.
            created_at: Utc::now().trunc_subsecs(6),
            template_version: template.version,
            app_id: &app_id,
            channel_id: &channel_id,
            serial_number: &serial_number,
            template_id: template.id,
            request_hash: &hash,
            params: &wire_params,
            partner_id: &recipient.partner_id,
            out_trade_no: &recipient.out_trade_no,
            app_auth_token_sealed: sealed.as_deref(),
            merchant_id: app.merchant_id(),
        };
        let lease = self.core.new_lease();
        let insert =
            records::insert_pass(self.core.hot(), &new_record, lease, request_id.as_deref());
        let chosen = input.serial_number.is_some();
        let written = &new_record;
        self.core
            .run_keyed(key, (&hash, chosen), lease, insert, |claim| async move {
                let issuing = IssuingPass {
                    row: written.row(),
                    alipay_tpl_id: template.alipay_tpl_id.clone(),
                };
                self.core
                    .perform::<IssuingPass>(&claim, Some(issuing))
                    .await
            })
            .await
    }

    pub(crate) async fn find_pass(
        &self,
        app: &App,
        serial_number: &str,
        channel_id: Option<&str>,
    ) -> Result<PassRow, ServiceError> {
        let mut rows =
            records::passes_by_serial(self.core.db(), app.app_id(), serial_number, channel_id)
                .await?;
        match rows.len() {
            0 => Err(ServiceError::not_found(format!(
                "no pass with serial number {serial_number}"
            ))),
            1 => Ok(rows.remove(0)),
            _ => Err(ServiceError::conflict(
                "ambiguous_serial_number",
                "several channels use this serial number: pass ?channel_id=",
            )),
        }
    }

    pub async fn get_pass(
        &self,
        app: &App,
        serial_number: &str,
        channel_id: Option<&str>,
    ) -> Result<PassView, ServiceError> {
        Ok(PassView::from(
            &self.find_pass(app, serial_number, channel_id).await?,
        ))
    }

    pub async fn list_passes(
        &self,
        app: &App,
        template_id: Option<Uuid>,
        status: Option<PassStatus>,
        after: Option<Uuid>,
        limit: Option<i64>,
    ) -> Result<Page<PassView>, ServiceError> {
        let limit = page_limit(limit);
        let rows = records::passes_page(
            self.core.db(),
            app.app_id(),
            template_id,
            status,
            after,
            limit,
        )
        .await?;
        Ok(page(&rows, limit, |r| r.id, |r| PassView::from(r)))
    }

    /// A pass with a page of its events and of the gateway calls made for it, oldest
    /// first. `after` is the previous page's `next_cursor`.
    pub async fn pass_history(
        &self,
        app: &App,
        serial_number: &str,
        channel_id: Option<&str>,
        after: Option<&str>,
        limit: Option<i64>,
    ) -> Result<PassHistory, ServiceError> {
        let row = self.find_pass(app, serial_number, channel_id).await?;
        let cursor = after
            .map(HistoryCursor::parse)
            .transpose()?
            .unwrap_or_default();
        let limit = page_limit(limit);
        let events = records::pass_events(self.core.db(), row.id, cursor.event, limit).await?;
        let calls = records::gateway_calls_for(self.core.db(), row.id, cursor.call, limit).await?;
        let full = events.len() as i64 == limit || calls.len() as i64 == limit;
        let next = HistoryCursor {
            event: events.last().map_or(cursor.event, |e| e.id),
            call: calls.last().map_or(cursor.call, |c| c.id),
        };
        Ok(PassHistory {
            pass: PassView::from(&row),
            events: events.iter().map(PassEventView::from).collect(),
            gateway_calls: calls,
            next_cursor: full.then(|| next.to_string()),
        })
    }
}

impl OpenAdd for IssuingPass {
    const KIND: RecordKind = RecordKind::Pass;
    type Row = PassRow;
    type Done = InstanceResult;
    type Written = IssuingPass;

    async fn open(
        core: &Core,
        id: Uuid,
        written: Option<IssuingPass>,
    ) -> Result<Self, ServiceError> {
        if let Some(issuing) = written {
            return Ok(issuing);
        }
        let (row, tpl_id) = records::pass_for_issue(core.db(), id)
            .await?
            .ok_or_else(|| ServiceError::internal("claimed pass vanished"))?;
        // Passes are claimed only from CREATED templates, which carry Alipay's id: never
        // send an empty one.
        let alipay_tpl_id = tpl_id.ok_or_else(|| {
            ServiceError::internal("the pass's template has no Alipay template id")
        })?;
        Ok(Self { row, alipay_tpl_id })
    }

    fn row(&self) -> &PassRow {
        &self.row
    }

    fn row_mut(&mut self) -> &mut PassRow {
        &mut self.row
    }

    async fn call(
        &self,
        _: &Core,
        gateway: &Acting<'_>,
        log: &AttemptLog,
    ) -> Result<InstanceResult, GatewayError> {
        let row = &self.row;
        let params = row.params.to_string();
        let recognition = PassRecipient {
            partner_id: row.partner_id.clone(),
            out_trade_no: row.out_trade_no.clone(),
        }
        .to_wire_string();
        let request = InstanceAdd {
            tpl_id: &self.alipay_tpl_id,
            tpl_params: &params,
            recognition_type: "1",
            recognition_info: &recognition,
        };
        gateway.instance_add(&request, log).await
    }

    fn applied(&mut self, _: &Core, how: Applied<InstanceResult>) -> Result<Answer, ServiceError> {
        let row = &mut self.row;
        row.status = PassStatus::Issued;
        row.alipay_pass_id = match how {
            Applied::Now(issued) => issued.pass_id,
            // Issued by our earlier attempt. The pass id is not promised in this answer; a
            // later update's answer fills it in.
            Applied::Earlier(result) => result.as_ref().and_then(|r| result_text(r, "passId")),
        };
        let view = PassView::from(&*row);
        Ok(Answer::created(&view, row.alipay_pass_id.as_deref()))
    }

    fn refused(&mut self, refusal: &Refused) {
        self.row.status = PassStatus::Failed;
        self.row.failure_code = Some(refusal.code.clone());
    }

    fn events(&self, _: &Core, after_unknown: bool) -> Vec<OutboxEvent> {
        let row = &self.row;
        let announced = match row.status {
            PassStatus::Issued => Some(EventType::PassIssued),
            PassStatus::Failed => Some(EventType::PassFailed),
            _ => None,
        }
        .map(|kind| {
            let pass = PassView::from(row);
            (kind, to_json(&PassSettledData { pass }))
        });
        let subject = json!({"kind": "pass", "serial_number": row.serial_number,
                             "channel_id": row.channel_id});
        announce(&row.app_id, announced, after_unknown, subject)
    }

    async fn settle(
        &self,
        core: &Core,
        fence: Fence<'_>,
        how: &AddSettlement<'_>,
        log: &CallLog<'_>,
    ) -> Result<bool, sqlx::Error> {
        let (kind, detail) = match how {
            AddSettlement::Applied { earlier } => {
                let mut detail = json!({"alipay_pass_id": self.row.alipay_pass_id});
                if *earlier {
                    detail["settled_from"] = json!("already_exists_after_unknown_outcome");
                }
                (PassEventKind::Issued, detail)
            }
            AddSettlement::Refused(refusal) => {
                let mut detail = refusal.detail.clone();
                detail["key_reusable"] = json!(refusal.keeps_key);
                (PassEventKind::Failed, detail)
            }
        };
        let request_id = current_request_id();
        let event = NewEvent {
            kind,
            detail: &detail,
            operation_id: Some(fence.claim.token),
            request_id: request_id.as_deref(),
        };
        let (token, answer) = (fence.claim.token, fence.answer);
        records::settle_pass_issue(core.hot(), &self.row, token, answer, &event, log).await
    }
}

/// Where a history page ends: the last event id and the last gateway-call id shown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct HistoryCursor {
    event: i64,
    call: i64,
}

impl HistoryCursor {
    fn parse(text: &str) -> Result<Self, ServiceError> {
        let invalid =
            || ServiceError::malformed("invalid_cursor", "after: not a next_cursor value");
        let (event, call) = text.split_once('.').ok_or_else(invalid)?;
        let number = |part: &str, prefix: char| {
            part.strip_prefix(prefix)
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(invalid)
        };
        Ok(Self {
            event: number(event, 'e')?,
            call: number(call, 'c')?,
        })
    }
}

impl std::fmt::Display for HistoryCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "e{}.c{}", self.event, self.call)
    }
}

#[cfg(test)]
mod tests {
    use super::HistoryCursor;

    #[test]
    fn history_cursors_round_trip_and_refuse_garbage() {
        let cursor = HistoryCursor { event: 12, call: 7 };
        assert_eq!(HistoryCursor::parse(&cursor.to_string()).unwrap(), cursor);
        for bad in ["", "12", "e1", "e1.x2", "c1.e2", "e-.c1"] {
            assert!(HistoryCursor::parse(bad).is_err(), "{bad}");
        }
    }
}
