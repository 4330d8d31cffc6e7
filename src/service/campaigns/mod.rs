//! Campaigns: one voucher send or pass issue per row of an uploaded file, worked off by
//! every replica at a paced rate. Each row's request goes through the same idempotent
//! pipeline as an API call, with a key derived from the campaign and the row (or the row's
//! own `out_biz_no` / `serial_number`), so a row taken over after a crash sends nothing
//! twice; see [`runner`].

pub mod charset;
pub mod results;
pub mod rows;
pub mod runner;
mod tasks;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::apps::{ActingFor, App};
use crate::config::CampaignSettings;
use crate::domain::status::{CampaignKind, CampaignStatus, RowState};
use crate::sealing::columns::{self, SEALED};
use crate::sealing::Sealer;
use crate::service::passes::PassService;
use crate::service::templates::page;
use crate::service::views::Page;
use crate::service::vouchers::VoucherService;
use crate::service::{page_limit, Core, ServiceError};
use crate::store::campaigns::{self as store, CampaignRow, NewCampaign, NewRow};
use charset::CharsetRule;
use rows::{ParsedRow, RowFormat, RowReader};

/// The rates a campaign may ask for, in rows per second. Below 0.1 a leased row would hold
/// the worker's pass for minutes; above 10,000 is past what any Alipay app is allowed.
pub const RATE_PER_SEC: std::ops::RangeInclusive<f64> = 0.1..=10_000.0;

/// Rows inserted per statement while a file streams in.
const INSERT_BATCH: usize = 1_000;
/// Unreadable rows listed in an upload's answer (all of them are in the results).
const LISTED_PROBLEMS: usize = 100;

/// What a caller posts to create a campaign.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "campaign_key": "spring-sale-2026",
    "kind": "VOUCHER_SEND",
    "template_id": "20140601000730010040000000EB",
    "shared": {"memo": "Spring sale"},
    "rate_per_sec": 50.0
}))]
pub struct CreateCampaign {
    /// Your key for this campaign (≤ 64): creating it again answers the same campaign.
    pub campaign_key: String,
    pub kind: CampaignKind,
    /// VOUCHER_SEND: Alipay's voucher template id; PASS_ISSUE: our template id.
    pub template_id: String,
    /// Request fields every row shares (a row's own fields win): `amount`, `memo`,
    /// `params`, `recipient`, `channel_id`…
    #[serde(default)]
    pub shared: Map<String, Value>,
    /// Rows per second, from 0.1 to 10,000, capped by the app's `rate_limit_qps` share
    /// for campaigns.
    #[schema(minimum = 0.1, maximum = 10000)]
    pub rate_per_sec: f64,
}

/// A campaign and its progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: Uuid,
    pub campaign_key: String,
    pub kind: CampaignKind,
    pub app_id: String,
    pub status: CampaignStatus,
    pub template_id: Option<String>,
    pub rate_per_sec: f64,
    /// The rate rows are sent at: rate_per_sec capped by the app's limit.
    pub effective_rate_per_sec: f64,
    pub rows: RowCounts,
    /// REFUSED rows by the gateway's sub_code (else our problem code).
    pub refused_by_code: BTreeMap<String, i64>,
    /// Rows settled (SENT or REFUSED) in the last minute, per second.
    pub current_rate_per_sec: f64,
    /// Seconds until the rows still to send are sent at the effective rate.
    pub eta_seconds: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RowCounts {
    pub total: i64,
    pub pending: i64,
    pub unknown: i64,
    pub sent: i64,
    pub refused: i64,
    pub invalid: i64,
    pub cancelled: i64,
}

/// What an upload did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadReport {
    /// Rows read from the file (readable or not).
    pub rows_read: i64,
    /// Rows new to the campaign (a file sent again adds none).
    pub rows_added: u64,
    /// Rows that could not be read: INVALID, never sent.
    pub unreadable: i64,
    /// The first unreadable rows, with their line numbers.
    pub problems: Vec<RowProblem>,
    pub campaign: CampaignView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowProblem {
    pub line: i32,
    pub detail: String,
}

/// A campaign action a caller may ask for.
#[derive(Debug, Clone, Copy)]
pub enum Control {
    Pause,
    Resume,
    Cancel,
}

