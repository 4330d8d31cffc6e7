//! The key material one app needs: its private key, Alipay's public key (plain, or taken
//! from the Alipay public-key certificate), and in certificate mode the certificate SNs.

use std::fmt;
use std::path::Path;

use crate::alipay::cert;
use crate::alipay::content::ContentKey;
use crate::alipay::sign::{AppPrivateKey, PublicKey};
use crate::config::{AlipaySettings, ConfigError, Settings};

/// Certificate mode (公钥证书模式) request and response identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSns {
    pub app_cert_sn: String,
    pub alipay_root_cert_sn: String,
    /// The SN Alipay puts beside `sign` in answers signed with the certificate we hold.
    pub alipay_cert_sn: String,
}

/// The shortest app key we sign with (what RSA2 asks for; shorter keys are breakable).
pub const MIN_APP_KEY_BITS: usize = 2048;

pub struct AlipayKeys {
    app_private_key: AppPrivateKey,
    alipay_public_key: PublicKey,
    certificate_sns: Option<CertificateSns>,
    /// Content encryption (`encrypt_type=AES`) when the app has it switched on.
    content_key: Option<ContentKey>,
    /// Certificate mode: the Alipay root certificate chain, the only anchor of trust for a
    /// certificate Alipay rotates to.
    alipay_root_pem: Option<String>,
}

impl fmt::Debug for AlipayKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlipayKeys")
            .field("app_private_key", &self.app_private_key)
            .field("alipay_public_key", &self.alipay_public_key)
            .field("certificate_mode", &self.certificate_sns.is_some())
            .field("content_key", &self.content_key)
            .finish()
    }
}

impl AlipayKeys {
    pub fn new(
        app_private_key: AppPrivateKey,
        alipay_public_key: PublicKey,
        certificate_sns: Option<CertificateSns>,
    ) -> Self {
        Self {
            app_private_key,
            alipay_public_key,
            certificate_sns,
            content_key: None,
            alipay_root_pem: None,
        }
    }

    /// These keys with the Alipay root certificate chain (certificate mode).
    pub fn with_alipay_root_pem(self, alipay_root_pem: String) -> Self {
        Self {
            alipay_root_pem: Some(alipay_root_pem),
            ..self
        }
    }

    /// These keys with content encryption switched on (`Some`) or off.
    pub fn with_content_key(self, content_key: Option<ContentKey>) -> Self {
        Self {
            content_key,
            ..self
        }
    }

    /// Loads and parses every key named in the settings. Errors name the setting, never
    /// the key text.
    pub fn from_settings(settings: &AlipaySettings) -> Result<Self, ConfigError> {
        let private_text = Settings::require_secret(
            "alipay.app_private_key",
            settings.app_key.app_private_key.as_deref(),
            settings.app_key.app_private_key_file.as_deref(),
        )?;
        let app_private_key = AppPrivateKey::parse(&private_text)
            .map_err(|e| ConfigError::invalid("alipay.app_private_key", e.to_string()))?;
        let bits = app_private_key.bits();
        if bits < MIN_APP_KEY_BITS {
            return Err(ConfigError::invalid(
                "alipay.app_private_key",
                format!(
                    "a {bits}-bit key is too short for app `{}`: at least {MIN_APP_KEY_BITS} \
                     bits (generate a new pair with Alipay's key tool and upload its public half)",
                    settings.name
                ),
            ));
        }
        let content_key = content_key(
            "alipay.encrypt_key",
            settings.own.encrypt_key.as_deref(),
            settings.own.encrypt_key_file.as_deref(),
        )?;

        let cert_files = (
            settings
                .alipay_key
                .app_cert_file
                .as_deref()
                .filter(|p| !p.as_os_str().is_empty()),
            settings
                .alipay_key
                .alipay_cert_file
                .as_deref()
                .filter(|p| !p.as_os_str().is_empty()),
            settings
                .alipay_key
                .alipay_root_cert_file
                .as_deref()
                .filter(|p| !p.as_os_str().is_empty()),
        );
        match cert_files {
            (Some(app_cert), Some(alipay_cert), Some(root_cert)) => Ok(Self::from_certificates(
                app_private_key,
                [app_cert, alipay_cert, root_cert],
            )?
            .with_content_key(content_key)),
            (None, None, None) => {
                let public_text = Settings::require_secret(
                    "alipay.alipay_public_key",
                    settings.alipay_key.alipay_public_key.as_deref(),
                    settings.alipay_key.alipay_public_key_file.as_deref(),
                )?;
                let alipay_public_key = PublicKey::parse(&public_text)
                    .map_err(|e| ConfigError::invalid("alipay.alipay_public_key", e.to_string()))?;
                if alipay_public_key.fingerprint() == app_private_key.public_key().fingerprint() {
                    return Err(ConfigError::invalid(
                        "alipay.alipay_public_key",
                        "this is the public key of our own app private key, not Alipay's: \
                         copy the Alipay public key (支付宝公钥) from the console",
                    ));
                }
                Ok(Self::new(app_private_key, alipay_public_key, None)
                    .with_content_key(content_key))
            }
            _ => Err(ConfigError::invalid(
                "alipay.app_cert_file",
                "certificate mode needs all three of app_cert_file, alipay_cert_file and \
                 alipay_root_cert_file",
            )),
        }
    }

