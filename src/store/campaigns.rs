//! Campaigns and their rows: created once per (app, campaign key), rows inserted in batches
//! as the file streams in, claimed by any replica with `FOR UPDATE SKIP LOCKED` under a
//! lease, and settled fenced by the lease's token.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::status::{CampaignKind, CampaignStatus, RowState};
use crate::store::failed;

#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub id: Uuid,
    pub app_id: String,
    pub campaign_key: String,
    pub kind: CampaignKind,
    pub shared: Value,
    pub rate_per_sec: f64,
    pub status: CampaignStatus,
    pub key_prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub struct NewCampaign<'a> {
    pub id: Uuid,
    pub app_id: &'a str,
    pub campaign_key: &'a str,
    pub kind: CampaignKind,
    pub shared: &'a Value,
    pub rate_per_sec: f64,
    pub key_prefix: &'a str,
    pub created_by: &'a str,
}

/// A checked statement (`sqlx::query_as!`) whose rows are [`CampaignRow`]s: `$head`, the
/// campaign's columns (kind and status decoded as their enums), then `$tail`.
macro_rules! campaign_rows {
    ($head:literal, $tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            CampaignRow,
            $head + r#" id, app_id, campaign_key, kind AS "kind: CampaignKind", shared,
                rate_per_sec, status AS "status: CampaignStatus", key_prefix, created_by,
                created_at, started_at, finished_at "# + $tail
            $(, $arg)*
        )
    };
}

/// Creates the campaign, or answers the one this app already has under the key (false).
#[tracing::instrument(name = "db.create_campaign", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn create(
    db: &PgPool,
    new: &NewCampaign<'_>,
) -> Result<(CampaignRow, bool), sqlx::Error> {
    let inserted = campaign_rows!(
        "INSERT INTO campaigns (id, app_id, campaign_key, kind, shared, rate_per_sec, status,
                                key_prefix, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'UPLOADING', $7, $8)
         ON CONFLICT (app_id, campaign_key) DO NOTHING
         RETURNING",
        "",
        new.id,
        new.app_id,
        new.campaign_key,
        new.kind as _,
        new.shared,
        new.rate_per_sec,
        new.key_prefix,
        new.created_by
    )
    .fetch_optional(db)
    .await
    .map_err(failed("create_campaign"))?;
    if let Some(row) = inserted {
        return Ok((row, true));
    }
    let existing = campaign_rows!(
        "SELECT",
        "FROM campaigns WHERE app_id = $1 AND campaign_key = $2",
        new.app_id,
        new.campaign_key
    )
    .fetch_one(db)
    .await
    .map_err(failed("create_campaign"))?;
    Ok((existing, false))
}

#[tracing::instrument(name = "db.campaign", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn campaign(
    db: &PgPool,
    app_id: &str,
    id: Uuid,
) -> Result<Option<CampaignRow>, sqlx::Error> {
    campaign_rows!(
        "SELECT",
        "FROM campaigns WHERE id = $1 AND app_id = $2",
        id,
        app_id
    )
    .fetch_optional(db)
    .await
    .map_err(failed("campaign"))
}

/// A page of the app's campaigns after `after`, oldest first (ids are time-ordered v7).
#[tracing::instrument(name = "db.campaigns_page", level = "debug", skip_all)]
pub async fn campaigns_page(
    db: &PgPool,
    app_id: &str,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<CampaignRow>, sqlx::Error> {
    campaign_rows!(
        "SELECT",
        "FROM campaigns WHERE app_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
        app_id,
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("campaigns_page"))
}

/// One row as uploaded: its fields, or (INVALID) why it could not be read.
pub struct NewRow {
    pub line: i32,
    pub payload: Value,
    pub state: RowState,
    pub detail: Option<String>,
}

/// Inserts a batch of rows; rows already there (an upload sent again) are left as they are.
/// Answers how many were new.
#[tracing::instrument(name = "db.insert_campaign_rows", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn insert_rows(
    db: &PgPool,
    campaign_id: Uuid,
    rows: &[NewRow],
) -> Result<u64, sqlx::Error> {
    let lines: Vec<i32> = rows.iter().map(|r| r.line).collect();
    let payloads: Vec<Value> = rows.iter().map(|r| r.payload.clone()).collect();
    let states: Vec<RowState> = rows.iter().map(|r| r.state).collect();
    let details: Vec<Option<&str>> = rows.iter().map(|r| r.detail.as_deref()).collect();
    let done = sqlx::query!(
        "INSERT INTO campaign_rows (campaign_id, line, payload, state, detail, code, settled_at)
         SELECT $1, line, payload, state, detail,
                CASE WHEN state = 'INVALID' THEN 'unreadable_row' END,
                CASE WHEN state = 'INVALID' THEN now() END
         FROM UNNEST($2::int4[], $3::jsonb[], $4::text[], $5::text[])
              AS u(line, payload, state, detail)
         ON CONFLICT (campaign_id, line) DO NOTHING",
        campaign_id,
        &lines,
        &payloads,
        &states as _,
        &details as _
    )
    .execute(db)
    .await
    .map_err(failed("insert_campaign_rows"))?;
    Ok(done.rows_affected())
}

