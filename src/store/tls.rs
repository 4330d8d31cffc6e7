//! How the service reaches Postgres and Redis: the URL's own word on TLS (`sslmode`,
//! `rediss://`), a private CA (`database.ca_file`, `redis.ca_file`), and the production
//! profile's rule that nothing leaves the host in clear unless a setting says why the network
//! is trusted (`database.plaintext_trusted_reason`, `redis.plaintext_trusted_reason`).
//! Every path that connects (serve, migrate, redact, doctor) builds its options here, so the
//! rule cannot be skipped.

use std::net::IpAddr;
use std::path::Path;

use redis::{ConnectionAddr, IntoConnectionInfo};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::config::{ConfigError, Profile, Settings};

/// Postgres options from `database.url`: its `sslmode`, else `verify-full` in the production
/// profile for a host off this machine; `database.ca_file` trusted beside the public roots.
pub fn postgres_options(settings: &Settings) -> Result<PgConnectOptions, ConfigError> {
    let url = settings.database_url()?;
    let mut options: PgConnectOptions = url
        .parse()
        .map_err(|e| ConfigError::invalid("database.url", format!("not a Postgres URL ({e})")))?;
    let remote = options.get_socket().is_none() && !is_loopback(options.get_host());
    if settings.profile == Profile::Production && remote && !sslmode_given(&url) {
        options = options.ssl_mode(PgSslMode::VerifyFull);
    }
    if let Some(ca) = given(settings.database.ca_file.as_deref()) {
        readable("database.ca_file", ca)?;
        options = options.ssl_root_cert(ca);
    }
    let mode = options.get_ssl_mode();
    // `prefer` and `allow` fall back to plaintext without a word.
    let plaintext = matches!(
        mode,
        PgSslMode::Disable | PgSslMode::Allow | PgSslMode::Prefer
    );
    if plaintext && remote {
        refuse_plaintext(
            settings,
            "database",
            &format!("sslmode={}", mode_name(mode)),
            options.get_host(),
        )?;
    }
    Ok(options)
}

/// The libpq name of a mode, as the URL spells it.
pub fn mode_name(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

/// A Redis client for `redis.url`; `rediss://` with `redis.ca_file` trusts that CA alone.
pub fn redis_client(settings: &Settings) -> Result<redis::Client, ConfigError> {
    let url = settings.redis_url()?;
    let info = url
        .as_str()
        .into_connection_info()
        .map_err(|e| ConfigError::invalid("redis.url", format!("not a Redis URL ({e})")))?;
    if let ConnectionAddr::Tcp(host, _) = &info.addr {
        if !is_loopback(host) {
            refuse_plaintext(settings, "redis", "redis://", host)?;
        }
    }
    let client = match given(settings.redis.ca_file.as_deref()) {
        None => redis::Client::open(info)
            .map_err(|e| ConfigError::invalid("redis.url", e.to_string()))?,
        Some(ca) => {
            let pem = readable("redis.ca_file", ca)?;
            let certificates = redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem),
            };
            redis::Client::build_with_tls(info, certificates)
                .map_err(|e| ConfigError::invalid("redis.ca_file", e.to_string()))?
        }
    };
    Ok(client)
}

/// Whether a Redis client speaks TLS, and to which host and port.
pub fn redis_endpoint(client: &redis::Client) -> Option<(String, u16, bool)> {
    match &client.get_connection_info().addr {
        ConnectionAddr::Tcp(host, port) => Some((host.clone(), *port, false)),
        ConnectionAddr::TcpTls { host, port, .. } => Some((host.clone(), *port, true)),
        _ => None,
    }
}

/// In the production profile, plaintext to `host` is an error naming the setting that would
/// allow it; elsewhere (and with a reason given) it is allowed.
fn refuse_plaintext(
    settings: &Settings,
    section: &str,
    what: &str,
    host: &str,
) -> Result<(), ConfigError> {
    let reason = match section {
        "database" => settings.database.plaintext_trusted_reason.as_deref(),
        _ => settings.redis.plaintext_trusted_reason.as_deref(),
    };
    if settings.profile != Profile::Production || reason.is_some_and(|r| !r.trim().is_empty()) {
        return Ok(());
    }
    let fix = match section {
        "database" => "use sslmode=verify-full (and database.ca_file for a private CA)",
        _ => "use rediss:// (and redis.ca_file for a private CA)",
    };
    Err(ConfigError::invalid(
        format!("{section}.url"),
        format!(
            "{what} to {host}, which is not on this machine, would send credentials and data \
             in clear: {fix}, or set {section}.plaintext_trusted_reason to say why the network \
             is trusted"
        ),
    ))
}

