//! The answer a settled request gave: what Postgres keeps with the record and the fast path
//! caches. Two parts that never read each other: the wire form a replay sends back (status
//! and body, chosen by the edge's encoder), and the typed outcome the campaign runner and the
//! reconciler read (so no caller below the edge reads a status or a body's JSON keys).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// How a settled add ended, typed. Saved with the answer (Postgres `response_outcome`, and
/// in the cached form), so a changed problem body cannot change what a reader of the outcome
/// sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// The record was created; `alipay_id` is Alipay's id for it, when known (the voucher
    /// id, the pass id, the template id).
    Applied { alipay_id: Option<String> },
    /// Refused for good: `code` is Alipay's business code (sub_code) when it gave one, else
    /// our code; `detail` says why in words.
    Refused { code: String, detail: String },
}

/// The answer a settled request gave, saved with its record and replayed for every
/// duplicate: the one form of a saved answer, in Postgres and in the cache. The body is kept
/// as JSON text, so a replay sends it without parsing it into a tree and writing it again.
#[derive(Debug, Clone)]
pub struct SavedAnswer {
    pub status: u16,
    pub body: Box<RawValue>,
    pub outcome: Settled,
}

/// The cached form's version: 2 carries `outcome`; an entry without `v` (1) was saved
/// before typed outcomes and is read by [`legacy_outcome`].
const CACHED_FORM: u8 = 2;

/// The cached form as written (see [`CACHED_FORM`]).
#[derive(Serialize)]
struct CachedOut<'a> {
    v: u8,
    status: u16,
    body: &'a RawValue,
    outcome: &'a Settled,
}

/// The cached form as read, of any version up to [`CACHED_FORM`].
#[derive(Deserialize)]
struct CachedIn {
    #[serde(default = "first_form")]
    v: u8,
    status: u16,
    body: Box<RawValue>,
    #[serde(default)]
    outcome: Option<Settled>,
}

fn first_form() -> u8 {
    1
}

/// Why a cached answer cannot be read (a miss: Postgres decides).
#[derive(Debug, thiserror::Error)]
pub enum CachedAnswerError {
    #[error("unreadable cached answer: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cached answer of unknown form v{0}")]
    UnknownForm(u8),
}

impl SavedAnswer {
    /// An answer settled now: the edge's wire form of it, and its typed outcome.
    pub fn new(status: u16, body: Box<RawValue>, outcome: Settled) -> Self {
        Self {
            status,
            body,
            outcome,
        }
    }

    /// An answer read back from a record. `outcome` is None for a record settled before
    /// typed outcomes were saved: it is read from the wire form then.
    pub fn stored(status: u16, body: Box<RawValue>, outcome: Option<Settled>) -> Self {
        let outcome = outcome.unwrap_or_else(|| legacy_outcome(status, &body));
        Self::new(status, body, outcome)
    }

    /// The cached form (current version).
    pub fn to_cached(&self) -> Vec<u8> {
        let cached = CachedOut {
            v: CACHED_FORM,
            status: self.status,
            body: &self.body,
            outcome: &self.outcome,
        };
        serde_json::to_vec(&cached).expect("a saved answer serializes: JSON text and strings")
    }

    /// Reads a cached answer of any version this build knows.
    pub fn from_cached(bytes: &[u8]) -> Result<Self, CachedAnswerError> {
        let cached: CachedIn = serde_json::from_slice(bytes)?;
        if cached.v > CACHED_FORM {
            return Err(CachedAnswerError::UnknownForm(cached.v));
        }
        Ok(Self::stored(cached.status, cached.body, cached.outcome))
    }
}

/// The typed outcome of an answer saved before outcomes were (cached form v1, or a record
/// with no `response_outcome`): a success status is an add applied (with the voucher's or
/// the pass's id from the view); any other is the problem it answered. The one place that
/// reads a saved body, and only bodies that can no longer change.
fn legacy_outcome(status: u16, body: &RawValue) -> Settled {
    #[derive(Deserialize, Default)]
    struct LegacyBody {
        voucher_id: Option<String>,
        alipay_pass_id: Option<String>,
        gateway_sub_code: Option<String>,
        code: Option<String>,
        detail: Option<String>,
    }
    let body: LegacyBody = serde_json::from_str(body.get()).unwrap_or_default();
    if status < 300 {
        return Settled::Applied {
            alipay_id: body.voucher_id.or(body.alipay_pass_id),
        };
    }
    Settled::Refused {
        code: body.gateway_sub_code.or(body.code).unwrap_or_default(),
        detail: body.detail.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    #[test]
    fn a_cached_answer_of_the_first_form_replays_the_same_bytes_with_its_outcome() {
        // As the fast path cached answers before typed outcomes: no `v`, no `outcome`.
        let body = r#"{"type":"https://alipass.dev/problems/voucher-template-expired","status":422,"code":"voucher_template_expired","detail":"Alipay refused the call: expired","gateway_sub_code":"TEMPLATE_EXPIRED"}"#;
        let old = format!(r#"{{"status":422,"body":{body}}}"#);
        let answer = SavedAnswer::from_cached(old.as_bytes()).unwrap();
        assert_eq!((answer.status, answer.body.get()), (422, body));
        assert_eq!(
            answer.outcome,
            Settled::Refused {
                code: "TEMPLATE_EXPIRED".into(),
                detail: "Alipay refused the call: expired".into()
            }
        );
        let sent = r#"{"voucher_id":"2016xyz","status":"SENT"}"#;
        let old = format!(r#"{{"status":201,"body":{sent}}}"#);
        let answer = SavedAnswer::from_cached(old.as_bytes()).unwrap();
        assert_eq!((answer.status, answer.body.get()), (201, sent));
        let applied = Settled::Applied {
            alipay_id: Some("2016xyz".into()),
        };
        assert_eq!(answer.outcome, applied);
    }

    #[test]
    fn the_cached_form_round_trips_and_its_outcome_is_not_read_from_the_body() {
        // The body says one thing, the typed outcome another: the outcome is what was saved.
        let outcome = Settled::Refused {
            code: "KP.AE_ALIPASS_NOTEXIST".into(),
            detail: "gone".into(),
        };
        let answer = SavedAnswer::new(404, raw(r#"{"renamed_code":"x"}"#), outcome.clone());
        let bytes = answer.to_cached();
        assert!(std::str::from_utf8(&bytes)
            .unwrap()
            .starts_with(r#"{"v":2,"#));
        let back = SavedAnswer::from_cached(&bytes).unwrap();
        assert_eq!(
            (back.status, back.body.get()),
            (404, r#"{"renamed_code":"x"}"#)
        );
        assert_eq!(back.outcome, outcome);
    }

    #[test]
    fn a_cached_form_of_a_later_version_is_not_guessed_at() {
        let later = br#"{"v":3,"status":201,"body":{}}"#;
        assert!(matches!(
            SavedAnswer::from_cached(later),
            Err(CachedAnswerError::UnknownForm(3))
        ));
    }
}
