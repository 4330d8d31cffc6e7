//! Our app private key and RSA public keys, parsed from what users paste (PEM, PKCS#1,
//! PKCS#8, bare base64).

use super::*;

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
/// Our app private key (应用私钥).
pub struct AppPrivateKey {
    key: RsaPrivateKey,
    /// aws-lc-rs's prepared key for RSA2; `None` when it refuses the key (the `rsa` crate
    /// signs).
    fast: Option<aws_lc_rs::signature::RsaKeyPair>,
    public: PublicKey,
}

impl AppPrivateKey {
    /// Accepts PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`) PEM, or the
    /// bare base64 of either DER as Alipay's key tool exports it. Errors never quote the key.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let key = match decode_key_text(text)? {
            Decoded::Pem { label, der } => match label.as_str() {
                "RSA PRIVATE KEY" => {
                    RsaPrivateKey::from_pkcs1_der(&der).map_err(|e| malformed(&e))?
                }
                "PRIVATE KEY" => private_from_pkcs8(&der)?,
                "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
                "PUBLIC KEY" | "RSA PUBLIC KEY" => return Err(KeyError::PublicKeyGivenForPrivate),
                "CERTIFICATE" => return Err(KeyError::CertificateGivenForKey),
                "EC PRIVATE KEY" => return Err(KeyError::NotRsa("EC")),
                "DSA PRIVATE KEY" => return Err(KeyError::NotRsa("DSA")),
                _ => return Err(KeyError::UnexpectedPem(label)),
            },
            Decoded::Bare(der) => {
                if let Ok(key) = RsaPrivateKey::from_pkcs1_der(&der) {
                    key
                } else if looks_like_pkcs8(&der) {
                    private_from_pkcs8(&der)?
                } else if public_from_der(&der).is_some() {
                    return Err(KeyError::PublicKeyGivenForPrivate);
                } else {
                    return Err(KeyError::NotRsaPrivateKey);
                }
            }
        };
        Self::from_rsa(key)
    }

    fn from_rsa(key: RsaPrivateKey) -> Result<Self, KeyError> {
        let bits = key.n().bits();
        if bits < 1024 {
            return Err(KeyError::TooSmall(bits));
        }
        let public = PublicKey::from_rsa(key.to_public_key())?;
        Ok(Self {
            fast: AwsLc::signing_key(&key),
            key,
            public,
        })
    }

    /// The base64 PKCS#1 v1.5 signature of `content` (the sign string in the request charset).
    pub fn sign(&self, sign_type: SignType, content: &[u8]) -> Result<String, SignError> {
        let signature = match (sign_type, &self.fast) {
            (SignType::Rsa2, Some(fast)) => AwsLc::sign(fast, sign_type, content)?,
            _ => RustCrypto::sign(&self.key, sign_type, content)?,
        };
        Ok(STANDARD.encode(signature))
    }

    /// This key prepared for one backend; for benchmarks and backend cross-checks.
    pub fn prepare<B: RsaBackend>(&self) -> Option<B::SigningKey> {
        B::signing_key(&self.key)
    }

    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    pub fn bits(&self) -> usize {
        self.public.bits()
    }
}

impl fmt::Debug for AppPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppPrivateKey")
            .field("bits", &self.bits())
            .field("fingerprint", &self.public.fingerprint())
            .finish()
    }
}

/// An RSA public key: Alipay's (支付宝公钥) for checking answers, or ours in the simulator.
#[derive(Clone)]
pub struct PublicKey {
    key: RsaPublicKey,
    spki_der: Vec<u8>,
    /// PKCS#1 DER for aws-lc-rs; `None` below 2048 bits, where the `rsa` crate verifies.
    fast: Option<Vec<u8>>,
}

