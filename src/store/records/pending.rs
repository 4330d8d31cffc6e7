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
}

/// Calls `$statement!` with the literal SQL of `$work`'s open records, written once per kind
/// of work: where they are (a table and its open condition, the predicate of a partial
/// index), the column that dates when the work opened, how much longer each try whose answer
/// proved nothing waits, and whether one waits for an operator.
macro_rules! with_open_work {
    ($work:expr, $statement:ident) => {
        match $work {
            OpenWork::Add(RecordKind::Pass) => {
                $statement!(
                    "passes WHERE status = 'ISSUING'",
                    "created_at",
                    "1",
                    "false"
                )
            }
            OpenWork::Add(RecordKind::Template) => {
                $statement!(
                    "templates WHERE status = 'PENDING'",
                    "created_at",
                    "1",
                    "false"
                )
            }
            OpenWork::Add(RecordKind::Voucher) => {
                $statement!(
                    "vouchers WHERE status = 'PENDING'",
                    "created_at",
                    "1",
                    "false"
                )
            }
            OpenWork::Pending(Pending::PassChange) => $statement!(
                "passes WHERE pending_change IS NOT NULL",
                "updated_at",
                "power(2, least(coalesce((pending_change->>'unproven_tries')::int, 0), 6))",
                "coalesce((pending_change->>'needs_confirmation')::boolean, false)"
            ),
            OpenWork::Pending(Pending::TemplateUpdate) => $statement!(
                "templates WHERE pending_update IS NOT NULL",
                "updated_at",
                "power(2, least(coalesce((pending_update->>'unproven_tries')::int, 0), 6))",
                "coalesce((pending_update->>'needs_confirmation')::boolean, false)"
            ),
        }
    };
}