    /// Certificate mode: the SNs, and Alipay's key from its certificate.
    fn from_certificates(
        app_private_key: AppPrivateKey,
        [app_cert, alipay_cert, root_cert]: [&Path; 3],
    ) -> Result<Self, ConfigError> {
        let app_cert_pem = read("alipay.app_cert_file", app_cert)?;
        let alipay_cert_pem = read("alipay.alipay_cert_file", alipay_cert)?;
        let root_pem = read("alipay.alipay_root_cert_file", root_cert)?;
        let invalid = |key: &str| {
            let key = key.to_owned();
            move |e: cert::CertError| ConfigError::invalid(key, e.to_string())
        };
        let certificate_sns = CertificateSns {
            app_cert_sn: cert::cert_sn(&app_cert_pem).map_err(invalid("alipay.app_cert_file"))?,
            alipay_root_cert_sn: cert::root_cert_sn(&root_pem)
                .map_err(invalid("alipay.alipay_root_cert_file"))?,
            alipay_cert_sn: cert::cert_sn(&alipay_cert_pem)
                .map_err(invalid("alipay.alipay_cert_file"))?,
        };
        let alipay_public_key = cert::public_key_from_cert(&alipay_cert_pem)
            .map_err(invalid("alipay.alipay_cert_file"))?;
        if alipay_public_key.fingerprint() == app_private_key.public_key().fingerprint() {
            return Err(ConfigError::invalid(
                "alipay.alipay_cert_file",
                "this certificate carries our own app key, not Alipay's: are \
                 app_cert_file and alipay_cert_file swapped?",
            ));
        }
        Ok(
            Self::new(app_private_key, alipay_public_key, Some(certificate_sns))
                .with_alipay_root_pem(root_pem),
        )
    }

    pub fn app_private_key(&self) -> &AppPrivateKey {
        &self.app_private_key
    }

    pub fn alipay_public_key(&self) -> &PublicKey {
        &self.alipay_public_key
    }

    pub fn certificate_sns(&self) -> Option<&CertificateSns> {
        self.certificate_sns.as_ref()
    }

    pub fn content_key(&self) -> Option<&ContentKey> {
        self.content_key.as_ref()
    }

    pub fn alipay_root_pem(&self) -> Option<&str> {
        self.alipay_root_pem.as_deref()
    }
}