impl PublicKey {
    /// Accepts SPKI PEM (`BEGIN PUBLIC KEY`), PKCS#1 PEM (`BEGIN RSA PUBLIC KEY`) or the bare
    /// base64 of the SPKI DER that Alipay's console shows.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let key = match decode_key_text(text)? {
            Decoded::Pem { label, der } => match label.as_str() {
                "PUBLIC KEY" => public_from_spki(&der)?,
                "RSA PUBLIC KEY" => {
                    RsaPublicKey::from_pkcs1_der(&der).map_err(|e| malformed(&e))?
                }
                "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "EC PRIVATE KEY" => {
                    return Err(KeyError::PrivateKeyGivenForPublic)
                }
                "CERTIFICATE" => return Err(KeyError::CertificateGivenForKey),
                _ => return Err(KeyError::UnexpectedPem(label)),
            },
            Decoded::Bare(der) => match public_from_der(&der) {
                Some(key) => key,
                None if looks_like_pkcs8(&der) && spki_algorithm(&der).is_none() => {
                    return Err(KeyError::PrivateKeyGivenForPublic)
                }
                None if RsaPrivateKey::from_pkcs1_der(&der).is_ok() => {
                    return Err(KeyError::PrivateKeyGivenForPublic)
                }
                None => match spki_algorithm(&der) {
                    Some(name) => return Err(KeyError::NotRsa(name)),
                    None => return Err(KeyError::NotRsaPublicKey),
                },
            },
        };
        Self::from_rsa(key)
    }

    /// From a DER SubjectPublicKeyInfo (what a certificate carries).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_rsa(public_from_spki(der)?)
    }

    /// The public key of an X.509 certificate (certificate mode).
    pub fn from_certificate_pem(pem: &str) -> Result<Self, crate::cert::CertError> {
        crate::cert::public_key_from_cert(pem)
    }

    fn from_rsa(key: RsaPublicKey) -> Result<Self, KeyError> {
        let bits = key.n().bits();
        if bits < 1024 {
            return Err(KeyError::TooSmall(bits));
        }
        let spki_der = key
            .to_public_key_der()
            .map_err(|e| malformed(&e))?
            .into_vec();
        Ok(Self {
            fast: AwsLc::verifying_key(&key),
            key,
            spki_der,
        })
    }

    /// Checks a base64 PKCS#1 v1.5 signature over `content`.
    pub fn verify(
        &self,
        sign_type: SignType,
        content: &[u8],
        signature_b64: &str,
    ) -> Result<(), SignatureError> {
        let signature = decode_signature(signature_b64)?;
        let expected = self.key.size();
        if signature.len() != expected {
            return Err(SignatureError::WrongLength {
                expected,
                got: signature.len(),
            });
        }
        let ok = match &self.fast {
            Some(fast) => AwsLc::verify(fast, sign_type, content, &signature),
            None => RustCrypto::verify(&self.key, sign_type, content, &signature),
        };
        if ok {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// This key prepared for one backend; for benchmarks and backend cross-checks.
    pub fn prepare<B: RsaBackend>(&self) -> Option<B::VerifyingKey> {
        B::verifying_key(&self.key)
    }

    pub fn bits(&self) -> usize {
        self.key.n().bits()
    }

    /// The first 16 hex digits of SHA-256 over the SPKI DER: enough to tell keys apart in
    /// logs and errors without showing them.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(&self.spki_der);
        hex::encode(&digest[..8])
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    pub fn to_spki_pem(&self) -> String {
        // Encoding a key we already hold cannot fail; fall back to building the PEM by hand
        // rather than panicking.
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_else(|_| {
                let body = STANDARD.encode(&self.spki_der);
                let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
                for line in body.as_bytes().chunks(64) {
                    pem.push_str(&String::from_utf8_lossy(line));
                    pem.push('\n');
                }
                pem.push_str("-----END PUBLIC KEY-----\n");
                pem
            })
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

pub(super) fn decode_signature(signature_b64: &str) -> Result<Vec<u8>, SignatureError> {
    let compact: String = signature_b64
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    LENIENT
        .decode(compact.as_bytes())
        .map_err(|_| SignatureError::NotBase64)
}

/// Standard alphabet, padding optional: keys pasted from consoles often lose trailing `=`.
pub(super) const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub(super) fn malformed(e: &dyn fmt::Display) -> KeyError {
    // The pkcs1/pkcs8/rsa errors describe structure, never key bytes; bound them anyway.
    let mut reason = e.to_string();
    reason.truncate(120);
    KeyError::Malformed(reason)
}

pub(super) const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

pub(super) fn algorithm_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.10045.2.1" => "EC",
        "1.2.840.10040.4.1" => "DSA",
        "1.3.101.112" => "Ed25519",
        "1.3.101.110" => "X25519",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        _ => "non-RSA",
    }
}

pub(super) fn looks_like_pkcs8(der: &[u8]) -> bool {
    rsa::pkcs8::PrivateKeyInfo::try_from(der).is_ok()
}

pub(super) fn private_from_pkcs8(der: &[u8]) -> Result<RsaPrivateKey, KeyError> {
    let info = match rsa::pkcs8::PrivateKeyInfo::try_from(der) {
        Ok(info) => info,
        Err(_) => return Err(KeyError::NotRsaPrivateKey),
    };
    let oid = info.algorithm.oid.to_string();
    if oid != RSA_ENCRYPTION {
        return Err(KeyError::NotRsa(algorithm_name(&oid)));
    }
    RsaPrivateKey::from_pkcs8_der(der).map_err(|e| malformed(&e))
}

pub(super) fn spki_algorithm(der: &[u8]) -> Option<&'static str> {
    let spki = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der).ok()?;
    let oid = spki.algorithm.oid.to_string();
    (oid != RSA_ENCRYPTION).then(|| algorithm_name(&oid))
}

