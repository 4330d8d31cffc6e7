//! Content encryption (接口内容加密, `encrypt_type=AES`). An app with it switched on sends
//! `biz_content` encrypted and gets its answer node back as a JSON string of ciphertext.
//! The scheme every official SDK uses: AES-CBC with an all-zero IV and PKCS#5/7 padding,
//! the key handed out base64-encoded (16 bytes for AES-128, 32 for AES-256), the ciphertext
//! base64-encoded, the plaintext in the request charset. Encryption comes before signing:
//! the sign string holds the ciphertext and `encrypt_type=AES`, and an answer's signature
//! covers the ciphertext string as it appears, quotes included, before it is decrypted.
//!
//! A zero IV makes equal plaintexts encrypt equally; that is Alipay's scheme, not ours to
//! change.

use std::fmt;

use aws_lc_rs::cipher::{
    Algorithm, DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey,
    PaddedBlockEncryptingKey, UnboundCipherKey, AES_128, AES_256,
};
use aws_lc_rs::iv::FixedLength;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::charset::{Charset, CharsetError};

/// The value of the `encrypt_type` public parameter.
pub const ENCRYPT_TYPE_AES: &str = "AES";

const ZERO_IV: [u8; 16] = [0; 16];

/// An app's AES content key. Its `Debug` names the size only.
#[derive(Clone, PartialEq, Eq)]
pub struct ContentKey {
    bytes: Vec<u8>,
}

