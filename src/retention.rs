//! How long personal data and history are kept (`retention.*`), and `alipass redact`.
//! Business records (ids, statuses, amounts) stay; what identifies a customer goes:
//! - a background job, in batches so it never holds long locks, deletes gateway-call rows,
//!   webhook attempts, pass events and webhook events older than their retention, and
//!   redacts settled vouchers' recipients, settled campaign rows' fields and settled
//!   records' merchant tokens older than theirs;
//! - `alipass redact --from-file <PATH | ->` removes customers' identifiers (login_id,
//!   taobao_nick or user_id, one a line) from every voucher sent to them and every
//!   campaign row naming them, on request.

use std::time::Duration;

use sqlx::PgPool;

use crate::config::RetentionSettings;
use crate::sealing::Sealer;
use crate::service::campaigns::open_row;
use crate::service::vouchers::recipient_hash_input;
use crate::shutdown::ShutdownSignal;
use crate::store::{failed, sealed};

pub use crate::store::records::REDACTED;

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

/// What `alipass redact` removed, and what it left until it settles.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RedactReport {
    pub vouchers: u64,
    pub campaign_rows: u64,
    /// The customers' campaign rows not settled yet: their sends need the identifier, so
    /// they are left; redact again once they have settled.
    pub campaign_rows_open: u64,
}

/// The recipient fields of a campaign row that hold a customer's identifier.
const IDENTIFIER_FIELDS: [&str; 3] = ["login_id", "taobao_nick", "user_id"];

/// The identifiers to redact, one a line (blank lines skipped): they come from a file or
/// stdin, never the command line, which shell history and process lists keep.
pub fn read_identifiers(source: impl std::io::BufRead) -> std::io::Result<Vec<String>> {
    let mut identifiers = Vec::new();
    for line in source.lines() {
        let line = line?;
        let identifier = line.trim();
        if !identifier.is_empty() {
            identifiers.push(identifier.to_owned());
        }
    }
    Ok(identifiers)
}

/// The identifiers in `path`, or in stdin when it is `-`.
pub fn identifiers_from(path: &std::path::Path) -> std::io::Result<Vec<String>> {
    if path.as_os_str() == "-" {
        return read_identifiers(std::io::stdin().lock());
    }
    read_identifiers(std::io::BufReader::new(std::fs::File::open(path)?))
}

/// Removes each of `identifiers` (a login_id, taobao_nick or user_id) from every settled
/// voucher sent to it, found by its keyed hash under any configured key (sealed storage) or
/// its value (clear storage), and every settled campaign row naming it (each row is
/// opened: rows carry no look-up hash). Vouchers and rows still open are left until they
/// settle: their send needs the recipient.
pub async fn redact_recipients(
    db: &PgPool,
    sealer: Option<&Sealer>,
    identifiers: &[String],
) -> Result<RedactReport, sqlx::Error> {
    let hashes: Vec<String> = match sealer {
        Some(sealer) => identifiers
            .iter()
            .flat_map(|id| ["login_id", "taobao_nick"].map(|kind| recipient_hash_input(kind, id)))
            .flat_map(|input| sealer.keyed_hashes(&input))
            .collect(),
        None => Vec::new(),
    };
    let sql = redact_vouchers_sql("(recipient_hash = ANY($1) OR recipient = ANY($3))");
    let vouchers = sqlx::query(&sql)
        .bind(&hashes)
        .bind(i64::MAX)
        .bind(identifiers)
        .execute(db)
        .await
        .map_err(failed("redact_recipient"))?
        .rows_affected();
    let mut report = RedactReport {
        vouchers,
        ..RedactReport::default()
    };
    redact_campaign_rows(db, sealer, identifiers, &mut report).await?;
    Ok(report)
}

/// Empties the settled campaign rows that name one of `identifiers`.
async fn redact_campaign_rows(
    db: &PgPool,
    sealer: Option<&Sealer>,
    identifiers: &[String],
    report: &mut RedactReport,
) -> Result<(), sqlx::Error> {
    const BATCH: i64 = 1000;
    // A row's recipient fields sit under `recipient`, as in a request.
    let names_one = |fields: &serde_json::Map<String, serde_json::Value>| {
        IDENTIFIER_FIELDS.iter().any(|field| {
            fields
                .get("recipient")
                .and_then(|recipient| recipient.get(*field))
                .and_then(|v| v.as_str())
                .is_some_and(|v| identifiers.iter().any(|id| id == v.trim()))
        })
    };
    sealed::in_pages((uuid::Uuid::nil(), i32::MIN), async |after| {
        let rows = sealed::rows_with_fields(db, after, BATCH).await?;
        for row in &rows {
            let fields = match open_row(sealer, row.campaign_id, row.line, &row.payload) {
                Ok(fields) => fields,
                Err(why) => {
                    tracing::warn!(campaign = %row.campaign_id, line = row.line, %why,
                                   "redact: a campaign row cannot be read");
                    continue;
                }
            };
            if !names_one(&fields) {
                continue;
            }
            if row.settled_at.is_none() {
                report.campaign_rows_open += 1;
            } else if sealed::replace_row_payload(db, row, &serde_json::Value::Null).await? {
                report.campaign_rows += 1;
            }
        }
        Ok(sealed::full_page(&rows, BATCH).map(|last| (last.campaign_id, last.line)))
    })
    .await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_read_one_a_line_trimmed_and_blank_lines_skipped() {
        let text = "pi@example.com\n\n  13800138000 \r\n\t\nnick\n";
        let identifiers = read_identifiers(std::io::Cursor::new(text)).unwrap();
        assert_eq!(identifiers, ["pi@example.com", "13800138000", "nick"]);
    }

    #[test]
    fn identifiers_come_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("erase.txt");
        std::fs::write(&path, "2088000000000001\n").unwrap();
        assert_eq!(identifiers_from(&path).unwrap(), ["2088000000000001"]);
        assert!(identifiers_from(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn retention_is_on_by_default_with_the_documented_days() {
        let days =
            |r: &RetentionSettings| (r.gateway_calls_days, r.events_days, r.settled_records_days);
        assert_eq!(days(&RetentionSettings::default()), (90, 365, 400));
        let dir = crate::config::config_dir();
        for profile in [crate::config::Profile::Local, crate::config::Profile::Test] {
            let settings = crate::config::Settings::load_profile(&dir, profile).unwrap();
            assert_eq!(days(&settings.retention), (90, 365, 400), "{profile:?}");
        }
    }
}
