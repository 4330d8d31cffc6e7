//! TLS to Postgres and Redis, against real servers started here with a certificate for
//! `localhost` from a CA made here (the openssl CLI): with that CA the connection is made and
//! verified; with another CA, or by a host name the certificate does not name (`127.0.0.1`),
//! it is refused. The production profile refuses a plaintext URL to another host before
//! anything connects, in one line naming the setting.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use alipass::config::Settings;
use alipass::doctor::examine;
use alipass::store;
use alipay_protocol::testing::{issue_cert, self_signed};
use sqlx::{ConnectOptions, PgConnection};

use crate::helpers::{test_settings, PrivatePostgres, PrivateRedis};

/// A CA made for the test, the certificate it issued for `localhost` (and no other name),
/// and a second CA that issued nothing the servers present.
struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    fn make() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        self_signed(d, "ca", "2", "/CN=alipass test CA");
        self_signed(d, "other-ca", "2", "/CN=another CA");
        let extensions = "subjectAltName = DNS:localhost\nbasicConstraints = CA:FALSE\n\
                          extendedKeyUsage = serverAuth\n";
        std::fs::write(d.join("server.ext"), extensions).unwrap();
        issue_cert(d, "localhost", "ca", "1", "2", &["-extfile", "server.ext"]);
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A Postgres cluster that takes TCP connections over TLS only (`hostssl`), presenting the
/// certificate for `localhost`.
fn tls_postgres(certificates: &Certificates) -> PrivatePostgres {
    PrivatePostgres::start_with(|data: &Path| {
        let key = data.join("server.key");
        std::fs::copy(certificates.path("localhost.pem"), data.join("server.crt")).unwrap();
        std::fs::copy(certificates.path("localhost.key"), &key).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        let tls = "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n";
        std::fs::write(data.join("postgresql.conf"), conf + tls).unwrap();
        let hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\n";
        std::fs::write(data.join("pg_hba.conf"), hba).unwrap();
    })
}

/// A redis-server with a TLS port only, presenting the certificate for `localhost`.
fn tls_redis(certificates: &Certificates) -> PrivateRedis {
    let file = |name: &str| certificates.path(name).to_string_lossy().into_owned();
    PrivateRedis::start_with(|port| {
        let mut args = vec![
            "--port".to_owned(),
            "0".to_owned(),
            "--tls-port".to_owned(),
            port.to_string(),
        ];
        for (option, name) in [
            ("--tls-cert-file", "localhost.pem"),
            ("--tls-key-file", "localhost.key"),
            ("--tls-ca-cert-file", "ca.pem"),
        ] {
            args.extend([option.to_owned(), file(name)]);
        }
        args.extend(["--tls-auth-clients".to_owned(), "no".to_owned()]);
        args
    })
}

/// A TLS-only Postgres (kept alive by what is returned) and test settings that reach it by
/// `host` with `sslmode=verify-full`, trusting the CA file `ca` of the test's certificates.
fn postgres_by(host: &str, ca: &str) -> (Certificates, PrivatePostgres, Settings) {
    let certificates = Certificates::make();
    let pg = tls_postgres(&certificates);
    let url = format!(
        "postgres://postgres@{host}:{}/postgres?sslmode=verify-full",
        pg.port
    );
    let mut settings = test_settings(&url);
    settings.database.ca_file = Some(certificates.path(ca));
    (certificates, pg, settings)
}

/// A TLS-only redis-server (kept alive by what is returned) and test settings that reach it
/// by `host` with `rediss://`, trusting the CA file `ca` of the test's certificates.
fn redis_by(host: &str, ca: &str) -> (Certificates, PrivateRedis, Settings) {
    let certificates = Certificates::make();
    let redis = tls_redis(&certificates);
    let mut settings = test_settings("postgres://postgres@127.0.0.1:5432/postgres");
    settings.redis.url = Some(format!("rediss://{host}:{}", redis.port).into());
    settings.redis.ca_file = Some(certificates.path(ca));
    (certificates, redis, settings)
}

/// A connection made with the service's own options, or the error as it reads.
async fn connect(settings: &Settings) -> Result<PgConnection, String> {
    let options = store::tls::postgres_options(settings).map_err(|e| e.to_string())?;
    options.connect().await.map_err(|e| e.to_string())
}

/// PING through a client made with the service's own settings, or the error as it reads.
async fn ping(settings: &Settings) -> Result<String, String> {
    let client = store::tls::redis_client(settings).map_err(|e| e.to_string())?;
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| e.to_string())?;
    redis::cmd("PING")
        .query_async(&mut connection)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn postgres_verify_full_with_the_ca_connects_encrypted() {
    let (_certificates, _pg, settings) = postgres_by("localhost", "ca.pem");
    let mut connection = connect(&settings).await.unwrap();
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert!(ssl);
}

