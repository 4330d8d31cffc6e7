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
use crate::store::retention::{self as store, History, VoucherSelection};
use crate::store::sealed;

pub use crate::store::records::REDACTED;

/// Rows deleted or redacted by one retention pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RetentionReport {
    pub gateway_calls_deleted: u64,
    pub events_deleted: u64,
    pub records_redacted: u64,
}

/// One pass of every retention rule (a rule with 0 days keeps for ever).
pub async fn apply(
    db: &PgPool,
    settings: &RetentionSettings,
) -> Result<RetentionReport, sqlx::Error> {
    let batch = settings.batch_size.max(1);
    let mut report = RetentionReport::default();
    if settings.gateway_calls_days > 0 {
        // Webhook attempts are call history too.
        for history in [History::GatewayCalls, History::WebhookAttempts] {
            report.gateway_calls_deleted +=
                store::delete_older(db, history, settings.gateway_calls_days, batch).await?;
        }
    }
    if settings.events_days > 0 {
        // Webhook events go with their deliveries.
        for history in [History::PassEvents, History::WebhookEvents] {
            report.events_deleted +=
                store::delete_older(db, history, settings.events_days, batch).await?;
        }
    }
    if settings.settled_records_days > 0 {
        let days = settings.settled_records_days;
        let older = VoucherSelection::OlderThanDays(days);
        report.records_redacted = store::redact_vouchers(db, older, batch).await?;
        store::blank_settled_campaign_rows(db, days, batch).await?;
        store::forget_final_merchant_tokens(db, days).await?;
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

/// Rows `alipass redact` reads or changes a statement.
const REDACT_BATCH: i64 = 1000;

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
    let sent_to = VoucherSelection::SentTo {
        hashes: &hashes,
        identifiers,
    };
    let vouchers = store::redact_vouchers(db, sent_to, REDACT_BATCH).await?;
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
        let rows = sealed::rows_with_fields(db, after, REDACT_BATCH).await?;
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
        Ok(sealed::full_page(&rows, REDACT_BATCH).map(|last| (last.campaign_id, last.line)))
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
