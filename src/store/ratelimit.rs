//! The per-app, per-method outbound rate limit ([`crate::alipay::client::RateLimiter`]) as a
//! token bucket in Redis, so every replica draws from the same bucket. With Redis down the
//! limit is not enforced (the service runs degraded rather than stopping calls).

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::alipay::client::{RateLimit, RateLimiter};
use crate::store::redis::RedisHandle;

pub struct RedisRateLimiter {
    pub redis: RedisHandle,
}

impl RedisRateLimiter {
    fn key(&self, bucket: &str) -> String {
        self.redis.key(&format!("ratelimit:{bucket}"))
    }
}

impl RateLimiter for RedisRateLimiter {
    fn acquire<'a>(
        &'a self,
        bucket: &'a str,
        limit: &'a RateLimit,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Duration, Duration>> {
        Box::pin(async move {
            let rates = (limit.per_second, f64::from(limit.burst));
            let max_wait_ms = u64::try_from(max_wait.as_millis()).unwrap_or(u64::MAX);
            match self
                .redis
                .take_slot(&self.key(bucket), rates, max_wait_ms, false)
                .await
            {
                Ok(wait) if wait >= 0 => Ok(Duration::from_millis(wait.unsigned_abs())),
                Ok(denied) => Err(Duration::from_millis(denied.unsigned_abs())),
                Err(error) => {
                    tracing::debug!(%error, "rate limit not enforced: Redis unavailable");
                    Ok(Duration::ZERO)
                }
            }
        })
    }

    fn slow_down<'a>(&'a self, bucket: &'a str, limit: &'a RateLimit) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let rates = (limit.per_second, f64::from(limit.burst));
            let _ = self
                .redis
                .take_slot(&self.key(bucket), rates, 0, true)
                .await;
        })
    }
}
