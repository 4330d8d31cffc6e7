//! Idempotency for the three natural keys (unique_id, channel+serial_number,
//! template_id+out_biz_no).
//!
//! Postgres is the truth: a unique constraint per key, the record written before the gateway
//! call with the request's hash and an in-flight lease, and the settled response stored for
//! replay. Redis is the fast path ([`crate::store::fast`]): settled answers cached under the
//! normalised request's hash, and an in-flight lock so concurrent duplicates wait instead of
//! racing to Postgres. When Redis is down every step still holds through
//! Postgres alone.

use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::pass::{ChannelId, SerialNumber};
use crate::domain::voucher::{AlipayTemplateId, OutBizNo};
pub use crate::store::answer::{SavedAnswer, Settled};
use crate::store::failed;
use crate::store::fast::{Fast, FastKey, FastPath, Held};
use crate::store::record_kind::RecordKind;

/// Why a key could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("this {kind} key was used before with a different request")]
    Reused { kind: &'static str },
    #[error("a request with this {kind} key is in progress")]
    InProgress { kind: &'static str },
    #[error("idempotency record vanished")]
    Vanished,
    /// What the new record was built from changed before it was written: build it again.
    #[error("the record's inputs changed while it was built")]
    Stale,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// An in-flight lease: how long it holds, and the fencing token every settling write of
/// its owner must present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub length: Duration,
    pub token: Uuid,
}

impl Lease {
    pub fn new(length: Duration) -> Self {
        Self {
            length,
            token: Uuid::new_v4(),
        }
    }
}

/// A record's natural key, typed per kind of record (SQL stays in the store; values are
/// bound).
#[derive(Debug, Clone, Copy)]
pub enum KeyedRecord<'a> {
    /// A template under (app_id, unique_id).
    Template { app_id: &'a str, unique_id: &'a str },
    /// A pass under (app_id, channel_id, serial_number).
    Pass {
        app_id: &'a str,
        channel_id: &'a ChannelId,
        serial_number: &'a SerialNumber,
    },
    /// A voucher under (app_id, template_id, out_biz_no).
    Voucher {
        app_id: &'a str,
        template_id: &'a AlipayTemplateId,
        out_biz_no: &'a OutBizNo,
    },
}

impl<'a> KeyedRecord<'a> {
    pub fn kind(&self) -> RecordKind {
        match self {
            KeyedRecord::Template { .. } => RecordKind::Template,
            KeyedRecord::Pass { .. } => RecordKind::Pass,
            KeyedRecord::Voucher { .. } => RecordKind::Voucher,
        }
    }

    /// The app the record belongs to.
    pub fn app_id(&self) -> &'a str {
        match *self {
            KeyedRecord::Template { app_id, .. }
            | KeyedRecord::Pass { app_id, .. }
            | KeyedRecord::Voucher { app_id, .. } => app_id,
        }
    }

    /// The key's values, in order (for Redis keys).
    fn values(&self) -> Vec<&'a str> {
        match *self {
            KeyedRecord::Template { app_id, unique_id } => vec![app_id, unique_id],
            KeyedRecord::Pass {
                app_id,
                channel_id,
                serial_number,
            } => vec![app_id, channel_id.as_str(), serial_number.as_str()],
            KeyedRecord::Voucher {
                app_id,
                template_id,
                out_biz_no,
            } => vec![app_id, template_id.as_str(), out_biz_no.as_str()],
        }
    }

    fn redis_suffix(&self, part: &str) -> String {
        let mut key = format!("{part}:{}", self.kind().name());
        for value in self.values() {
            key.push(':');
            // Values are caller text: hex-encode so `:` inside them cannot collide.
            key.push_str(&hex::encode(value.as_bytes()));
        }
        key
    }
}

#[derive(Debug)]
pub struct KeyState {
    pub id: Uuid,
    pub request_hash: String,
    pub response_status: Option<i16>,
    pub response_body: Option<sqlx::types::Json<Box<RawValue>>>,
    /// None for a record settled before typed outcomes were saved.
    pub response_outcome: Option<sqlx::types::Json<Settled>>,
    pub leased: bool,
}

