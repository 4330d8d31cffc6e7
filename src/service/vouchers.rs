//! Vouchers: send (idempotent on template_id + out_biz_no), read, list.

use chrono::{SubsecRound, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::alipay::client::AttemptLog;
use crate::alipay::methods::VoucherSend;
use crate::apps::{ActingFor, App};
use crate::domain::status::VoucherStatus;
use crate::domain::voucher::{SendVoucher, VoucherRecipient, VoucherSendRequest};
use crate::service::templates::page;
use crate::service::views::{Page, VoucherView};
use crate::service::ServiceError;
use crate::service::{created, page_limit, AddOutcome, Calls, Reply, Service};
use crate::store::idempotency::{request_hash, Claim, KeyedRecord};
use crate::store::records::{self, NewVoucher, RecordKind, RecordRef, SavedAnswer, VoucherRow};

impl Service {
    pub async fn send_voucher(
        &self,
        app: &ActingFor,
        input: SendVoucher,
    ) -> Result<Reply, ServiceError> {
        let request = VoucherSendRequest::parse(&input)
            .map_err(|p| ServiceError::validation("invalid voucher request", p))?;
        let hash = request_hash(&json!({
            "template_id": request.template_id, "out_biz_no": request.out_biz_no,
            "recipient": {request.recipient.kind(): request.recipient.value()},
            "amount": request.amount.as_ref().map(|a| a.as_str()), "memo": request.memo,
        }));
        let app_id = app.app_id().to_owned();
        let sealed = self.seal_token(app)?;
        let key = KeyedRecord::voucher(&app_id, &request.template_id, &request.out_biz_no);
        let new_record = NewVoucher {
            id: Uuid::now_v7(),
            // Postgres keeps microseconds: the answer shows what a read shows.
            created_at: Utc::now().trunc_subsecs(6),
            app_id: &app_id,
            template_id: &request.template_id,
            out_biz_no: &request.out_biz_no,
            request_hash: &hash,
            recipient_kind: request.recipient.kind(),
            recipient: request.recipient.value(),
            amount: request.amount.as_ref().map(|a| a.as_str()),
            memo: request.memo.as_deref(),
            app_auth_token_sealed: sealed.as_deref(),
        };
        let lease = self.new_lease();
        let insert = records::insert_voucher(self.db(), &new_record, lease);
        let written = &new_record;
        // out_biz_no is always the caller's.
        self.run_keyed(key, (&hash, true), lease, insert, |claim| async move {
            self.perform_voucher_send(&claim, Some(written.row())).await
        })
        .await
    }

    /// Calls voucher.send for a claimed PENDING voucher and settles it (request path and
    /// reconciler). Alipay itself is idempotent on template_id + out_biz_no.
    pub(super) async fn perform_voucher_send(
        &self,
        claim: &Claim,
        written: Option<VoucherRow>,
    ) -> Result<SavedAnswer, ServiceError> {
        let row = match written.filter(|_| claim.inserted) {
            Some(row) => row,
            None => records::voucher_by_id(self.db(), claim.id)
                .await?
                .ok_or_else(|| ServiceError::internal("claimed voucher vanished"))?,
        };
        let recipient = VoucherRecipient::from_parts(&row.recipient_kind, row.recipient.clone())
            .ok_or_else(|| ServiceError::internal("unreadable voucher recipient"))?;
        let (mut user_id, mut login_id, mut taobao_nick) = (None, None, None);
        match &recipient {
            VoucherRecipient::UserId(v) => user_id = Some(v.as_str()),
            VoucherRecipient::LoginId(v) => login_id = Some(v.as_str()),
            VoucherRecipient::TaobaoNick(v) => taobao_nick = Some(v.as_str()),
        }
        let log = AttemptLog::default();
        let result = self
            .gateway_for(&row.app_id, row.app_auth_token_sealed.as_deref())?
            .voucher_send(
                &VoucherSend {
                    template_id: &row.template_id,
                    user_id,
                    login_id,
                    taobao_nick,
                    out_biz_no: &row.out_biz_no,
                    amount: row.amount.as_deref(),
                    memo: row.memo.as_deref(),
                },
                &log,
            )
            .await;
        let record = RecordRef {
            kind: RecordKind::Voucher,
            id: row.id,
        };
        let calls = Calls::new(record, &log);
        let mut settled = VoucherRow {
            updated_at: Utc::now(),
            ..row
        };
        let (response, refused) = match AddOutcome::read(result, claim.sent_before) {
            AddOutcome::Applied(sent) => {
                settled.status = VoucherStatus::Sent;
                settled.alipay_voucher_id = Some(sent.voucher_id);
                settled.alipay_user_id = sent.user_id;
                (Some(created(&VoucherView::from(&settled))), None)
            }
            // voucher.send answers a duplicate with the first answer, never "already
            // exists"; an unknown code saying so is a refusal like any other.
            AddOutcome::AppliedEarlier(_) => {
                return Err(ServiceError::internal(
                    "voucher.send never answers \"already exists\"",
                ))
            }
            AddOutcome::Refused(refusal) => {
                settled.status = VoucherStatus::Failed;
                settled.failure_code = Some(refusal.code.clone());
                (refusal.saved_answer(), Some(refusal))
            }
            AddOutcome::Unknown(unknown) => return self.leave_open(claim, &calls, unknown).await,
        };
        let final_row = (&settled).into();
        self.settle_add(
            RecordKind::Voucher,
            claim,
            final_row,
            &calls,
            (response, refused),
        )
        .await
    }

    pub async fn get_voucher(
        &self,
        app: &App,
        template_id: &str,
        out_biz_no: &str,
    ) -> Result<VoucherView, ServiceError> {
        records::voucher(self.db(), app.app_id(), template_id, out_biz_no)
            .await?
            .map(|row| VoucherView::from(&row))
            .ok_or_else(|| {
                ServiceError::not_found(format!("no voucher {template_id}/{out_biz_no}"))
            })
    }

    pub async fn list_vouchers(
        &self,
        app: &App,
        template_id: Option<&str>,
        after: Option<Uuid>,
        limit: Option<i64>,
    ) -> Result<Page<VoucherView>, ServiceError> {
        let limit = page_limit(limit);
        let rows =
            records::vouchers_page(self.db(), app.app_id(), template_id, after, limit).await?;
        Ok(page(&rows, limit, |r| r.id, |r| VoucherView::from(r)))
    }
}
