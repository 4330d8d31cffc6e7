//! The gateway simulator as this binary runs it: built from the `sim.*` settings (keys,
//! apps and their public keys, voucher templates, faults), in-process on the local profile
//! or on its own with `alipass sim`. The simulator itself is the `alipass-sim` crate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use actix_web::dev::Server;
use anyhow::Context;
use serde::Deserialize;

use crate::alipay::keys;
use crate::alipay::sign::{AppPrivateKey, PublicKey};
use crate::config::{ConfigError, Settings, SimAppSetting, SimSettings};
use crate::sim::{SimApp, SimCert, SimConfig, Simulator, VoucherTemplate};

/// `apps_file`: a TOML file of `[[apps]]` entries.
#[derive(Debug, Deserialize)]
struct AppsFile {
    #[serde(default)]
    apps: Vec<SimAppSetting>,
}

/// The simulator the `sim.*` settings describe. Errors name the setting.
/// Loads the keys, apps, voucher templates and initial faults. Errors name the setting.
pub fn simulator(settings: &SimSettings) -> Result<Simulator, ConfigError> {
    let key_text = Settings::require_secret(
        "sim.private_key",
        settings.private_key.as_deref(),
        settings.private_key_file.as_deref(),
    )?;
    let key = AppPrivateKey::parse(&key_text)
        .map_err(|e| ConfigError::invalid("sim.private_key", e.to_string()))?;

    let apps = load_apps(settings, &key)?;
    let voucher_templates = settings
        .voucher_templates
        .iter()
        .map(|t| {
            let template = VoucherTemplate {
                expired: t.expired,
                red_packet: t.red_packet,
            };
            (t.template_id.trim().to_owned(), template)
        })
        .collect();
    let certificates = load_certificates(settings)?;
    let root_cert_sn = match settings.root_cert_file.as_deref() {
        Some(path) => Some(certificate_sn(path, "sim.root_cert_file", true)?),
        None => None,
    };
    Simulator::new(SimConfig {
        key,
        certificates,
        apps,
        voucher_templates,
        root_cert_sn,
        app_auth_tokens: settings.app_auth_tokens.clone(),
        admin_enabled: settings.admin_enabled,
        timestamp_tolerance_secs: settings.timestamp_tolerance_secs,
        faults: settings.faults.clone(),
        kinder: settings.kinder,
    })
    .map_err(|reason| ConfigError::invalid("sim.faults", reason))
}

/// The signing certificates of certificate mode, each checked against its key.
fn load_certificates(settings: &SimSettings) -> Result<Vec<SimCert>, ConfigError> {
    settings
        .certificates
        .iter()
        .enumerate()
        .map(|(i, cert)| {
            let name = format!("sim.certificates[{i}]");
            let read = |path: &Path, what: &str| {
                std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::invalid(
                        format!("{name}.{what}"),
                        format!("{}: {e}", path.display()),
                    )
                })
            };
            let key = AppPrivateKey::parse(&read(&cert.private_key_file, "private_key_file")?)
                .map_err(|e| {
                    ConfigError::invalid(format!("{name}.private_key_file"), e.to_string())
                })?;
            SimCert::new(read(&cert.cert_file, "cert_file")?, key)
                .map_err(|reason| ConfigError::invalid(format!("{name}.cert_file"), reason))
        })
        .collect()
}

/// Binds `sim.host:sim.port` (0 = any free port) and starts serving.
pub fn listen(sim: &Simulator, settings: &SimSettings) -> anyhow::Result<(u16, Server)> {
    sim.listen(&settings.host, settings.port).with_context(|| {
        format!(
            "sim.port: cannot listen on {}:{}",
            settings.host, settings.port
        )
    })
}