#[tokio::test]
async fn postgres_refuses_a_certificate_from_a_ca_it_was_not_given() {
    let (_certificates, _pg, settings) = postgres_by("localhost", "other-ca.pem");
    let error = connect(&settings).await.unwrap_err();
    assert!(error.contains("UnknownIssuer"), "{error}");
}

#[tokio::test]
async fn postgres_refuses_a_host_name_the_certificate_does_not_name() {
    let (_certificates, _pg, settings) = postgres_by("127.0.0.1", "ca.pem");
    let error = connect(&settings).await.unwrap_err();
    assert!(error.contains("not valid for name"), "{error}");
}

#[tokio::test]
async fn redis_over_rediss_with_the_ca_answers() {
    let (_certificates, _redis, settings) = redis_by("localhost", "ca.pem");
    assert_eq!(ping(&settings).await.as_deref(), Ok("PONG"));
}

#[tokio::test]
async fn redis_refuses_a_certificate_from_a_ca_it_was_not_given() {
    let (_certificates, _redis, settings) = redis_by("localhost", "other-ca.pem");
    let error = ping(&settings).await.unwrap_err();
    assert!(error.contains("UnknownIssuer"), "{error}");
}

#[tokio::test]
async fn redis_refuses_a_host_name_the_certificate_does_not_name() {
    let (_certificates, _redis, settings) = redis_by("127.0.0.1", "ca.pem");
    let error = ping(&settings).await.unwrap_err();
    assert!(error.contains("not valid for name"), "{error}");
}

/// `alipass serve` in the production profile over a loopback database and Redis (never
/// reached), with `setting` set to `url`: it must exit 3 (configuration) with one line on standard error that
/// starts with `start` and names `reason`, the setting that would allow the URL.
fn refused_in_one_line(setting: &str, url: &str, start: &str, reason: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_alipass"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("APP_PROFILE", "production")
        .env(
            "APP__PII__KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .env("APP__SIM__ENABLED", "false")
        .env("APP__SERVER__PORT", "0")
        .env(
            "APP__DATABASE__URL",
            "postgres://alipass@127.0.0.1:1/alipass",
        )
        .env("APP__REDIS__URL", "redis://127.0.0.1:1")
        .env(setting, url)
        .output()
        .expect("the alipass binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(start), "{stderr}");
    assert!(stderr.contains(reason), "{stderr}");
}

#[test]
fn production_refuses_a_plaintext_database_url_to_another_host_in_one_line() {
    refused_in_one_line(
        "APP__DATABASE__URL",
        "postgres://alipass@db.example.internal:5432/alipass?sslmode=disable",
        "alipass: configuration error: database.url: sslmode=disable to db.example.internal",
        "database.plaintext_trusted_reason",
    );
}

#[test]
fn production_refuses_a_plaintext_redis_url_to_another_host_in_one_line() {
    refused_in_one_line(
        "APP__REDIS__URL",
        "redis://cache.example.internal:6379",
        "alipass: configuration error: redis.url: redis:// to cache.example.internal",
        "redis.plaintext_trusted_reason",
    );
}

/// The detail of doctor's `check` with `settings`, asserting it passed.
async fn doctor_says(settings: &Settings, check: &str) -> String {
    let findings = examine(settings, false).await;
    let finding = findings.iter().find(|f| f.check == check).unwrap();
    assert!(finding.ok, "{}", finding.detail);
    finding.detail.clone()
}

#[tokio::test]
async fn doctor_reports_the_tls_version_and_certificate_of_postgres() {
    let (_certificates, _pg, settings) = postgres_by("localhost", "ca.pem");
    let options = store::tls::postgres_options(&settings).unwrap();
    store::migrate(&store::lazy_pool(options, &settings.database))
        .await
        .unwrap();
    let detail = doctor_says(&settings, "database").await;
    assert!(
        detail.starts_with("connected over TLSv1.3 (sslmode=verify-full), server certificate")
            && detail.contains("CN=localhost"),
        "{detail}"
    );
}

#[tokio::test]
async fn doctor_reports_the_tls_version_and_certificate_of_redis() {
    let (_certificates, _redis, settings) = redis_by("localhost", "ca.pem");
    let detail = doctor_says(&settings, "redis").await;
    assert!(
        detail.starts_with("answers PING over TLSv1.3 (rediss://), server certificate")
            && detail.contains("CN=localhost"),
        "{detail}"
    );
}