/// Campaigns: create, upload, control, results, and the worker that sends their rows
/// ([`runner`]) through the pass and voucher services' own use cases.
#[derive(Clone)]
pub struct CampaignService {
    core: Arc<Core>,
    settings: CampaignSettings,
    /// Where rows go: a campaign's row is an ordinary issue or send.
    passes: PassService,
    vouchers: VoucherService,
}

impl CampaignService {
    pub fn new(
        core: Arc<Core>,
        settings: CampaignSettings,
        (passes, vouchers): (PassService, VoucherService),
    ) -> Self {
        Self {
            core,
            settings,
            passes,
            vouchers,
        }
    }

    /// Creates the campaign (UPLOADING), or answers the one the app has under this key
    /// (false) when it asks for the same thing; a different request under a used key is a
    /// conflict.
    pub async fn create_campaign(
        &self,
        app: &ActingFor,
        created_by: &str,
        input: CreateCampaign,
    ) -> Result<(CampaignView, bool), ServiceError> {
        if app.merchant.is_some() {
            return Err(ServiceError::malformed(
                "campaign_app_auth_token",
                "campaigns act with the app's own authority: no Alipay-App-Auth-Token",
            ));
        }
        let problems = campaign_problems(&input);
        if !problems.is_empty() {
            return Err(ServiceError::validation("invalid campaign", problems));
        }
        let mut shared = input.shared;
        shared.insert("template_id".into(), Value::String(input.template_id));
        let shared = Value::Object(shared);
        let key_prefix = key_prefix(app.app_id(), &input.campaign_key);
        let new = NewCampaign {
            id: Uuid::now_v7(),
            app_id: app.app_id(),
            campaign_key: &input.campaign_key,
            kind: input.kind,
            shared: &shared,
            rate_per_sec: input.rate_per_sec,
            key_prefix: &key_prefix,
            created_by,
        };
        let (row, created) = store::create(self.core.db(), &new).await?;
        let same = row.kind == input.kind
            && row.shared == shared
            && (row.rate_per_sec - input.rate_per_sec).abs() < f64::EPSILON;
        if !same {
            return Err(ServiceError::conflict(
                "idempotency_key_reused",
                "this campaign_key was used before for a different campaign",
            ));
        }
        Ok((self.campaign_view(app, row).await?, created))
    }

    pub async fn get_campaign(&self, app: &App, id: Uuid) -> Result<CampaignView, ServiceError> {
        let row = self.campaign_row(app, id).await?;
        self.campaign_view(app, row).await
    }

