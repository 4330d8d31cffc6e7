//! A Redis connection that never blocks start-up: the service serves (degraded) while Redis
//! is down, and connects or reconnects by itself when it comes back. Redis is only ever the
//! fast path; every caller must stay correct when a command here fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::per_worker::{on_worker_thread, PerWorker};

#[derive(Clone)]
pub struct RedisHandle {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    connection: RwLock<Option<ConnectionManager>>,
    prefix: String,
    timeout: Duration,
    /// Each HTTP worker's own connection (see [`crate::per_worker`]).
    own: PerWorker<Own>,
}

/// An HTTP worker's own connection.
#[derive(Clone)]
enum Own {
    Opening,
    Open(ConnectionManager),
    /// Failed (to open, or a command on it): tried again after [`REOPEN_AFTER`].
    Failed(Instant),
}

const REOPEN_AFTER: Duration = Duration::from_secs(1);

/// A Redis failure; callers fall back to Postgres.
#[derive(Debug, thiserror::Error)]
pub enum RedisUnavailable {
    #[error("redis is not connected")]
    NotConnected,
    #[error("redis command timed out")]
    Timeout,
    #[error("redis error: {0}")]
    Command(#[from] redis::RedisError),
}

/// Keepalive probes and a user timeout on Redis's sockets: a connection whose peer went
/// away without a word (a partition, a node that vanished) is found dead in about 20 s and
/// replaced, instead of after the kernel's quarter of an hour of retransmissions. (Commands
/// are bounded anyway by `redis.command_timeout_ms`; this frees the connection itself.)
fn tcp_settings() -> redis::io::tcp::TcpSettings {
    use redis::io::tcp::socket2::TcpKeepalive;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(10))
        .with_interval(Duration::from_secs(5))
        .with_retries(2);
    let settings = redis::io::tcp::TcpSettings::default()
        .set_nodelay(true)
        .set_keepalive(keepalive);
    #[cfg(target_os = "linux")]
    let settings = settings.set_user_timeout(Duration::from_secs(20));
    settings
}

impl RedisHandle {
    /// Starts connecting in the background with `client` (from [`crate::store::tls::redis_client`],
    /// which checked the URL).
    pub fn start(client: redis::Client, prefix: &str, timeout: Duration) -> Self {
        let handle = Self {
            inner: Arc::new(Inner {
                client,
                connection: RwLock::new(None),
                prefix: prefix.to_owned(),
                timeout,
                own: PerWorker::default(),
            }),
        };
        let connector = handle.clone();
        tokio::spawn(async move { connector.connect_until_up().await });
        handle
    }