/// Records with open work (lease expired) untouched for `stale_after`, oldest first.
#[tracing::instrument(name = "db.stale_records", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn stale_records(
    db: &PgPool,
    work: OpenWork,
    stale_after: Duration,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    // A keyless operation waits twice as long after each try whose answer proved nothing,
    // and one that waits for an operator is not resent at all.
    macro_rules! stale_ids {
        ($from:literal, $since:literal, $backoff:literal, $awaiting:literal) => {
            sqlx::query_scalar!(
                "SELECT id FROM "
                    + $from
                    + " AND NOT "
                    + $awaiting
                    + " AND (lease_until IS NULL OR lease_until < now())
                 AND updated_at < now() - $1::interval * "
                    + $backoff
                    + "
                 ORDER BY updated_at LIMIT $2",
                stale_after as _,
                limit
            )
            .fetch_all(db)
            .await
        };
    }
    with_open_work!(work, stale_ids).map_err(failed("stale_records"))
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
    // An add opened when its record was written; a pending operation when it was taken.
    macro_rules! open_counts {
        ($from:literal, $since:literal, $backoff:literal, $awaiting:literal) => {
            sqlx::query_as!(
                OpenCount,
                r#"SELECT CASE WHEN age < 60 THEN 'lt_1m' WHEN age < 600 THEN '1m_10m'
                     WHEN age < 3600 THEN '10m_1h' ELSE 'ge_1h' END AS "age!",
                     in_flight AS "in_flight!", needs_confirmation AS "needs_confirmation!",
                     count(*) AS "count!", max(age) AS "oldest_secs!"
                 FROM (SELECT EXTRACT(EPOCH FROM now() - "#
                    + $since
                    + r#")::float8 AS age,
                     coalesce(lease_until >= now(), false) AS in_flight,
                     "#
                    + $awaiting
                    + r#" AS needs_confirmation FROM "#
                    + $from
                    + r#") o
                 GROUP BY 1, 2, 3"#
            )
            .fetch_all(db)
            .await
        };
    }
    with_open_work!(work, open_counts).map_err(failed("open_counts"))
}

/// Templates Alipay created without telling us their id (NEEDS_ALIPAY_ID): each waits for
/// an operator to set it.
pub async fn templates_needing_alipay_id(db: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM templates WHERE status = 'NEEDS_ALIPAY_ID'"#
    )
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

/// A row a pending operation is kept on (a template's update, a pass's change): taken by
/// [`take_pending`] with its table's statements.
pub trait PendingRow: Sized + Send + Unpin {
    fn take(
        db: &PgPool,
        id: Uuid,
        take: Take<'_>,
        value: &Value,
        lease: Lease,
    ) -> impl std::future::Future<Output = Result<Option<Self>, sqlx::Error>> + Send;
}

/// The statement that takes a row of `$table` (read through `$rows`, its column list) for
/// the operation in `$column`, storing `$3` and a lease, where `$condition` holds.
macro_rules! take_row {
    ($rows:ident, $table:literal, $column:literal, $condition:expr $(, $arg:expr)+ $(,)?) => {
        $rows!(
            "UPDATE " + $table + " SET " + $column + " = $3, lease_until = now() + $4,
                 lease_token = $5, updated_at = now()
             WHERE id = $1 AND " + $condition + "
                 AND (lease_until IS NULL OR lease_until < now()) RETURNING",
            ""
            $(, $arg)+
        )
    };
}

/// [`PendingRow`] for `$row`, whose operation is kept in `$table`'s `$column` and begins
/// only on a row in status `$ready`.
macro_rules! pending_row {
    ($row:ty, $rows:ident, $table:literal, $column:literal, $ready:literal) => {
        impl PendingRow for $row {
            async fn take(
                db: &PgPool,
                id: Uuid,
                take: Take<'_>,
                value: &Value,
                lease: Lease,
            ) -> Result<Option<Self>, sqlx::Error> {
                let length = lease.length;
                match take {
                    Take::New { app_id } => {
                        take_row!(
                            $rows,
                            $table,
                            $column,
                            "app_id = $2 AND status = '" + $ready + "' AND " + $column + " IS NULL",
                            id,
                            app_id,
                            value,
                            length as _,
                            lease.token
                        )
                        .fetch_optional(db)
                        .await
                    }
                    Take::Resume {
                        operation_id,
                        quiet,
                    } => {
                        take_row!(
                            $rows,
                            $table,
                            $column,
                            $column
                                + "->>'id' = $2 AND updated_at < now() - $6::interval
                            AND NOT coalesce(("
                                + $column
                                + "->>'needs_confirmation')::boolean,
                            false)",
                            id,
                            operation_id.to_string(),
                            value,
                            length as _,
                            lease.token,
                            quiet as _
                        )
                        .fetch_optional(db)
                        .await
                    }
                    Take::Resolve { operation_id } => {
                        take_row!(
                            $rows,
                            $table,
                            $column,
                            $column
                                + "->>'id' = $2 AND coalesce(("
                                + $column
                                + "->>'needs_confirmation')::boolean, false)",
                            id,
                            operation_id.to_string(),
                            value,
                            length as _,
                            lease.token
                        )
                        .fetch_optional(db)
                        .await
                    }
                }
            }
        }
    };
}

pending_row!(
    TemplateRow,
    template_rows,
    "templates",
    "pending_update",
    "CREATED"
);
pending_row!(PassRow, pass_rows, "passes", "pending_change", "ISSUED");

/// Takes record `id` for a pending operation as `take` says, storing `value` and a lease;
/// None when the record cannot be taken.
#[tracing::instrument(name = "db.take_pending", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn take_pending<R: PendingRow>(
    db: &PgPool,
    id: Uuid,
    take: Take<'_>,
    value: &Value,
    lease: Lease,
) -> Result<Option<R>, sqlx::Error> {
    R::take(db, id, take, value, lease)
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
    let mut tx = db.begin().await?;
    // The operation kept in `$column` of `$table`.
    macro_rules! keep {
        ($table:literal, $column:literal) => {
            sqlx::query!(
                "UPDATE "
                    + $table
                    + " SET "
                    + $column
                    + " = $3, lease_until = NULL,
                     updated_at = now()
                 WHERE id = $1 AND lease_token = $2 AND "
                    + $column
                    + " IS NOT NULL",
                id,
                token,
                value
            )
            .execute(&mut *tx)
            .await
        };
    }
    match pending {
        Pending::TemplateUpdate => keep!("templates", "pending_update"),
        Pending::PassChange => keep!("passes", "pending_change"),
    }
    .map_err(failed("keep_pending"))?;
    commit_with_calls(tx, db, true, calls).await.map(drop)
}
