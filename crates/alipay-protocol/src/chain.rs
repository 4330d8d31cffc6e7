//! Trusting an Alipay public-key certificate we did not configure (one downloaded with
//! `alipay.open.app.alipaycert.download` after Alipay rotated its certificate): it must chain,
//! through the intermediates sent with it, to a configured Alipay root certificate, every
//! link signed by the next and in date. Nothing else makes a certificate trusted.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use x509_cert::der::Encode;
use x509_cert::Certificate;

use crate::cert::{certificates, sn_of, CertError};
use crate::sign::{PublicKey, SignType};

/// The longest chain followed (leaf, intermediates, root).
const MAX_DEPTH: usize = 6;

/// A certificate that chains to a trusted root.
#[derive(Debug, Clone)]
pub struct TrustedCert {
    /// Its `alipay_cert_sn`.
    pub sn: String,
    pub public_key: PublicKey,
    pub not_after: SystemTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Certificate(#[from] CertError),
    #[error("the certificate does not chain to the configured Alipay root certificate")]
    Untrusted,
    #[error("a certificate in the chain is not valid now (expired or not yet valid)")]
    OutOfDate,
}

/// Checks that the first certificate of `chain_pem` chains to one of the RSA roots in
/// `roots_pem` (the `alipay_root_cert_file`), at time `now`.
pub fn verify_chain(
    chain_pem: &str,
    roots_pem: &str,
    now: SystemTime,
) -> Result<TrustedCert, ChainError> {
    let chain = certificates(chain_pem)?;
    let roots = certificates(roots_pem)?;
    let leaf = &chain[0];
    let mut current = leaf;
    for _ in 0..MAX_DEPTH {
        in_date(current, now)?;
        if let Some(root) = roots.iter().find(|root| issued_by(current, root)) {
            in_date(root, now)?;
            return Ok(TrustedCert {
                sn: sn_of(leaf)?,
                public_key: key_of(leaf)?,
                not_after: not_after(leaf),
            });
        }
        current = chain
            .iter()
            .find(|issuer| !std::ptr::eq(*issuer, current) && issued_by(current, issuer))
            .ok_or(ChainError::Untrusted)?;
    }
    Err(ChainError::Untrusted)
}

fn not_after(cert: &Certificate) -> SystemTime {
    let end = cert.tbs_certificate.validity.not_after.to_date_time();
    UNIX_EPOCH + end.unix_duration()
}

fn in_date(cert: &Certificate, now: SystemTime) -> Result<(), ChainError> {
    let validity = &cert.tbs_certificate.validity;
    let start = UNIX_EPOCH + validity.not_before.to_date_time().unix_duration();
    // notAfter is the last valid second.
    let end = not_after(cert) + Duration::from_secs(1);
    if now < start || now >= end {
        return Err(ChainError::OutOfDate);
    }
    Ok(())
}

fn key_of(cert: &Certificate) -> Result<PublicKey, CertError> {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| malformed(&e))?;
    PublicKey::from_spki_der(&spki).map_err(CertError::Key)
}

fn malformed(error: &impl std::fmt::Display) -> CertError {
    CertError::Malformed {
        index: 1,
        reason: error.to_string(),
    }
}

/// `cert` names `issuer` as its issuer and carries a valid RSA signature by its key
/// (sha256WithRSAEncryption or sha1WithRSAEncryption).
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let sign_type = match cert.signature_algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.11" => SignType::Rsa2,
        "1.2.840.113549.1.1.5" => SignType::Rsa,
        _ => return false,
    };
    let (Ok(tbs), Some(signature), Ok(key)) = (
        cert.tbs_certificate.to_der(),
        cert.signature.as_bytes(),
        key_of(issuer),
    ) else {
        return false;
    };
    key.verify(sign_type, &tbs, &STANDARD.encode(signature))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{issue_cert as issue, self_signed};

    #[test]
    fn a_certificate_issued_by_the_root_is_trusted_directly_or_through_an_intermediate() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let root = std::fs::read_to_string(self_signed(d, "root", "30", "/CN=Root")).unwrap();
        let leaf = issue(d, "leaf", "root", "1001", "30", &[]);
        let trusted = verify_chain(&leaf, &root, SystemTime::now()).unwrap();
        assert_eq!(trusted.sn, crate::cert::cert_sn(&leaf).unwrap());
        assert_eq!(
            trusted.public_key,
            crate::cert::public_key_from_cert(&leaf).unwrap()
        );

        // Root → intermediate (a CA too) → leaf, the intermediate sent after the leaf.
        std::fs::write(d.join("ca.ext"), "basicConstraints=critical,CA:TRUE").unwrap();
        let mid = issue(d, "mid", "root", "7", "30", &["-extfile", "ca.ext"]);
        let below = issue(d, "below", "mid", "1002", "30", &[]);
        let chain = format!("{below}{mid}");
        assert!(verify_chain(&chain, &root, SystemTime::now()).is_ok());
        // Without its intermediate it chains to nothing we hold.
        assert_eq!(
            verify_chain(&below, &root, SystemTime::now()).unwrap_err(),
            ChainError::Untrusted
        );
    }

    #[test]
    fn foreign_or_out_of_date_certificates_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let root = std::fs::read_to_string(self_signed(d, "root", "30", "/CN=Root")).unwrap();
        // Another CA with the very same name: the name matches, the signature does not.
        let rogue_dir = tempfile::tempdir().unwrap();
        self_signed(rogue_dir.path(), "root", "30", "/CN=Root");
        let forged = issue(rogue_dir.path(), "forged", "root", "1001", "30", &[]);
        assert_eq!(
            verify_chain(&forged, &root, SystemTime::now()).unwrap_err(),
            ChainError::Untrusted
        );
        // Self-signed (it is its own root, not ours).
        let own = std::fs::read_to_string(self_signed(d, "own", "30", "/CN=Own")).unwrap();
        assert_eq!(
            verify_chain(&own, &root, SystemTime::now()).unwrap_err(),
            ChainError::Untrusted
        );
        let day = Duration::from_secs(86_400);
        let short = issue(d, "short", "root", "1003", "1", &[]);
        assert_eq!(
            verify_chain(&short, &root, SystemTime::now() + 2 * day).unwrap_err(),
            ChainError::OutOfDate
        );
        let later = SystemTime::now() + 40 * day;
        let leaf = issue(d, "leaf", "root", "1004", "60", &[]);
        assert_eq!(
            verify_chain(&leaf, &root, later).unwrap_err(),
            ChainError::OutOfDate,
            "the root has expired by then"
        );
    }
}
