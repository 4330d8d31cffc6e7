//! The rows that hold personal data, read in key order a batch at a time and changed only
//! if they still hold what was read: for `alipass rekey` (sealed again with the current
//! key) and `alipass redact` (a customer's campaign rows), while the service runs.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::store::failed;

/// Runs `page` from `start` until it reads a page that is not full: `page(after)` handles
/// the rows after key `after` and answers the last one's key when its page was full.
pub async fn in_pages<K>(
    start: K,
    mut page: impl AsyncFnMut(K) -> Result<Option<K>, sqlx::Error>,
) -> Result<(), sqlx::Error> {
    let mut after = start;
    while let Some(next) = page(after).await? {
        after = next;
    }
    Ok(())
}

/// The last of `rows` when they fill a page of `limit`: there may be more after it.
pub fn full_page<R>(rows: &[R], limit: i64) -> Option<&R> {
    rows.last().filter(|_| rows.len() as i64 >= limit)
}

/// A voucher whose recipient is sealed, with what its request hash covers.
#[derive(Debug, Clone)]
pub struct SealedRecipient {
    pub id: Uuid,
    pub template_id: String,
    pub out_biz_no: String,
    pub recipient_kind: String,
    pub recipient: String,
    pub amount: Option<String>,
    pub memo: Option<String>,
    pub merchant_id: Option<String>,
    pub request_hash: String,
}

/// Up to `limit` vouchers with a sealed recipient after `after`, in id order.
pub async fn sealed_recipients(
    db: &PgPool,
    after: Uuid,
    limit: i64,
) -> Result<Vec<SealedRecipient>, sqlx::Error> {
    sqlx::query_as!(
        SealedRecipient,
        "SELECT id, template_id, out_biz_no, recipient_kind, recipient, amount, memo, \
         merchant_id, request_hash FROM vouchers \
         WHERE recipient LIKE 'sealed:%' AND id > $1 ORDER BY id LIMIT $2",
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("sealed_recipients"))
}

/// A voucher's recipient sealed again, with its hashes; false when it changed meanwhile.
pub async fn reseal_recipient(
    db: &PgPool,
    (id, before): (Uuid, &str),
    (recipient, recipient_hash, request_hash): (&str, &str, &str),
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE vouchers SET recipient = $3, recipient_hash = $4, request_hash = $5 \
         WHERE id = $1 AND recipient = $2",
        id,
        before,
        recipient,
        recipient_hash,
        request_hash
    )
    .execute(db)
    .await
    .map_err(failed("reseal_recipient"))?;
    Ok(done.rows_affected() == 1)
}

/// A campaign row that still has its fields.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub campaign_id: Uuid,
    pub line: i32,
    pub payload: Value,
    /// When its result settled; None while it may still be sent.
    pub settled_at: Option<DateTime<Utc>>,
}

/// Up to `limit` campaign rows that still have their fields, after `after`, in order.
pub async fn rows_with_fields(
    db: &PgPool,
    after: (Uuid, i32),
    limit: i64,
) -> Result<Vec<StoredRow>, sqlx::Error> {
    sqlx::query_as!(
        StoredRow,
        "SELECT r.campaign_id, r.line, r.payload, x.settled_at FROM campaign_rows r \
         JOIN campaign_row_results x USING (campaign_id, line) \
         WHERE r.payload <> 'null'::jsonb AND (r.campaign_id, r.line) > ($1, $2) \
         ORDER BY r.campaign_id, r.line LIMIT $3",
        after.0,
        after.1,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("rows_with_fields"))
}

/// A campaign row's payload replaced (sealed again, or `null`: redacted); false when it
/// changed meanwhile.
pub async fn replace_row_payload(
    db: &PgPool,
    row: &StoredRow,
    payload: &Value,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE campaign_rows SET payload = $4 \
         WHERE campaign_id = $1 AND line = $2 AND payload = $3",
        row.campaign_id,
        row.line,
        &row.payload,
        payload
    )
    .execute(db)
    .await
    .map_err(failed("replace_row_payload"))?;
    Ok(done.rows_affected() == 1)
}

/// Up to `limit` webhook endpoints with a sealed secret after `after`: (id, secret).
pub async fn sealed_webhook_secrets(
    db: &PgPool,
    after: Uuid,
    limit: i64,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, secret_sealed FROM webhook_endpoints \
         WHERE secret_sealed LIKE 'sealed:%' AND id > $1 ORDER BY id LIMIT $2",
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("sealed_webhook_secrets"))?;
    Ok(rows.into_iter().map(|r| (r.id, r.secret_sealed)).collect())
}

/// An endpoint's secret sealed again; false when it changed meanwhile.
pub async fn reseal_webhook_secret(
    db: &PgPool,
    (id, before): (Uuid, &str),
    sealed: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE webhook_endpoints SET secret_sealed = $3 WHERE id = $1 AND secret_sealed = $2",
        id,
        before,
        sealed
    )
    .execute(db)
    .await
    .map_err(failed("reseal_webhook_secret"))?;
    Ok(done.rows_affected() == 1)
}
