//! The RSA PKCS#1 v1.5 implementations behind [`RsaBackend`].

use super::*;

use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
/// One RSA PKCS#1 v1.5 implementation. Keys are prepared once per backend because parsing
/// and Montgomery set-up are not per-call work.
pub trait RsaBackend {
    const NAME: &'static str;
    type SigningKey: Send + Sync;
    type VerifyingKey: Send + Sync;

    /// `None` when this backend cannot take the key (e.g. ring below 2048 bits).
    fn signing_key(key: &RsaPrivateKey) -> Option<Self::SigningKey>;
    fn verifying_key(key: &RsaPublicKey) -> Option<Self::VerifyingKey>;
    fn sign(
        key: &Self::SigningKey,
        sign_type: SignType,
        content: &[u8],
    ) -> Result<Vec<u8>, SignError>;
    fn verify(
        key: &Self::VerifyingKey,
        sign_type: SignType,
        content: &[u8],
        signature: &[u8],
    ) -> bool;
}

/// The pure-Rust `rsa` crate (RustCrypto), with blinding.
pub struct RustCrypto;

impl RsaBackend for RustCrypto {
    const NAME: &'static str = "rsa-crate";
    type SigningKey = RsaPrivateKey;
    type VerifyingKey = RsaPublicKey;

    fn signing_key(key: &RsaPrivateKey) -> Option<RsaPrivateKey> {
        Some(key.clone())
    }

    fn verifying_key(key: &RsaPublicKey) -> Option<RsaPublicKey> {
        Some(key.clone())
    }

    fn sign(
        key: &RsaPrivateKey,
        sign_type: SignType,
        content: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        let (scheme, digest) = rust_crypto_scheme(sign_type, content);
        key.sign_with_rng(&mut rand::thread_rng(), scheme, &digest)
            .map_err(|e| SignError::Backend(e.to_string()))
    }

    fn verify(key: &RsaPublicKey, sign_type: SignType, content: &[u8], signature: &[u8]) -> bool {
        let (scheme, digest) = rust_crypto_scheme(sign_type, content);
        key.verify(scheme, &digest, signature).is_ok()
    }
}

pub(super) fn rust_crypto_scheme(sign_type: SignType, content: &[u8]) -> (Pkcs1v15Sign, Vec<u8>) {
    match sign_type {
        SignType::Rsa2 => (
            Pkcs1v15Sign::new::<Sha256>(),
            Sha256::digest(content).to_vec(),
        ),
        SignType::Rsa => (
            // Spelled out: `new::<Sha1>()` needs sha1's `oid` feature, which we do not enable.
            Pkcs1v15Sign {
                hash_len: Some(20),
                prefix: Box::new(SHA1_DIGEST_INFO_PREFIX),
            },
            sha1::Sha1::digest(content).to_vec(),
        ),
    }
}

/// DER of DigestInfo { AlgorithmIdentifier { id-sha1, NULL }, OCTET STRING (20 bytes) }
/// up to the digest itself (RFC 8017, section 9.2, note 1).
pub(super) const SHA1_DIGEST_INFO_PREFIX: [u8; 15] = [
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// `aws-lc-rs` (AWS-LC, OpenSSL-grade assembly incl. AVX-512 IFMA): signs SHA256 only,
/// verifies SHA256 and legacy SHA1, 2048 to 8192-bit keys. The fastest of the three at both
/// (benches/crypto.rs, which also measures `ring`).
pub struct AwsLc;

impl RsaBackend for AwsLc {
    const NAME: &'static str = "aws-lc-rs";
    type SigningKey = aws_lc_rs::signature::RsaKeyPair;
    /// PKCS#1 RSAPublicKey DER.
    type VerifyingKey = Vec<u8>;

    fn signing_key(key: &RsaPrivateKey) -> Option<aws_lc_rs::signature::RsaKeyPair> {
        let der = key.to_pkcs1_der().ok()?;
        aws_lc_rs::signature::RsaKeyPair::from_der(der.as_bytes()).ok()
    }

    /// PKCS#1 RSAPublicKey DER; None below 2048 bits (aws-lc-rs verifies 2048 to 8192).
    fn verifying_key(key: &RsaPublicKey) -> Option<Vec<u8>> {
        if key.n().bits() < 2048 {
            return None;
        }
        key.to_pkcs1_der().ok().map(|der| der.as_bytes().to_vec())
    }

    fn sign(
        key: &aws_lc_rs::signature::RsaKeyPair,
        sign_type: SignType,
        content: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        if sign_type != SignType::Rsa2 {
            return Err(SignError::Unsupported {
                backend: Self::NAME,
                sign_type,
            });
        }
        let mut signature = vec![0u8; key.public_modulus_len()];
        key.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            content,
            &mut signature,
        )
        .map_err(|_| SignError::Backend("aws-lc-rs refused to sign".to_owned()))?;
        Ok(signature)
    }

    fn verify(key: &Vec<u8>, sign_type: SignType, content: &[u8], signature: &[u8]) -> bool {
        let algorithm: &'static aws_lc_rs::signature::RsaParameters = match sign_type {
            SignType::Rsa2 => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            SignType::Rsa => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        };
        aws_lc_rs::signature::UnparsedPublicKey::new(algorithm, key)
            .verify(content, signature)
            .is_ok()
    }
}