    /// A page of the app's campaigns, oldest first, each with its progress.
    pub async fn list_campaigns(
        &self,
        app: &App,
        after: Option<Uuid>,
        limit: Option<i64>,
    ) -> Result<Page<CampaignView>, ServiceError> {
        let limit = page_limit(limit);
        let rows = store::campaigns_page(self.core.db(), app.app_id(), after, limit).await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            views.push(self.campaign_view(app, row).await?);
        }
        Ok(page(&views, limit, |view| view.id, Clone::clone))
    }

    async fn campaign_row(&self, app: &App, id: Uuid) -> Result<CampaignRow, ServiceError> {
        store::campaign(self.core.db(), app.app_id(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("no campaign {id}")))
    }

    /// Reads the campaign's rows from `body` as it streams in and, once the file is read,
    /// starts the campaign. Only an UPLOADING campaign takes a file; one sent again (after
    /// an upload that stopped half way) adds nothing for the lines already in. The file,
    /// its rows and each row are bounded by `campaigns.max_upload_bytes` (a `declared`
    /// length past it is refused before a byte is read), `max_rows` and `max_row_bytes`,
    /// and the whole upload by `upload_timeout_secs`.
    pub async fn upload_campaign_rows<S, E>(
        &self,
        app: &App,
        id: Uuid,
        format: RowFormat,
        charset: CharsetRule,
        declared: Option<u64>,
        body: S,
    ) -> Result<UploadReport, ServiceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let campaign = self.campaign_row(app, id).await?;
        uploadable(campaign.status)?;
        let limits = &self.settings;
        if declared.is_some_and(|length| length > limits.max_upload_bytes) {
            return Err(upload_too_large(limits.max_upload_bytes));
        }
        let time_limit = Duration::from_secs(limits.upload_timeout_secs);
        let mut upload = Upload::default();
        let read = self.read_rows(id, campaign.kind, format, charset, body, &mut upload);
        match tokio::time::timeout(time_limit, read).await {
            Ok(read) => read?,
            Err(_) => {
                upload.flush(&self.core, id).await?;
                return Err(ServiceError::TooSlow {
                    code: "upload_too_slow",
                    detail: format!(
                        "the file did not arrive within {} s (campaigns.upload_timeout_secs); the rows read are kept: send the whole file again to add the rest",
                        limits.upload_timeout_secs
                    ),
                });
            }
        }
        let started = store::set_status(
            self.core.db(),
            id,
            &[CampaignStatus::Uploading],
            CampaignStatus::Running,
        )
        .await?;
        let row = match started {
            Some(row) => row,
            None => self.campaign_row(app, id).await?,
        };
        Ok(UploadReport {
            rows_read: upload.read,
            rows_added: upload.added,
            unreadable: upload.unreadable,
            problems: upload.problems,
            campaign: self.campaign_view(app, row).await?,
        })
    }

    /// Reads the file's rows into `upload`, storing them a batch at a time (a reading cut
    /// short leaves the last batch in `upload` for the caller to store).
    async fn read_rows<S, E>(
        &self,
        id: Uuid,
        kind: CampaignKind,
        format: RowFormat,
        charset: CharsetRule,
        mut body: S,
        upload: &mut Upload,
    ) -> Result<(), ServiceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let limits = &self.settings;
        let fields = kind.recipient_fields();
        let mut reader = RowReader::new(format, charset, fields, limits.max_row_bytes);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                ServiceError::malformed("upload_interrupted", format!("reading the file: {e}"))
            })?;
            upload.bytes += chunk.len() as u64;
            if upload.bytes > limits.max_upload_bytes {
                return Err(upload_too_large(limits.max_upload_bytes));
            }
            upload.add(self, id, reader.push(&chunk).map_err(quoted_row_too_long)?)?;
            if upload.batch.len() >= INSERT_BATCH {
                upload.flush(&self.core, id).await?;
            }
        }
        upload.add(self, id, reader.finish())?;
        upload.flush(&self.core, id).await
    }

    /// Pauses, resumes or cancels; a campaign not in a state the action applies to is a
    /// conflict.
    pub async fn control_campaign(
        &self,
        app: &App,
        id: Uuid,
        control: Control,
    ) -> Result<CampaignView, ServiceError> {
        let campaign = self.campaign_row(app, id).await?;
        use CampaignStatus::*;
        let (from, to): (&[CampaignStatus], _) = match control {
            Control::Pause => (&[Running], Paused),
            Control::Resume => (&[Paused], Running),
            Control::Cancel => (&[Uploading, Running, Paused], Cancelled),
        };
        let changed = store::set_status(self.core.db(), campaign.id, from, to).await?;
        let row = changed.ok_or_else(|| {
            ServiceError::conflict(
                "campaign_state",
                format!("a {} campaign cannot be moved to {to}", campaign.status),
            )
        })?;
        self.campaign_view(app, row).await
    }

    /// A new campaign of the REFUSED rows of `id`, under `campaign_key`, started at once.
    /// Rows whose key was derived get a new one (and so a fresh send); rows that carried
    /// their own key keep it, and Alipay's answer for that key stands.
    pub async fn retry_refused_rows(
        &self,
        app: &ActingFor,
        created_by: &str,
        id: Uuid,
        campaign_key: String,
    ) -> Result<CampaignView, ServiceError> {
        let old = self.campaign_row(app, id).await?;
        let mut shared = old.shared.as_object().cloned().unwrap_or_default();
        let template_id = match shared.remove("template_id") {
            Some(Value::String(id)) => id,
            _ => return Err(ServiceError::internal("campaign without a template")),
        };
        let input = CreateCampaign {
            campaign_key,
            kind: old.kind,
            template_id,
            shared,
            // A campaign stored before rates were bounded retries within the bounds.
            rate_per_sec: runner::within_rates(old.rate_per_sec),
        };
        let (view, created) = self.create_campaign(app, created_by, input).await?;
        if created {
            store::copy_refused(self.core.db(), old.id, view.id).await?;
        }
        let running = &[CampaignStatus::Uploading];
        let row =
            store::set_status(self.core.db(), view.id, running, CampaignStatus::Running).await?;
        match row {
            Some(row) => self.campaign_view(app, row).await,
            None => self.get_campaign(app, view.id).await,
        }
    }

    /// A page of at most `limit` row results in line order, in `state` (any when none)
    /// after `after_line`.
    pub async fn campaign_results(
        &self,
        app: &App,
        id: Uuid,
        (state, after_line): (Option<RowState>, i32),
        limit: i64,
    ) -> Result<Vec<store::RowResult>, ServiceError> {
        let campaign = self.campaign_row(app, id).await?;
        Ok(store::results_page(self.core.db(), campaign.id, state, after_line, limit).await?)
    }

    async fn campaign_view(
        &self,
        app: &App,
        row: CampaignRow,
    ) -> Result<CampaignView, ServiceError> {
        let (counts, last_minute) = store::counts(self.core.db(), row.id).await?;
        let mut rows = RowCounts::default();
        let mut refused_by_code = BTreeMap::new();
        for count in counts {
            rows.total += count.rows;
            let slot = match count.state {
                RowState::Pending => &mut rows.pending,
                RowState::Unknown => &mut rows.unknown,
                RowState::Sent => &mut rows.sent,
                RowState::Refused => &mut rows.refused,
                RowState::Invalid => &mut rows.invalid,
                RowState::Cancelled => &mut rows.cancelled,
            };
            *slot += count.rows;
            if count.state == RowState::Refused {
                let code = count.code.unwrap_or_else(|| "unknown".into());
                *refused_by_code.entry(code).or_insert(0) += count.rows;
            }
        }
        let share = self.settings.app_rate_share;
        let effective = runner::effective_rate(app, row.rate_per_sec, share);
        let to_send = rows.pending + rows.unknown;
        let eta = (row.status == CampaignStatus::Running && effective > 0.0)
            .then(|| (to_send as f64 / effective).ceil() as u64);
        Ok(CampaignView {
            id: row.id,
            template_id: row.shared["template_id"].as_str().map(str::to_owned),
            campaign_key: row.campaign_key,
            kind: row.kind,
            app_id: row.app_id,
            status: row.status,
            rate_per_sec: row.rate_per_sec,
            effective_rate_per_sec: effective,
            rows,
            refused_by_code,
            current_rate_per_sec: last_minute as f64 / 60.0,
            eta_seconds: eta,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
        })
    }
}

