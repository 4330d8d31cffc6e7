//! The statements of retention and `alipass redact`: deletions of old history and blanking
//! of customers' identifiers, each in batches so none holds long locks. Checked against the
//! schema at build time (`sqlx::query!`).

use sqlx::PgPool;

use crate::store::failed;
use crate::store::records::REDACTED;

/// History kept for a number of days, then deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    GatewayCalls,
    WebhookAttempts,
    PassEvents,
    WebhookEvents,
}

/// Which settled vouchers lose their recipient.
#[derive(Debug, Clone, Copy)]
pub enum VoucherSelection<'a> {
    /// Settled more than this many days ago.
    OlderThanDays(u32),
    /// Sent to a recipient with one of these keyed hashes (sealed storage) or values (clear).
    SentTo {
        hashes: &'a [String],
        identifiers: &'a [String],
    },
}

fn days_param(days: u32) -> i32 {
    i32::try_from(days).unwrap_or(i32::MAX)
}

/// The checked statement deleting one batch of `$table`'s rows older than `$days` days.
macro_rules! delete_batch_of {
    ($table:literal, $days:expr, $batch:expr) => {
        sqlx::query!(
            "DELETE FROM "
                + $table
                + " WHERE id IN (SELECT id FROM "
                + $table
                + " WHERE created_at < now() - make_interval(days => $1) LIMIT $2)",
            $days,
            $batch
        )
    };
}

/// Deletes one batch of `history` older than `days`; the rows deleted.
async fn delete_batch(
    db: &PgPool,
    history: History,
    days: i32,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    // One statement per table: a table name cannot be a parameter, and each is checked.
    let done = match history {
        History::GatewayCalls => {
            delete_batch_of!("gateway_calls", days, batch)
                .execute(db)
                .await
        }
        History::WebhookAttempts => {
            delete_batch_of!("webhook_attempts", days, batch)
                .execute(db)
                .await
        }
        History::PassEvents => {
            delete_batch_of!("pass_events", days, batch)
                .execute(db)
                .await
        }
        History::WebhookEvents => {
            delete_batch_of!("webhook_events", days, batch)
                .execute(db)
                .await
        }
    };
    Ok(done.map_err(failed("retention_delete"))?.rows_affected())
}

/// Runs `batch_of` until a batch comes back short; the rows it touched in all.
async fn in_batches<F, B>(batch: i64, mut batch_of: F) -> Result<u64, sqlx::Error>
where
    F: FnMut() -> B,
    B: std::future::Future<Output = Result<u64, sqlx::Error>>,
{
    let mut total = 0;
    loop {
        let done = batch_of().await?;
        total += done;
        if done < u64::try_from(batch).unwrap_or(0) {
            return Ok(total);
        }
    }
}

/// Deletes the rows of `history` older than `days`, batch by batch; the rows deleted.
pub async fn delete_older(
    db: &PgPool,
    history: History,
    days: u32,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let days = days_param(days);
    in_batches(batch, || delete_batch(db, history, days, batch)).await
}

/// Blanks the recipient of the settled vouchers `selection` names (and the recipient in
/// their saved answer, and their merchant token), batch by batch; the vouchers redacted.
pub async fn redact_vouchers(
    db: &PgPool,
    selection: VoucherSelection<'_>,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let (days, hashes, identifiers): (Option<i32>, &[String], &[String]) = match selection {
        VoucherSelection::OlderThanDays(days) => (Some(days_param(days)), &[], &[]),
        VoucherSelection::SentTo {
            hashes,
            identifiers,
        } => (None, hashes, identifiers),
    };
    in_batches(batch, || async move {
        let done = sqlx::query!(
            "UPDATE vouchers SET recipient = $1, recipient_hash = NULL, \
             app_auth_token_sealed = NULL, response_body = CASE \
             WHEN response_body ? 'recipient' \
             THEN jsonb_set(response_body, '{recipient,value}', to_jsonb($1::text)) \
             ELSE response_body END \
             WHERE id IN (SELECT id FROM vouchers WHERE status <> 'PENDING' AND recipient <> $1 \
             AND (updated_at < now() - make_interval(days => $2) \
                  OR recipient_hash = ANY($3) OR recipient = ANY($4)) LIMIT $5)",
            REDACTED,
            days,
            hashes,
            identifiers,
            batch
        )
        .execute(db)
        .await
        .map_err(failed("retention_redact"))?;
        Ok(done.rows_affected())
    })
    .await
}

/// Settled campaign rows older than `days` keep their result, not their recipient.
pub async fn blank_settled_campaign_rows(
    db: &PgPool,
    days: u32,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let days = days_param(days);
    in_batches(batch, || async move {
        let done = sqlx::query!(
            "UPDATE campaign_rows SET payload = 'null'::jsonb WHERE (campaign_id, line) IN ( \
             SELECT r.campaign_id, r.line FROM campaign_rows r JOIN campaign_row_results x \
             USING (campaign_id, line) WHERE x.settled_at IS NOT NULL \
             AND r.payload <> 'null'::jsonb AND x.settled_at < now() - make_interval(days => $1) \
             LIMIT $2)",
            days,
            batch
        )
        .execute(db)
        .await
        .map_err(failed("retention_campaign_rows"))?;
        Ok(done.rows_affected())
    })
    .await
}

/// Forgets the merchant tokens of passes that can no longer change, settled more than
/// `days` ago; the passes touched.
pub async fn forget_final_merchant_tokens(db: &PgPool, days: u32) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE passes SET app_auth_token_sealed = NULL WHERE app_auth_token_sealed IS NOT NULL \
         AND status IN ('USED', 'CLOSED', 'FAILED') AND pending_change IS NULL \
         AND updated_at < now() - make_interval(days => $1)",
        days_param(days)
    )
    .execute(db)
    .await
    .map_err(failed("retention_tokens"))?;
    Ok(done.rows_affected())
}
