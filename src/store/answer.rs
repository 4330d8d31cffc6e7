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
    pub fn new(status: u16, body: &impl Serialize) -> Self {
        let text = serde_json::to_string(body).unwrap_or_else(|_| "null".to_owned());
        Self {
            status,
            body: RawValue::from_string(text).unwrap_or_else(|_| null_body()),
        }
    }
}

fn null_body() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}