/// Whether a campaign in `status` takes a file: only while UPLOADING. Once it runs its
/// rows are fixed (a file merged in while rows are sent would be sent in part).
fn uploadable(status: CampaignStatus) -> Result<(), ServiceError> {
    let code = match status {
        CampaignStatus::Uploading => return Ok(()),
        CampaignStatus::Running | CampaignStatus::Paused => "campaign_started",
        CampaignStatus::Cancelled | CampaignStatus::Finished => "campaign_closed",
    };
    Err(ServiceError::conflict(
        code,
        format!("the campaign is {status}: only an UPLOADING campaign takes rows"),
    ))
}

fn upload_too_large(max_upload_bytes: u64) -> ServiceError {
    ServiceError::too_large(
        "upload_too_large",
        format!("the file passes {max_upload_bytes} bytes (campaigns.max_upload_bytes)"),
    )
}

fn quoted_row_too_long(error: rows::QuotedRowTooLong) -> ServiceError {
    ServiceError::too_large(
        "row_too_large",
        format!(
            "the row of line {} passes {} bytes (campaigns.max_row_bytes) inside a quoted \
             cell: its end cannot be found",
            error.line, error.max_row_bytes
        ),
    )
}

/// Rows read from a file, written in batches.
#[derive(Default)]
struct Upload {
    batch: Vec<NewRow>,
    /// Bytes of the file read so far.
    bytes: u64,
    read: i64,
    added: u64,
    unreadable: i64,
    problems: Vec<RowProblem>,
}

impl Upload {
    fn add(
        &mut self,
        campaigns: &CampaignService,
        campaign: Uuid,
        parsed: Vec<ParsedRow>,
    ) -> Result<(), ServiceError> {
        let max_rows = campaigns.settings.max_rows;
        for row in parsed {
            self.read += 1;
            if self.read > max_rows {
                return Err(ServiceError::too_large(
                    "too_many_rows",
                    format!("a campaign holds at most {max_rows} rows (campaigns.max_rows)"),
                ));
            }
            let new = match row.fields {
                Ok(fields) => NewRow {
                    line: row.line,
                    payload: campaigns.seal_row(campaign, row.line, fields)?,
                    state: RowState::Pending,
                    detail: None,
                },
                Err(detail) => {
                    self.unreadable += 1;
                    if self.problems.len() < LISTED_PROBLEMS {
                        let line = row.line;
                        let detail = detail.clone();
                        self.problems.push(RowProblem { line, detail });
                    }
                    NewRow {
                        line: row.line,
                        payload: Value::Null,
                        state: RowState::Invalid,
                        detail: Some(detail),
                    }
                }
            };
            self.batch.push(new);
        }
        Ok(())
    }