/// Moves the campaign from one of `from` to `to` (RUNNING stamps started_at, CANCELLED
/// cancels the rows not yet sent). None when it is in none of `from`.
#[tracing::instrument(name = "db.set_campaign_status", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn set_status(
    db: &PgPool,
    id: Uuid,
    from: &[CampaignStatus],
    to: CampaignStatus,
) -> Result<Option<CampaignRow>, sqlx::Error> {
    let mut tx = db.begin().await.map_err(failed("set_campaign_status"))?;
    let row = campaign_rows!(
        "UPDATE campaigns SET status = $2,
             started_at = CASE WHEN $2 = 'RUNNING' THEN coalesce(started_at, now()) ELSE started_at END,
             finished_at = CASE WHEN $2 IN ('CANCELLED', 'FINISHED') THEN now() ELSE finished_at END
         WHERE id = $1 AND status = ANY($3)
         RETURNING",
        "",
        id,
        to as _,
        from as _
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(failed("set_campaign_status"))?;
    if row.is_some() && to == CampaignStatus::Cancelled {
        sqlx::query!(
            "UPDATE campaign_rows SET state = 'CANCELLED', settled_at = now()
             WHERE campaign_id = $1 AND state = 'PENDING'",
            id
        )
        .execute(&mut *tx)
        .await
        .map_err(failed("set_campaign_status"))?;
    }
    tx.commit().await.map_err(failed("set_campaign_status"))?;
    Ok(row)
}

/// Campaigns with work a worker may take: the RUNNING ones, and any other with an UNKNOWN
/// row still to settle (a paused or cancelled campaign's open outcomes are still settled).
#[tracing::instrument(name = "db.active_campaigns", level = "debug", skip_all)]
pub async fn active(db: &PgPool) -> Result<Vec<CampaignRow>, sqlx::Error> {
    campaign_rows!(
        "SELECT",
        "FROM campaigns c
         WHERE status = 'RUNNING'
            OR (status IN ('PAUSED', 'CANCELLED') AND EXISTS (
                SELECT 1 FROM campaign_rows r
                WHERE r.campaign_id = c.id AND r.state = 'UNKNOWN' AND r.not_before < 'infinity'))
         ORDER BY created_at"
    )
    .fetch_all(db)
    .await
    .map_err(failed("active_campaigns"))
}

/// A row a worker holds until `lease_token`'s lease ends.
#[derive(Debug, Clone)]
pub struct ClaimedRow {
    pub line: i32,
    pub payload: Value,
    pub attempts: i32,
    pub lease_token: Uuid,
}

/// Leases up to `limit` of the campaign's rows that are due: PENDING ones (only while it
/// runs) and UNKNOWN ones (to settle them). A claim is not an attempt: only a call that
/// reached the gateway counts (`RowOutcome::reached`).
#[tracing::instrument(name = "db.claim_campaign_rows", level = "debug", skip_all)]
pub async fn claim_rows(
    db: &PgPool,
    campaign: &CampaignRow,
    limit: i64,
    lease: Duration,
) -> Result<Vec<ClaimedRow>, sqlx::Error> {
    let states: &[&str] = if campaign.status == CampaignStatus::Running {
        &["PENDING", "UNKNOWN"]
    } else {
        &["UNKNOWN"]
    };
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    sqlx::query_as!(
        ClaimedRow,
        r#"WITH due AS (
             SELECT line FROM campaign_rows
             WHERE campaign_id = $1 AND state = ANY($2) AND not_before <= now()
               AND (lease_until IS NULL OR lease_until < now())
             ORDER BY not_before, line
             LIMIT $3
             FOR UPDATE SKIP LOCKED)
         UPDATE campaign_rows r
         SET lease_token = $4, lease_until = now() + $5::int8 * interval '1 millisecond'
         FROM due WHERE r.campaign_id = $1 AND r.line = due.line
         RETURNING r.line, r.payload, r.attempts, r.lease_token AS "lease_token!""#,
        campaign.id,
        states as _,
        limit,
        Uuid::new_v4(),
        lease_ms
    )
    .fetch_all(db)
    .await
    .map_err(failed("claim_campaign_rows"))
}

