//! Merchants' `app_auth_token`s (an ISV calling on a merchant's behalf), kept with the
//! records they were given for, so that the reconciler and later changes act with the same
//! authority. At rest they are sealed with AES-256-GCM under `alipay.token_sealing_key`
//! (base64 of 32 bytes), bound to the app id; the database alone never reveals them.

use std::fmt;

use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::config::{ConfigError, Secret, Settings};

pub struct TokenSealer {
    key: RandomizedNonceKey,
}

impl fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSealer(AES-256-GCM, redacted)")
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

impl TokenSealer {
    /// From `alipay.token_sealing_key(_file)`, when set.
    pub fn from_settings(settings: &Settings) -> Result<Option<Self>, ConfigError> {
        const KEY: &str = "alipay.token_sealing_key";
        let Some(text) = Settings::resolve_secret(
            KEY,
            settings.alipay.token_sealing_key.as_deref(),
            settings.alipay.token_sealing_key_file.as_deref(),
        )?
        .filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| ConfigError::invalid(KEY, "not base64"))?;
        let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| ConfigError::invalid(KEY, "must be base64 of 32 bytes"))?;
        Ok(Some(Self { key }))
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

    fn sealer() -> TokenSealer {
        let mut settings =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap();
        settings.alipay.token_sealing_key = Some(STANDARD.encode([7u8; 32]).into());
        TokenSealer::from_settings(&settings).unwrap().unwrap()
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
    }

    #[test]
    fn keys_of_the_wrong_size_are_refused() {
        let mut settings =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap();
        settings.alipay.token_sealing_key = Some(STANDARD.encode([7u8; 16]).into());
        let err = TokenSealer::from_settings(&settings).unwrap_err();
        assert_eq!(err.key, "alipay.token_sealing_key");
        settings.alipay.token_sealing_key = None;
        assert!(TokenSealer::from_settings(&settings).unwrap().is_none());
    }
}
