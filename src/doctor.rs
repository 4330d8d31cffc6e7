//! `alipass doctor` (and `GET /v1/diagnostics`): what to check before the first real call,
//! with the settings the service runs with. Each check says what it found and, when it fails,
//! which setting to fix. The one call it signs cannot have an effect: a `voucher.send` for a
//! template that does not exist, whose business refusal proves Alipay accepted our app id,
//! key and signature, and that we accept Alipay's answer.

mod tls;

use std::path::Path;
use std::time::{Duration, SystemTime};

use sqlx::migrate::Migrate;

use std::sync::Arc;

use crate::alipay::cert;
use crate::alipay::client::{AlipayClient, AttemptLog, GatewayError};
use crate::alipay::keys::AlipayKeys;
use crate::config::{AlipaySettings, Settings};
use crate::store::{self, redis::RedisHandle};
use alipay_protocol::chain::verify_chain;
use alipay_protocol::methods::Method;

/// One check's result.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = DiagnosticFinding)]
pub struct Finding {
    pub check: &'static str,
    /// The Alipay app it is about (by name); none for Postgres and Redis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub ok: bool,
    pub detail: String,
}

impl Finding {
    fn new(check: &'static str, result: Result<String, String>) -> Self {
        let (ok, detail) = match result {
            Ok(detail) => (true, detail),
            Err(detail) => (false, detail),
        };
        Self {
            check,
            app: None,
            ok,
            detail,
        }
    }

    fn of(self, app: &AlipaySettings) -> Self {
        Self {
            app: Some(app.name.clone()),
            ..self
        }
    }
}

/// Every check, in the order a first call needs them. `sim_running`: an in-process
/// simulator (`sim.enabled`) is serving at `alipay.gateway_url` (inside `alipass serve`).
pub async fn examine(settings: &Settings, sim_running: bool) -> Vec<Finding> {
    let unstarted_sim = settings.sim.enabled && !sim_running;
    let apps = match settings.alipay.all_apps() {
        Ok(apps) => apps,
        Err(error) => return vec![Finding::new("apps", Err(error.to_string()))],
    };
    let mut findings = Vec::new();
    for app in &apps {
        findings.push(Finding::new("keys", keys(app)).of(app));
        findings.push(Finding::new("certs", certificates(app, SystemTime::now())).of(app));
    }
    findings.push(Finding::new("database", database(settings).await));
    findings.push(Finding::new("redis", redis(settings).await));
    for app in &apps {
        findings.push(Finding::new("gateway", gateway(app, unstarted_sim).await).of(app));
        findings.push(Finding::new("call", signed_call(app, unstarted_sim).await).of(app));
    }
    findings
}

/// The keys parse, fit the sign type, and the Alipay key is not our own.
fn keys(alipay: &AlipaySettings) -> Result<String, String> {
    let keys = AlipayKeys::from_settings(alipay).map_err(|e| e.to_string())?;
    // The sign type's rules (RSA only behind the legacy setting) are the service's own; the
    // key's length was checked with the keys (at least 2048 bits).
    let sign_type = crate::apps::sign_type(alipay).map_err(|e| e.to_string())?;
    let bits = keys.app_private_key().bits();
    let mode = match keys.certificate_sns() {
        Some(sns) => format!("certificate mode, app cert SN {}", sns.app_cert_sn),
        None => "public key mode".to_owned(),
    };
    let encryption = match keys.content_key() {
        Some(key) => format!("content encrypted with AES-{}", key.bits()),
        None => "content not encrypted".to_owned(),
    };
    Ok(format!(
        "{sign_type} with a {bits}-bit app key; Alipay's key {}; {mode}; {encryption}",
        keys.alipay_public_key().fingerprint()
    ))
}

/// Days of validity a certificate must have left: time to renew it in the Alipay console.
const CERT_MARGIN_DAYS: u64 = 30;

/// In certificate mode, the app's and Alipay's certificates are valid for a while yet and
/// chain to the Alipay root certificate.
fn certificates(alipay: &AlipaySettings, now: SystemTime) -> Result<String, String> {
    let (Some(app), Some(theirs)) = (
        &alipay.alipay_key.app_cert_file,
        &alipay.alipay_key.alipay_cert_file,
    ) else {
        return Ok("public key mode: no certificates to expire".to_owned());
    };
    let mut found = Vec::new();
    for (name, path) in [("app", app.as_path()), ("Alipay", theirs.as_path())] {
        let days = days_left(path, now)?;
        if days < CERT_MARGIN_DAYS {
            return Err(format!(
                "the {name} certificate ({}) expires in {days} days: renew it in the Alipay console",
                path.display()
            ));
        }
        found.push(format!("{name} certificate valid {days} more days"));
    }
    if let Some(root) = &alipay.alipay_key.alipay_root_cert_file {
        let roots = std::fs::read_to_string(root)
            .map_err(|e| format!("alipay.alipay_root_cert_file: {e}"))?;
        for (setting, path) in [("app_cert_file", app), ("alipay_cert_file", theirs)] {
            let pem =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let trusted = verify_chain(&pem, &roots, now)
                .map_err(|e| format!("alipay.{setting} ({}): {e}", path.display()))?;
            found.push(format!("{setting} SN {} chains to the root", trusted.sn));
        }
    }
    Ok(found.join("; "))
}

