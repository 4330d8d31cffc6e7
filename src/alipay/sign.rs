//! Request signing and signature checking: the Alipay sign string, RSA2 (SHA256withRSA) and
//! legacy RSA (SHA1withRSA), both PKCS#1 v1.5, and the key parsing users trip on most.
//!
//! Three RSA implementations sit behind [`RsaBackend`]; `benches/crypto.rs` measures them and
//! the choice below follows its figures (2048-bit, one core, this machine): `aws-lc-rs` signs
//! RSA2 (~4,400/s, about 1.0x `openssl speed`, using AVX-512 IFMA where the CPU has it; ring
//! ~2,100/s, the `rsa` crate ~710/s); `ring` verifies both sign types (~50,000/s, 8x the
//! `rsa` crate); the `rsa` crate signs legacy RSA/SHA1 (neither signs with SHA1) and takes the
//! keys the others reject (under 2048 bits).

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rsa::pkcs1::{
    DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey, EncodeRsaPublicKey,
};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// `sign_type`: RSA2 is SHA256withRSA, RSA the legacy SHA1withRSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignType {
    Rsa2,
    Rsa,
}

impl SignType {
    pub fn as_str(&self) -> &'static str {
        match self {
            SignType::Rsa2 => "RSA2",
            SignType::Rsa => "RSA",
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sign_type: use RSA2 (or the legacy RSA)")]
pub struct UnknownSignType;

impl FromStr for SignType {
    type Err = UnknownSignType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            t if t.eq_ignore_ascii_case("RSA2") => Ok(SignType::Rsa2),
            t if t.eq_ignore_ascii_case("RSA") => Ok(SignType::Rsa),
            _ => Err(UnknownSignType),
        }
    }
}

