//! The fast path in front of Postgres: settled answers cached under the hash of the
//! normalised request, and an in-flight lock per natural key so that concurrent duplicates
//! wait instead of racing to Postgres. One round trip before the claim and one after the
//! settlement. Only a cached answer is trusted; anything else (a miss, a lock, the fast path
//! down or switched off) goes the full way through Postgres, which stays the truth.

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::store::answer::SavedAnswer;
use crate::store::redis::RedisHandle;

/// Where one request's answer and lock live.
pub struct FastKey {
    /// Where its settled answer is cached.
    pub answer: String,
    /// Look for a cached answer: false when the caller gave no key of their own (a
    /// generated key makes every request new).
    pub lookup: bool,
    pub lock: String,
    /// Ours while we hold the lock.
    pub token: String,
    pub ttl: Duration,
}

/// What the fast path holds for a claim until it is settled.
pub struct Held {
    pub key: FastKey,
    /// We hold its in-flight lock.
    pub locked: bool,
}

/// What the fast path says before the claim.
pub enum Fast {
    /// The settled answer of this exact request.
    Answer(SavedAnswer),
    /// We hold the lock.
    Locked,
    /// Another request holds the lock.
    Busy,
    /// No fast path now: Postgres alone decides.
    Unavailable,
}

/// The default methods are the absent fast path: Postgres alone decides.
pub trait FastPath: Send + Sync {
    fn begin<'a>(&'a self, _key: &'a FastKey) -> BoxFuture<'a, Fast> {
        Box::pin(async { Fast::Unavailable })
    }

    /// Frees the lock we hold and caches `answer`.
    fn finish<'a>(
        &'a self,
        _held: &'a Held,
        _answer: Option<&'a SavedAnswer>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    /// The prefix of every key this path writes.
    fn key(&self, suffix: &str) -> String {
        suffix.to_owned()
    }
}

/// The fast path in Redis; answers are kept for `answer_ttl`.
pub struct RedisFastPath {
    pub redis: RedisHandle,
    pub answer_ttl: Duration,
}

impl FastPath for RedisFastPath {
    fn begin<'a>(&'a self, key: &'a FastKey) -> BoxFuture<'a, Fast> {
        Box::pin(async move {
            let reply = self
                .redis
                .get_or_lock((&key.answer, key.lookup), &key.lock, &key.token, key.ttl)
                .await;
            match reply {
                Ok(Err(bytes)) => match serde_json::from_slice(&bytes) {
                    Ok(answer) => Fast::Answer(answer),
                    // An unreadable entry is a miss; Postgres decides (no lock taken).
                    Err(_) => Fast::Unavailable,
                },
                Ok(Ok(true)) => Fast::Locked,
                Ok(Ok(false)) => Fast::Busy,
                Err(_) => Fast::Unavailable,
            }
        })
    }

    fn finish<'a>(&'a self, held: &'a Held, answer: Option<&'a SavedAnswer>) -> BoxFuture<'a, ()> {
        let (key, locked) = (&held.key, held.locked);
        Box::pin(async move {
            let answer = match answer.filter(|_| key.lookup) {
                Some(answer) => serde_json::to_vec(answer).unwrap_or_default(),
                None => Vec::new(),
            };
            if !locked && answer.is_empty() {
                return;
            }
            let token = if locked { key.token.as_str() } else { "" };
            let _ = self
                .redis
                .unlock_and_set(&key.lock, token, (&key.answer, &answer, self.answer_ttl))
                .await;
        })
    }

    fn key(&self, suffix: &str) -> String {
        self.redis.key(suffix)
    }
}

/// No fast path (`redis.answer_cache_ttl_secs = 0`): no cache and no lock; Postgres alone
/// decides every request.
pub struct NoFastPath;

impl FastPath for NoFastPath {}
