//! `alipass rekey`: after `pii.key` changes (the old key moved to `pii.retired_keys`),
//! every value sealed with another key, or before key ids, is sealed again with the current
//! key and bound to its record: voucher recipients (with their look-up hash and the request
//! hash that covers it, so replays and `redact` keep matching), campaign rows and webhook
//! secrets. Rows are read in key order a batch at a time and written only if unchanged, so
//! it runs beside the service and can be run again. Once it reports nothing unreadable,
//! the retired keys can go.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::sealing::columns::{self, SEALED};
use crate::sealing::{Binding, Sealer};
use crate::service::vouchers::{recipient_hash_input, HashedVoucherSend};
use crate::store::sealed as store;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RekeyReport {
    /// Values sealed again with the current key.
    pub resealed: u64,
    /// Values already sealed with it.
    pub current: u64,
    /// Values no configured key opens (a key retired too early): they stay as they are.
    pub unreadable: u64,
}

impl RekeyReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Resealed => self.resealed += 1,
            Outcome::Current => self.current += 1,
            Outcome::Unreadable => self.unreadable += 1,
        }
    }
}

enum Outcome {
    Resealed,
    Current,
    Unreadable,
}

/// What a kept value (`sealed:…`) needs.
enum Resealing {
    /// Written again with the current key: this.
    Again(String),
    Current,
    Unreadable,
}

fn resealing(sealer: &Sealer, binding: &Binding, kept: &str) -> Resealing {
    let Some(sealed) = kept.strip_prefix(SEALED) else {
        return Resealing::Current;
    };
    match sealer.reseal(binding, sealed) {
        Ok(Some(again)) => Resealing::Again(format!("{SEALED}{again}")),
        Ok(None) => Resealing::Current,
        Err(error) => {
            tracing::warn!(%error, "rekey: a value stays as it is");
            Resealing::Unreadable
        }
    }
}

/// Every sealed personal-data value sealed with the current key, `batch` rows at a time.
pub async fn rekey(db: &PgPool, sealer: &Sealer, batch: i64) -> Result<RekeyReport, sqlx::Error> {
    let mut report = RekeyReport::default();
    store::in_pages(Uuid::nil(), async |after| {
        let rows = store::sealed_recipients(db, after, batch).await?;
        for row in &rows {
            report.count(reseal_recipient(db, sealer, row).await?);
        }
        Ok(store::full_page(&rows, batch).map(|last| last.id))
    })
    .await?;
    store::in_pages((Uuid::nil(), i32::MIN), async |after| {
        let rows = store::rows_with_fields(db, after, batch).await?;
        for row in &rows {
            let Value::String(kept) = &row.payload else {
                continue;
            };
            let binding = columns::campaign_row(row.campaign_id, row.line);
            let written = resealing(sealer, &binding, kept);
            if let Resealing::Again(again) = &written {
                store::replace_row_payload(db, row, &Value::String(again.clone())).await?;
            }
            report.count(written.into());
        }
        Ok(store::full_page(&rows, batch).map(|last| (last.campaign_id, last.line)))
    })
    .await?;
    store::in_pages(Uuid::nil(), async |after| {
        let rows = store::sealed_webhook_secrets(db, after, batch).await?;
        for (id, kept) in &rows {
            let written = resealing(sealer, &columns::webhook_secret(*id), kept);
            if let Resealing::Again(again) = &written {
                store::reseal_webhook_secret(db, (*id, kept), again).await?;
            }
            report.count(written.into());
        }
        Ok(store::full_page(&rows, batch).map(|(last, _)| *last))
    })
    .await?;
    Ok(report)
}

impl From<Resealing> for Outcome {
    fn from(resealing: Resealing) -> Self {
        match resealing {
            Resealing::Again(_) => Outcome::Resealed,
            Resealing::Current => Outcome::Current,
            Resealing::Unreadable => Outcome::Unreadable,
        }
    }
}

/// One voucher's recipient sealed again and hashed with the current key. Its request hash
/// is recomputed only when one of the keys' hashes proves how it was made.
async fn reseal_recipient(
    db: &PgPool,
    sealer: &Sealer,
    row: &store::SealedRecipient,
) -> Result<Outcome, sqlx::Error> {
    let Some(sealed) = row.recipient.strip_prefix(SEALED) else {
        return Ok(Outcome::Current);
    };
    if sealer.is_current(sealed) {
        return Ok(Outcome::Current);
    }
    let binding = columns::voucher_recipient(row.id);
    let opened = sealer.open(&binding, sealed).and_then(|clear| {
        let again = sealer.seal(&binding, &clear)?;
        Ok((clear, again))
    });
    let (clear, again) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            tracing::warn!(%error, "rekey: a recipient stays as it is");
            return Ok(Outcome::Unreadable);
        }
    };
    let hash_input = recipient_hash_input(&row.recipient_kind, &clear);
    let request_hash_with = |recipient: &str| {
        HashedVoucherSend {
            merchant_id: row.merchant_id.as_deref(),
            template_id: &row.template_id,
            out_biz_no: &row.out_biz_no,
            recipient_kind: &row.recipient_kind,
            recipient,
            amount: row.amount.as_deref(),
            memo: row.memo.as_deref(),
        }
        .request_hash()
    };
    let new_hash = sealer.keyed_hash(&hash_input);
    let proven = sealer
        .keyed_hashes(&hash_input)
        .iter()
        .any(|old| request_hash_with(old) == row.request_hash);
    let request_hash = match proven {
        true => request_hash_with(&new_hash),
        false => row.request_hash.clone(),
    };
    let before = (row.id, row.recipient.as_str());
    let again = format!("{SEALED}{again}");
    store::reseal_recipient(db, before, (&again, &new_hash, &request_hash)).await?;
    Ok(Outcome::Resealed)
}