/// The URL names its `sslmode` (or the environment does, as libpq's PGSSLMODE).
fn sslmode_given(url: &str) -> bool {
    let in_url = reqwest::Url::parse(url).is_ok_and(|url| {
        url.query_pairs()
            .any(|(key, _)| key == "sslmode" || key == "ssl-mode")
    });
    in_url || std::env::var_os("PGSSLMODE").is_some()
}

/// `localhost` or an address of the loopback range.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn given(path: Option<&Path>) -> Option<&Path> {
    path.filter(|p| !p.as_os_str().is_empty())
}

/// The file's bytes, or an error naming `key` when it cannot be read.
fn readable(key: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path)
        .map_err(|e| ConfigError::invalid(key, format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(profile: Profile, database: &str, redis: &str) -> Settings {
        let mut settings =
            Settings::load_profile(&crate::config::config_dir(), Profile::Test).unwrap();
        settings.profile = profile;
        settings.database.url = Some(database.into());
        settings.redis.url = Some(redis.into());
        settings
    }

    const LOCAL_REDIS: &str = "redis://127.0.0.1:6379";

    #[test]
    fn production_checks_a_remote_database_fully_when_the_url_does_not_say() {
        let remote = settings(
            Profile::Production,
            "postgres://a@db.internal/x",
            LOCAL_REDIS,
        );
        let mode = postgres_options(&remote).unwrap().get_ssl_mode();
        assert!(matches!(mode, PgSslMode::VerifyFull), "{mode:?}");
    }

    #[test]
    fn the_urls_own_sslmode_is_kept() {
        let url = "postgres://a@db.internal/x?sslmode=verify-ca";
        let mode = postgres_options(&settings(Profile::Production, url, LOCAL_REDIS))
            .unwrap()
            .get_ssl_mode();
        assert!(matches!(mode, PgSslMode::VerifyCa), "{mode:?}");
    }

    #[test]
    fn production_refuses_prefer_to_a_remote_database_naming_the_setting() {
        let url = "postgres://a@db.internal/x?sslmode=prefer";
        let error = postgres_options(&settings(Profile::Production, url, LOCAL_REDIS))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("configuration error: database.url:"),
            "{error}"
        );
        assert!(
            error.contains("database.plaintext_trusted_reason"),
            "{error}"
        );
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn a_trusted_reason_lets_production_use_plaintext() {
        let url = "postgres://a@db.internal/x?sslmode=disable";
        let mut trusted = settings(Profile::Production, url, "redis://cache.internal:6379");
        trusted.database.plaintext_trusted_reason = Some("a private link".into());
        trusted.redis.plaintext_trusted_reason = Some("a private link".into());
        assert!(postgres_options(&trusted).is_ok());
        assert!(redis_client(&trusted).is_ok());
    }

    #[test]
    fn a_blank_reason_is_no_reason() {
        let mut blank = settings(
            Profile::Production,
            "postgres://a@localhost/x",
            "redis://c:1",
        );
        blank.redis.plaintext_trusted_reason = Some("  ".into());
        let error = redis_client(&blank).unwrap_err();
        assert_eq!(error.key, "redis.url");
        assert!(
            error.reason.contains("redis.plaintext_trusted_reason"),
            "{error}"
        );
    }

    #[test]
    fn plaintext_on_loopback_is_allowed_in_production() {
        let local = settings(
            Profile::Production,
            "postgres://a@127.0.0.1/x?sslmode=disable",
            "redis://[::1]:6379",
        );
        assert!(postgres_options(&local).is_ok());
        assert!(redis_client(&local).is_ok());
    }

    #[test]
    fn other_profiles_allow_plaintext_anywhere() {
        let test = settings(
            Profile::Test,
            "postgres://a@db.internal/x",
            "redis://cache:6379",
        );
        let mode = postgres_options(&test).unwrap().get_ssl_mode();
        assert!(matches!(mode, PgSslMode::Prefer), "{mode:?}");
        assert!(redis_client(&test).is_ok());
    }

    #[test]
    fn a_redis_ca_file_needs_a_rediss_url() {
        let dir = tempfile::tempdir().unwrap();
        let ca = alipay_protocol::testing::self_signed(dir.path(), "ca", "2", "/CN=ca");
        let mut plain = settings(Profile::Test, "postgres://a@localhost/x", LOCAL_REDIS);
        plain.redis.ca_file = Some(ca);
        let error = redis_client(&plain).unwrap_err();
        assert_eq!(error.key, "redis.ca_file", "{error}");
    }

    #[test]
    fn an_unreadable_ca_file_names_its_setting() {
        let mut missing = settings(Profile::Test, "postgres://a@localhost/x", LOCAL_REDIS);
        missing.database.ca_file = Some("/nonexistent/ca.pem".into());
        assert_eq!(
            postgres_options(&missing).unwrap_err().key,
            "database.ca_file"
        );
    }
}
