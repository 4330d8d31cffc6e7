//! Secrets and personal data kept at rest, sealed with AES-256-GCM (aws-lc-rs) so the
//! database alone never reveals them:
//! - merchants' `app_auth_token`s (an ISV calling on a merchant's behalf), kept with the
//!   records they were given for (`alipay.token_sealing_key`, bound to the app id);
//! - voucher recipients' `login_id` and `taobao_nick`, campaign rows and webhook secrets
//!   (`pii.key`), with a keyed hash (HMAC-SHA256) beside recipients for look-ups;
//! - console sessions (`console.session_key`).
//!
//! A configured secret (base64 of 32 bytes) is never used as a key itself: HKDF-SHA256
//! derives from it a sealing key, a hashing key and a key id, so a hash reveals nothing
//! about the sealing. A sealed value is `v2.<key id>.<base64(nonce ‖ ciphertext ‖ tag)>`,
//! and its AAD binds the key id and what it belongs to (a record's column: a value copied
//! to another record does not open). Keys rotate: values sealed with a retired key (kept
//! in settings) still open, new ones are sealed with the current key, and
//! [`Sealer::reseal`] (`alipass rekey`) moves old values over so the retired key can go.
//! Values sealed before key ids (plain base64, sealed with the secret itself and bound to
//! a fixed context) are still read with any configured secret.

use std::fmt;

use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hmac;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hkdf::Hkdf;
use sha2::Sha256;

use crate::config::{ConfigError, Secret, Settings};

/// The prefix of values sealed with a key id.
const VERSION: &str = "v2";

/// Keys derived from one configured secret.
struct SealKey {
    /// Names the secret in sealed values (16 hex digits, derived: no setting to get wrong).
    id: String,
    aead: RandomizedNonceKey,
    hash: hmac::Key,
    /// How values were sealed and hashed before key ids: with the secret itself, and an
    /// HMAC of a fixed label as the hashing key.
    legacy_aead: RandomizedNonceKey,
    legacy_hash: hmac::Key,
}

/// The bytes HKDF derives from a secret (kept apart so a test can compare them).
struct Derived {
    id: [u8; 8],
    seal: [u8; 32],
    hash: [u8; 32],
}

fn derive(secret: &[u8]) -> Derived {
    let hkdf = Hkdf::<Sha256>::new(Some(b"alipass"), secret);
    let mut derived = Derived {
        id: [0; 8],
        seal: [0; 32],
        hash: [0; 32],
    };
    // Lengths far below HKDF's 255 × 32 bytes: expansion cannot fail.
    for (info, out) in [
        (&b"alipass key id"[..], &mut derived.id[..]),
        (&b"alipass seal v2"[..], &mut derived.seal[..]),
        (&b"alipass keyed hash v2"[..], &mut derived.hash[..]),
    ] {
        hkdf.expand(info, out).expect("a short HKDF output");
    }
    derived
}

impl SealKey {
    fn new(secret: &[u8]) -> Option<Self> {
        let derived = derive(secret);
        let legacy_label = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, secret),
            b"alipass keyed hash",
        );
        Some(Self {
            id: hex::encode(derived.id),
            aead: RandomizedNonceKey::new(&AES_256_GCM, &derived.seal).ok()?,
            hash: hmac::Key::new(hmac::HMAC_SHA256, &derived.hash),
            legacy_aead: RandomizedNonceKey::new(&AES_256_GCM, secret).ok()?,
            legacy_hash: hmac::Key::new(hmac::HMAC_SHA256, legacy_label.as_ref()),
        })
    }

    fn aad(&self, binding: &Binding) -> Vec<u8> {
        format!("{VERSION}.{}.{}", self.id, binding.context).into_bytes()
    }
}

/// What a sealed value belongs to, bound into its seal (AAD): it opens only there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    context: String,
    /// What values sealed before key ids were bound to.
    legacy: String,
}

impl Binding {
    /// A value bound to `context`, as it always was.
    pub fn to(context: impl Into<String>) -> Self {
        let context = context.into();
        Self {
            legacy: context.clone(),
            context,
        }
    }

    /// `column` of record `record`; values sealed before key ids were bound to `legacy`
    /// (the same for every record).
    pub fn record(column: &str, record: impl fmt::Display, legacy: &str) -> Self {
        Self {
            context: format!("{column}:{record}"),
            legacy: legacy.to_owned(),
        }
    }
}

pub struct Sealer {
    current: SealKey,
    /// Secrets values may still be sealed with: they open values, never seal.
    retired: Vec<SealKey>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Sealer(AES-256-GCM, key {}, {} retired, redacted)",
            self.current.id,
            self.retired.len()
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the value could not be sealed")]
    Unsealable,
    #[error(
        "a sealed value names key {0}, which is neither the current key nor a retired one \
         (was a key retired before `alipass rekey` ran?)"
    )]
    UnknownKey(String),
    #[error("a sealed value cannot be opened (another key, or it belongs to another record)")]
    Unreadable,
}

/// A merchant token cannot be kept without a sealing key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(
        "an app_auth_token was given but alipay.token_sealing_key is not set: the token could \
         not be kept for the reconciler"
    )]
    NoSealingKey,
}

impl Sealer {
    /// From `alipay.token_sealing_key(_file)`, when set.
    pub fn for_tokens(settings: &Settings) -> Result<Option<Self>, ConfigError> {
        let alipay = &settings.alipay;
        Self::from_setting(
            "alipay.token_sealing_key",
            alipay.token_sealing_key.as_deref(),
            alipay.token_sealing_key_file.as_deref(),
        )
    }

