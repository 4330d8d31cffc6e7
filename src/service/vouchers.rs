//! Vouchers: send (idempotent on template_id + out_biz_no), read, list.

use std::sync::Arc;

use chrono::{SubsecRound, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::alipay::methods::{Acting, VoucherResult, VoucherSend};
use crate::apps::{ActingFor, App};
use crate::domain::status::VoucherStatus;
use crate::domain::voucher::{SendVoucher, VoucherRecipient, VoucherSendRequest};
use crate::sealing::columns::{self, SEALED};
use crate::sealing::Sealer;
use crate::service::adds::{AddSettlement, Applied, Fence, OpenAdd};
use crate::service::answers::Answer;
use crate::service::templates::page;
use crate::service::views::{to_json, Page, VoucherView};
use crate::service::ServiceError;
use crate::service::{page_limit, Core, Refused, Reply};
use crate::store::idempotency::{request_hash, KeyedRecord};
use crate::store::records::{self, CallLog, NewVoucher, OutboxEvent, RecordKind, VoucherRow};
use crate::webhooks::events::VoucherSettledData;
use crate::webhooks::{announce, EventType};

/// Vouchers: send, read, list. Holds nothing of its own: the personal-data sealer it
/// keeps recipients with is shared ([`Core`]).
#[derive(Clone)]
pub struct VoucherService {
    core: Arc<Core>,
}

impl VoucherService {
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    pub async fn send_voucher(
        &self,
        app: &ActingFor,
        input: SendVoucher,
    ) -> Result<Reply, ServiceError> {
        let request = VoucherSendRequest::parse(&input)
            .map_err(|p| ServiceError::validation("invalid voucher request", p))?;
        let id = Uuid::now_v7();
        let (stored_recipient, recipient_hash) =
            self.seal_recipient(id, request.recipient.kind(), request.recipient.value())?;
        let hash = HashedVoucherSend {
            merchant_id: app.merchant_id(),
            template_id: request.template_id.as_str(),
            out_biz_no: request.out_biz_no.as_str(),
            recipient_kind: request.recipient.kind(),
            recipient: recipient_hash
                .as_deref()
                .unwrap_or(request.recipient.value()),
            amount: request.amount.as_ref().map(|a| a.as_str()),
            memo: request.memo.as_deref(),
        }
        .request_hash();
        let app_id = app.app_id().to_owned();
        let sealed = self.core.seal_token(app)?;
        let key = KeyedRecord::Voucher {
            app_id: &app_id,
            template_id: &request.template_id,
            out_biz_no: &request.out_biz_no,
        };
        let new_record = NewVoucher {
            id,
            // Postgres keeps microseconds: the answer shows what a read shows.
            created_at: Utc::now().trunc_subsecs(6),
            app_id: &app_id,
            template_id: &request.template_id,
            out_biz_no: &request.out_biz_no,
            request_hash: &hash,
            recipient_kind: request.recipient.kind(),
            recipient: &stored_recipient,
            recipient_hash: recipient_hash.as_deref(),
            amount: request.amount.as_ref().map(|a| a.as_str()),
            memo: request.memo.as_deref(),
            app_auth_token_sealed: sealed.as_deref(),
            merchant_id: app.merchant_id(),
        };
        let lease = self.core.new_lease();
        let insert = records::insert_voucher(self.core.db(), &new_record, lease);
        let written = &new_record;
        // out_biz_no is always the caller's.
        self.core
            .run_keyed(key, (&hash, true), lease, insert, |claim| async move {
                self.core
                    .perform::<OpenVoucher>(&claim, Some(written.row()))
                    .await
            })
            .await
    }

    /// `reveal`: the caller may read personal data (scope `pii:read`); else the
    /// recipient's login_id or taobao_nick is masked.
    pub async fn get_voucher(
        &self,
        app: &App,
        (template_id, out_biz_no): (&str, &str),
        reveal: bool,
    ) -> Result<VoucherView, ServiceError> {
        records::voucher(self.core.db(), app.app_id(), template_id, out_biz_no)
            .await?
            .map(|row| voucher_view(self.core.pii.as_ref(), &row, reveal))
            .ok_or_else(|| {
                ServiceError::not_found(format!("no voucher {template_id}/{out_biz_no}"))
            })
    }

    /// How voucher `id`'s recipient is stored: sealed (with its keyed hash) when it is
    /// personal data and `pii.key` is set, else as given.
    fn seal_recipient(
        &self,
        id: Uuid,
        kind: &str,
        value: &str,
    ) -> Result<(String, Option<String>), ServiceError> {
        match (&self.core.pii, kind) {
            (Some(sealer), "login_id" | "taobao_nick") => {
                let sealed = sealer.seal(&columns::voucher_recipient(id), value)?;
                let hash = sealer.keyed_hash(&recipient_hash_input(kind, value));
                Ok((format!("{SEALED}{sealed}"), Some(hash)))
            }
            _ => Ok((value.to_owned(), None)),
        }
    }

    pub async fn list_vouchers(
        &self,
        app: &App,
        template_id: Option<&str>,
        (after, limit): (Option<Uuid>, Option<i64>),
        reveal: bool,
    ) -> Result<Page<VoucherView>, ServiceError> {
        let limit = page_limit(limit);
        let rows =
            records::vouchers_page(self.core.db(), app.app_id(), template_id, after, limit).await?;
        Ok(page(
            &rows,
            limit,
            |r| r.id,
            |r| voucher_view(self.core.pii.as_ref(), r, reveal),
        ))
    }
}

/// The webhook events of a settled send, the recipient masked whatever the caller's
/// scopes.
fn voucher_events(
    pii: Option<&Sealer>,
    settled: &VoucherRow,
    after_unknown: bool,
) -> Vec<OutboxEvent> {
    let kind = match settled.status {
        VoucherStatus::Sent => Some(EventType::VoucherSent),
        VoucherStatus::Failed => Some(EventType::VoucherFailed),
        VoucherStatus::Pending => None,
    };
    let event = kind.map(|kind| {
        let voucher = voucher_view(pii, settled, false);
        (kind, to_json(&VoucherSettledData { voucher }))
    });
    let subject = json!({"kind": "voucher", "template_id": settled.template_id,
                         "out_biz_no": settled.out_biz_no});
    announce(&settled.app_id, event, after_unknown, subject)
}

/// A voucher as callers see it: its recipient opened, and masked unless `reveal`.
fn voucher_view(pii: Option<&Sealer>, row: &VoucherRow, reveal: bool) -> VoucherView {
    let mut view = VoucherView::from(row);
    let clear = open_recipient(pii, row).unwrap_or_else(|_| "(unreadable)".to_owned());
    view.recipient.value = if reveal
        || row.recipient_kind == "user_id"
        || row.recipient == crate::store::records::REDACTED
    {
        clear
    } else {
        mask(&clear)
    };
    view
}

/// The recipient as given: opened with `pii` when it was stored sealed.
fn open_recipient(pii: Option<&Sealer>, row: &VoucherRow) -> Result<String, ServiceError> {
    let Some(sealed) = row.recipient.strip_prefix(SEALED) else {
        return Ok(row.recipient.clone());
    };
    let sealer =
        pii.ok_or_else(|| ServiceError::internal("a sealed recipient, and no pii.key to open it"))?;
    let clear = sealer.open(&columns::voucher_recipient(row.id), sealed)?;
    Ok(clear.to_string())
}

/// A claimed PENDING voucher: what voucher.send sends. Alipay itself is idempotent on
/// template_id + out_biz_no.
pub(crate) struct OpenVoucher {
    row: VoucherRow,
    recipient: VoucherRecipient,
}

impl OpenAdd for OpenVoucher {
    const KIND: RecordKind = RecordKind::Voucher;
    type Row = VoucherRow;
    type Done = VoucherResult;
    type Written = VoucherRow;

    async fn open(
        core: &Core,
        id: Uuid,
        written: Option<VoucherRow>,
    ) -> Result<Self, ServiceError> {
        let row = match written {
            Some(row) => row,
            None => records::voucher_by_id(core.db(), id)
                .await?
                .ok_or_else(|| ServiceError::internal("claimed voucher vanished"))?,
        };
        let recipient = VoucherRecipient::from_parts(
            &row.recipient_kind,
            open_recipient(core.pii.as_ref(), &row)?,
        )
        .ok_or_else(|| ServiceError::internal("unreadable voucher recipient"))?;
        Ok(Self { row, recipient })
    }

    fn row(&self) -> &VoucherRow {
        &self.row
    }

    fn row_mut(&mut self) -> &mut VoucherRow {
        &mut self.row
    }

    async fn call(
        &self,
        _: &Core,
        gateway: &Acting<'_>,
        log: &AttemptLog,
    ) -> Result<VoucherResult, GatewayError> {
        let row = &self.row;
        let (mut user_id, mut login_id, mut taobao_nick) = (None, None, None);
        match &self.recipient {
            VoucherRecipient::UserId(v) => user_id = Some(v.as_str()),
            VoucherRecipient::LoginId(v) => login_id = Some(v.as_str()),
            VoucherRecipient::TaobaoNick(v) => taobao_nick = Some(v.as_str()),
        }
        let request = VoucherSend {
            template_id: &row.template_id,
            user_id,
            login_id,
            taobao_nick,
            out_biz_no: &row.out_biz_no,
            amount: row.amount.as_deref(),
            memo: row.memo.as_deref(),
        };
        gateway.voucher_send(&request, log).await
    }

    fn applied(
        &mut self,
        core: &Core,
        how: Applied<VoucherResult>,
    ) -> Result<Answer, ServiceError> {
        let sent = match how {
            Applied::Now(sent) => sent,
            // voucher.send answers a duplicate with the first answer, never "already
            // exists"; an unknown code saying so is a refusal like any other.
            Applied::Earlier(_) => {
                return Err(ServiceError::internal(
                    "voucher.send never answers \"already exists\"",
                ))
            }
        };
        let row = &mut self.row;
        row.status = VoucherStatus::Sent;
        row.alipay_voucher_id = Some(sent.voucher_id);
        row.alipay_user_id = sent.user_id;
        let view = voucher_view(core.pii.as_ref(), row, false);
        Ok(Answer::created(&view, row.alipay_voucher_id.as_deref()))
    }

    fn refused(&mut self, refusal: &Refused) {
        self.row.status = VoucherStatus::Failed;
        self.row.failure_code = Some(refusal.code.clone());
    }

    fn events(&self, core: &Core, after_unknown: bool) -> Vec<OutboxEvent> {
        voucher_events(core.pii.as_ref(), &self.row, after_unknown)
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
/// A voucher send as its stored request hash covers it. Personal data enters it only
/// through its keyed hash, so `alipass rekey` recomputes it when it rehashes a recipient.
pub(crate) struct HashedVoucherSend<'a> {
    pub merchant_id: Option<&'a str>,
    pub template_id: &'a str,
    pub out_biz_no: &'a str,
    pub recipient_kind: &'a str,
    /// The recipient's keyed hash when it is sealed, else the recipient itself.
    pub recipient: &'a str,
    pub amount: Option<&'a str>,
    pub memo: Option<&'a str>,
}

impl HashedVoucherSend<'_> {
    pub(crate) fn request_hash(&self) -> String {
        request_hash(&crate::apps::with_merchant(
            json!({
                "template_id": self.template_id, "out_biz_no": self.out_biz_no,
                "recipient": {self.recipient_kind: self.recipient},
                "amount": self.amount, "memo": self.memo,
            }),
            self.merchant_id,
        ))
    }
}

/// What a recipient's keyed hash is computed over: its kind and value.
pub(crate) fn recipient_hash_input(kind: &str, value: &str) -> String {
    format!("{kind}:{value}")
}

/// An identifier with most of it hidden: `pi***@example.com`, `138****8000`, `p***`.
fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if let Some(at) = value.find('@') {
        let local: String = value[..at].chars().take(2).collect();
        return format!("{local}***{}", &value[at..]);
    }
    if chars.len() >= 7 && chars.iter().all(char::is_ascii_digit) {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        return format!("{head}****{tail}");
    }
    format!(
        "{}***",
        chars.first().map(char::to_string).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn identifiers_are_masked_to_a_hint() {
        assert_eq!(mask("pii.person@example.com"), "pi***@example.com");
        assert_eq!(mask("13800138000"), "138****8000");
        assert_eq!(mask("piinick淘宝"), "p***");
        assert_eq!(mask(""), "***");
    }
}