    fn manager_config(&self) -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_millis(500))
            .set_response_timeout(self.inner.timeout)
            // Reconnect attempts after a loss: 4 tries, 100 ms doubling, capped at 2 s.
            .set_number_of_retries(4)
            .set_factor(100)
            .set_exponent_base(2)
            .set_max_delay(2_000)
            .set_tcp_settings(tcp_settings())
    }

    async fn connect_until_up(self) {
        let config = self.manager_config();
        let mut delay = Duration::from_millis(200);
        loop {
            match ConnectionManager::new_with_config(self.inner.client.clone(), config.clone())
                .await
            {
                Ok(manager) => {
                    *self.inner.connection.write() = Some(manager);
                    tracing::info!("redis connected");
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "redis unavailable");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    pub fn key(&self, suffix: &str) -> String {
        format!("{}{}", self.inner.prefix, suffix)
    }

    /// This worker's own connection when it has one, else the shared one (and, on an HTTP
    /// worker, the worker's own is opened in the background). With its own connection the
    /// service's context switches per issued pass fell from about 9.5 to 4.2.
    fn connection(&self) -> Result<ConnectionManager, RedisUnavailable> {
        match self.inner.own.with(|own| own.clone()) {
            Some(Own::Open(own)) => return Ok(own),
            Some(Own::Failed(at)) if at.elapsed() >= REOPEN_AFTER => self.open_own(),
            None => self.open_own(),
            Some(Own::Opening | Own::Failed(_)) => {}
        }
        self.inner
            .connection
            .read()
            .clone()
            .ok_or(RedisUnavailable::NotConnected)
    }

    fn open_own(&self) {
        if !on_worker_thread() {
            return;
        }
        self.inner.own.with(|own| *own = Some(Own::Opening));
        let handle = self.clone();
        // On a single-threaded runtime this task, and the driver it starts, stay on this
        // thread.
        tokio::spawn(async move {
            let config = handle.manager_config();
            let opened = ConnectionManager::new_with_config(handle.inner.client.clone(), config);
            let opened = match opened.await {
                Ok(own) => Own::Open(own),
                Err(_) => Own::Failed(Instant::now()),
            };
            handle.inner.own.with(|own| *own = Some(opened));
        });
    }

    /// This worker's own connection failed a command (or its runtime is gone): the next
    /// commands use the shared one, which reconnects by itself, and a new own one is opened
    /// a second later.
    fn own_failed(&self) {
        self.inner.own.with(|own| {
            if matches!(own, Some(Own::Open(_))) {
                *own = Some(Own::Failed(Instant::now()));
            }
        });
    }

    #[cfg(test)]
    fn has_own(&self) -> bool {
        self.inner.own.with(|own| matches!(own, Some(Own::Open(_))))
    }

    async fn bounded<T>(
        &self,
        command: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, RedisUnavailable> {
        let result = match tokio::time::timeout(self.inner.timeout, command).await {
            Ok(result) => result.map_err(RedisUnavailable::from),
            Err(_) => Err(RedisUnavailable::Timeout),
        };
        if result.is_err() {
            self.own_failed();
        }
        result
    }

    pub async fn ping(&self) -> Result<(), RedisUnavailable> {
        let mut conn = self.connection()?;
        self.bounded(async move { redis::cmd("PING").query_async::<String>(&mut conn).await })
            .await
            .map(|_| ())
    }

    /// One round trip: the value under `answer_key` when `lookup` and it is there
    /// (`Ok(Err(bytes))`), else `SET lock_key token NX PX ttl` (`Ok(Ok(true))` when taken).
    pub async fn get_or_lock(
        &self,
        (answer_key, lookup): (&str, bool),
        lock_key: &str,
        token: &str,
        ttl: Duration,
    ) -> Result<Result<bool, Vec<u8>>, RedisUnavailable> {
        static GET_OR_LOCK: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "if ARGV[3] == '1' then local a = redis.call('GET', KEYS[1]) \
                 if a then return a end end \
                 if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end \
                 return 0",
            )
        });
        let mut conn = self.connection()?;
        let millis = ttl.as_millis() as u64;
        let reply: redis::Value = self
            .bounded(async move {
                GET_OR_LOCK
                    .key(answer_key)
                    .key(lock_key)
                    .arg(token)
                    .arg(millis)
                    .arg(if lookup { "1" } else { "0" })
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(match reply {
            redis::Value::BulkString(bytes) => Err(bytes),
            redis::Value::Int(taken) => Ok(taken == 1),
            _ => Ok(false),
        })
    }

    /// One round trip: frees `lock_key` if `token` still holds it, and stores `answer`
    /// under `answer_key` for `ttl`. Empty token or answer: that part is skipped.
    pub async fn unlock_and_set(
        &self,
        lock_key: &str,
        token: &str,
        (answer_key, answer, ttl): (&str, &[u8], Duration),
    ) -> Result<(), RedisUnavailable> {
        static UNLOCK_AND_SET: std::sync::LazyLock<redis::Script> =
            std::sync::LazyLock::new(|| {
                redis::Script::new(
                    "if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then \
                     redis.call('DEL', KEYS[1]) end \
                     if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end \
                     return 1",
                )
            });
        let mut conn = self.connection()?;
        let secs = ttl.as_secs().max(1);
        self.bounded(async move {
            UNLOCK_AND_SET
                .key(lock_key)
                .key(answer_key)
                .arg(token)
                .arg(answer)
                .arg(secs)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(|_| ())
    }

    /// One round trip on the token bucket under `key` (`per_second` refill, `burst` size),
    /// on Redis's clock so every replica shares it. `slow_down`: the gateway throttled us;
    /// the bucket is emptied for a second — once, however many throttling answers come in
    /// that second (a deficit that grew by a second per answer held an app at a few calls a
    /// second long after the gateway had recovered). Otherwise a slot is reserved: the milliseconds
    /// to wait before using it (0: now), or, when that exceeds `max_wait_ms`, minus the wait
    /// it would have needed (nothing reserved).
    pub async fn take_slot(
        &self,
        key: &str,
        (per_second, burst): (f64, f64),
        max_wait_ms: u64,
        slow_down: bool,
    ) -> Result<i64, RedisUnavailable> {
        static TAKE_SLOT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "local t = redis.call('TIME') \
                 local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) \
                 local per_ms = tonumber(ARGV[1]) / 1000 \
                 local burst = tonumber(ARGV[2]) \
                 local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts') \
                 local tokens = tonumber(b[1]) or burst \
                 local ts = tonumber(b[2]) or now \
                 tokens = math.min(burst, tokens + math.max(0, now - ts) * per_ms) \
                 local result = 0 \
                 if ARGV[4] == '1' then tokens = math.min(tokens, -tonumber(ARGV[1])) \
                 else local after = tokens - 1 local wait = 0 \
                   if after < 0 then wait = math.ceil(-after / per_ms) end \
                   if wait > tonumber(ARGV[3]) then result = -wait \
                   else tokens = after result = wait end end \
                 redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now) \
                 redis.call('PEXPIRE', KEYS[1], 120000) \
                 return result",
            )
        });
        let mut conn = self.connection()?;
        self.bounded(async move {
            TAKE_SLOT
                .key(key)
                .arg(per_second)
                .arg(burst)
                .arg(max_wait_ms)
                .arg(if slow_down { "1" } else { "0" })
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn connected() -> RedisHandle {
        let url =
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let client = redis::Client::open(url).unwrap();
        let handle = RedisHandle::start(client, "alipass-test:", Duration::from_secs(1));
        for _ in 0..100 {
            if handle.inner.connection.read().is_some() {
                return handle;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("redis did not connect");
    }

    async fn until_own(handle: &RedisHandle) -> bool {
        for _ in 0..100 {
            handle.ping().await.unwrap();
            if handle.has_own() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    #[tokio::test]
    async fn a_single_threaded_runtime_gets_its_own_connection_and_reopens_it_after_a_failure() {
        let handle = connected().await;
        assert!(!handle.has_own());
        assert!(until_own(&handle).await, "no own connection was opened");
        handle.own_failed();
        // The shared connection answers meanwhile; the own one is not retried at once.
        handle.ping().await.unwrap();
        assert!(!handle.has_own());
        tokio::time::sleep(REOPEN_AFTER).await;
        assert!(
            until_own(&handle).await,
            "the own connection was not reopened"
        );
    }

    #[tokio::test]
    async fn throttling_answers_in_one_second_empty_the_bucket_for_one_second_not_one_each() {
        let handle = connected().await;
        let key = handle.key(&format!("throttle:{}", uuid::Uuid::new_v4().simple()));
        let rates = (10.0, 1.0);
        for _ in 0..50 {
            handle.take_slot(&key, rates, 0, true).await.unwrap();
        }
        // One slot needs about a second and a slot's wait, not fifty seconds.
        let needed = -handle.take_slot(&key, rates, 0, false).await.unwrap();
        assert!((500..=1_100).contains(&needed), "{needed} ms");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_multi_threaded_runtime_shares_the_one_connection() {
        let handle = connected().await;
        for _ in 0..5 {
            handle.ping().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!handle.has_own());
    }
}
