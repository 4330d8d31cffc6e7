//! The outbound rate limit: Alipay limits each app's calls per method (QPS). Every attempt
//! takes a slot from the bucket of its app and method, shared by every replica; a caller
//! waits for a slot up to `max_wait` (and the call's deadline), else the call is not sent
//! (`GatewayError::RateLimited`, 429 with Retry-After). A throttling answer from the gateway
//! (a 20000) empties the bucket, so every replica slows down.

use std::time::Duration;

use futures_util::future::BoxFuture;

use alipay_protocol::methods::Method;

use super::{AlipayClient, GatewayError};

/// One app's limit, the same for each method.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
    /// The longest a call waits for a slot.
    pub max_wait: Duration,
}

/// Where the buckets live (Redis).
pub trait RateLimiter: Send + Sync {
    /// Reserves a slot of `bucket`: Ok(the wait before using it), or Err(the wait it would
    /// need) when that is longer than `max_wait` (nothing reserved).
    fn acquire<'a>(
        &'a self,
        bucket: &'a str,
        limit: &'a RateLimit,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Duration, Duration>>;

    /// The gateway throttled a call of `bucket`: empty it for a second.
    fn slow_down<'a>(&'a self, bucket: &'a str, limit: &'a RateLimit) -> BoxFuture<'a, ()>;
}

impl AlipayClient {
    fn bucket(&self, method: Method) -> String {
        format!("{}:{method}", self.settings.app_id)
    }

    /// Waits for a slot of `method` within `remaining`; Err when none comes in time.
    pub(super) async fn pace(
        &self,
        method: Method,
        remaining: Duration,
    ) -> Result<(), GatewayError> {
        let (Some(limit), Some(limiter)) = (&self.settings.rate_limit, &self.limiter) else {
            return Ok(());
        };
        let max_wait = limit.max_wait.min(remaining);
        let acquired = limiter.acquire(&self.bucket(method), limit, max_wait).await;
        let count = |result: &str| {
            if let Some(metrics) = &self.metrics {
                let app_id = self.settings.app_id.as_str();
                let counter = &metrics.gateway_rate_limited;
                counter
                    .with_label_values(&[app_id, method.as_str(), result])
                    .inc();
            }
        };
        match acquired {
            Ok(wait) => {
                if !wait.is_zero() {
                    count("waited");
                    tokio::time::sleep(wait).await;
                }
                Ok(())
            }
            Err(needed) => {
                count("refused");
                Err(GatewayError::RateLimited(needed))
            }
        }
    }

    /// After a throttling answer (20000) for `method`.
    pub(super) async fn throttled(&self, method: Method) {
        if let (Some(limit), Some(limiter)) = (&self.settings.rate_limit, &self.limiter) {
            limiter.slow_down(&self.bucket(method), limit).await;
        }
    }
}
