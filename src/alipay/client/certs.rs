//! Certificate mode after Alipay renews its certificate. An answer signed with a certificate
//! whose SN we do not hold makes us do what the official Java and .NET clients do: fetch it
//! with `alipay.open.app.alipaycert.download`, trust it only if it chains to the configured
//! Alipay root certificate, and verify with it from then on. Learned certificates are kept
//! in an archive (Postgres) so every replica uses them; each is checked against the root
//! again when read from there.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::future::BoxFuture;
use parking_lot::RwLock;
use serde_json::{json, Value};

use super::AlipayClient;
use crate::alipay::response;
use crate::alipay::sign::PublicKey;
use alipay_protocol::chain::{verify_chain, TrustedCert};
use alipay_protocol::methods::ALIPAYCERT_DOWNLOAD;

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
    pub(super) async fn learn_signer(&self, method: &str, bytes: &[u8]) {
        let Some(ours) = self.keys.certificate_sns() else {
            return;
        };
        if !self.settings.verify_response_signature {
            return;
        }
        let Ok(text) = self.settings.charset.decode(bytes) else {
            return;
        };
        let Some(sn) = response::extract_signed_node(&text, method)
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

    /// Fetches certificate `sn` and checks it against `roots`, and the download's own
    /// answer against it (or a certificate we hold).
    async fn download(&self, sn: &str, roots: &str) -> Result<(TrustedCert, String), String> {
        let biz = json!({ "alipay_cert_sn": sn }).to_string();
        let bytes = self
            .post(ALIPAYCERT_DOWNLOAD, &biz, None)
            .await
            .map_err(|e| format!("download: {e}"))?;
        let charset = self.settings.charset;
        let text = charset.decode(&bytes).map_err(|e| e.to_string())?;
        let node = response::extract_signed_node(&text, ALIPAYCERT_DOWNLOAD)
            .map_err(|e| format!("download answer: {e}"))?;
        let answer = self.node_object(&node).map_err(|e| e.to_string())?;
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
        let trusted = verify_chain(&pem, roots, SystemTime::now()).map_err(|e| e.to_string())?;
        if trusted.sn != sn {
            return Err(format!("asked for {sn}, got {}", trusted.sn));
        }
        let signer = node
            .alipay_cert_sn
            .as_deref()
            .ok_or("the download answer names no alipay_cert_sn")?;
        let signer_key = if signer == sn {
            Arc::new(trusted.public_key.clone())
        } else if self
            .keys
            .certificate_sns()
            .is_some_and(|ours| ours.alipay_cert_sn == signer)
        {
            Arc::new(self.keys.alipay_public_key().clone())
        } else {
            self.rotated_key(signer)
                .ok_or("the download answer is signed with a certificate we do not hold")?
        };
        response::verify_node(&node, charset, &signer_key, self.settings.sign_type)
            .map_err(|e| format!("download answer: {e}"))?;
        Ok((trusted, pem))
    }
}