/// The Alipay sign string (Java SDK `AlipaySignature.getSignContent`): every parameter but
/// `sign` (a request's `sign_type` IS signed), pairs with an empty key or value skipped,
/// sorted by key in byte order, `k=v` joined with `&`, values raw (not URL-encoded).
pub fn sign_content<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| !k.is_empty() && !v.is_empty() && *k != "sign")
        .collect();
    // Sorting by the pair, not just the key, keeps the result independent of input order
    // even if a caller passes a key twice.
    pairs.sort_unstable();
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("not PEM nor base64")]
    NotPemNorBase64,
    #[error("PEM block \"{0}\" has no matching END line")]
    UnterminatedPem(String),
    #[error("the private key is password-encrypted: export it without a password (openssl pkcs8 -topk8 -nocrypt)")]
    Encrypted,
    #[error("base64 decodes but is neither PKCS#1 nor PKCS#8 RSA private key")]
    NotRsaPrivateKey,
    #[error(
        "base64 decodes but is neither an SPKI (BEGIN PUBLIC KEY) nor a PKCS#1 RSA public key"
    )]
    NotRsaPublicKey,
    #[error("this is a {0} key, not RSA: Alipay RSA2/RSA signing needs an RSA key")]
    NotRsa(&'static str),
    #[error(
        "this looks like a PUBLIC key: did you swap the app private key and the Alipay public key?"
    )]
    PublicKeyGivenForPrivate,
    #[error("this looks like a PRIVATE key where the Alipay public key belongs: did you swap the app private key and the Alipay public key? (the private key never leaves this service)")]
    PrivateKeyGivenForPublic,
    #[error(
        "this is a certificate, not a key: in certificate mode configure it as a certificate file"
    )]
    CertificateGivenForKey,
    #[error("unexpected PEM block \"{0}\"")]
    UnexpectedPem(String),
    #[error("the RSA key is malformed: {0}")]
    Malformed(String),
    #[error("a {0}-bit RSA key is too small (at least 1024, and 2048 for RSA2)")]
    TooSmall(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the {backend} RSA backend cannot sign {sign_type}")]
    Unsupported {
        backend: &'static str,
        sign_type: SignType,
    },
    #[error("RSA signing failed: {0}")]
    Backend(String),
    #[error(transparent)]
    Charset(#[from] crate::alipay::charset::CharsetError),
    #[error("cannot build the response body: {0}")]
    InvalidNode(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature is not base64")]
    NotBase64,
    #[error("the signature is {got} bytes, the key needs {expected}: wrong key or a truncated signature")]
    WrongLength { expected: usize, got: usize },
    #[error("the signature does not match: is Alipay's public key (not our app public key) configured, and the sign_type the one the key was registered for?")]
    Mismatch,
}

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

fn rust_crypto_scheme(sign_type: SignType, content: &[u8]) -> (Pkcs1v15Sign, Vec<u8>) {
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
const SHA1_DIGEST_INFO_PREFIX: [u8; 15] = [
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// `ring` (BoringSSL's assembly): signs SHA256 only, verifies SHA256 and legacy SHA1, 2048 to
/// 8192-bit keys.
pub struct Ring;

impl RsaBackend for Ring {
    const NAME: &'static str = "ring";
    type SigningKey = ring::rsa::KeyPair;
    /// PKCS#1 RSAPublicKey DER, the form ring verifies with.
    type VerifyingKey = Vec<u8>;

    fn signing_key(key: &RsaPrivateKey) -> Option<ring::rsa::KeyPair> {
        let der = key.to_pkcs1_der().ok()?;
        ring::rsa::KeyPair::from_der(der.as_bytes()).ok()
    }

    fn verifying_key(key: &RsaPublicKey) -> Option<Vec<u8>> {
        if key.n().bits() < 2048 {
            return None;
        }
        key.to_pkcs1_der().ok().map(|der| der.as_bytes().to_vec())
    }

    fn sign(
        key: &ring::rsa::KeyPair,
        sign_type: SignType,
        content: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        if sign_type != SignType::Rsa2 {
            return Err(SignError::Unsupported {
                backend: Self::NAME,
                sign_type,
            });
        }
        let mut signature = vec![0u8; key.public().modulus_len()];
        // PKCS#1 v1.5 needs no randomness; ring asks for an RNG only for PSS.
        key.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            content,
            &mut signature,
        )
        .map_err(|_| SignError::Backend("ring refused to sign".to_owned()))?;
        Ok(signature)
    }

    fn verify(key: &Vec<u8>, sign_type: SignType, content: &[u8], signature: &[u8]) -> bool {
        let algorithm: &'static ring::signature::RsaParameters = match sign_type {
            SignType::Rsa2 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            SignType::Rsa => &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        };
        ring::signature::UnparsedPublicKey::new(algorithm, key)
            .verify(content, signature)
            .is_ok()
    }
}

/// `aws-lc-rs` (AWS-LC, OpenSSL-grade assembly incl. AVX-512 IFMA): signs SHA256 only.
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

    fn verifying_key(key: &RsaPublicKey) -> Option<Vec<u8>> {
        Ring::verifying_key(key)
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
    /// PKCS#1 DER for ring; `None` below 2048 bits, where the `rsa` crate verifies.
    ring: Option<Vec<u8>>,
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
    pub fn from_certificate_pem(pem: &str) -> Result<Self, crate::alipay::cert::CertError> {
        crate::alipay::cert::public_key_from_cert(pem)
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
            ring: Ring::verifying_key(&key),
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
        let ok = match &self.ring {
            Some(ring) => Ring::verify(ring, sign_type, content, &signature),
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

fn decode_signature(signature_b64: &str) -> Result<Vec<u8>, SignatureError> {
    let compact: String = signature_b64
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    LENIENT
        .decode(compact.as_bytes())
        .map_err(|_| SignatureError::NotBase64)
}

/// Standard alphabet, padding optional: keys pasted from consoles often lose trailing `=`.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn malformed(e: &dyn fmt::Display) -> KeyError {
    // The pkcs1/pkcs8/rsa errors describe structure, never key bytes; bound them anyway.
    let mut reason = e.to_string();
    reason.truncate(120);
    KeyError::Malformed(reason)
}

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

fn algorithm_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.10045.2.1" => "EC",
        "1.2.840.10040.4.1" => "DSA",
        "1.3.101.112" => "Ed25519",
        "1.3.101.110" => "X25519",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        _ => "non-RSA",
    }
}

fn looks_like_pkcs8(der: &[u8]) -> bool {
    rsa::pkcs8::PrivateKeyInfo::try_from(der).is_ok()
}

fn private_from_pkcs8(der: &[u8]) -> Result<RsaPrivateKey, KeyError> {
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

fn spki_algorithm(der: &[u8]) -> Option<&'static str> {
    let spki = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der).ok()?;
    let oid = spki.algorithm.oid.to_string();
    (oid != RSA_ENCRYPTION).then(|| algorithm_name(&oid))
}

fn public_from_spki(der: &[u8]) -> Result<RsaPublicKey, KeyError> {
    if let Some(name) = spki_algorithm(der) {
        return Err(KeyError::NotRsa(name));
    }
    RsaPublicKey::from_public_key_der(der).map_err(|e| malformed(&e))
}

fn public_from_der(der: &[u8]) -> Option<RsaPublicKey> {
    RsaPublicKey::from_public_key_der(der)
        .or_else(|_| RsaPublicKey::from_pkcs1_der(der))
        .ok()
}

enum Decoded {
    Pem { label: String, der: Vec<u8> },
    Bare(Vec<u8>),
}

/// PEM, or bare base64 with any whitespace (and the literal `\n` escapes that survive
/// copying a key into an environment variable).
fn decode_key_text(text: &str) -> Result<Decoded, KeyError> {
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

fn decode_base64(text: &str) -> Option<Vec<u8>> {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::alipay::charset::Charset;
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// A key generated by the openssl CLI, in the forms users hand us.
    pub(crate) struct OpensslKey {
        pub dir: tempfile::TempDir,
        pub pkcs1_pem: String,
        pub pkcs8_pem: String,
        pub pkcs1_bare: String,
        pub pkcs8_bare: String,
        pub spki_pem: String,
        pub spki_bare: String,
        pub pkcs1_public_pem: String,
    }

    impl OpensslKey {
        pub fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }
    }

    pub(crate) fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl CLI available");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn bare(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    pub(crate) fn openssl_key(bits: u32) -> OpensslKey {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let bits = bits.to_string();
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                &format!("rsa_keygen_bits:{bits}"),
                "-out",
                "pkcs8.pem",
            ],
        );
        openssl(
            d,
            &[
                "rsa",
                "-in",
                "pkcs8.pem",
                "-traditional",
                "-out",
                "pkcs1.pem",
            ],
        );
        openssl(
            d,
            &["pkey", "-in", "pkcs8.pem", "-pubout", "-out", "spki.pem"],
        );
        openssl(
            d,
            &[
                "rsa",
                "-in",
                "pkcs8.pem",
                "-RSAPublicKey_out",
                "-out",
                "pub1.pem",
            ],
        );
        let read = |n: &str| std::fs::read_to_string(d.join(n)).unwrap();
        let pkcs1_pem = read("pkcs1.pem");
        let pkcs8_pem = read("pkcs8.pem");
        let spki_pem = read("spki.pem");
        assert!(pkcs1_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert!(pkcs8_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        OpensslKey {
            pkcs1_bare: bare(&pkcs1_pem),
            pkcs8_bare: bare(&pkcs8_pem),
            spki_bare: bare(&spki_pem),
            pkcs1_public_pem: read("pub1.pem"),
            pkcs1_pem,
            pkcs8_pem,
            spki_pem,
            dir,
        }
    }

    fn openssl_sign(key: &OpensslKey, sign_type: SignType, content: &[u8]) -> String {
        std::fs::write(key.path("content.bin"), content).unwrap();
        let digest = match sign_type {
            SignType::Rsa2 => "-sha256",
            SignType::Rsa => "-sha1",
        };
        let sig = openssl(
            key.dir.path(),
            &["dgst", digest, "-sign", "pkcs1.pem", "content.bin"],
        );
        STANDARD.encode(sig)
    }

    fn request(biz: &str) -> Vec<(&'static str, String)> {
        vec![
            ("app_id", "2021000000000001".to_owned()),
            ("method", "alipay.pass.instance.add".to_owned()),
            ("format", "JSON".to_owned()),
            ("charset", "placeholder".to_owned()),
            ("sign_type", "RSA2".to_owned()),
            ("timestamp", "2024-05-01 08:00:00".to_owned()),
            ("version", "1.0".to_owned()),
            ("notify_url", String::new()),
            ("app_auth_token", String::new()),
            ("biz_content", biz.to_owned()),
        ]
    }

    #[test]
    fn sign_string_matches_the_sdk_rules() {
        let params = [
            ("timestamp", "2024-05-01 08:00:00"),
            ("sign", "must-not-appear"),
            ("biz_content", "{\"a\":\"b c&d=e\"}"),
            ("", "orphan"),
            ("empty", ""),
            ("sign_type", "RSA2"),
            ("app_id", "2021"),
            ("Zebra", "upper sorts first"),
        ];
        assert_eq!(
            sign_content(params),
            "Zebra=upper sorts first&app_id=2021&biz_content={\"a\":\"b c&d=e\"}\
             &sign_type=RSA2&timestamp=2024-05-01 08:00:00"
        );
        assert_eq!(sign_content(std::iter::empty()), "");
    }

    #[test]
    fn signatures_match_openssl_for_every_key_form_charset_and_sign_type() {
        let key = openssl_key(2048);
        let forms = [
            &key.pkcs1_pem,
            &key.pkcs8_pem,
            &key.pkcs1_bare,
            &key.pkcs8_bare,
        ];
        let parsed: Vec<AppPrivateKey> = forms
            .iter()
            .map(|text| AppPrivateKey::parse(text).unwrap())
            .collect();
        let alipay_side = PublicKey::parse(&key.spki_bare).unwrap();
        assert_eq!(parsed[0].public_key(), alipay_side);
        for charset in [Charset::Utf8, Charset::Gbk] {
            for sign_type in [SignType::Rsa2, SignType::Rsa] {
                let mut params =
                    request("{\"logo_text\":\"会员卡\",\"title\":\"咖啡 9折\",\"x\":\"\"}");
                params[3].1 = charset.as_str().to_owned();
                params[4].1 = sign_type.as_str().to_owned();
                let content = sign_content(params.iter().map(|(k, v)| (*k, v.as_str())));
                assert!(content.contains("sign_type="));
                assert!(!content.contains("notify_url"));
                let bytes = charset.encode(&content).unwrap();
                if charset == Charset::Gbk {
                    assert_ne!(&*bytes, content.as_bytes(), "GBK bytes differ from UTF-8");
                }
                let expected = openssl_sign(&key, sign_type, &bytes);
                for private in &parsed {
                    assert_eq!(private.sign(sign_type, &bytes).unwrap(), expected);
                }
                // Both backends agree with openssl where they can sign.
                let rc = parsed[0].prepare::<RustCrypto>().unwrap();
                assert_eq!(
                    STANDARD.encode(RustCrypto::sign(&rc, sign_type, &bytes).unwrap()),
                    expected
                );
                let ring = parsed[0].prepare::<Ring>().unwrap();
                match sign_type {
                    SignType::Rsa2 => assert_eq!(
                        STANDARD.encode(Ring::sign(&ring, sign_type, &bytes).unwrap()),
                        expected
                    ),
                    SignType::Rsa => assert!(Ring::sign(&ring, sign_type, &bytes).is_err()),
                }
                let aws = parsed[0].prepare::<AwsLc>().unwrap();
                match sign_type {
                    SignType::Rsa2 => assert_eq!(
                        STANDARD.encode(AwsLc::sign(&aws, sign_type, &bytes).unwrap()),
                        expected
                    ),
                    SignType::Rsa => assert!(AwsLc::sign(&aws, sign_type, &bytes).is_err()),
                }
                // openssl's signature verifies with every public form, and with both backends.
                for public_text in [&key.spki_pem, &key.spki_bare, &key.pkcs1_public_pem] {
                    let public = PublicKey::parse(public_text).unwrap();
                    public.verify(sign_type, &bytes, &expected).unwrap();
                    let raw = STANDARD.decode(&expected).unwrap();
                    assert!(RustCrypto::verify(
                        &public.prepare::<RustCrypto>().unwrap(),
                        sign_type,
                        &bytes,
                        &raw
                    ));
                    assert!(Ring::verify(
                        &public.prepare::<Ring>().unwrap(),
                        sign_type,
                        &bytes,
                        &raw
                    ));
                    assert!(AwsLc::verify(
                        &public.prepare::<AwsLc>().unwrap(),
                        sign_type,
                        &bytes,
                        &raw
                    ));
                    let other = if sign_type == SignType::Rsa2 {
                        SignType::Rsa
                    } else {
                        SignType::Rsa2
                    };
                    assert_eq!(
                        public.verify(other, &bytes, &expected),
                        Err(SignatureError::Mismatch)
                    );
                    assert_eq!(
                        public.verify(sign_type, b"other content", &expected),
                        Err(SignatureError::Mismatch)
                    );
                }
            }
        }
    }

    #[test]
    fn legacy_1024_bit_keys_fall_back_to_the_rsa_crate() {
        let key = openssl_key(1024);
        let private = AppPrivateKey::parse(&key.pkcs8_pem).unwrap();
        assert!(private.prepare::<Ring>().is_none());
        for sign_type in [SignType::Rsa2, SignType::Rsa] {
            let content = "a=1&b=会员".as_bytes();
            let expected = openssl_sign(&key, sign_type, content);
            assert_eq!(private.sign(sign_type, content).unwrap(), expected);
            let public = PublicKey::parse(&key.spki_pem).unwrap();
            public.verify(sign_type, content, &expected).unwrap();
        }
    }

    #[test]
    fn key_text_variations_are_tolerated() {
        let key = openssl_key(2048);
        let reference = AppPrivateKey::parse(&key.pkcs1_pem).unwrap().public_key();
        let wrapped: String = key
            .pkcs8_bare
            .as_bytes()
            .chunks(60)
            .map(|c| format!("  {}\r\n", String::from_utf8_lossy(c)))
            .collect();
        let escaped = key.pkcs1_pem.replace('\n', "\\n");
        let unpadded = key.pkcs8_bare.trim_end_matches('=').to_owned();
        for text in [
            wrapped,
            escaped,
            unpadded,
            format!("\n\n{}\n", key.pkcs8_pem),
        ] {
            assert_eq!(AppPrivateKey::parse(&text).unwrap().public_key(), reference);
        }
        let public = PublicKey::parse(&format!(" {} \n", key.spki_bare)).unwrap();
        assert_eq!(public, reference);
        let reparsed = PublicKey::parse(&public.to_spki_pem()).unwrap();
        assert_eq!(reparsed, reference);
        assert_eq!(reparsed.fingerprint().len(), 16);
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = openssl_key(2048);
        let private = AppPrivateKey::parse(&key.pkcs8_pem).unwrap();
        let shown = format!("{private:?} {:?}", private.public_key());
        let fp = private.public_key().fingerprint();
        assert_eq!(
            format!("{private:?}"),
            format!("AppPrivateKey {{ bits: 2048, fingerprint: {fp:?} }}")
        );
        assert_no_substring_of(&shown, &key.pkcs8_bare);
        assert_no_substring_of(&shown, &key.spki_bare);
    }

    fn assert_no_substring_of(shown: &str, secret: &str) {
        let secret: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
        for window in secret.windows(20) {
            let piece: String = window.iter().collect();
            assert!(!shown.contains(&piece), "{shown:?} leaks {piece:?}");
        }
    }

    #[test]
    fn key_errors_say_what_is_wrong_and_never_quote_the_key() {
        let key = openssl_key(2048);
        let ec = {
            openssl(
                key.dir.path(),
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    "ec.pem",
                ],
            );
            openssl(
                key.dir.path(),
                &["pkey", "-in", "ec.pem", "-pubout", "-out", "ecpub.pem"],
            );
            (
                std::fs::read_to_string(key.path("ec.pem")).unwrap(),
                std::fs::read_to_string(key.path("ecpub.pem")).unwrap(),
            )
        };
        let mut truncated = key.pkcs8_bare.clone();
        truncated.truncate(truncated.len() / 2);
        let mut flipped = key.pkcs1_bare.clone().into_bytes();
        flipped[40] = if flipped[40] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        let encrypted = {
            openssl(
                key.dir.path(),
                &[
                    "pkcs8",
                    "-topk8",
                    "-in",
                    "pkcs8.pem",
                    "-passout",
                    "pass:pw",
                    "-out",
                    "enc.pem",
                ],
            );
            std::fs::read_to_string(key.path("enc.pem")).unwrap()
        };
        let private_cases: Vec<(String, KeyError)> = vec![
            (key.spki_pem.clone(), KeyError::PublicKeyGivenForPrivate),
            (key.spki_bare.clone(), KeyError::PublicKeyGivenForPrivate),
            (
                key.pkcs1_public_pem.clone(),
                KeyError::PublicKeyGivenForPrivate,
            ),
            (format!("{}!!", key.pkcs8_bare), KeyError::NotPemNorBase64),
            (truncated.clone(), KeyError::NotRsaPrivateKey),
            (
                key.pkcs8_pem.replace("-----END PRIVATE KEY-----", ""),
                KeyError::UnterminatedPem("PRIVATE KEY".into()),
            ),
            (encrypted, KeyError::Encrypted),
            (ec.0.clone(), KeyError::NotRsa("EC")),
            (bare(&ec.0), KeyError::NotRsa("EC")),
            ("  \n".into(), KeyError::Empty),
        ];
        for (text, expected) in &private_cases {
            let err = AppPrivateKey::parse(text).unwrap_err();
            assert_eq!(&err, expected);
            assert_no_substring_of(&err.to_string(), text);
        }
        // A corrupted key is refused one way or another, without echoing it.
        let err = AppPrivateKey::parse(&flipped).unwrap_err();
        assert_no_substring_of(&err.to_string(), &flipped);

        let public_cases: Vec<(String, KeyError)> = vec![
            (key.pkcs8_pem.clone(), KeyError::PrivateKeyGivenForPublic),
            (key.pkcs1_pem.clone(), KeyError::PrivateKeyGivenForPublic),
            (key.pkcs8_bare.clone(), KeyError::PrivateKeyGivenForPublic),
            (key.pkcs1_bare.clone(), KeyError::PrivateKeyGivenForPublic),
            (ec.1.clone(), KeyError::NotRsa("EC")),
            (bare(&ec.1), KeyError::NotRsa("EC")),
            (truncated, KeyError::NotRsaPublicKey),
            ("not a key at all!".into(), KeyError::NotPemNorBase64),
        ];
        for (text, expected) in &public_cases {
            let err = PublicKey::parse(text).unwrap_err();
            assert_eq!(&err, expected, "{text:.30}");
            assert_no_substring_of(&err.to_string(), text);
        }
    }

    #[test]
    fn bad_signatures_are_refused_with_a_reason() {
        let key = openssl_key(2048);
        let public = PublicKey::parse(&key.spki_pem).unwrap();
        assert_eq!(
            public.verify(SignType::Rsa2, b"x", "***"),
            Err(SignatureError::NotBase64)
        );
        assert_eq!(
            public.verify(SignType::Rsa2, b"x", "AAAA"),
            Err(SignatureError::WrongLength {
                expected: 256,
                got: 3
            })
        );
    }

    #[test]
    fn sign_type_parses_case_insensitively() {
        assert_eq!("rsa2".parse::<SignType>().unwrap(), SignType::Rsa2);
        assert_eq!("RSA".parse::<SignType>().unwrap(), SignType::Rsa);
        assert!("SM2".parse::<SignType>().is_err());
        assert_eq!(SignType::Rsa2.to_string(), "RSA2");
    }

    proptest! {
        #[test]
        fn sign_string_ignores_order_empties_and_sign(
            params in proptest::collection::vec(("[a-z_]{0,6}", "[a-zA-Z0-9 会员=&]{0,5}"), 0..12),
            seed in any::<u64>(),
        ) {
            let mut shuffled = params.clone();
            // A deterministic shuffle from the seed keeps failures reproducible.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            shuffled.push(("sign".to_owned(), "zzz".to_owned()));
            let a = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let b = sign_content(shuffled.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            prop_assert_eq!(&a, &b);
            let kept: Vec<&(String, String)> = params
                .iter()
                .filter(|(k, v)| !k.is_empty() && !v.is_empty() && k != "sign")
                .collect();
            prop_assert_eq!(a.len(), kept.iter().map(|(k, v)| k.len() + v.len() + 1).sum::<usize>() + kept.len().saturating_sub(1));
            prop_assert!(!a.contains("zzz"));
            // Keys appear in byte order.
            let mut sorted = kept.clone();
            sorted.sort();
            let rebuilt: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
            prop_assert_eq!(a, rebuilt.join("&"));
        }
    }
}