/// Whole days until the first certificate in the file at `path` expires (Err once it has).
fn days_left(path: &Path, now: SystemTime) -> Result<u64, String> {
    let pem = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let end = cert::not_after(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
    end.duration_since(now)
        .map(|left| left.as_secs() / 86_400)
        .map_err(|_| format!("the certificate in {} has expired", path.display()))
}

/// Postgres answers, over TLS when the URL's `sslmode` (or the production default) asks,
/// and every migration is applied.
async fn database(settings: &Settings) -> Result<String, String> {
    let options = store::tls::postgres_options(settings).map_err(|e| e.to_string())?;
    let mode = store::tls::mode_name(options.get_ssl_mode());
    let server = (options.get_host().to_owned(), options.get_port());
    let pool = store::lazy_pool(options, &settings.database);
    let mut connection = pool
        .acquire()
        .await
        .map_err(|e| format!("cannot connect (sslmode={mode}): {e}"))?;
    let applied = connection
        .list_applied_migrations()
        .await
        .map_err(|e| format!("cannot read the applied migrations: {e}"))?;
    // Runtime SQL: a probe of the server under examination (a system view, whose columns
    // are the server version's), not of our schema: the build's database proves nothing
    // about it, and a failure here is a finding to report.
    let ssl: Option<(bool, Option<String>)> =
        sqlx::query_as("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_optional(&mut *connection)
            .await
            .map_err(|e| format!("cannot read pg_stat_ssl: {e}"))?;
    let expected = store::MIGRATOR.iter().count();
    drop(connection);
    pool.close().await;
    if applied.len() < expected {
        return Err(format!(
            "{} of {expected} migrations applied: run `alipass migrate`",
            applied.len()
        ));
    }
    let transport = match ssl {
        Some((true, version)) => {
            let version = version.unwrap_or_else(|| "TLS".to_owned());
            let seen = tls::look(&server.0, server.1, true).await;
            format!("over {version} (sslmode={mode}), {}", certificate(seen))
        }
        _ => format!("without TLS (sslmode={mode})"),
    };
    Ok(format!(
        "connected {transport}; {expected} migrations applied"
    ))
}

/// The subject of the certificate a server showed, or why it was not read.
fn certificate(seen: Result<tls::Seen, String>) -> String {
    match seen {
        Ok(seen) => format!("server certificate {}", seen.subject),
        Err(why) => format!("server certificate not read ({why})"),
    }
}

/// Redis answers, over TLS for a `rediss://` URL. Without it the service still runs,
/// through Postgres alone.
async fn redis(settings: &Settings) -> Result<String, String> {
    let client = store::tls::redis_client(settings).map_err(|e| e.to_string())?;
    let endpoint = store::tls::redis_endpoint(&client);
    let timeout = Duration::from_millis(settings.redis.command_timeout_ms);
    let redis = RedisHandle::start(client, &settings.redis.key_prefix, timeout);
    let mut answered = false;
    for _ in 0..20 {
        if redis.ping().await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !answered {
        return Err("no answer to PING: the service would run without its fast path".to_owned());
    }
    let transport = match endpoint {
        Some((host, port, true)) => match tls::look(&host, port, false).await {
            Ok(seen) => format!(
                "over {} (rediss://), server certificate {}",
                seen.version, seen.subject
            ),
            Err(why) => format!("over TLS (rediss://), version and certificate not read ({why})"),
        },
        Some((_, _, false)) => "without TLS (redis://)".to_owned(),
        None => "over a Unix socket".to_owned(),
    };
    Ok(format!("answers PING {transport}"))
}

/// The gateway's host answers HTTP, and its clock agrees with ours (Alipay refuses request
/// timestamps far from its own).
async fn gateway(alipay: &AlipaySettings, unstarted_sim: bool) -> Result<String, String> {
    if unstarted_sim {
        return Ok(UNSTARTED_SIM.to_owned());
    }
    let url = &alipay.gateway_url;
    let host = gateway_host(url)?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(alipay.connect_timeout_ms.max(3_000)))
        .build()
        .map_err(|e| e.to_string())?;
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: no answer ({e})"))?;
    let status = response.status().as_u16();
    let skew = response
        .headers()
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
        .map(|date| (chrono::Utc::now() - date.with_timezone(&chrono::Utc)).num_seconds());
    match skew {
        Some(secs) if secs.abs() > 300 => Err(format!(
            "{url} answers HTTP {status}, but our clock is {secs} s off the gateway's"
        )),
        Some(secs) => Ok(format!(
            "{host}: {url} answers HTTP {status}; clocks {secs} s apart"
        )),
        None => Ok(format!("{host}: {url} answers HTTP {status}")),
    }
}

/// Which gateway `url` names; Err for the retired sandbox host or plain HTTP to Alipay.
fn gateway_host(url: &str) -> Result<&'static str, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("alipay.gateway_url {url}: not an http(s) URL"))?;
    let host = rest.split(['/', ':', '?']).next().unwrap_or_default();
    let kind = match host {
        "openapi.alipay.com" => "production",
        "openapi-sandbox.dl.alipaydev.com" => "sandbox",
        "openapi.alipaydev.com" => {
            return Err(format!(
                "alipay.gateway_url {url}: the retired sandbox host; use \
                 https://openapi-sandbox.dl.alipaydev.com/gateway.do"
            ))
        }
        _ => return Ok("not an Alipay host (a simulator?)"),
    };
    if !url.starts_with("https://") {
        return Err(format!(
            "alipay.gateway_url {url}: Alipay's gateway needs https"
        ));
    }
    Ok(kind)
}

const UNSTARTED_SIM: &str = "the in-process simulator (sim.enabled), started by `alipass serve`";
/// A voucher template id Alipay never issued (at most 28 characters).
const PROBE_TEMPLATE: &str = "20000000000000ALIPASSDOCTOR0";
const PROBE_USER: &str = "2088000000000000";

/// A signed `voucher.send` that cannot send anything (its template does not exist).
async fn signed_call(alipay: &AlipaySettings, unstarted_sim: bool) -> Result<String, String> {
    if unstarted_sim {
        return Ok(UNSTARTED_SIM.to_owned());
    }
    let keys = AlipayKeys::from_settings(alipay).map_err(|e| e.to_string())?;
    let mut client_settings = crate::apps::client_settings(alipay).map_err(|e| e.to_string())?;
    client_settings.max_attempts = 1;
    let client = AlipayClient::new(client_settings, Arc::new(keys), None)
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let biz = serde_json::json!({
        "template_id": PROBE_TEMPLATE,
        "out_biz_no": format!("alipass-doctor-{}", uuid::Uuid::new_v4().simple()),
        "user_id": PROBE_USER,
    });
    let answer = client
        .execute(
            Method::VoucherSend,
            &biz.to_string(),
            &AttemptLog::default(),
        )
        .await;
    advice(alipay, answer.map(|_| ()))
}

/// What the probe's answer says about our settings, in one sentence.
fn advice(alipay: &AlipaySettings, answer: Result<(), GatewayError>) -> Result<String, String> {
    let app_id = &alipay.app_id;
    let refusal = match answer {
        Ok(()) => return Ok("the probe voucher.send was accepted: signature and keys work".into()),
        Err(GatewayError::Refused(refusal)) => refusal,
        Err(GatewayError::NoAnswer(reason)) if reason.contains("answer refused") => {
            return Err(format!(
                "the gateway's answer does not verify: alipay.alipay_public_key (or \
                 alipay_cert_file) is not the Alipay public key of app {app_id} ({reason})"
            ))
        }
        Err(other) => return Err(format!("no usable answer to a signed call: {other}")),
    };
    let sub_code = refusal.sub_code.as_deref().unwrap_or_default();
    match (refusal.code.as_str(), sub_code) {
        ("40004", _) if refusal.signed => Ok(format!(
            "a signed business refusal ({sub_code}) of a probe voucher.send: Alipay accepts our \
             app id, key and signature, and we accept its answer"
        )),
        (_, "isv.invalid-signature") => Err(format!(
            "Alipay rejects our signature: alipay.app_private_key is not the key whose public \
             half is uploaded for app {app_id}, or alipay.sign_type differs"
        )),
        (_, "isv.invalid-app-id") => Err(format!(
            "alipay.app_id {app_id} is unknown to {}: a sandbox app on the production \
             gateway, or the reverse?",
            alipay.gateway_url
        )),
        (_, "isv.invalid-timestamp") => {
            Err("Alipay refuses our timestamp: set the host clock right (NTP)".into())
        }
        (_, sub) if sub.starts_with("isv.decryption-error") => Err(format!(
            "{sub}: set alipay.encrypt_key exactly when app {app_id} has content encryption \
             switched on, to the AES key the open platform shows"
        )),
        (code, sub) => Err(format!(
            "refused {code} {sub}: {}{}",
            refusal.sub_msg.as_deref().unwrap_or(&refusal.msg),
            if refusal.signed { "" } else { " (unsigned)" }
        )),
    }
}

/// The findings as JSON: `{"healthy": bool, "findings": [...]}`, as `GET /v1/diagnostics`.
pub fn report_json(findings: &[Finding]) -> serde_json::Value {
    serde_json::json!({
        "healthy": findings.iter().all(|f| f.ok),
        "findings": findings,
    })
}

/// The report as lines, and whether every check passed.
pub fn report(findings: &[Finding]) -> (String, bool) {
    let mut text = String::new();
    for finding in findings {
        let mark = if finding.ok { "✔" } else { "✘" };
        let app = finding
            .app
            .as_deref()
            .map(|name| format!("[{name}] "))
            .unwrap_or_default();
        text.push_str(&format!(
            "{mark} {:<9} {app}{}\n",
            finding.check, finding.detail
        ));
    }
    (text, findings.iter().all(|f| f.ok))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alipay_protocol::testing::self_signed;

    /// A self-signed certificate valid for `days`, in `dir`.
    fn cert(dir: &Path, name: &str, days: &str) -> std::path::PathBuf {
        self_signed(dir, name, days, "/CN=doctor")
    }

    fn settings_with(app: std::path::PathBuf, theirs: std::path::PathBuf) -> AlipaySettings {
        let mut settings =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap();
        settings.alipay.alipay_key.app_cert_file = Some(app);
        settings.alipay.alipay_key.alipay_cert_file = Some(theirs);
        settings.alipay
    }

    #[test]
    fn certificates_far_from_expiry_pass_and_near_or_past_ones_fail() {
        let dir = tempfile::tempdir().unwrap();
        let (long, short) = (
            cert(dir.path(), "long", "365"),
            cert(dir.path(), "short", "10"),
        );
        let now = SystemTime::now();
        let found = certificates(&settings_with(long.clone(), long.clone()), now).unwrap();
        assert!(
            found.contains("app certificate valid 364 more days"),
            "{found}"
        );
        let near = certificates(&settings_with(long.clone(), short), now).unwrap_err();
        assert!(
            near.contains("the Alipay certificate") && near.contains("expires in 9 days"),
            "{near}"
        );
        let later = now + Duration::from_secs(400 * 86_400);
        let past = certificates(&settings_with(long.clone(), long), later).unwrap_err();
        assert!(past.contains("has expired"), "{past}");
    }

    #[test]
    fn refusals_of_the_probe_become_advice_naming_the_setting() {
        use crate::alipay::client::Refusal;
        use alipay_protocol::codes::classify;
        let alipay =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap()
                .alipay;
        let refused = |code: &str, sub_code: &str, signed: bool| {
            GatewayError::Refused(Box::new(Refusal {
                meaning: classify(code, Some(sub_code)).unwrap(),
                code: code.into(),
                msg: "x".into(),
                sub_code: Some(sub_code.into()),
                sub_msg: Some("sub".into()),
                result: None,
                signed,
                after_unknown: false,
            }))
        };
        let says = |error| advice(&alipay, Err(error));
        assert!(says(refused("40004", "TEMPLATE_NOT_EXIST", true)).is_ok());
        let clock = says(refused("40002", "isv.invalid-timestamp", false)).unwrap_err();
        assert!(clock.contains("host clock"), "{clock}");
        let app_id = says(refused("40002", "isv.invalid-app-id", false)).unwrap_err();
        assert!(app_id.contains("alipay.app_id"), "{app_id}");
        // A business refusal that is not signed proves nothing.
        let unsigned = says(refused("40004", "TEMPLATE_NOT_EXIST", false)).unwrap_err();
        assert!(unsigned.contains("(unsigned)"), "{unsigned}");
    }

    #[test]
    fn gateway_hosts_are_named_and_the_retired_sandbox_refused() {
        let host = |url: &str| gateway_host(url);
        assert_eq!(
            host("https://openapi.alipay.com/gateway.do"),
            Ok("production")
        );
        assert_eq!(
            host("https://openapi-sandbox.dl.alipaydev.com/gateway.do"),
            Ok("sandbox")
        );
        let retired = host("https://openapi.alipaydev.com/gateway.do").unwrap_err();
        assert!(retired.contains("retired sandbox host"), "{retired}");
        assert!(host("http://openapi.alipay.com/gateway.do").is_err());
        assert!(host("ftp://x").is_err());
        assert_eq!(
            host("http://127.0.0.1:8081/gateway.do"),
            Ok("not an Alipay host (a simulator?)")
        );
    }

    #[test]
    fn public_key_mode_has_no_certificates_to_check() {
        let settings =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap();
        let found = certificates(&settings.alipay, SystemTime::now()).unwrap();
        assert!(found.starts_with("public key mode"), "{found}");
    }
}