/// Every configured app (settings, then the apps file) with its public keys.
fn load_apps(
    settings: &SimSettings,
    key: &AppPrivateKey,
) -> Result<HashMap<String, SimApp>, ConfigError> {
    let mut entries: Vec<(String, SimAppSetting, Option<PathBuf>)> = settings
        .apps
        .iter()
        .enumerate()
        .map(|(i, app)| (format!("sim.apps[{i}]"), app.clone(), None))
        .collect();
    if let Some(path) = settings
        .apps_file
        .as_deref()
        .filter(|p| !p.as_os_str().is_empty())
    {
        for (i, app) in read_apps_file(path)?.into_iter().enumerate() {
            entries.push((
                format!("sim.apps_file[{i}]"),
                app,
                path.parent().map(Path::to_path_buf),
            ));
        }
    }
    let mut apps: HashMap<String, SimApp> = HashMap::new();
    for (name, app, base_dir) in entries {
        let app_id = app.app_id.trim().to_owned();
        if app_id.is_empty() {
            return Err(ConfigError::invalid(
                format!("{name}.app_id"),
                "must not be empty",
            ));
        }
        let file = file_under(app.public_key_file.as_deref(), base_dir.as_deref());
        let text = Settings::require_secret(
            &format!("{name}.public_key"),
            app.public_key.as_deref(),
            file.as_deref(),
        )?;
        let public_key = PublicKey::parse(&text)
            .map_err(|e| ConfigError::invalid(format!("{name}.public_key"), e.to_string()))?;
        if public_key == key.public_key() {
            return Err(ConfigError::invalid(
                format!("{name}.public_key"),
                "this is the simulator's own public key: configure the app's public key",
            ));
        }
        let content_key = keys::content_key(
            &format!("{name}.encrypt_key"),
            app.encrypt_key.as_deref(),
            file_under(app.encrypt_key_file.as_deref(), base_dir.as_deref()).as_deref(),
        )?;
        let app_cert_sn = match file_under(app.app_cert_file.as_deref(), base_dir.as_deref()) {
            Some(path) => Some(certificate_sn(
                &path,
                &format!("{name}.app_cert_file"),
                false,
            )?),
            None => None,
        };
        let entry = apps.entry(app_id).or_default();
        entry.public_keys.push(public_key);
        entry.app_cert_sn = entry.app_cert_sn.take().or(app_cert_sn);
        // An app listed twice (two keys while one is rotated) needs its AES key only once.
        entry.content_key = entry.content_key.take().or(content_key);
    }
    if apps.is_empty() {
        return Err(ConfigError::invalid(
            "sim.apps",
            "no app configured: add [[sim.apps]] (app_id + public_key_file) or sim.apps_file",
        ));
    }
    Ok(apps)
}

/// The SN of the certificate at `path` (`root`: of the root bundle, as calls name it).
fn certificate_sn(path: &Path, setting: &str, root: bool) -> Result<String, ConfigError> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::invalid(setting, format!("{}: {e}", path.display())))?;
    let sn = match root {
        true => crate::alipay::cert::root_cert_sn(&pem),
        false => crate::alipay::cert::cert_sn(&pem),
    };
    sn.map_err(|e| ConfigError::invalid(setting, e.to_string()))
}

fn read_apps_file(path: &Path) -> Result<Vec<SimAppSetting>, ConfigError> {
    let parsed: AppsFile = config::Config::builder()
        .add_source(config::File::from(path).format(config::FileFormat::Toml))
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(|e| {
            ConfigError::invalid(
                "sim.apps_file",
                format!("{}: {}", path.display(), e).replace('\n', " "),
            )
        })?;
    Ok(parsed.apps)
}

/// A key file named in the apps file: as given when it exists (paths relative to the working
/// directory, like every other setting), else relative to the apps file.
/// A file named in an apps file: relative to that file's folder unless it exists as given.
fn file_under(path: Option<&Path>, base_dir: Option<&Path>) -> Option<PathBuf> {
    let path = path?;
    Some(match base_dir {
        Some(base) if path.is_relative() && !path.exists() => base.join(path),
        _ => path.to_path_buf(),
    })
}

/// `alipass sim`: serves on `sim.host:sim.port` until SIGTERM or Ctrl-C.
pub async fn run_standalone(settings: &Settings) -> anyhow::Result<()> {
    let sim = simulator(&settings.sim)?;
    let (port, server) = listen(&sim, &settings.sim)?;
    let handle = server.handle();
    tracing::info!(
        port,
        host = settings.sim.host.as_str(),
        apps = sim.app_count(),
        admin = sim.admin_enabled(),
        "simulator listening"
    );
    let mut task = tokio::spawn(server);
    tokio::select! {
        finished = &mut task => {
            return finished.context("simulator server task failed")?.context("simulator server failed");
        }
        () = shutdown_signal() => {}
    }
    tracing::info!("simulator stopping");
    handle.stop(true).await;
    task.await
        .context("simulator server task failed")?
        .context("simulator server failed")
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