pub(super) fn public_from_spki(der: &[u8]) -> Result<RsaPublicKey, KeyError> {
    if let Some(name) = spki_algorithm(der) {
        return Err(KeyError::NotRsa(name));
    }
    RsaPublicKey::from_public_key_der(der).map_err(|e| malformed(&e))
}

pub(super) fn public_from_der(der: &[u8]) -> Option<RsaPublicKey> {
    RsaPublicKey::from_public_key_der(der)
        .or_else(|_| RsaPublicKey::from_pkcs1_der(der))
        .ok()
}

pub(super) enum Decoded {
    Pem { label: String, der: Vec<u8> },
    Bare(Vec<u8>),
}

/// PEM, or bare base64 with any whitespace (and the literal `\n` escapes that survive
/// copying a key into an environment variable).
pub(super) fn decode_key_text(text: &str) -> Result<Decoded, KeyError> {
    let text = text.replace("\\n", "\n").replace("\\r", "");
    let text = text.trim().trim_start_matches('\u{feff}');
    if text.is_empty() {
        return Err(KeyError::Empty);
    }
    if text.contains("-----BEGIN ") {
        let mut blocks = pem_blocks(text)?;
        // A key file holds one block; with several the first is what the user meant.
        if blocks.is_empty() {
            return Err(KeyError::NotPemNorBase64);
        }
        let block = blocks.swap_remove(0);
        return Ok(Decoded::Pem {
            label: block.label,
            der: block.der,
        });
    }
    decode_base64(text)
        .map(Decoded::Bare)
        .ok_or(KeyError::NotPemNorBase64)
}

pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    LENIENT.decode(compact.as_bytes()).ok()
}

/// One decoded PEM block.
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// Every PEM block in `text`, in order; text outside blocks (openssl's `Bag Attributes`,
/// comments) is ignored. Encrypted legacy PEM (`Proc-Type: 4,ENCRYPTED`) is refused.
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, KeyError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            return Err(KeyError::NotPemNorBase64);
        };
        let label: String = after[..label_end].trim().chars().take(40).collect();
        let body_start = &after[label_end + "-----".len()..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = body_start.find(&end_marker) else {
            return Err(KeyError::UnterminatedPem(label));
        };
        let body = &body_start[..body_end];
        if body.contains("Proc-Type:") || body.contains("DEK-Info:") {
            return Err(KeyError::Encrypted);
        }
        let der = decode_base64(body).ok_or(KeyError::NotPemNorBase64)?;
        blocks.push(PemBlock { label, der });
        rest = &body_start[body_end + end_marker.len()..];
    }
    Ok(blocks)
}
