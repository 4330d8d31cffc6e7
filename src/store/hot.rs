//! Connections for the two statements every issuance runs (its claim and its settlement),
//! kept beside sqlx's pool. sqlx 0.8 pings each connection it takes back: one more round
//! trip, and a spawned task, per statement. Here a connection goes back to the idle list
//! only when its statement succeeded; one whose statement was cancelled or failed is closed
//! instead, which is the case the ping exists for. A connection idle for longer than half a
//! second is pinged before it is used (HikariCP's rule): under load that is never, and after
//! a quiet spell a restarted Postgres costs a round trip instead of a failed request.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, PgPool};
use tokio::sync::{Semaphore, SemaphorePermit};

/// A connection is closed once it is this old, as sqlx's pool does (its default), so that
/// server-side session memory and a replaced server certificate do not live forever.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A connection used this recently is taken without a ping.
const TRUSTED_FOR: Duration = Duration::from_millis(500);

struct Idle {
    conn: PgConnection,
    born: Instant,
    used: Instant,
}

pub struct HotConnections {
    /// Most recently used last: the next statement takes the warmest connection.
    idle: Mutex<Vec<Idle>>,
    size: u32,
    permits: Semaphore,
    options: Arc<PgConnectOptions>,
    acquire_timeout: Duration,
}

impl HotConnections {
    /// Up to `size` connections, to the pool's database, waiting as long as the pool does.
    pub fn beside(pool: &PgPool, size: u32) -> Self {
        let size = size.max(1);
        HotConnections {
            idle: Mutex::new(Vec::new()),
            size,
            permits: Semaphore::new(size as usize),
            options: pool.connect_options(),
            acquire_timeout: pool.options().get_acquire_timeout(),
        }
    }

    /// An idle connection, or a new one; `PoolTimedOut` after the acquire timeout, as the
    /// pool answers (so callers map and count it the same way).
    pub async fn acquire(&self) -> Result<HotConnection<'_>, sqlx::Error> {
        let deadline = tokio::time::Instant::now() + self.acquire_timeout;
        let permit = tokio::time::timeout_at(deadline, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let (conn, born) = loop {
            let idle = self.idle.lock().pop();
            match idle {
                Some(idle) if idle.used.elapsed() < TRUSTED_FOR => break (idle.conn, idle.born),
                Some(mut idle) => {
                    let ping = tokio::time::timeout_at(deadline, idle.conn.ping()).await;
                    match ping {
                        Ok(Ok(())) => break (idle.conn, idle.born),
                        Ok(Err(_)) => continue, // dead (a restarted server): closed, try the next
                        Err(_) => return Err(sqlx::Error::PoolTimedOut),
                    }
                }
                None => {
                    let conn = tokio::time::timeout_at(deadline, self.options.connect())
                        .await
                        .map_err(|_| sqlx::Error::PoolTimedOut)??;
                    break (conn, Instant::now());
                }
            }
        };
        Ok(HotConnection {
            conn: Some(conn),
            born,
            home: self,
            _permit: permit,
        })
    }

    /// In use, open and idle, and the most there may be: for the metrics.
    pub fn counts(&self) -> HotCounts {
        let free = self.permits.available_permits() as u32;
        HotCounts {
            in_use: self.size.saturating_sub(free),
            idle: self.idle.lock().len() as u32,
            max: self.size,
        }
    }
}

pub struct HotCounts {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

/// One connection out of [`HotConnections`]. Dropped without [`HotConnection::finish`]
/// (a cancelled request, a panic), it is closed rather than reused.
pub struct HotConnection<'a> {
    conn: Option<PgConnection>,
    born: Instant,
    home: &'a HotConnections,
    _permit: SemaphorePermit<'a>,
}

impl HotConnection<'_> {
    /// Ends the connection's use with its statement's result. After a success it waits for
    /// the next statement. After any error it is closed, and so are the idle ones: for these
    /// two statements an error is never routine, and a Postgres shutting down or restarting
    /// shows first as an error on every connection (57P01 "terminating connection due to
    /// administrator command"), which would make each of them fail one more request.
    pub fn finish<T>(mut self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        match &result {
            Ok(_) if self.born.elapsed() < MAX_LIFETIME => {
                if let Some(conn) = self.conn.take() {
                    self.home.idle.lock().push(Idle {
                        conn,
                        born: self.born,
                        used: Instant::now(),
                    });
                }
            }
            Ok(_) => {}
            Err(_) => self.home.idle.lock().clear(),
        }
        result
    }
}

impl Deref for HotConnection<'_> {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        self.conn.as_ref().expect("present until finished")
    }
}