    /// From `pii.key(_file)`, when set, with `pii.retired_keys(_file)` to open values
    /// sealed before a rotation.
    pub fn for_personal_data(settings: &Settings) -> Result<Option<Self>, ConfigError> {
        let pii = &settings.pii;
        let Some(mut sealer) =
            Self::from_setting("pii.key", pii.key.as_deref(), pii.key_file.as_deref())?
        else {
            return Ok(None);
        };
        for text in pii.retired_key_texts()? {
            let key = key_from_base64("pii.retired_keys", &text)?;
            if key.id != sealer.current.id {
                sealer.retired.push(key);
            }
        }
        Ok(Some(sealer))
    }

    /// From `console.session_key(_file)`, when set.
    pub fn for_console(settings: &Settings) -> Result<Option<Self>, ConfigError> {
        Self::from_setting(
            "console.session_key",
            settings.console.session_key.as_deref(),
            settings.console.session_key_file.as_deref(),
        )
    }

    /// A key of this process only.
    pub fn random() -> Self {
        let secret: [u8; 32] = rand::random();
        Self {
            current: SealKey::new(&secret).expect("32 random bytes make a key"),
            retired: Vec::new(),
        }
    }

    fn from_setting(
        name: &str,
        inline: Option<&str>,
        file: Option<&std::path::Path>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(text) = Settings::resolve_secret(name, inline, file)?.filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        Ok(Some(Self {
            current: key_from_base64(name, &text)?,
            retired: Vec::new(),
        }))
    }

    /// The current key's id, as sealed values name it.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    fn keys(&self) -> impl Iterator<Item = &SealKey> {
        std::iter::once(&self.current).chain(&self.retired)
    }

    /// Hex HMAC-SHA256 of `text` with the current hashing key: equal texts give equal
    /// hashes, and only the key holder can compute one (a phone number's plain hash is
    /// guessable).
    pub fn keyed_hash(&self, text: &str) -> String {
        hex::encode(hmac::sign(&self.current.hash, text.as_bytes()))
    }

    /// `text`'s hash under every configured key, the ways before key ids included: what a
    /// look-up matches until `alipass rekey` has rehashed every value.
    pub fn keyed_hashes(&self, text: &str) -> Vec<String> {
        self.keys()
            .flat_map(|key| [&key.hash, &key.legacy_hash])
            .map(|hash| hex::encode(hmac::sign(hash, text.as_bytes())))
            .collect()
    }

    /// `v2.<key id>.<base64(nonce ‖ ciphertext ‖ tag)>`, bound to `binding`.
    pub fn seal(&self, binding: &Binding, plain: &str) -> Result<String, SealError> {
        let key = &self.current;
        let mut buffer = plain.as_bytes().to_vec();
        let nonce = key
            .aead
            .seal_in_place_append_tag(Aad::from(key.aad(binding)), &mut buffer)
            .map_err(|_| SealError::Unsealable)?;
        let mut out = nonce.as_ref().to_vec();
        out.extend_from_slice(&buffer);
        Ok(format!("{VERSION}.{}.{}", key.id, STANDARD.encode(out)))
    }

    pub fn open(&self, binding: &Binding, sealed: &str) -> Result<Secret, SealError> {
        let Some(rest) = sealed
            .strip_prefix(VERSION)
            .and_then(|r| r.strip_prefix('.'))
        else {
            // Before key ids: sealed with one of the secrets themselves.
            return self
                .keys()
                .find_map(|key| open_with(&key.legacy_aead, binding.legacy.as_bytes(), sealed))
                .ok_or(SealError::Unreadable);
        };
        let (id, body) = rest.split_once('.').ok_or(SealError::Unreadable)?;
        let key = self
            .keys()
            .find(|key| key.id == id)
            .ok_or_else(|| SealError::UnknownKey(id.to_owned()))?;
        open_with(&key.aead, &key.aad(binding), body).ok_or(SealError::Unreadable)
    }

    /// Whether `sealed` is sealed with the current key in the current format.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .strip_prefix(VERSION)
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.strip_prefix(self.current.id.as_str()))
            .is_some_and(|r| r.starts_with('.'))
    }

    /// `sealed` opened and sealed again with the current key; None when it already is.
    pub fn reseal(&self, binding: &Binding, sealed: &str) -> Result<Option<String>, SealError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        let plain = self.open(binding, sealed)?;
        self.seal(binding, &plain).map(Some)
    }
}

fn key_from_base64(name: &str, text: &str) -> Result<SealKey, ConfigError> {
    let secret = STANDARD
        .decode(text.trim())
        .map_err(|_| ConfigError::invalid(name, "not base64"))?;
    if secret.len() != 32 {
        return Err(ConfigError::invalid(name, "must be base64 of 32 bytes"));
    }
    SealKey::new(&secret).ok_or_else(|| ConfigError::invalid(name, "must be base64 of 32 bytes"))
}

fn open_with(key: &RandomizedNonceKey, aad: &[u8], body: &str) -> Option<Secret> {
    let bytes = STANDARD.decode(body).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, rest) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buffer = rest.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(aad), &mut buffer).ok()?;
    String::from_utf8(plain.to_vec()).ok().map(Secret::from)
}

pub mod columns;

#[cfg(test)]
mod tests;
