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

/// Key forms for [`ring_api_backend!`]: PKCS#1 DER of the private key, and of the public key
/// when it has the 2048 bits or more that ring's API verifies.
#[doc(hidden)]
pub mod ring_api {
    use super::*;

    pub use rsa::{RsaPrivateKey, RsaPublicKey};

    pub fn private_pkcs1_der(key: &RsaPrivateKey) -> Option<rsa::pkcs1::der::SecretDocument> {
        key.to_pkcs1_der().ok()
    }

    pub fn public_pkcs1_der(key: &RsaPublicKey) -> Option<Vec<u8>> {
        if key.n().bits() < 2048 {
            return None;
        }
        key.to_pkcs1_der().ok().map(|der| der.as_bytes().to_vec())
    }
}

/// An [`RsaBackend`] over a crate with ring's API: `ring` itself, or `aws-lc-rs`, which keeps
/// ring's API. Both sign SHA256 only and verify SHA256 and legacy SHA1, 2048 to 8192-bit
/// keys. One body for both: the library's [`AwsLc`], and the `Ring` that `benches/crypto.rs`
/// measures beside it.
#[macro_export]
macro_rules! ring_api_backend {
    ($(#[$doc:meta])* $name:ident, $label:literal, $lib:ident) => {
        $(#[$doc])*
        pub struct $name;

        impl $crate::sign::RsaBackend for $name {
            const NAME: &'static str = $label;
            type SigningKey = $lib::signature::RsaKeyPair;
            /// PKCS#1 RSAPublicKey DER.
            type VerifyingKey = Vec<u8>;

            fn signing_key(
                key: &$crate::sign::ring_api::RsaPrivateKey,
            ) -> Option<$lib::signature::RsaKeyPair> {
                let der = $crate::sign::ring_api::private_pkcs1_der(key)?;
                $lib::signature::RsaKeyPair::from_der(der.as_bytes()).ok()
            }

            fn verifying_key(key: &$crate::sign::ring_api::RsaPublicKey) -> Option<Vec<u8>> {
                $crate::sign::ring_api::public_pkcs1_der(key)
            }

            fn sign(
                key: &$lib::signature::RsaKeyPair,
                sign_type: $crate::sign::SignType,
                content: &[u8],
            ) -> Result<Vec<u8>, $crate::sign::SignError> {
                if sign_type != $crate::sign::SignType::Rsa2 {
                    return Err($crate::sign::SignError::Unsupported {
                        backend: Self::NAME,
                        sign_type,
                    });
                }
                // ring deprecates this name for `public().modulus_len()`, which aws-lc-rs lacks.
                #[allow(deprecated)]
                let mut signature = vec![0u8; key.public_modulus_len()];
                // PKCS#1 v1.5 takes no randomness; the RNG is asked for by the API (for PSS).
                key.sign(
                    &$lib::signature::RSA_PKCS1_SHA256,
                    &$lib::rand::SystemRandom::new(),
                    content,
                    &mut signature,
                )
                .map_err(|_| $crate::sign::SignError::Backend(concat!($label, " refused to sign").to_owned()))?;
                Ok(signature)
            }

            fn verify(
                key: &Vec<u8>,
                sign_type: $crate::sign::SignType,
                content: &[u8],
                signature: &[u8],
            ) -> bool {
                let algorithm: &'static $lib::signature::RsaParameters = match sign_type {
                    $crate::sign::SignType::Rsa2 => &$lib::signature::RSA_PKCS1_2048_8192_SHA256,
                    $crate::sign::SignType::Rsa => {
                        &$lib::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
                    }
                };
                $lib::signature::UnparsedPublicKey::new(algorithm, key)
                    .verify(content, signature)
                    .is_ok()
            }
        }
    };
}

crate::ring_api_backend!(
    /// `aws-lc-rs` (AWS-LC, OpenSSL-grade assembly incl. AVX-512 IFMA): the fastest at both
    /// signing and verifying of what `benches/crypto.rs` measures.
    AwsLc,
    "aws-lc-rs",
    aws_lc_rs
);