/// What became of one row.
pub struct RowOutcome<'a> {
    pub state: RowState,
    pub row_key: Option<&'a str>,
    pub code: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub alipay_id: Option<&'a str>,
    /// For an open row (PENDING, UNKNOWN): when it may be tried again; None: never.
    pub retry_after: Option<Duration>,
    /// The send reached the gateway: one more attempt toward `campaigns.max_attempts`.
    pub reached: bool,
    /// The record the row's request claimed, once there is one: from then on the row's
    /// result is that record's (`campaign_row_results`).
    pub record: Option<&'a RecordLink>,
}

/// How to find the record a row's request made, by its natural key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordLink {
    /// A voucher under (app, template_id, out_biz_no = the row's key).
    Voucher { template_id: String },
    /// A pass under (app, channel, serial_number = the row's key) made from `template_id`;
    /// `channel_id` when the row named it, else the one pass of that template and serial.
    Pass {
        template_id: Uuid,
        channel_id: Option<String>,
    },
}

/// Writes a row's outcome and frees its lease; false when the lease was lost (another
/// worker took the row over and will write it). Links the row to its record the first time
/// the record is there.
#[tracing::instrument(name = "db.settle_campaign_row", level = "debug", skip_all)]
pub async fn settle_row(
    db: &PgPool,
    (campaign_id, line, token): (Uuid, i32, Uuid),
    outcome: &RowOutcome<'_>,
) -> Result<bool, sqlx::Error> {
    let open = matches!(outcome.state, RowState::Pending | RowState::Unknown);
    let retry_ms = outcome
        .retry_after
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let (link_kind, voucher_template, pass_template, channel) = match outcome.record {
        None => (None, None, None, None),
        Some(RecordLink::Voucher { template_id }) => {
            (Some("voucher"), Some(template_id.as_str()), None, None)
        }
        Some(RecordLink::Pass {
            template_id,
            channel_id,
        }) => (
            Some("pass"),
            None,
            Some(*template_id),
            channel_id.as_deref(),
        ),
    };
    let done = sqlx::query!(
        "UPDATE campaign_rows r
         SET state = $4, row_key = coalesce($5, row_key), code = $6, detail = $7,
             alipay_id = coalesce($8, alipay_id), lease_token = NULL, lease_until = NULL,
             not_before = CASE WHEN NOT $9 THEN not_before
                               WHEN $10::int8 IS NULL THEN 'infinity'
                               ELSE now() + $10::int8 * interval '1 millisecond' END,
             settled_at = CASE WHEN $9 THEN NULL ELSE now() END,
             attempts = attempts + $11::int4,
             record_id = coalesce(record_id, CASE $12::text
                 WHEN 'voucher' THEN (
                     SELECT v.id FROM vouchers v JOIN campaigns c ON c.id = r.campaign_id
                     WHERE v.app_id = c.app_id AND v.template_id = $13
                       AND v.out_biz_no = coalesce($5, r.row_key))
                 WHEN 'pass' THEN (
                     SELECT min(p.id::text)::uuid FROM passes p
                     JOIN campaigns c ON c.id = r.campaign_id
                     WHERE p.app_id = c.app_id AND p.template_id = $14
                       AND p.serial_number = coalesce($5, r.row_key)
                       AND ($15::text IS NULL OR p.channel_id = $15)
                     HAVING count(*) = 1)
             END)
         WHERE campaign_id = $1 AND line = $2 AND lease_token = $3",
        campaign_id,
        line,
        token,
        outcome.state as _,
        outcome.row_key,
        outcome.code,
        outcome.detail,
        outcome.alipay_id,
        open,
        retry_ms,
        i32::from(outcome.reached),
        link_kind,
        voucher_template,
        pass_template,
        channel
    )
    .execute(db)
    .await
    .map_err(failed("settle_campaign_row"))?;
    Ok(done.rows_affected() == 1)
}

