//! The one cache in front of the operation pipeline: settled answers under the hash of the
//! caller's exact request, so a replay costs one lookup and no Postgres work. Only a hit is
//! trusted; a miss (or a cache that is down) goes the full way through Postgres, which
//! stays the truth.

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::store::idempotency::SavedAnswer;
use crate::store::records::RecordKind;
use crate::store::redis::RedisHandle;

pub trait AnswerCache: Send + Sync {
    fn get<'a>(&'a self, kind: RecordKind, hash: &'a str) -> BoxFuture<'a, Option<SavedAnswer>>;
    fn put<'a>(
        &'a self,
        kind: RecordKind,
        hash: &'a str,
        answer: &'a SavedAnswer,
    ) -> BoxFuture<'a, ()>;
}

/// Answers in Redis for `ttl`. Redis down reads as a miss and skips the write.
pub struct RedisAnswers {
    pub redis: RedisHandle,
    pub ttl: Duration,
}

impl RedisAnswers {
    fn key(&self, kind: RecordKind, hash: &str) -> String {
        self.redis.key(&format!("replay:{}:{hash}", kind.name()))
    }
}

impl AnswerCache for RedisAnswers {
    fn get<'a>(&'a self, kind: RecordKind, hash: &'a str) -> BoxFuture<'a, Option<SavedAnswer>> {
        Box::pin(async move {
            let bytes = self.redis.get(&self.key(kind, hash)).await.ok()??;
            serde_json::from_slice(&bytes).ok()
        })
    }

    fn put<'a>(
        &'a self,
        kind: RecordKind,
        hash: &'a str,
        answer: &'a SavedAnswer,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Ok(bytes) = serde_json::to_vec(answer) {
                let _ = self
                    .redis
                    .set_ex(&self.key(kind, hash), &bytes, self.ttl)
                    .await;
            }
        })
    }
}

/// No cache (`redis.answer_cache_ttl_secs = 0`): every request goes through Postgres.
pub struct NoAnswers;

impl AnswerCache for NoAnswers {
    fn get<'a>(&'a self, _: RecordKind, _: &'a str) -> BoxFuture<'a, Option<SavedAnswer>> {
        Box::pin(async { None })
    }

    fn put<'a>(&'a self, _: RecordKind, _: &'a str, _: &'a SavedAnswer) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}
