//! A Redis connection that never blocks start-up: the service serves (degraded) while Redis
//! is down, and connects or reconnects by itself when it comes back. Redis is only ever the
//! fast path; every caller must stay correct when a command here fails.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

#[derive(Clone)]
pub struct RedisHandle {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    connection: RwLock<Option<ConnectionManager>>,
    prefix: String,
    timeout: Duration,
}

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

impl RedisHandle {
    /// Parses the URL (a malformed URL is a configuration error) and starts connecting in
    /// the background.
    pub fn start(url: &str, prefix: &str, timeout: Duration) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let handle = Self {
            inner: Arc::new(Inner {
                client,
                connection: RwLock::new(None),
                prefix: prefix.to_owned(),
                timeout,
            }),
        };
        let connector = handle.clone();
        tokio::spawn(async move { connector.connect_until_up().await });
        Ok(handle)
    }

    async fn connect_until_up(self) {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_millis(500))
            .set_response_timeout(self.inner.timeout)
            // Reconnect attempts after a loss: 4 tries, 100 ms doubling, capped at 2 s.
            .set_number_of_retries(4)
            .set_factor(100)
            .set_exponent_base(2)
            .set_max_delay(2_000);
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

    fn connection(&self) -> Result<ConnectionManager, RedisUnavailable> {
        self.inner
            .connection
            .read()
            .clone()
            .ok_or(RedisUnavailable::NotConnected)
    }

    async fn bounded<T>(
        &self,
        command: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, RedisUnavailable> {
        match tokio::time::timeout(self.inner.timeout, command).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(RedisUnavailable::Timeout),
        }
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
    /// the bucket is emptied for a second. Otherwise a slot is reserved: the milliseconds
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
                 if ARGV[4] == '1' then tokens = math.min(tokens, 0) - tonumber(ARGV[1]) \
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
