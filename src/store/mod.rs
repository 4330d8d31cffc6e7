//! Persistence: Postgres (the truth) and Redis (the fast path).

// First: its macro splices the outbox into the statements of the modules below.
#[macro_use]
mod outbox;

pub mod answer;
pub mod campaigns;
pub mod certs;
pub mod console;
pub mod fast;
pub mod hot;
pub mod idempotency;
pub mod ratelimit;
pub mod record_kind;
pub mod records;
pub mod redis;
pub mod retention;
pub mod sealed;
pub mod tls;
pub mod webhooks;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

use crate::config::DatabaseSettings;

/// Logs a failed statement with the name of the store function that ran it; the error, with
/// its source, goes on to the caller unchanged.
pub(crate) fn failed(query: &'static str) -> impl Fn(sqlx::Error) -> sqlx::Error {
    move |error| {
        if matches!(error, sqlx::Error::PoolTimedOut) {
            POOL_TIMEOUTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        tracing::warn!(query, error = %error, "database statement failed");
        error
    }
}

/// Statements of this process that timed out waiting for a pooled connection.
static POOL_TIMEOUTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn pool_timeouts() -> u64 {
    POOL_TIMEOUTS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Embedded migrations. sqlx takes a Postgres advisory lock while applying them, so several
/// pods may run `alipass migrate` at once.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A lazy pool: the service starts while Postgres is down and `/readyz` reports it. The
/// options come from [`tls::postgres_options`].
pub fn lazy_pool(options: PgConnectOptions, settings: &DatabaseSettings) -> PgPool {
    pool_options(settings).connect_lazy_with(with_deadlines(options, settings))
}

/// `options` with the settings' server-side deadlines, set at every session's start-up,
/// and server-side TCP keepalives: a replica that vanished (a partition, a kill) has its
/// sessions, and the locks and connection slots they hold, ended by the server within
/// about 25 s. (sqlx sets no socket option on its own side; there the request deadline,
/// `server.request_deadline_ms`, bounds what a silent peer costs.)
fn with_deadlines(options: PgConnectOptions, settings: &DatabaseSettings) -> PgConnectOptions {
    let ms = |value: u64| format!("{value}ms");
    options.options([
        ("statement_timeout", ms(settings.statement_timeout_ms)),
        ("lock_timeout", ms(settings.lock_timeout_ms)),
        (
            "idle_in_transaction_session_timeout",
            ms(settings.idle_in_transaction_timeout_ms),
        ),
        ("tcp_keepalives_idle", "10".to_owned()),
        ("tcp_keepalives_interval", "5".to_owned()),
        ("tcp_keepalives_count", "3".to_owned()),
    ])
}

fn pool_options(settings: &DatabaseSettings) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
        // No ping before every acquire (a round trip per query, seen in the profile): a
        // connection that broke fails its query, is dropped by the pool, and the request
        // answers 503 with the record left open for a retry or the reconciler.
        .test_before_acquire(false)
}

/// Creates the database `options` name when it does not exist yet (local development),
/// connecting to the `postgres` database the same way (TLS included).
pub async fn create_database_if_missing(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut admin = options.clone().database("postgres").connect().await?;
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists!""#,
        name
    )
    .fetch_one(&mut admin)
    .await?;
    if !exists {
        // Runtime SQL: a database's name is an identifier, which no statement takes as a
        // parameter, and CREATE DATABASE cannot be prepared (nor run in a transaction).
        let quoted = name.replace('"', "\"\"");
        sqlx::query(&format!(r#"CREATE DATABASE "{quoted}""#))
            .execute(&mut admin)
            .await?;
        tracing::info!("created database");
    }
    Ok(())
}

/// Applies the migrations on a connection of `pool` without its deadlines (a migration may
/// rightly take longer than a request's statement); the connection is closed afterwards,
/// never handed back to the pool without them.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut connection = pool.acquire().await?.detach();
    // Runtime SQL: session settings, with nothing to check (no table, parameter or row).
    for off in ["SET statement_timeout = 0", "SET lock_timeout = 0"] {
        sqlx::query(off).execute(&mut connection).await?;
    }
    MIGRATOR.run(&mut connection).await
}

pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT 1 AS one")
        .fetch_one(pool)
        .await
        .map(drop)
}
