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
#[command(name = "alipass", version, about, long_about, after_help = alipass::cli::EXIT_CODES)]
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
    /// Exits 3 (configuration) when a check fails.
    Doctor {
        /// One JSON object on stdout (`{"healthy": …, "findings": […]}`) for machines.
        #[arg(long)]
        json: bool,
    },
    /// Remove customers' identifiers (login_id, taobao_nick or user_id, as they were given)
    /// from every settled voucher sent to them and every settled campaign row naming them,
    /// keeping the business records (ids, statuses, amounts).
    ///
    /// The identifiers are read one a line from a file or stdin, never from the command
    /// line (shell history and process lists keep it): `alipass redact --from-file -`.
    Redact {
        /// A file of identifiers, one a line; `-` reads stdin.
        #[arg(long, value_name = "PATH")]
        from_file: std::path::PathBuf,
    },
    /// Seal every personal-data value (voucher recipients, campaign rows, webhook secrets)
    /// again with the current pii.key, bound to its record, and rehash recipients.
    ///
    /// Run it after moving the old key to pii.retired_keys and setting a new pii.key (and
    /// once after upgrading to key ids). Safe beside a running service and to run again;
    /// exits 2 while a value opens with no configured key, so a retired key stays until
    /// nothing needs it.
    Rekey {
        /// Rows read and written per statement.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
    /// Bulk voucher sends and pass issues through a running service (ALIPASS_URL,
    /// ALIPASS_API_KEY): create from a file, upload, watch the progress; list, pause,
    /// resume, cancel; fetch the results.
    #[command(after_help = alipass::cli::EXIT_CODES)]
    Campaign {
        /// Output for machines: JSON objects, one a line, on stdout (results: JSON lines).
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        command: alipass::cli::CampaignCommand,
    },
    /// Print the shell completion script for SHELL (e.g. `alipass completions bash >
    /// /etc/bash_completion.d/alipass`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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
            // One clear line, no backtrace; the exit code tells the kind.
            eprintln!("alipass: {}", one_line(&error));
            ExitCode::from(alipass::cli::exit_code(&error))
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
                let failed = alipass::cli::Failure::Configuration.because("doctor: a check failed");
                return Err(failed.into());
            }
            Ok(())
        }
        Command::Redact { from_file } => {
            let identifiers = alipass::retention::identifiers_from(&from_file)
                .with_context(|| format!("cannot read {}", from_file.display()))?;
            if identifiers.is_empty() {
                anyhow::bail!("no identifier in {}", from_file.display());
            }
            let settings = Settings::load(&config::config_dir())?;
            let pool =
                store::lazy_pool(store::tls::postgres_options(&settings)?, &settings.database);
            let sealer = alipass::sealing::Sealer::for_personal_data(&settings)?;
            let report =
                alipass::retention::redact_recipients(&pool, sealer.as_ref(), &identifiers).await?;
            pool.close().await;
            println!(
                "{} identifier(s): {} voucher(s) and {} campaign row(s) redacted, {} campaign \
                 row(s) not settled yet (redact again once they are)",
                identifiers.len(),
                report.vouchers,
                report.campaign_rows,
                report.campaign_rows_open
            );
            Ok(())
        }
        Command::Rekey { batch } => {
            let settings = Settings::load(&config::config_dir())?;
            let sealer = alipass::sealing::Sealer::for_personal_data(&settings)?
                .context("pii.key is not set: nothing is sealed")?;
            let pool =
                store::lazy_pool(store::tls::postgres_options(&settings)?, &settings.database);
            let report = alipass::rekey::rekey(&pool, &sealer, batch.max(1)).await?;
            pool.close().await;
            println!(
                "key {}: {} value(s) sealed again, {} already current, {} unreadable",
                sealer.key_id(),
                report.resealed,
                report.current,
                report.unreadable
            );
            if report.unreadable > 0 {
                anyhow::bail!(
                    "{} value(s) open with no configured key: keep pii.retired_keys until they do",
                    report.unreadable
                );
            }
            Ok(())
        }
        Command::Campaign { json, command } => alipass::cli::run(command, json).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut stdout = std::io::stdout();
            clap_complete::generate(shell, &mut Cli::command(), "alipass", &mut stdout);
            Ok(())
        }
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
