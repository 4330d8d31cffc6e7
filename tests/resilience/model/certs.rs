//! Certificate mode (公钥证书模式) for the strict run: a test PKI (a root, two Alipay
//! signing certificates it issued, the app's certificate), a configuration directory that
//! puts the service and the simulator in certificate mode, and the rotation the driver
//! triggers mid-run: from then on the simulator signs with the second certificate, which the
//! service must learn (downloaded unsigned, trusted by its chain to the root).

use std::path::Path;

use alipay_protocol::testing::{issue_cert, self_signed};

const ROOT_NAME: &str = "/C=CN/O=Ant Financial/OU=Certification Authority/CN=Model Root";

pub struct CertificateMode {
    dir: tempfile::TempDir,
}

impl CertificateMode {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let pki = dir.path();
        self_signed(pki, "root", "30", ROOT_NAME);
        issue_cert(pki, "alipay1", "root", "1001", "30", &[]);
        issue_cert(pki, "alipay2", "root", "1002", "30", &[]);
        issue_cert(pki, "app", "root", "2001", "30", &[]);
        write_config(pki);
        Self { dir }
    }

    /// The settings both processes start with: this configuration directory and the root
    /// the simulator expects calls to name.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let path = |name: &str| self.dir.path().join(name).display().to_string();
        vec![
            ("APP_CONFIG_DIR", path("config")),
            ("APP__SIM__ROOT_CERT_FILE", path("root.pem")),
        ]
    }
}

/// The repository's configuration, with the test profile switched to certificate mode.
fn write_config(pki: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let config = pki.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(repo.join("default.toml"), config.join("default.toml")).unwrap();
    let file = |name: &str| pki.join(name).display().to_string();
    let test = std::fs::read_to_string(repo.join("test.toml")).unwrap();
    let alipay_key = "alipay_public_key_file = \"config/dev/sim_public_key.pem\"\n";
    let app_key = "public_key_file = \"config/dev/app_public_key.pem\"\n";
    assert!(
        test.contains(alipay_key) && test.contains(app_key),
        "config/test.toml changed"
    );
    let mut test = test
        .replace(
            alipay_key,
            &format!(
                "app_cert_file = {:?}\nalipay_cert_file = {:?}\nalipay_root_cert_file = {:?}\n",
                file("app.pem"),
                file("alipay1.pem"),
                file("root.pem")
            ),
        )
        .replace(
            app_key,
            &format!("{app_key}app_cert_file = {:?}\n", file("app.pem")),
        );
    for signer in ["alipay1", "alipay2"] {
        test.push_str(&format!(
            "\n[[sim.certificates]]\ncert_file = {:?}\nprivate_key_file = {:?}\n",
            file(&format!("{signer}.pem")),
            file(&format!("{signer}.key"))
        ));
    }
    std::fs::write(config.join("test.toml"), test).unwrap();
}
