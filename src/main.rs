use std::process::ExitCode;

use alipass::config::{self, Settings};
use alipass::startup::Application;
use alipass::{store, telemetry};
use anyhow::Context;
use clap::{Parser, Subcommand};

/// alipass: issue and manage Alipay wallet passes and marketing vouchers over REST.
///
/// Configuration: config/default.toml < config/<APP_PROFILE>.toml (local, test, production;
/// default local) < APP__SECTION__KEY environment variables. Secrets may be given as files
/// with the `_file` suffix (e.g. APP__DATABASE__URL_FILE).
#[derive(Parser)]
#[command(name = "alipass", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (and, when sim.enabled, the gateway simulator in-process).
    ///
    /// Serves /v1 (API key required), /healthz, /readyz, /metrics and /docs. SIGTERM or
    /// Ctrl-C: /readyz turns 503, in-flight requests finish, pools close, exit 0.
    Serve,
    /// Apply the embedded database migrations and exit.
    ///
    /// Safe to run from several pods at once: migrations run under a Postgres advisory lock.
    Migrate,
    /// Run the Alipay gateway simulator on its own (sim.host:sim.port).
    ///
    /// A faithful local gateway for the five wrapped methods (template add/update, pass
    /// add/update, voucher send): checks public parameters, timestamps and RSA2/RSA
    /// signatures of several apps (sim.apps, sim.apps_file), answers signed with its own key
    /// (sim.private_key_file) in the gateway's exact format, with the vendor's error codes,
    /// and no kinder than Alipay (no ids in duplicate refusals, unsigned auth errors) unless
    /// sim.kinder. Faults (latency, 20000 before or after the effect, system errors, unsigned
    /// refusals, answers lost before or after the effect) come from sim.faults or
    /// PUT /__sim/faults; GET /__sim/state shows calls and state; POST /__sim/reset clears.
    /// Point any Alipay client at http://HOST:PORT/gateway.do.
    Sim,
    /// Check the settings before the first real call: the keys (they parse, fit the sign
    /// type, Alipay's is not our own), certificates' expiry and chain (certificate mode),
    /// Postgres and its migrations, Redis, the gateway's host and clock, and one signed call
    /// that cannot have an effect (a voucher.send for a template that does not exist).
    /// Exits 2 when a check fails.
    Doctor {
        /// One JSON object on stdout (`{"healthy": …, "findings": […]}`) for machines.
        #[arg(long)]
        json: bool,
    },
    /// Remove one customer's identifier (a login_id, taobao_nick or user_id) from every
    /// settled voucher sent to them, keeping the business record (ids, statuses, amounts).
    Redact {
        /// The identifier as it was given (phone number, e-mail, Taobao nick or user id).
        #[arg(long)]
        recipient: String,
    },
    /// Bulk voucher sends and pass issues through a running service (ALIPASS_URL,
    /// ALIPASS_API_KEY): create from a file, upload, and watch the progress.
    Campaign {
        #[command(subcommand)]
        command: alipass::cli::CampaignCommand,
    },
    /// Print the OpenAPI document generated from the code (committed as openapi/openapi.json).
    Openapi {
        /// Print its OpenAPI 3.0.3 rendering instead, for generators that do not take 3.1
        /// (committed as openapi/openapi-3.0.json, served at /openapi-3.0.json).
        #[arg(long)]
        v30: bool,
    },
    /// Print the SHA-256 of an API key, as it goes into auth.api_keys[].sha256.
    HashKey {
        /// The API key (read from stdin when absent, so it stays out of shell history).
        key: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear line, no backtrace.
            eprintln!("alipass: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

fn one_line(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => {
            let settings = Settings::load(&config::config_dir())?;
            let traces = telemetry::init(&settings.log, &settings.tracing);
            tracing::info!(profile = settings.profile.as_str(), "starting alipass");
            let served = match Application::build(settings).await {
                Ok(application) => application.run_until_stopped().await,
                Err(error) => Err(error),
            };
            traces.shutdown().await;
            served
        }
        Command::Sim => {
            let profile = config::Profile::from_env()?;
            let settings = Settings::load_for_simulator(&config::config_dir(), profile)?;
            let _traces = telemetry::init(&settings.log, &Default::default());
            alipass::simulator::run_standalone(&settings).await
        }
        Command::Migrate => {
            let settings = Settings::load(&config::config_dir())?;
            let _traces = telemetry::init(&settings.log, &Default::default());
            let options = store::tls::postgres_options(&settings)?;
            if settings.database.create_if_missing {
                store::create_database_if_missing(&options)
                    .await
                    .context("database.url: cannot create the database")?;
            }
            let pool = store::lazy_pool(options, &settings.database);
            store::migrate(&pool).await.context("migrations failed")?;
            tracing::info!("migrations applied");
            pool.close().await;
            Ok(())
        }
        Command::Doctor { json } => {
            let settings = Settings::load(&config::config_dir())?;
            let findings = alipass::doctor::examine(&settings, false).await;
            let (text, healthy) = alipass::doctor::report(&findings);
            if json {
                println!("{}", alipass::doctor::report_json(&findings));
            } else {
                print!("{text}");
            }
            if !healthy {
                anyhow::bail!("doctor: a check failed");
            }
            Ok(())
        }
        Command::Redact { recipient } => {
            let settings = Settings::load(&config::config_dir())?;
            let pool =
                store::lazy_pool(store::tls::postgres_options(&settings)?, &settings.database);
            let sealer = alipass::sealing::Sealer::for_personal_data(&settings)?;
            let redacted =
                alipass::retention::redact_recipient(&pool, sealer.as_ref(), &recipient).await?;
            pool.close().await;
            println!("{redacted} voucher(s) redacted");
            Ok(())
        }
        Command::Campaign { command } => alipass::cli::run(command).await,
        Command::Openapi { v30 } => {
            let document = match v30 {
                true => alipass::routes::docs::openapi_30_json(),
                false => alipass::routes::docs::openapi_json(),
            };
            println!("{document}");
            Ok(())
        }
        Command::HashKey { key } => {
            let key = match key {
                Some(key) => key,
                None => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim().to_owned()
                }
            };
            println!("{}", alipass::auth::hash_key(&key));
            Ok(())
        }
    }
}
