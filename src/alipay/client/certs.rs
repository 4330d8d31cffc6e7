//! Certificate mode after Alipay renews its certificate. An answer signed with a certificate
//! whose SN we do not hold makes us do what the official Java and .NET clients do: fetch it
//! with `alipay.open.app.alipaycert.download` (for the app itself, unencrypted, its answer
//! read unsigned), trust it only if it chains to the configured Alipay root certificate and
//! is the one asked for, and verify with it from then on. Learned certificates are kept
//! in an archive (Postgres) so every replica uses them; each is checked against the root
//! again when read from there.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::future::BoxFuture;
use parking_lot::RwLock;
use serde_json::{json, Map, Value};

use super::AlipayClient;
use crate::alipay::response;
use crate::alipay::sign::PublicKey;
use alipay_protocol::chain::{verify_chain, TrustedCert};
use alipay_protocol::methods::Method;

/// Where learned Alipay certificates are kept for every replica.
pub trait CertArchive: Send + Sync {
    /// The certificate chain (PEM) kept under `sn`.
    fn load<'a>(&'a self, sn: &'a str) -> BoxFuture<'a, Option<String>>;
    /// Keeps a chain already checked against the root; the first writer wins.
    fn save<'a>(&'a self, cert: &'a TrustedCert, chain_pem: &'a str) -> BoxFuture<'a, ()>;
}

/// The certificates Alipay rotated to, by SN, learned since start.
#[derive(Default)]
pub(super) struct RotatedCerts {
    keys: RwLock<HashMap<String, Arc<PublicKey>>>,
    /// One download at a time: a burst of answers under a new SN fetches it once.
    learning: tokio::sync::Mutex<()>,
    archive: Option<Arc<dyn CertArchive>>,
}

impl AlipayClient {
    /// Keeps learned certificates in `archive` and looks there before downloading.
    pub fn with_cert_archive(mut self, archive: Arc<dyn CertArchive>) -> Self {
        self.rotated.archive = Some(archive);
        self
    }

    /// The SNs of the Alipay certificates answers are verified with: the configured one,
    /// then those learned after a rotation. Empty in public-key mode.
    pub fn alipay_cert_sns(&self) -> Vec<String> {
        let Some(ours) = self.keys.certificate_sns() else {
            return Vec::new();
        };
        let mut learned: Vec<String> = self.rotated.keys.read().keys().cloned().collect();
        learned.sort();
        std::iter::once(ours.alipay_cert_sn.clone())
            .chain(learned)
            .collect()
    }

    pub(super) fn rotated_key(&self, sn: &str) -> Option<Arc<PublicKey>> {
        self.rotated.keys.read().get(sn).cloned()
    }

    /// Certificate mode: when `bytes` is an answer signed with a certificate we do not hold,
    /// learns it (or logs why it cannot; the answer then fails verification).
    pub(super) async fn learn_signer(&self, method: Method, bytes: &[u8]) {
        let Some(ours) = self.keys.certificate_sns() else {
            return;
        };
        if !self.settings.verify_response_signature {
            return;
        }
        let Ok(text) = self.settings.charset.decode(bytes) else {
            return;
        };
        let Some(sn) = response::extract_signed_node(&text, method.as_str())
            .ok()
            .and_then(|node| node.alipay_cert_sn)
        else {
            return;
        };
        if sn == ours.alipay_cert_sn || self.rotated_key(&sn).is_some() {
            return;
        }
        if let Err(reason) = self.learn(&sn).await {
            tracing::warn!(sn, %reason, "cannot trust the certificate Alipay signed with");
        }
    }

    async fn learn(&self, sn: &str) -> Result<(), String> {
        let _one_at_a_time = self.rotated.learning.lock().await;
        if self.rotated_key(sn).is_some() {
            return Ok(());
        }
        let roots = self
            .keys
            .alipay_root_pem()
            .ok_or("no alipay_root_cert_file to check it against")?;
        let archived = match &self.rotated.archive {
            Some(archive) => archive.load(sn).await,
            None => None,
        };
        let from_archive = archived.and_then(|pem| {
            verify_chain(&pem, roots, SystemTime::now())
                .ok()
                .filter(|trusted| trusted.sn == sn)
        });
        let trusted = match from_archive {
            Some(trusted) => trusted,
            None => {
                let (trusted, pem) = self.download(sn, roots).await?;
                if let Some(archive) = &self.rotated.archive {
                    archive.save(&trusted, &pem).await;
                }
                trusted
            }
        };
        self.rotated
            .keys
            .write()
            .insert(sn.to_owned(), Arc::new(trusted.public_key));
        tracing::info!(sn, "verifying answers with a rotated Alipay certificate");
        Ok(())
    }