impl KeyState {
    fn settled(&self) -> Option<SavedAnswer> {
        Some(SavedAnswer::stored(
            u16::try_from(self.response_status?).ok()?,
            self.response_body.as_ref()?.0.clone(),
            self.response_outcome.as_ref().map(|o| o.0.clone()),
        ))
    }
}

/// What the caller of [`Idempotency::begin`] does next.
pub enum Begin {
    /// Settled before: answer with this, marked as a replay.
    Replay(SavedAnswer),
    /// We own the record (new, or taken over after an expired lease): call the gateway.
    Proceed(Claim, Held),
}

#[derive(Debug, Clone, Copy)]
pub struct Claim {
    pub id: Uuid,
    /// This claim wrote the record: it holds exactly what the caller built.
    pub inserted: bool,
    /// An earlier attempt under this key may have reached Alipay with an unknown outcome
    /// (the record was open when we took it over).
    pub sent_before: bool,
    /// Our fencing token.
    pub token: Uuid,
}

pub struct Idempotency {
    pub db: PgPool,
    pub fast: Box<dyn FastPath>,
    pub lease: Duration,
    pub wait_budget: Duration,
    /// `alipass_fast_path_total{result}`: what the fast path answered before each claim.
    pub fast_path_results: Option<prometheus::IntCounterVec>,
}

/// SHA-256 of the canonical JSON (object keys sorted at every level, compact) of a request,
/// fed to the hash as it is written.
pub fn request_hash(value: &Value) -> String {
    fn feed(value: &Value, hasher: &mut Sha256) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by_key(|(key, _)| *key);
                hasher.update(b"{");
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        hasher.update(b",");
                    }
                    let _ = serde_json::to_writer(&mut *hasher, key);
                    hasher.update(b":");
                    feed(item, hasher);
                }
                hasher.update(b"}");
            }
            Value::Array(items) => {
                hasher.update(b"[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        hasher.update(b",");
                    }
                    feed(item, hasher);
                }
                hasher.update(b"]");
            }
            scalar => {
                let _ = serde_json::to_writer(&mut *hasher, scalar);
            }
        }
    }
    let mut hasher = Sha256::new();
    feed(value, &mut hasher);
    hex::encode(hasher.finalize())
}

impl Idempotency {
    /// Replays, rejects, waits for, or claims the record under `keyed` for the request with
    /// the normalised `hash`. `insert` writes the new record (with its lease) and answers
    /// its id, or None when the key exists already. `lookup`: a cached answer may answer it
    /// (the caller chose the key).
    pub async fn begin<F>(
        &self,
        keyed: &KeyedRecord<'_>,
        (hash, lookup): (&str, bool),
        lease: Lease,
        insert: F,
    ) -> Result<Begin, KeyError>
    where
        F: std::future::Future<Output = Result<Option<Uuid>, KeyError>>,
    {
        let key = FastKey {
            // Per app: the same request to two apps is two requests.
            answer: self.fast.key(&format!(
                "replay:{}:{}:{hash}",
                keyed.kind().name(),
                keyed.app_id()
            )),
            lookup,
            lock: self.fast.key(&keyed.redis_suffix("lock")),
            token: Uuid::new_v4().simple().to_string(),
            ttl: self.lease,
        };
        let mut held = Held { key, locked: false };
        let fast = self.fast.begin(&held.key).await;
        if let Some(results) = &self.fast_path_results {
            let result = match &fast {
                Fast::Answer(_) => "answer",
                Fast::Kept(_) => "kept",
                Fast::Locked => "locked",
                Fast::Busy => "busy",
                Fast::Unavailable => "unavailable",
            };
            results.with_label_values(&[result]).inc();
        }
        match fast {
            Fast::Answer(answer) | Fast::Kept(answer) => return Ok(Begin::Replay(answer)),
            Fast::Locked => held.locked = true,
            // The lock only saves Postgres work; Postgres decides. A lock left by a dead
            // holder must not turn duplicates away while Postgres shows no live lease.
            Fast::Busy => {
                if let Some(outcome) = self.wait_for_settlement(keyed, hash, lease).await? {
                    return self.begun(outcome, held).await;
                }
            }
            Fast::Unavailable => {}
        }
        match self.claim(keyed, hash, lease, insert).await {
            Ok(ClaimOutcome::Busy) => {
                // Free our lock while the holder of the lease finishes.
                self.fast.finish(&held, None).await;
                held.locked = false;
                match self.wait_for_settlement(keyed, hash, lease).await? {
                    Some(outcome) => self.begun(outcome, held).await,
                    None => Err(KeyError::Vanished),
                }
            }
            Ok(outcome) => self.begun(outcome, held).await,
            Err(error) => {
                self.finish(held, None).await;
                Err(error)
            }
        }
    }

