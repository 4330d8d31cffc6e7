//! Open records for the reconciler, and the operations without an Alipay-side key.

use super::*;
use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// What the reconciler looks for: adds whose call is unsettled, and pending operations
/// without an Alipay-side key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenWork {
    Add(RecordKind),
    Pending(Pending),
}

impl OpenWork {
    pub const ALL: [OpenWork; 5] = [
        OpenWork::Add(RecordKind::Pass),
        OpenWork::Add(RecordKind::Template),
        OpenWork::Add(RecordKind::Voucher),
        OpenWork::Pending(Pending::PassChange),
        OpenWork::Pending(Pending::TemplateUpdate),
    ];

    /// As metrics label it.
    pub fn name(self) -> &'static str {
        match self {
            OpenWork::Add(RecordKind::Pass) => "pass_issue",
            OpenWork::Add(RecordKind::Template) => "template_add",
            OpenWork::Add(RecordKind::Voucher) => "voucher_send",
            OpenWork::Pending(Pending::PassChange) => "pass_change",
            OpenWork::Pending(Pending::TemplateUpdate) => "template_update",
        }
    }

    /// Table and condition; each condition is the predicate of a partial index.
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            OpenWork::Add(RecordKind::Pass) => ("passes", "status = 'ISSUING'"),
            OpenWork::Add(RecordKind::Template) => ("templates", "status = 'PENDING'"),
            OpenWork::Add(RecordKind::Voucher) => ("vouchers", "status = 'PENDING'"),
            OpenWork::Pending(Pending::PassChange) => ("passes", "pending_change IS NOT NULL"),
            OpenWork::Pending(Pending::TemplateUpdate) => {
                ("templates", "pending_update IS NOT NULL")
            }
        }
    }
}

/// Records with open work (lease expired) untouched for `stale_after`, oldest first.
#[tracing::instrument(name = "db.stale_records", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn stale_records(
    db: &PgPool,
    work: OpenWork,
    stale_after: Duration,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let (table, open_condition) = work.sql();
    // A keyless operation waits twice as long after each try whose answer proved nothing,
    // and one that waits for an operator is not resent at all.
    let (backoff, awaiting) = match work {
        OpenWork::Add(_) => ("1".to_owned(), "false".to_owned()),
        OpenWork::Pending(pending) => {
            let column = pending.sql().1;
            (
                format!("power(2, least(coalesce(({column}->>'unproven_tries')::int, 0), 6))"),
                awaiting_operator(column),
            )
        }
    };
    let rows: Vec<(Uuid,)> = sqlx::query_as(&format!(
        "SELECT id FROM {table} WHERE {open_condition} AND (lease_until IS NULL OR lease_until < now()) \
         AND NOT {awaiting} AND updated_at < now() - $1 * {backoff} ORDER BY updated_at LIMIT $2"
    ))
    .bind(stale_after)
    .bind(limit)
    .fetch_all(db)
    .await
    .map_err(failed("stale_records"))?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Whether the pending operation in `column` waits for an operator (SQL).
fn awaiting_operator(column: &str) -> String {
    format!("coalesce(({column}->>'needs_confirmation')::boolean, false)")
}

/// Open records of one kind of work, in one state and age bucket.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenCount {
    /// `lt_1m`, `1m_10m`, `10m_1h` or `ge_1h` since the record opened.
    pub age: String,
    /// A live lease holds it (the call is in flight).
    pub in_flight: bool,
    /// No answer proved its state: it waits for an operator.
    pub needs_confirmation: bool,
    pub count: i64,
    pub oldest_secs: f64,
}

/// Open records of `work` by state and age bucket (for the metrics).
pub async fn open_counts(db: &PgPool, work: OpenWork) -> Result<Vec<OpenCount>, sqlx::Error> {
    let (table, open_condition) = work.sql();
    // An add opened when its record was written; a pending operation when it was taken.
    let (since, awaiting) = match work {
        OpenWork::Add(_) => ("created_at", "false".to_owned()),
        OpenWork::Pending(pending) => ("updated_at", awaiting_operator(pending.sql().1)),
    };
    sqlx::query_as(&format!(
        "SELECT CASE WHEN age < 60 THEN 'lt_1m' WHEN age < 600 THEN '1m_10m' \
         WHEN age < 3600 THEN '10m_1h' ELSE 'ge_1h' END AS age, in_flight, needs_confirmation, \
         count(*) AS count, max(age) AS oldest_secs FROM ( \
         SELECT EXTRACT(EPOCH FROM now() - {since})::float8 AS age, \
         coalesce(lease_until >= now(), false) AS in_flight, {awaiting} AS needs_confirmation \
         FROM {table} WHERE {open_condition}) o \
         GROUP BY 1, 2, 3"
    ))
    .fetch_all(db)
    .await
    .map_err(failed("open_counts"))
}

