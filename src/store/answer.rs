//! The answer a settled request gave: what Postgres keeps with the record and the fast path
//! caches.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The answer a settled request gave, saved with its record and replayed for every
/// duplicate: the one form of a saved answer, in Postgres and in the cache. The body is kept
/// as JSON text, so a replay sends it without parsing it into a tree and writing it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedAnswer {
    pub status: u16,
    pub body: Box<RawValue>,
}

impl SavedAnswer {
    /// Every body saved is one of our own views (plain fields, string keys), which always
    /// serialize: a failure is a bug in a view, and is loud, never a saved `null`.
    pub fn new(status: u16, body: &impl Serialize) -> Self {
        let body = serde_json::value::to_raw_value(body)
            .expect("a view serializes: plain fields and string keys only");
        Self { status, body }
    }
}