impl DerefMut for HotConnection<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("present until finished")
    }
}

/// These tests' statements stay runtime SQL: `scripts/sqlx.sh prepare` builds the library,
/// not its tests, so a checked statement here would have no offline data. The store's
/// checked statements run on these connections too (`insert_pass`, `settle_pass_issue`).
#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::postgres::PgPoolOptions;

    /// The machine's Postgres, as every test finds it; nothing is written.
    fn pool(acquire_timeout: Duration) -> PgPool {
        // The base URL the integration tests use (no database named), then its `postgres`.
        let base = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
        PgPoolOptions::new()
            .acquire_timeout(acquire_timeout)
            .connect_lazy(&format!("{base}/postgres"))
            .unwrap()
    }

    async fn backend_pid(conn: &mut PgConnection) -> Result<i32, sqlx::Error> {
        sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(conn)
            .await
    }

    #[tokio::test]
    async fn a_finished_statement_gives_its_connection_back_for_the_next() {
        let hot = HotConnections::beside(&pool(Duration::from_secs(5)), 2);
        let mut conn = hot.acquire().await.unwrap();
        let pid = backend_pid(&mut conn).await;
        let first = conn.finish(pid).unwrap();
        assert_eq!(hot.counts().idle, 1);
        let mut conn = hot.acquire().await.unwrap();
        let pid = backend_pid(&mut conn).await;
        assert_eq!(conn.finish(pid).unwrap(), first);
    }

    #[tokio::test]
    async fn an_error_closes_the_connection_and_the_idle_ones() {
        let hot = HotConnections::beside(&pool(Duration::from_secs(5)), 2);
        let mut idle = hot.acquire().await.unwrap();
        let mut failing = hot.acquire().await.unwrap();
        let idle_pid = backend_pid(&mut idle).await;
        let idle_pid = idle.finish(idle_pid).unwrap();
        let failing_pid = backend_pid(&mut failing).await.unwrap();
        assert_eq!(hot.counts().idle, 1);
        let refused = sqlx::query("SELECT 1/0").execute(&mut *failing).await;
        assert!(failing.finish(refused).is_err());
        assert_eq!(hot.counts().idle, 0);
        let mut conn = hot.acquire().await.unwrap();
        let pid = backend_pid(&mut conn).await.unwrap();
        assert!(pid != idle_pid && pid != failing_pid);
    }

    #[tokio::test]
    async fn a_cancelled_statement_closes_its_connection() {
        let hot = HotConnections::beside(&pool(Duration::from_secs(5)), 1);
        let mut conn = hot.acquire().await.unwrap();
        let pid = backend_pid(&mut conn).await;
        let first = conn.finish(pid).unwrap();
        // The request is dropped while its statement runs: the connection is mid-answer.
        let mut conn = hot.acquire().await.unwrap();
        let slow = sqlx::query("SELECT pg_sleep(5)").execute(&mut *conn);
        assert!(tokio::time::timeout(Duration::from_millis(100), slow)
            .await
            .is_err());
        drop(conn);
        assert_eq!(hot.counts().idle, 0);
        // The permit came back with it, and the next statement gets a fresh connection.
        let mut conn = hot.acquire().await.unwrap();
        let pid = backend_pid(&mut conn).await;
        assert_ne!(conn.finish(pid).unwrap(), first);
    }

    #[tokio::test]
    async fn a_connection_that_died_while_idle_is_replaced_not_used() {
        let pool = pool(Duration::from_secs(5));
        let hot = HotConnections::beside(&pool, 1);
        let mut conn = hot.acquire().await.unwrap();
        let pid = backend_pid(&mut conn).await;
        let first = conn.finish(pid).unwrap();
        // Its server process ends (as in a restart) while the connection sits idle.
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(first)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(ended);
        tokio::time::sleep(TRUSTED_FOR + Duration::from_millis(100)).await;
        let mut conn = hot.acquire().await.unwrap();
        let pid = backend_pid(&mut conn).await;
        assert_ne!(conn.finish(pid).unwrap(), first);
    }

    #[tokio::test]
    async fn all_connections_busy_is_a_pool_timeout() {
        let hot = HotConnections::beside(&pool(Duration::from_millis(200)), 1);
        let held = hot.acquire().await.unwrap();
        let waited = Instant::now();
        assert!(matches!(
            hot.acquire().await.err(),
            Some(sqlx::Error::PoolTimedOut)
        ));
        assert!(waited.elapsed() >= Duration::from_millis(200));
        drop(held);
        assert!(hot.acquire().await.is_ok());
    }
}
