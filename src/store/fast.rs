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
    /// The settled answer of this exact request, from Redis.
    Answer(SavedAnswer),
    /// The same, from this process's memory ([`LocalAnswers`]).
    Kept(SavedAnswer),
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

/// The fast path in Redis; answers are kept for `answer_ttl`, and the ones read back for a
/// replay are kept in this process too ([`LocalAnswers`]).
pub struct RedisFastPath {
    pub redis: RedisHandle,
    pub answer_ttl: Duration,
    pub local: LocalAnswers,
}

impl FastPath for RedisFastPath {
    fn begin<'a>(&'a self, key: &'a FastKey) -> BoxFuture<'a, Fast> {
        Box::pin(async move {
            if key.lookup {
                if let Some(answer) = self.local.get(&key.answer) {
                    return Fast::Kept(answer);
                }
            }
            let reply = self
                .redis
                .get_or_lock((&key.answer, key.lookup), &key.lock, &key.token, key.ttl)
                .await;
            match reply {
                Ok(Err(bytes)) => match SavedAnswer::from_cached(&bytes) {
                    Ok(answer) => {
                        self.local.keep(&key.answer, &answer);
                        Fast::Answer(answer)
                    }
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
                Some(answer) => answer.to_cached(),
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

/// Settled answers read back from Redis for a replay, kept in this process up to a size
/// (`redis.local_answer_cache_kib`, 0: none), least recently used first out. Sound because
/// a settled answer never changes (the record's saved answer is written once, by the
/// fenced settlement), so any copy of it is as good as Postgres's. Only answers that were
/// replayed are kept, not every first answer: duplicates come in bursts (a client's
/// retries), and memory then follows the duplicates rather than the traffic.
pub struct LocalAnswers {
    cache: Option<quick_cache::sync::Cache<String, SavedAnswer, AnswerWeight>>,
}

/// An entry's weight: its key and body in bytes, plus the entry's own bookkeeping.
#[derive(Clone)]
struct AnswerWeight;

impl quick_cache::Weighter<String, SavedAnswer> for AnswerWeight {
    fn weight(&self, key: &String, answer: &SavedAnswer) -> u64 {
        (key.len() + answer.body.get().len() + 64) as u64
    }
}

impl LocalAnswers {
    /// Up to `kib` KiB of answers; 0 keeps none.
    pub fn new(kib: u64) -> Self {
        let bytes = kib.saturating_mul(1024);
        // quick_cache sizes its table from an item estimate: answers are about 1 KiB.
        let items = usize::try_from(kib.max(1)).unwrap_or(usize::MAX);
        Self {
            cache: (bytes > 0)
                .then(|| quick_cache::sync::Cache::with_weighter(items, bytes, AnswerWeight)),
        }
    }

    fn get(&self, key: &str) -> Option<SavedAnswer> {
        self.cache.as_ref()?.get(key)
    }

    fn keep(&self, key: &str, answer: &SavedAnswer) {
        if let Some(cache) = &self.cache {
            cache.insert(key.to_owned(), answer.clone());
        }
    }
}

/// No fast path (`redis.answer_cache_ttl_secs = 0`): no cache and no lock; Postgres alone
/// decides every request.
pub struct NoFastPath;

impl FastPath for NoFastPath {}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> SavedAnswer {
        let body = serde_json::value::RawValue::from_string(body.to_owned()).unwrap();
        let outcome = crate::store::answer::Settled::Applied { alipay_id: None };
        SavedAnswer::new(201, body, outcome)
    }

    #[test]
    fn local_answers_keep_what_they_are_given_up_to_their_size() {
        let local = LocalAnswers::new(4);
        local.keep("a", &answer(r#"{"id":"a"}"#));
        assert_eq!(local.get("a").unwrap().body.get(), r#"{"id":"a"}"#);
        assert!(local.get("b").is_none());
        let big = format!(r#""{}""#, "x".repeat(3000));
        for i in 0..10 {
            local.keep(&format!("k{i}"), &answer(&big));
        }
        let kept = (0..10)
            .filter(|i| local.get(&format!("k{i}")).is_some())
            .count();
        assert!(
            (1..10).contains(&kept),
            "4 KiB holds one or two 3 KB answers, held {kept}"
        );
    }

    #[test]
    fn local_answers_of_zero_size_keep_nothing() {
        let local = LocalAnswers::new(0);
        local.keep("a", &answer("1"));
        assert!(local.get("a").is_none());
    }
}