/// The AES content key under setting `key` (inline or `<key>_file`), if one is set.
pub fn content_key(
    key: &str,
    inline: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<ContentKey>, ConfigError> {
    Settings::resolve_secret(key, inline, file)?
        .filter(|text| !text.is_empty())
        .map(|text| {
            ContentKey::from_base64(&text).map_err(|e| ConfigError::invalid(key, e.to_string()))
        })
        .transpose()
}

fn read(key: &str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::invalid(key, format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AlipayKeySettings, AppKeySettings, AppOwnSettings};
    use alipay_protocol::testing::{openssl, self_signed};
    use std::path::PathBuf;

    fn dev(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config/dev")
            .join(name)
    }

    fn settings() -> AlipaySettings {
        AlipaySettings {
            name: "default".into(),
            apps: Vec::new(),
            gateway_url: "http://127.0.0.1:1/gateway.do".into(),
            app_id: "2021000000000001".into(),
            sign_type: "RSA2".into(),
            charset: "utf-8".into(),
            app_key: AppKeySettings {
                app_private_key: None,
                app_private_key_file: Some(dev("app_private_key.pem")),
            },
            alipay_key: AlipayKeySettings {
                alipay_public_key_file: Some(dev("sim_public_key.pem")),
                ..AlipayKeySettings::default()
            },
            own: AppOwnSettings::default(),
            token_sealing_key: None,
            token_sealing_key_file: None,
            notify_url: None,
            connect_timeout_ms: 1000,
            timeout_ms: 1000,
            max_attempts: 1,
            deadline_ms: 1000,
            verify_response_signature: true,
            rate_limit_qps: 0.0,
            rate_limit_burst: 0,
            rate_limit_max_wait_ms: 1000,
            allow_legacy_rsa_sha1: false,
        }
    }

    #[test]
    fn plain_public_key_mode_loads() {
        let keys = AlipayKeys::from_settings(&settings()).unwrap();
        assert!(keys.certificate_sns().is_none());
        let sim =
            PublicKey::parse(&std::fs::read_to_string(dev("sim_public_key.pem")).unwrap()).unwrap();
        assert_eq!(keys.alipay_public_key().fingerprint(), sim.fingerprint());
    }

    #[test]
    fn an_app_key_under_2048_bits_is_refused_naming_the_setting() {
        let generated = std::process::Command::new("openssl")
            .args(["genrsa", "1024"])
            .output()
            .unwrap();
        assert!(generated.status.success(), "openssl genrsa 1024");
        let mut short = settings();
        short.app_key.app_private_key_file = None;
        short.app_key.app_private_key = Some(String::from_utf8(generated.stdout).unwrap().into());
        let err = AlipayKeys::from_settings(&short).unwrap_err();
        assert_eq!(err.key, "alipay.app_private_key");
        assert!(err.reason.contains("1024-bit"), "{}", err.reason);
    }

    #[test]
    fn our_own_public_key_in_place_of_alipays_is_named() {
        let mut swapped = settings();
        swapped.alipay_key.alipay_public_key_file = Some(dev("app_public_key.pem"));
        let err = AlipayKeys::from_settings(&swapped).unwrap_err();
        assert_eq!(err.key, "alipay.alipay_public_key");
        assert!(err.reason.contains("not Alipay's"), "{}", err.reason);
    }

    #[test]
    fn a_malformed_private_key_names_the_setting_and_never_prints_the_key() {
        let mut bad = settings();
        bad.app_key.app_private_key_file = None;
        bad.app_key.app_private_key =
            Some("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7".into());
        let err = AlipayKeys::from_settings(&bad).unwrap_err();
        assert_eq!(err.key, "alipay.app_private_key");
        assert!(!err.to_string().contains("MIIEvQIBADANBgkq"));
    }

    #[test]
    fn certificate_mode_takes_sns_and_the_alipay_key_from_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| openssl(dir.path(), args);
        let subject = "/C=CN/O=Ant Financial/OU=Certification Authority/CN=Test Root";
        self_signed(dir.path(), "root", "30", subject);
        // Same issuer: only the serial numbers tell the SNs apart.
        for (name, key, serial) in [
            ("app", dev("app_private_key.pem"), "4242"),
            ("alipay", dev("sim_private_key.pem"), "4243"),
        ] {
            let key = key.to_string_lossy().to_string();
            let csr = format!("{name}.csr");
            let pem = format!("{name}.pem");
            let subject = format!("/C=CN/O=Test/CN={name}");
            run(&["req", "-new", "-key", &key, "-out", &csr, "-subj", &subject]);
            run(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-set_serial",
                serial,
                "-days",
                "30",
                "-out",
                &pem,
            ]);
        }
        let mut with_certs = settings();
        with_certs.alipay_key.alipay_public_key_file = None;
        with_certs.alipay_key.app_cert_file = Some(dir.path().join("app.pem"));
        with_certs.alipay_key.alipay_cert_file = Some(dir.path().join("alipay.pem"));
        with_certs.alipay_key.alipay_root_cert_file = Some(dir.path().join("root.pem"));
        let mut swapped = with_certs.clone();
        swapped.alipay_key.app_cert_file = with_certs.alipay_key.alipay_cert_file.clone();
        swapped.alipay_key.alipay_cert_file = with_certs.alipay_key.app_cert_file.clone();
        let err = AlipayKeys::from_settings(&swapped).unwrap_err();
        assert_eq!(err.key, "alipay.alipay_cert_file");
        assert!(err.reason.contains("swapped"), "{err}");
        let keys = AlipayKeys::from_settings(&with_certs).unwrap();
        let sns = keys.certificate_sns().unwrap();
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert_eq!(sns.app_cert_sn, cert::cert_sn(&read("app.pem")).unwrap());
        assert_eq!(
            sns.alipay_cert_sn,
            cert::cert_sn(&read("alipay.pem")).unwrap()
        );
        assert_eq!(
            sns.alipay_root_cert_sn,
            cert::root_cert_sn(&read("root.pem")).unwrap()
        );
        assert_ne!(sns.app_cert_sn, sns.alipay_cert_sn);
        let sim =
            PublicKey::parse(&std::fs::read_to_string(dev("sim_public_key.pem")).unwrap()).unwrap();
        assert_eq!(keys.alipay_public_key().fingerprint(), sim.fingerprint());

        let mut partial = with_certs.clone();
        partial.alipay_key.alipay_root_cert_file = None;
        assert_eq!(
            AlipayKeys::from_settings(&partial).unwrap_err().key,
            "alipay.app_cert_file"
        );
    }
}
