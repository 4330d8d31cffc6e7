//! Secrets and personal data kept at rest, sealed with AES-256-GCM (aws-lc-rs) under a key
//! from settings (base64 of 32 bytes) and bound to their context (AAD), so the database alone
//! never reveals them:
//! - merchants' `app_auth_token`s (an ISV calling on a merchant's behalf), kept with the
//!   records they were given for so the reconciler and later changes act with the same
//!   authority (`alipay.token_sealing_key`, bound to the app id);
//! - voucher recipients' `login_id` (a phone number or e-mail) and `taobao_nick`
//!   (`pii.key`), with a keyed hash (HMAC-SHA256) beside them for look-ups.

use std::fmt;

use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hmac;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::config::{ConfigError, Secret, Settings};

pub struct Sealer {
    key: RandomizedNonceKey,
    /// For keyed hashes, derived from the same key material.
    hash_key: hmac::Key,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(AES-256-GCM, redacted)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(
        "an app_auth_token was given but alipay.token_sealing_key is not set: the token could \
         not be kept for the reconciler"
    )]
    NoSealingKey,
    #[error("a stored app_auth_token cannot be opened (another alipay.token_sealing_key?)")]
    Unreadable,
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

    /// From `pii.key(_file)`, when set.
    pub fn for_personal_data(settings: &Settings) -> Result<Option<Self>, ConfigError> {
        Self::from_setting(
            "pii.key",
            settings.pii.key.as_deref(),
            settings.pii.key_file.as_deref(),
        )
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
        let bytes: [u8; 32] = rand::random();
        let text = STANDARD.encode(bytes);
        Self::from_setting("random", Some(&text), None)
            .ok()
            .flatten()
            .expect("32 random bytes make a key")
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
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| ConfigError::invalid(name, "not base64"))?;
        let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| ConfigError::invalid(name, "must be base64 of 32 bytes"))?;
        // A separate key for hashing, so a hash never reveals anything about the sealing.
        let derived = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &bytes),
            b"alipass keyed hash",
        );
        Ok(Some(Self {
            key,
            hash_key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        }))
    }

    /// Hex HMAC-SHA256 of `text`: equal texts give equal hashes, and only the key holder
    /// can compute one (a phone number's plain hash is guessable).
    pub fn keyed_hash(&self, text: &str) -> String {
        hex::encode(hmac::sign(&self.hash_key, text.as_bytes()))
    }

    /// base64(nonce ‖ ciphertext ‖ tag), bound to `app_id`.
    pub fn seal(&self, app_id: &str, token: &str) -> String {
        let mut buffer = token.as_bytes().to_vec();
        match self
            .key
            .seal_in_place_append_tag(Aad::from(app_id.as_bytes()), &mut buffer)
        {
            Ok(nonce) => {
                let mut out = nonce.as_ref().to_vec();
                out.extend_from_slice(&buffer);
                STANDARD.encode(out)
            }
            // AES-GCM sealing fails only on absurd lengths; a token is short.
            Err(_) => String::new(),
        }
    }

    pub fn open(&self, app_id: &str, sealed: &str) -> Result<Secret, TokenError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| TokenError::Unreadable)?;
        if bytes.len() < NONCE_LEN {
            return Err(TokenError::Unreadable);
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| TokenError::Unreadable)?;
        let mut buffer = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(app_id.as_bytes()), &mut buffer)
            .map_err(|_| TokenError::Unreadable)?;
        String::from_utf8(plain.to_vec())
            .map(Secret::from)
            .map_err(|_| TokenError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        let mut settings =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap();
        settings.alipay.token_sealing_key = Some(STANDARD.encode([7u8; 32]).into());
        Sealer::for_tokens(&settings).unwrap().unwrap()
    }

    #[test]
    fn a_sealed_token_opens_only_for_its_app_and_never_shows_in_clear() {
        let sealer = sealer();
        let sealed = sealer.seal("2021000000000001", "202511BB-merchant-token");
        assert!(!sealed.contains("merchant"));
        assert_ne!(
            sealed,
            sealer.seal("2021000000000001", "202511BB-merchant-token")
        );
        let opened = sealer.open("2021000000000001", &sealed).unwrap();
        assert_eq!(&*opened, "202511BB-merchant-token");
        assert_eq!(
            sealer.open("2021000000000002", &sealed).unwrap_err(),
            TokenError::Unreadable
        );
        assert!(sealer.open("2021000000000001", "AAAA").is_err());
        let hash = sealer.keyed_hash("13800138000");
        assert_eq!(hash, sealer.keyed_hash("13800138000"));
        assert_ne!(
            hash,
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"13800138000"))
        );
    }

    #[test]
    fn keys_of_the_wrong_size_are_refused() {
        let mut settings =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap();
        settings.alipay.token_sealing_key = Some(STANDARD.encode([7u8; 16]).into());
        let err = Sealer::for_tokens(&settings).unwrap_err();
        assert_eq!(err.key, "alipay.token_sealing_key");
        settings.alipay.token_sealing_key = None;
        assert!(Sealer::for_tokens(&settings).unwrap().is_none());
    }
}