impl fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentKey(AES-{}, redacted)", self.bits())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("the AES key is not base64 (paste it as the open platform shows it)")]
    KeyNotBase64,
    #[error("the AES key is {0} bytes: Alipay content keys are 16 bytes (AES-128) or 32 (AES-256), base64-encoded")]
    KeyLength(usize),
    #[error("the encrypted content is not base64")]
    NotBase64,
    #[error("the encrypted content does not decrypt with this key (a different key, or the content was cut)")]
    Undecryptable,
    #[error("the content cannot be encrypted: {0}")]
    Cipher(&'static str),
    #[error(transparent)]
    Charset(#[from] CharsetError),
}

impl ContentKey {
    /// The key as the open platform shows it: base64 of 16 or 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, ContentError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| ContentError::KeyNotBase64)?;
        match bytes.len() {
            16 | 32 => Ok(Self { bytes }),
            other => Err(ContentError::KeyLength(other)),
        }
    }

    /// 128 or 256.
    pub fn bits(&self) -> usize {
        self.bytes.len() * 8
    }

    fn algorithm(&self) -> &'static Algorithm {
        if self.bytes.len() == 32 {
            &AES_256
        } else {
            &AES_128
        }
    }

    fn unbound(&self) -> Result<UnboundCipherKey, ContentError> {
        UnboundCipherKey::new(self.algorithm(), &self.bytes)
            .map_err(|_| ContentError::Cipher("the key was refused"))
    }

    /// Base64 of the AES-CBC ciphertext of `plaintext`.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String, ContentError> {
        let key = PaddedBlockEncryptingKey::cbc_pkcs7(self.unbound()?)
            .map_err(|_| ContentError::Cipher("CBC is unavailable"))?;
        let mut buffer = plaintext.to_vec();
        key.less_safe_encrypt(
            &mut buffer,
            EncryptionContext::Iv128(FixedLength::from(ZERO_IV)),
        )
        .map_err(|_| ContentError::Cipher("encryption failed"))?;
        Ok(STANDARD.encode(buffer))
    }

    /// The plaintext of base64 `ciphertext`.
    pub fn decrypt(&self, ciphertext: &str) -> Result<Vec<u8>, ContentError> {
        let mut buffer = STANDARD
            .decode(ciphertext.trim())
            .map_err(|_| ContentError::NotBase64)?;
        let key = PaddedBlockDecryptingKey::cbc_pkcs7(self.unbound()?)
            .map_err(|_| ContentError::Cipher("CBC is unavailable"))?;
        let plain = key
            .decrypt(
                &mut buffer,
                DecryptionContext::Iv128(FixedLength::from(ZERO_IV)),
            )
            .map_err(|_| ContentError::Undecryptable)?;
        Ok(plain.to_vec())
    }

    /// `text` encoded in `charset`, then encrypted: what goes in `biz_content`.
    pub fn encrypt_text(&self, text: &str, charset: Charset) -> Result<String, ContentError> {
        self.encrypt(&charset.encode(text)?)
    }

    /// Decrypts `ciphertext` and decodes it in `charset`.
    pub fn decrypt_text(&self, ciphertext: &str, charset: Charset) -> Result<String, ContentError> {
        let bytes = self.decrypt(ciphertext)?;
        Ok(charset.decode(&bytes)?.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::openssl;
    use std::io::Write;

    const KEY_128: &str = "aa4BtZ4tspm2wnXLb1ThQA==";
    const KEY_256: &str = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

    /// `openssl enc` over `input` with the key in hex and a zero IV (PKCS#7 padding is its
    /// default): the independent implementation.
    fn openssl_enc(key: &ContentKey, decrypt: bool, input: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::File::create(dir.path().join("in"))
            .unwrap()
            .write_all(input)
            .unwrap();
        let cipher = format!("-aes-{}-cbc", key.bits());
        let hex_key = hex::encode(&key.bytes);
        let iv = "0".repeat(32);
        let mut args = vec!["enc", &cipher, "-K", &hex_key, "-iv", &iv, "-in", "in"];
        args.extend(if decrypt {
            ["-d", "-base64", "-A"]
        } else {
            ["-e", "-base64", "-A"]
        });
        openssl(dir.path(), &args)
    }

    #[test]
    fn both_directions_agree_with_openssl_for_both_key_sizes_and_charsets() {
        let text = r#"{"tpl_id":"2020","tpl_params":{"title":"会员卡 ￥20 券"}}"#;
        for key in [KEY_128, KEY_256] {
            let key = ContentKey::from_base64(key).unwrap();
            for charset in [Charset::Utf8, Charset::Gbk] {
                let ours = key.encrypt_text(text, charset).unwrap();
                let theirs = openssl_enc(&key, false, &charset.encode(text).unwrap());
                assert_eq!(ours.as_bytes(), theirs.as_slice(), "AES-{}", key.bits());
                let back = openssl_enc(&key, true, ours.as_bytes());
                assert_eq!(charset.decode(&back).unwrap(), text);
                assert_eq!(key.decrypt_text(&ours, charset).unwrap(), text);
            }
        }
    }

    #[test]
    fn empty_and_block_sized_plaintexts_round_trip() {
        let key = ContentKey::from_base64(KEY_128).unwrap();
        for plain in [&b""[..], &[7u8; 16][..], &[1u8; 31][..]] {
            let sealed = key.encrypt(plain).unwrap();
            assert_eq!(
                sealed.as_bytes(),
                openssl_enc(&key, false, plain).as_slice()
            );
            assert_eq!(key.decrypt(&sealed).unwrap(), plain);
        }
    }

    #[test]
    fn keys_of_other_sizes_or_not_base64_are_refused() {
        assert_eq!(
            ContentKey::from_base64("not base64!"),
            Err(ContentError::KeyNotBase64)
        );
        // 24 bytes (AES-192): not a size Alipay hands out.
        assert_eq!(
            ContentKey::from_base64(&STANDARD.encode([1u8; 24])),
            Err(ContentError::KeyLength(24))
        );
        assert_eq!(
            ContentKey::from_base64(&STANDARD.encode([1u8; 8])),
            Err(ContentError::KeyLength(8))
        );
        let key = ContentKey::from_base64(&format!(" {KEY_128}\n")).unwrap();
        assert_eq!(key.bits(), 128);
        assert_eq!(format!("{key:?}"), "ContentKey(AES-128, redacted)");
    }

    #[test]
    fn cut_or_foreign_ciphertexts_are_refused() {
        let key = ContentKey::from_base64(KEY_128).unwrap();
        let sealed = key.encrypt(b"{\"code\":\"10000\"}").unwrap();
        let raw = STANDARD.decode(&sealed).unwrap();
        // Cut to one block less: the padding is gone.
        let cut = STANDARD.encode(&raw[..raw.len() - 16]);
        assert_eq!(key.decrypt(&cut), Err(ContentError::Undecryptable));
        // Not a whole number of blocks.
        let ragged = STANDARD.encode(&raw[..raw.len() - 3]);
        assert_eq!(key.decrypt(&ragged), Err(ContentError::Undecryptable));
        assert_eq!(key.decrypt("%%%"), Err(ContentError::NotBase64));
        // The other key: this fixed pair does not yield valid padding.
        let other = ContentKey::from_base64(KEY_256).unwrap();
        assert_eq!(other.decrypt(&sealed), Err(ContentError::Undecryptable));
    }
}
