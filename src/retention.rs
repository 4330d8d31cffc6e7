//! How long personal data and history are kept (`retention.*`), and `alipass redact`.
//! Business records (ids, statuses, amounts) stay; what identifies a customer goes:
//! - a background job, in batches so it never holds long locks, deletes gateway-call rows,
//!   webhook attempts, pass events and webhook events older than their retention, and
//!   redacts settled vouchers' recipients, settled campaign rows' fields and settled
//!   records' merchant tokens older than theirs;
//! - `alipass redact --recipient <login_id | taobao_nick | user_id>` removes one customer's
//!   identifier from every voucher sent to them, on request.

use std::time::Duration;

use sqlx::PgPool;

use crate::config::RetentionSettings;
use crate::sealing::Sealer;
use crate::service::vouchers::recipient_hash_input;
use crate::shutdown::ShutdownSignal;
use crate::store::failed;

/// What stands in a redacted recipient.
pub const REDACTED: &str = "redacted";

/// Rows deleted or redacted by one retention pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RetentionReport {
    pub gateway_calls_deleted: u64,
    pub events_deleted: u64,
    pub records_redacted: u64,
}

/// Deletes in batches of `batch` until none is left: the rows of `table` older than `days`.
async fn delete_older(db: &PgPool, table: &str, days: u32, batch: i64) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    loop {
        let deleted = sqlx::query(&format!(
            "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} \
             WHERE created_at < now() - make_interval(days => $1) LIMIT $2)"
        ))
        .bind(i32::try_from(days).unwrap_or(i32::MAX))
        .bind(batch)
        .execute(db)
        .await
        .map_err(failed("retention_delete"))?
        .rows_affected();
        total += deleted;
        if deleted < u64::try_from(batch).unwrap_or(0) {
            return Ok(total);
        }
    }
}

/// The voucher columns that identify its recipient, blanked (the saved answer's recipient
/// too); `condition` chooses the vouchers.
fn redact_vouchers_sql(condition: &str) -> String {
    format!(
        "UPDATE vouchers SET recipient = '{REDACTED}', recipient_hash = NULL, \
         app_auth_token_sealed = NULL, response_body = CASE \
         WHEN response_body ? 'recipient' \
         THEN jsonb_set(response_body, '{{recipient,value}}', '\"{REDACTED}\"') \
         ELSE response_body END \
         WHERE id IN (SELECT id FROM vouchers WHERE status <> 'PENDING' \
         AND recipient <> '{REDACTED}' AND {condition} LIMIT $2)"
    )
}

/// One pass of every retention rule (a rule with 0 days keeps for ever).
pub async fn apply(
    db: &PgPool,
    settings: &RetentionSettings,
) -> Result<RetentionReport, sqlx::Error> {
    let batch = settings.batch_size.max(1);
    let mut report = RetentionReport::default();
    if settings.gateway_calls_days > 0 {
        report.gateway_calls_deleted =
            delete_older(db, "gateway_calls", settings.gateway_calls_days, batch).await?;
    }
    if settings.gateway_calls_days > 0 {
        // Webhook attempts are call history too.
        report.gateway_calls_deleted +=
            delete_older(db, "webhook_attempts", settings.gateway_calls_days, batch).await?;
    }
    if settings.events_days > 0 {
        report.events_deleted =
            delete_older(db, "pass_events", settings.events_days, batch).await?;
        // With their deliveries.
        report.events_deleted +=
            delete_older(db, "webhook_events", settings.events_days, batch).await?;
    }
    if settings.settled_records_days > 0 {
        let days = i32::try_from(settings.settled_records_days).unwrap_or(i32::MAX);
        let sql = redact_vouchers_sql("updated_at < now() - make_interval(days => $1)");
        loop {
            let redacted = sqlx::query(&sql)
                .bind(days)
                .bind(batch)
                .execute(db)
                .await
                .map_err(failed("retention_redact"))?
                .rows_affected();
            report.records_redacted += redacted;
            if redacted < u64::try_from(batch).unwrap_or(0) {
                break;
            }
        }
        // Settled campaign rows keep their result, not their recipient.
        sqlx::query(
            "UPDATE campaign_rows SET payload = 'null'::jsonb WHERE (campaign_id, line) IN ( \
             SELECT r.campaign_id, r.line FROM campaign_rows r JOIN campaign_row_results x \
             USING (campaign_id, line) WHERE x.settled_at IS NOT NULL \
             AND r.payload <> 'null'::jsonb AND x.settled_at < now() - make_interval(days => $1) LIMIT $2)",
        )
        .bind(days)
        .bind(batch)
        .execute(db)
        .await
        .map_err(failed("retention_campaign_rows"))?;
        // Merchant tokens of passes that can no longer change.
        sqlx::query(
            "UPDATE passes SET app_auth_token_sealed = NULL WHERE app_auth_token_sealed IS NOT NULL \
             AND status IN ('USED', 'CLOSED', 'FAILED') AND pending_change IS NULL \
             AND updated_at < now() - make_interval(days => $1)",
        )
        .bind(days)
        .execute(db)
        .await
        .map_err(failed("retention_tokens"))?;
    }
    Ok(report)
}

/// Removes `recipient` (a login_id, taobao_nick or user_id) from every settled voucher sent
/// to it, found by its keyed hash (sealed storage) or its value (clear storage). Vouchers
/// still PENDING are left until they settle: their send needs the recipient.
pub async fn redact_recipient(
    db: &PgPool,
    sealer: Option<&Sealer>,
    recipient: &str,
) -> Result<u64, sqlx::Error> {
    // Under every configured key: values hashed before a rotation match until rekeyed.
    let hashes: Vec<String> = match sealer {
        Some(sealer) => ["login_id", "taobao_nick"]
            .iter()
            .flat_map(|kind| sealer.keyed_hashes(&recipient_hash_input(kind, recipient)))
            .collect(),
        None => Vec::new(),
    };
    let sql = redact_vouchers_sql("(recipient_hash = ANY($1) OR recipient = $3)");
    let redacted = sqlx::query(&sql)
        .bind(&hashes)
        .bind(i64::MAX)
        .bind(recipient)
        .execute(db)
        .await
        .map_err(failed("redact_recipient"))?
        .rows_affected();
    Ok(redacted)
}

/// Runs [`apply`] every `retention.interval_secs` until shutdown.
pub async fn run(db: PgPool, settings: RetentionSettings, mut stop: ShutdownSignal) {
    let interval = Duration::from_secs(settings.interval_secs.max(1));
    loop {
        tokio::select! {
            _ = stop.wait() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        match apply(&db, &settings).await {
            Ok(report) if report != RetentionReport::default() => {
                tracing::info!(?report, "retention pass")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "retention pass failed"),
        }
    }
}