    async fn begun(&self, outcome: ClaimOutcome, held: Held) -> Result<Begin, KeyError> {
        match outcome {
            ClaimOutcome::Claimed(claim) => Ok(Begin::Proceed(claim, held)),
            ClaimOutcome::Settled(answer) => {
                self.finish(held, Some(&answer)).await;
                Ok(Begin::Replay(answer))
            }
            ClaimOutcome::Busy => {
                self.finish(held, None).await;
                Err(KeyError::Vanished)
            }
        }
    }

    /// Inserts, or takes over a pending record whose lease expired.
    async fn claim<F>(
        &self,
        keyed: &KeyedRecord<'_>,
        hash: &str,
        lease: Lease,
        insert: F,
    ) -> Result<ClaimOutcome, KeyError>
    where
        F: std::future::Future<Output = Result<Option<Uuid>, KeyError>>,
    {
        if let Some(id) = insert.await? {
            return Ok(ClaimOutcome::Claimed(Claim {
                id,
                inserted: true,
                sent_before: false,
                token: lease.token,
            }));
        }
        self.examine(keyed, hash, lease)
            .await?
            .ok_or(KeyError::Vanished)
    }

    /// What Postgres holds under the key for a request with `hash`, claiming the record
    /// when it is open with an expired lease (an earlier attempt crashed, died or lost its
    /// answer) or was refused in a way that proved no effect and left the key usable. None
    /// when there is no record.
    async fn examine(
        &self,
        keyed: &KeyedRecord<'_>,
        hash: &str,
        lease: Lease,
    ) -> Result<Option<ClaimOutcome>, KeyError> {
        let Some(state) = self.load(keyed).await? else {
            return Ok(None);
        };
        if state.request_hash != hash {
            return Err(KeyError::Reused {
                kind: keyed.kind().name(),
            });
        }
        if let Some(settled) = state.settled() {
            return Ok(Some(ClaimOutcome::Settled(settled)));
        }
        if !state.leased {
            if let Some(claim) = self.take_over(keyed.kind(), state.id, lease, true).await? {
                return Ok(Some(ClaimOutcome::Claimed(claim)));
            }
        }
        Ok(Some(ClaimOutcome::Busy))
    }

    /// Takes an unsettled record whose lease expired: it becomes open again under `lease`.
    /// `reopen` also takes a record refused without burning its key (the caller's retry).
    async fn take_over(
        &self,
        kind: RecordKind,
        id: Uuid,
        lease: Lease,
        reopen: bool,
    ) -> Result<Option<Claim>, sqlx::Error> {
        let open_status = kind.open_status();
        // The statement on `$table`, answering whether the record was open.
        macro_rules! take_over {
            ($table:literal) => {
                sqlx::query_scalar!(
                    r#"UPDATE "# + $table + r#" AS t SET lease_until = now() + $2,
                         lease_token = $3, status = $4, failure_code = NULL, updated_at = now()
                     FROM (SELECT id, status FROM "# + $table + r#" WHERE id = $1 FOR UPDATE)
                         AS before
                     WHERE t.id = before.id AND t.response_status IS NULL
                         AND (t.lease_until IS NULL OR t.lease_until < now())
                         AND ($5 OR t.status = $4)
                     RETURNING before.status = $4 AS "was_open!""#,
                    id,
                    lease.length as _,
                    lease.token,
                    open_status,
                    reopen
                )
                .fetch_optional(&self.db)
                .await
            };
        }
        let was_open = match kind {
            RecordKind::Template => take_over!("templates"),
            RecordKind::Pass => take_over!("passes"),
            RecordKind::Voucher => take_over!("vouchers"),
        }
        .map_err(failed("take_over"))?;
        Ok(was_open.map(|was_open| Claim {
            id,
            inserted: false,
            sent_before: was_open,
            token: lease.token,
        }))
    }