/// Templates Alipay created without telling us their id (NEEDS_ALIPAY_ID): each waits for
/// an operator to set it.
pub async fn templates_needing_alipay_id(db: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM templates WHERE status = 'NEEDS_ALIPAY_ID'")
        .fetch_one(db)
        .await
        .map_err(failed("templates_needing_alipay_id"))
}

/// The operations without an Alipay-side key, kept on their row until settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    TemplateUpdate,
    PassChange,
}

impl Pending {
    pub fn as_str(self) -> &'static str {
        match self {
            Pending::TemplateUpdate => "template_update",
            Pending::PassChange => "pass_change",
        }
    }

    /// Table, pending column and the row's columns.
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Pending::TemplateUpdate => ("templates", "pending_update", TEMPLATE_COLUMNS),
            Pending::PassChange => ("passes", "pending_change", PASS_COLUMNS),
        }
    }

    /// The status a record must have for the operation to begin.
    fn ready_status(self) -> &'static str {
        match self {
            Pending::TemplateUpdate => "CREATED",
            Pending::PassChange => "ISSUED",
        }
    }
}

/// Which pending operation a write takes on a record.
#[derive(Debug, Clone, Copy)]
pub enum Take<'a> {
    /// A new one, on a record of `app_id` that is ready (a CREATED template, an ISSUED pass)
    /// and holds no other.
    New { app_id: &'a str },
    /// The one named `operation_id`, once its lease expired and it has been quiet for
    /// `quiet` (the reconciler, or the caller resending the same operation); never one that
    /// waits for an operator.
    Resume { operation_id: Uuid, quiet: Duration },
    /// The one named `operation_id` that waits for an operator, to settle it as they say.
    Resolve { operation_id: Uuid },
}

/// Takes record `id` for a pending operation as `take` says, storing `value` and a lease;
/// None when the record cannot be taken.
#[tracing::instrument(name = "db.take_pending", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn take_pending<R>(
    db: &PgPool,
    (pending, id): (Pending, Uuid),
    take: Take<'_>,
    value: &Value,
    lease: Lease,
) -> Result<Option<R>, sqlx::Error>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let (table, column, columns) = pending.sql();
    // $6 (the quiet time) is used by a resume only; it is bound either way.
    let (condition, key, quiet) = match take {
        Take::New { app_id } => (
            format!(
                "app_id = $2 AND status = '{}' AND {column} IS NULL",
                pending.ready_status()
            ),
            app_id.to_owned(),
            Duration::ZERO,
        ),
        Take::Resume {
            operation_id,
            quiet,
        } => (
            format!(
                "{column}->>'id' = $2 AND updated_at < now() - $6 AND NOT {}",
                awaiting_operator(column)
            ),
            operation_id.to_string(),
            quiet,
        ),
        Take::Resolve { operation_id } => (
            format!("{column}->>'id' = $2 AND {}", awaiting_operator(column)),
            operation_id.to_string(),
            Duration::ZERO,
        ),
    };
    sqlx::query_as(&format!(
        "UPDATE {table} SET {column} = $3, lease_until = now() + $4, lease_token = $5, \
         updated_at = now() WHERE id = $1 AND {condition} \
         AND (lease_until IS NULL OR lease_until < now()) RETURNING {columns}"
    ))
    .bind(id)
    .bind(key)
    .bind(value)
    .bind(lease.length)
    .bind(lease.token)
    .bind(quiet)
    .fetch_optional(db)
    .await
    .map_err(failed("take_pending"))
}

/// After an unknown outcome: keeps the operation (marked uncertain) for a retry or the
/// reconciler and frees the lease. Fenced.
#[tracing::instrument(name = "db.keep_pending", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn keep_pending(
    db: &PgPool,
    pending: Pending,
    id: Uuid,
    token: Uuid,
    value: &Value,
    calls: &CallLog<'_>,
) -> Result<(), sqlx::Error> {
    let (table, column, _) = pending.sql();
    let mut tx = db.begin().await?;
    sqlx::query(&format!(
        "UPDATE {table} SET {column} = $3, lease_until = NULL, updated_at = now() \
         WHERE id = $1 AND lease_token = $2 AND {column} IS NOT NULL"
    ))
    .bind(id)
    .bind(token)
    .bind(value)
    .execute(&mut *tx)
    .await
    .map_err(failed("keep_pending"))?;
    commit_with_calls(tx, db, true, calls).await.map(drop)
}