    async fn flush(&mut self, core: &Core, id: Uuid) -> Result<(), ServiceError> {
        if !self.batch.is_empty() {
            self.added += store::insert_rows(core.db(), id, &self.batch).await?;
            self.batch.clear();
        }
        Ok(())
    }
}

fn campaign_problems(input: &CreateCampaign) -> Vec<crate::domain::FieldProblem> {
    let mut problems = Vec::new();
    let key = input.campaign_key.trim();
    if key.is_empty() || key.chars().count() > 64 {
        problems.push(problem("$.campaign_key", "1 to 64 characters"));
    }
    if input.template_id.trim().is_empty() {
        problems.push(problem("$.template_id", "required"));
    }
    if !RATE_PER_SEC.contains(&input.rate_per_sec) {
        let (min, max) = (RATE_PER_SEC.start(), RATE_PER_SEC.end());
        problems.push(problem(
            "$.rate_per_sec",
            &format!("rows per second, from {min} to {max}"),
        ));
    }
    let key_field = input.kind.key_field();
    if input.shared.contains_key(key_field) {
        problems.push(problem(
            &format!("$.shared.{key_field}"),
            "each row has its own key: set it per row or let the campaign derive it",
        ));
    }
    problems
}

impl CampaignService {
    /// Line `line` of `campaign`'s fields as stored: sealed with `pii.key` when one is
    /// configured (a JSON string `sealed:…`: they carry recipients' identifiers), else as
    /// they are.
    fn seal_row(
        &self,
        campaign: Uuid,
        line: i32,
        fields: Map<String, Value>,
    ) -> Result<Value, ServiceError> {
        let object = Value::Object(fields);
        let Some(sealer) = &self.core.pii else {
            return Ok(object);
        };
        let sealed = sealer.seal(&columns::campaign_row(campaign, line), &object.to_string())?;
        Ok(Value::String(format!("{SEALED}{sealed}")))
    }

    /// A stored row's fields.
    pub(crate) fn open_row(
        &self,
        campaign: Uuid,
        line: i32,
        payload: &Value,
    ) -> Result<Map<String, Value>, String> {
        open_row(self.core.pii.as_ref(), campaign, line, payload)
    }
}

/// Line `line` of `campaign`'s stored fields (sealed or not), opened with `sealer`.
pub(crate) fn open_row(
    sealer: Option<&Sealer>,
    campaign: Uuid,
    line: i32,
    payload: &Value,
) -> Result<Map<String, Value>, String> {
    let object = match payload.as_str().and_then(|s| s.strip_prefix(SEALED)) {
        Some(sealed) => {
            let sealer = sealer.ok_or("a sealed row, and no pii.key")?;
            let text = sealer
                .open(&columns::campaign_row(campaign, line), sealed)
                .map_err(|e| e.to_string())?;
            serde_json::from_str(&text).map_err(|e| e.to_string())?
        }
        None => payload.clone(),
    };
    match object {
        Value::Object(fields) => Ok(fields),
        Value::Null => Err("the row's fields were removed (retention)".into()),
        _ => Err("the row has no fields".into()),
    }
}

fn problem(path: &str, message: &str) -> crate::domain::FieldProblem {
    crate::domain::FieldProblem {
        path: path.to_owned(),
        message: message.to_owned(),
        alipay_code: None,
    }
}

/// The stable prefix of derived row keys: 16 hex digits of the app and campaign key, so
/// the same campaign derives the same keys on every replica and after every restart.
fn key_prefix(app_id: &str, campaign_key: &str) -> String {
    let digest = Sha256::digest(format!("{app_id}\n{campaign_key}").as_bytes());
    format!("c{}", &hex::encode(digest)[..15])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_are_stable_short_and_distinct() {
        let a = key_prefix("2021000000000001", "spring");
        assert_eq!(a, key_prefix("2021000000000001", "spring"));
        assert_ne!(a, key_prefix("2021000000000001", "spring-2"));
        assert_ne!(a, key_prefix("2021000000000002", "spring"));
        // With a row number of up to 7 digits, a derived serial_number fits in 32.
        assert!(format!("{a}-1000000").len() <= 32);
    }
}