    /// Claims a specific open record of `kind` for the reconciler.
    pub async fn claim_for_reconcile(
        &self,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<Option<Claim>, sqlx::Error> {
        self.take_over(kind, id, Lease::new(self.lease), false)
            .await
    }

    pub async fn load(&self, keyed: &KeyedRecord<'_>) -> Result<Option<KeyState>, sqlx::Error> {
        // `$from`: the table and the natural key's condition.
        macro_rules! key_state {
            ($from:literal $(, $key:expr)+) => {
                sqlx::query_as!(
                    KeyState,
                    r#"SELECT id, request_hash, response_status,
                         response_body AS "response_body: sqlx::types::Json<Box<RawValue>>",
                         response_outcome AS "response_outcome: sqlx::types::Json<Settled>",
                         COALESCE(lease_until > now(), false) AS "leased!"
                     FROM "# + $from
                    $(, $key)+
                )
                .fetch_optional(&self.db)
                .await
            };
        }
        match *keyed {
            KeyedRecord::Template { app_id, unique_id } => key_state!(
                "templates WHERE app_id = $1 AND unique_id = $2",
                app_id,
                unique_id
            ),
            KeyedRecord::Pass {
                app_id,
                channel_id,
                serial_number,
            } => key_state!(
                "passes WHERE app_id = $1 AND channel_id = $2 AND serial_number = $3",
                app_id,
                channel_id.as_str(),
                serial_number.as_str()
            ),
            KeyedRecord::Voucher {
                app_id,
                template_id,
                out_biz_no,
            } => key_state!(
                "vouchers WHERE app_id = $1 AND template_id = $2 AND out_biz_no = $3",
                app_id,
                template_id.as_str(),
                out_biz_no.as_str()
            ),
        }
        .map_err(failed("load"))
    }

    /// Waits for another holder of the key: the settled answer, or the record claimed once
    /// its lease expired. None when Postgres has no record under the key (a Redis lock
    /// without a record: the caller claims through Postgres).
    async fn wait_for_settlement(
        &self,
        keyed: &KeyedRecord<'_>,
        hash: &str,
        lease: Lease,
    ) -> Result<Option<ClaimOutcome>, KeyError> {
        let deadline = tokio::time::Instant::now() + self.wait_budget;
        loop {
            match self.examine(keyed, hash, lease).await? {
                None => return Ok(None),
                Some(ClaimOutcome::Busy) => {}
                Some(outcome) => return Ok(Some(outcome)),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(KeyError::InProgress {
                    kind: keyed.kind().name(),
                });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// After the call is settled (or left open) in Postgres: frees the lock and caches the
    /// settled answer, in one round trip.
    pub async fn finish(&self, held: Held, answer: Option<&SavedAnswer>) {
        self.fast.finish(&held, answer).await;
    }
}

enum ClaimOutcome {
    Claimed(Claim),
    Settled(SavedAnswer),
    /// Another request holds a live lease.
    Busy,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_hash_is_the_sha256_of_the_sorted_compact_json() {
        let value = json!({"b": [1, "x\"y"], "a": {"d": null, "c": 1.5}});
        let canonical = r#"{"a":{"c":1.5,"d":null},"b":[1,"x\"y"]}"#;
        assert_eq!(
            request_hash(&value),
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
    }

    #[test]
    fn request_hash_ignores_key_order_but_not_values() {
        let a = json!({"a": 1, "b": {"x": "1", "y": [1, 2]}});
        let b = json!({"b": {"y": [1, 2], "x": "1"}, "a": 1});
        let c = json!({"b": {"y": [2, 1], "x": "1"}, "a": 1});
        assert_eq!(request_hash(&a), request_hash(&b));
        assert_ne!(request_hash(&a), request_hash(&c));
    }

    #[test]
    fn redis_keys_cannot_collide_through_separators() {
        let parts = |channel, serial| {
            let channel = ChannelId::parse(channel).unwrap();
            (channel, SerialNumber::parse(serial).unwrap())
        };
        let (first, second) = (parts("a:b", "c"), parts("a", "b:c"));
        let pass = |(channel_id, serial_number): &(ChannelId, SerialNumber)| {
            KeyedRecord::Pass {
                app_id: "app",
                channel_id,
                serial_number,
            }
            .redis_suffix("resp")
        };
        assert_ne!(pass(&first), pass(&second));
    }
}
