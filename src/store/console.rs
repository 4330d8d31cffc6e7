//! What the operator console reads beyond the API's own queries: counts, a rate, searches,
//! and its signed-out sessions. Every statement is checked against the schema at build time
//! (`sqlx::query!`, offline data in `.sqlx/`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::store::failed;

/// How many of an app's records of one kind are in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCount {
    /// `templates`, `passes` or `vouchers`: a literal of the statement, never input.
    pub records: String,
    pub status: String,
    pub count: i64,
}

/// The app's templates, passes and vouchers by status, in one round trip.
pub async fn status_counts(db: &PgPool, app_id: &str) -> Result<Vec<StatusCount>, sqlx::Error> {
    sqlx::query_as!(
        StatusCount,
        r#"SELECT 'templates' AS "records!", status AS "status!", count(*) AS "count!"
           FROM templates WHERE app_id = $1 GROUP BY status
           UNION ALL
           SELECT 'passes', status, count(*) FROM passes WHERE app_id = $1 GROUP BY status
           UNION ALL
           SELECT 'vouchers', status, count(*) FROM vouchers WHERE app_id = $1 GROUP BY status
           ORDER BY 1, 2"#,
        app_id
    )
    .fetch_all(db)
    .await
    .map_err(failed("console_status_counts"))
}

/// Passes issued in each of the last twelve five-minute windows, oldest first.
pub async fn issued_last_hour(db: &PgPool, app_id: &str) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT (extract(epoch FROM now() - updated_at) / 300)::int AS "bucket!",
                  count(*) AS "count!"
           FROM passes WHERE app_id = $1 AND status <> 'ISSUING' AND status <> 'FAILED'
           AND updated_at > now() - interval '1 hour' GROUP BY 1"#,
        app_id
    )
    .fetch_all(db)
    .await
    .map_err(failed("console_issued_last_hour"))?;
    let mut buckets = vec![0; 12];
    for row in rows {
        if let Some(slot) = usize::try_from(row.bucket).ok().filter(|b| *b < 12) {
            buckets[11 - slot] = row.count;
        }
    }
    Ok(buckets)
}

/// Serial numbers of the app's passes bought with `out_trade_no`, newest first.
pub async fn serials_by_trade(
    db: &PgPool,
    app_id: &str,
    out_trade_no: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT serial_number FROM passes WHERE app_id = $1 AND out_trade_no = $2 \
         ORDER BY created_at DESC LIMIT 50",
        app_id,
        out_trade_no
    )
    .fetch_all(db)
    .await
    .map_err(failed("console_serials_by_trade"))
}

#[derive(Debug, Clone)]
pub struct CampaignLine {
    pub id: Uuid,
    pub campaign_key: String,
    pub kind: String,
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub created_at: DateTime<Utc>,
}

/// The app's campaigns, newest first, with their progress.
pub async fn campaigns(db: &PgPool, app_id: &str) -> Result<Vec<CampaignLine>, sqlx::Error> {
    sqlx::query_as!(
        CampaignLine,
        r#"SELECT c.id, c.campaign_key, c.kind, c.status, c.created_at,
           (SELECT count(*) FROM campaign_rows r WHERE r.campaign_id = c.id) AS "total!",
           (SELECT count(*) FROM campaign_row_results r WHERE r.campaign_id = c.id
            AND r.state NOT IN ('PENDING', 'UNKNOWN')) AS "done!"
           FROM campaigns c WHERE c.app_id = $1 ORDER BY c.created_at DESC LIMIT 50"#,
        app_id
    )
    .fetch_all(db)
    .await
    .map_err(failed("console_campaigns"))
}

/// Ends a console session on every replica until it would have expired anyway, and forgets
/// the sessions that have.
pub async fn revoke_session(
    db: &PgPool,
    session_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM console_revoked_sessions WHERE expires_at < now()")
        .execute(db)
        .await
        .map_err(failed("console_forget_sessions"))?;
    sqlx::query!(
        "INSERT INTO console_revoked_sessions (session_id, expires_at) VALUES ($1, $2) \
         ON CONFLICT (session_id) DO NOTHING",
        session_id,
        expires_at
    )
    .execute(db)
    .await
    .map_err(failed("console_revoke_session"))?;
    Ok(())
}

/// Whether a console session was signed out.
pub async fn session_revoked(db: &PgPool, session_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM console_revoked_sessions WHERE session_id = $1) AS "revoked!""#,
        session_id
    )
    .fetch_one(db)
    .await
    .map_err(failed("console_session_revoked"))
}