    /// Fetches certificate `sn` and checks it against `roots`.
    async fn download(&self, sn: &str, roots: &str) -> Result<(TrustedCert, String), String> {
        let biz = json!({ "alipay_cert_sn": sn }).to_string();
        let bytes = self
            .post(Method::AlipaycertDownload, &biz, None)
            .await
            .map_err(|e| format!("download: {e}"))?;
        let text = self
            .settings
            .charset
            .decode(&bytes)
            .map_err(|e| e.to_string())?;
        let node = response::extract_signed_node(&text, Method::AlipaycertDownload.as_str())
            .map_err(|e| format!("download answer: {e}"))?;
        let answer = self.node_object(&node).map_err(|e| e.to_string())?;
        downloaded_cert(&answer, sn, roots, SystemTime::now())
    }
}

/// The certificate a download answer hands out, trusted only if it chains to `roots` and
/// its SN is the one asked for. The answer's own signature is not read: the official
/// clients do not check it (the Java client exempts this method, the .NET client returns
/// before its check, smartwalle's Go client marks it as needing no verification), and the
/// gateway may send it unsigned and without `alipay_cert_sn`. The chain is the trust.
fn downloaded_cert(
    answer: &Map<String, Value>,
    asked: &str,
    roots: &str,
    now: SystemTime,
) -> Result<(TrustedCert, String), String> {
    let field = |name: &str| answer.get(name).and_then(Value::as_str);
    if field("code") != Some("10000") {
        return Err(format!(
            "download refused: {} {}",
            field("code").unwrap_or("?"),
            field("sub_code").unwrap_or_default()
        ));
    }
    let content = field("alipay_cert_content").ok_or("no alipay_cert_content")?;
    let pem = STANDARD
        .decode(content)
        .ok()
        .and_then(|der| String::from_utf8(der).ok())
        .ok_or("alipay_cert_content is not base64 of a PEM file")?;
    let trusted = verify_chain(&pem, roots, now).map_err(|e| e.to_string())?;
    if trusted.sn != asked {
        return Err(format!("asked for {asked}, got {}", trusted.sn));
    }
    Ok((trusted, pem))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use alipay_protocol::testing::{issue_cert, self_signed};

    use super::*;

    const ROOT_NAME: &str = "/C=CN/O=Ant Financial/OU=Certification Authority/CN=Test Root";

    /// A root and `alipay2` issued by it; `forged` from another CA with the root's name.
    fn pki(dir: &Path) -> String {
        self_signed(dir, "root", "30", ROOT_NAME);
        issue_cert(dir, "alipay2", "root", "1002", "30", &[]);
        issue_cert(dir, "alipay3", "root", "1003", "30", &[]);
        self_signed(dir, "rogue", "30", ROOT_NAME);
        issue_cert(dir, "forged", "rogue", "1002", "30", &[]);
        std::fs::read_to_string(dir.join("root.pem")).unwrap()
    }

    /// An unsigned download answer handing out `name`'s certificate: its node and the SN.
    fn answer(dir: &Path, name: &str) -> (Map<String, Value>, String) {
        let pem = std::fs::read_to_string(dir.join(format!("{name}.pem"))).unwrap();
        let sn = alipay_protocol::cert::cert_sn(&pem).unwrap();
        let body = format!(
            r#"{{"alipay_open_app_alipaycert_download_response":{{"code":"10000","msg":"Success","alipay_cert_content":"{}"}}}}"#,
            STANDARD.encode(&pem)
        );
        let node =
            response::extract_signed_node(&body, Method::AlipaycertDownload.as_str()).unwrap();
        assert!(node.sign.is_none() && node.alipay_cert_sn.is_none());
        (serde_json::from_str(node.raw).unwrap(), sn)
    }

    #[test]
    fn an_unsigned_download_of_the_certificate_asked_for_is_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let roots = pki(dir.path());
        let (node, sn) = answer(dir.path(), "alipay2");
        let (trusted, _) = downloaded_cert(&node, &sn, &roots, SystemTime::now()).unwrap();
        assert_eq!(trusted.sn, sn);
    }

    #[test]
    fn a_foreign_certificate_in_the_download_answer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let roots = pki(dir.path());
        let (node, sn) = answer(dir.path(), "forged");
        assert!(downloaded_cert(&node, &sn, &roots, SystemTime::now()).is_err());
    }

    #[test]
    fn a_certificate_of_the_root_other_than_the_one_asked_for_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let roots = pki(dir.path());
        let (_, asked) = answer(dir.path(), "alipay2");
        let (other, _) = answer(dir.path(), "alipay3");
        let refused = downloaded_cert(&other, &asked, &roots, SystemTime::now()).unwrap_err();
        assert!(refused.contains("asked for"), "{refused}");
    }
}
