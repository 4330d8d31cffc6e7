//! `Idempotency-Key` (the IETF httpapi draft, as Stripe uses it) for the adds whose natural
//! key a caller may leave out: a pass's `serial_number`, a template's `unique_id`. Without
//! either, the service generates the key, so a network retry would make a second record;
//! with the header, the key is derived from it and a retry meets the first request's
//! record (replayed, or 409 when the request differs). A natural key given in the body wins:
//! the header then adds nothing, and clients that send it on every POST keep working.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// The longest key a caller may send.
const MAX_KEY_CHARS: usize = 255;

/// The caller's `Idempotency-Key`, if it sent one: 1 to 255 visible ASCII characters.
pub struct IdempotencyKey(Option<String>);

impl IdempotencyKey {
    fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        let Some(value) = value else {
            return Ok(Self(None));
        };
        let valid = (1..=MAX_KEY_CHARS).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_graphic());
        match valid {
            true => Ok(Self(Some(value.to_owned()))),
            false => Err(ApiError::bad_request(
                "invalid_idempotency_key",
                format!(
                    "{IDEMPOTENCY_KEY_HEADER} must be 1 to {MAX_KEY_CHARS} visible ASCII characters"
                ),
            )),
        }
    }

    /// The natural key `given`, else the one this header stands for: 32 hex characters of
    /// SHA-256 over the caller (the API key's name) and the header, so one caller's key
    /// never meets another's. None: neither, the service generates one.
    pub fn or_derived(&self, given: Option<String>, caller: &str) -> Option<String> {
        given.or_else(|| {
            self.0.as_ref().map(|key| {
                let digest = Sha256::new()
                    .chain_update(caller.as_bytes())
                    .chain_update(b"\n")
                    .chain_update(key.as_bytes())
                    .finalize();
                hex::encode(&digest[..16])
            })
        })
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = req.headers().get(IDEMPOTENCY_KEY_HEADER);
        ready(match header.map(|v| v.to_str()) {
            None => Self::parse(None),
            Some(Ok(text)) => Self::parse(Some(text.trim())),
            Some(Err(_)) => Self::parse(Some("\u{0}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_key_wins_and_a_derived_one_is_per_caller() {
        let key = IdempotencyKey::parse(Some("order-42")).unwrap();
        assert_eq!(
            key.or_derived(Some("S-1".into()), "a").as_deref(),
            Some("S-1")
        );
        let mine = key.or_derived(None, "a").unwrap();
        assert_eq!(mine.len(), 32);
        assert_eq!(key.or_derived(None, "a").unwrap(), mine);
        assert_ne!(key.or_derived(None, "b").unwrap(), mine);
        assert_eq!(
            IdempotencyKey::parse(None).unwrap().or_derived(None, "a"),
            None
        );
    }

    #[test]
    fn empty_long_or_control_keys_are_refused() {
        for bad in ["", &"k".repeat(256), "has space", "tab\t"] {
            assert!(IdempotencyKey::parse(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