/// Marks RUNNING campaigns as FINISHED once no row is left to try and every row's result
/// is settled (a row whose record is still open keeps its campaign RUNNING), announcing
/// each (`campaign.finished`) in the same statement; answers their ids.
#[tracing::instrument(name = "db.finish_campaigns", level = "debug", skip_all)]
pub async fn finish_done(db: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    with_outbox!(
        "WITH f AS (UPDATE campaigns c SET status = 'FINISHED', finished_at = now()
             WHERE status = 'RUNNING' AND NOT EXISTS (
                 SELECT 1 FROM campaign_row_results r
                 WHERE r.campaign_id = c.id
                   AND (r.state IN ('PENDING', 'UNKNOWN')
                        OR (r.own_state IN ('PENDING', 'UNKNOWN') AND r.not_before < 'infinity')))
             RETURNING id, app_id, campaign_key, finished_at), ",
        "SELECT gen_random_uuid() AS id, f.app_id, 'campaign.finished' AS type,
             jsonb_build_object('campaign_id', f.id, 'campaign_key', f.campaign_key,
                                'finished_at', f.finished_at) AS payload FROM f",
        "SELECT id FROM f"
    )
    .fetch_all(db)
    .await
    .map_err(failed("finish_campaigns"))
}

/// Rows whose worker spent its attempts while their record is still open (the reconciler
/// settles them, and the row with its record), and how many campaigns they keep running.
#[tracing::instrument(name = "db.unsettled_campaign_rows", level = "debug", skip_all)]
pub async fn unsettled(db: &PgPool) -> Result<(i64, i64), sqlx::Error> {
    let unsettled = sqlx::query!(
        r#"SELECT count(*) AS "rows!", count(DISTINCT campaign_id) AS "campaigns!"
           FROM campaign_row_results
           WHERE own_state = 'UNKNOWN' AND not_before = 'infinity' AND state = 'UNKNOWN'"#
    )
    .fetch_one(db)
    .await
    .map_err(failed("unsettled_campaign_rows"))?;
    Ok((unsettled.rows, unsettled.campaigns))
}

/// Row counts by state and code.
#[derive(Debug, Clone)]
pub struct RowCount {
    pub state: RowState,
    pub code: Option<String>,
    pub rows: i64,
}

#[tracing::instrument(name = "db.campaign_counts", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn counts(db: &PgPool, id: Uuid) -> Result<(Vec<RowCount>, i64), sqlx::Error> {
    let counts = sqlx::query_as!(
        RowCount,
        r#"SELECT state AS "state!: RowState", code, count(*) AS "rows!"
           FROM campaign_row_results WHERE campaign_id = $1 GROUP BY state, code"#,
        id
    )
    .fetch_all(db)
    .await
    .map_err(failed("campaign_counts"))?;
    let last_minute = sqlx::query_scalar!(
        r#"SELECT count(*) AS "rows!" FROM campaign_row_results
           WHERE campaign_id = $1 AND settled_at > now() - interval '1 minute'
             AND state IN ('SENT', 'REFUSED')"#,
        id
    )
    .fetch_one(db)
    .await
    .map_err(failed("campaign_counts"))?;
    Ok((counts, last_minute))
}

/// One row's result, as `GET /v1/campaigns/{id}/results` lists it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RowResult {
    pub line: i32,
    pub state: RowState,
    pub row_key: Option<String>,
    pub code: Option<String>,
    pub detail: Option<String>,
    pub alipay_id: Option<String>,
    pub attempts: i32,
}

/// A page of results after `after_line`, in line order.
#[tracing::instrument(name = "db.campaign_results", level = "debug", skip_all)]
pub async fn results_page(
    db: &PgPool,
    id: Uuid,
    state: Option<RowState>,
    after_line: i32,
    limit: i64,
) -> Result<Vec<RowResult>, sqlx::Error> {
    // A view: every column reads as nullable, so the ones its tables hold NOT NULL say so.
    sqlx::query_as!(
        RowResult,
        r#"SELECT line AS "line!", state AS "state!: RowState", row_key, code, detail,
                  alipay_id, attempts AS "attempts!"
           FROM campaign_row_results
           WHERE campaign_id = $1 AND line > $2 AND ($3::text IS NULL OR state = $3)
           ORDER BY line LIMIT $4"#,
        id,
        after_line,
        state as _,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("campaign_results"))
}

/// Copies the REFUSED rows of `from` into the new campaign `to`, as PENDING, keeping their
/// line numbers. Answers how many.
#[tracing::instrument(name = "db.copy_refused_rows", level = "debug", skip_all)]
pub async fn copy_refused(db: &PgPool, from: Uuid, to: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO campaign_rows (campaign_id, line, payload, state)
         SELECT $2, r.line, r.payload, 'PENDING' FROM campaign_rows r
         JOIN campaign_row_results x ON x.campaign_id = r.campaign_id AND x.line = r.line
         WHERE r.campaign_id = $1 AND x.state = 'REFUSED'
         ON CONFLICT (campaign_id, line) DO NOTHING",
        from,
        to
    )
    .execute(db)
    .await
    .map_err(failed("copy_refused_rows"))?;
    Ok(done.rows_affected())
}
