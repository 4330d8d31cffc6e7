//! `alipass campaign …`: a client of a running service's campaign API, for people and
//! scripts (`--json`). It creates a campaign, streams the recipients file to it and draws
//! its progress until it ends, lists campaigns, pauses, resumes and cancels them, and pages
//! through their results; the campaign itself runs in the service (stopping the command
//! stops nothing). Each failure exits with the code of its kind ([`client::EXIT_CODES`]).

mod client;
mod listing;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

use crate::domain::status::RowState;
use crate::service::campaigns::Control;
use client::{answer, Target};
pub use client::{exit_code, Failed, Failure, EXIT_CODES};

#[derive(Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign from FILE (CSV with a header row, or JSON lines: .jsonl/.ndjson),
    /// upload it, and show its progress until it finishes.
    ///
    /// CSV columns are request fields, dotted for nested ones (`params.name`), and bare
    /// recipient fields (`login_id`, `user_id`, `taobao_nick`; `partner_id`,
    /// `out_trade_no`). A row without `out_biz_no` / `serial_number` gets one derived from
    /// the campaign key and its line, so running the same command again sends nothing
    /// twice. Unreadable rows are listed with their line numbers; the rest are sent.
    Create(CreateArgs),
    /// Show a campaign's progress until it ends.
    Watch(Campaign),
    /// List the app's campaigns, oldest first, with their progress.
    List {
        /// Campaigns asked for per request (1–200).
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(1..=200))]
        page_size: u16,
        #[command(flatten)]
        target: Target,
    },
    /// Pause a running campaign: rows in flight finish, no new row is sent.
    Pause(Campaign),
    /// Resume a paused campaign.
    Resume(Campaign),
    /// Cancel a campaign: rows not yet sent are CANCELLED.
    Cancel(Campaign),
    /// Every row's result in line order, as CSV (JSON lines with --json), on stdout.
    Results {
        #[command(flatten)]
        campaign: Campaign,
        /// Only rows in this state (PENDING, UNKNOWN, SENT, REFUSED, INVALID, CANCELLED).
        #[arg(long, value_parser = row_state)]
        state: Option<RowState>,
        /// Rows asked for per request (1–10,000).
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u16).range(1..=10_000))]
        page_size: u16,
    },
}

fn row_state(text: &str) -> Result<RowState, String> {
    let names: Vec<&str> = RowState::ALL.iter().map(|state| state.as_str()).collect();
    RowState::parse(&text.to_ascii_uppercase())
        .ok_or_else(|| format!("one of {}", names.join(", ")))
}

/// One campaign of a running service.
#[derive(Args)]
pub struct Campaign {
    /// The campaign id.
    id: String,
    #[command(flatten)]
    target: Target,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    VoucherSend,
    PassIssue,
}

#[derive(Args)]
pub struct CreateArgs {
    /// The recipients file.
    file: PathBuf,
    /// The campaign's key: the same key is the same campaign.
    #[arg(long)]
    key: String,
    #[arg(long, value_enum)]
    kind: Kind,
    /// VOUCHER_SEND: Alipay's voucher template id; PASS_ISSUE: our template id.
    #[arg(long)]
    template: String,
    /// Rows per second (capped by the app's limit).
    #[arg(long)]
    rate: f64,
    /// Fields every row shares, as a JSON object (e.g. '{"memo": "spring"}').
    #[arg(long, default_value = "{}")]
    shared: String,
    /// Create and upload, then return without waiting.
    #[arg(long)]
    no_wait: bool,
    /// The file's charset (utf-8, gbk, gb18030); the service detects it when absent.
    #[arg(long)]
    charset: Option<String>,
    #[command(flatten)]
    target: Target,
}

/// Runs `command`; `json`: machine output (JSON objects, one a line) instead of text.
pub async fn run(command: CampaignCommand, json: bool) -> anyhow::Result<()> {
    match command {
        CampaignCommand::Create(args) => create(args, json).await,
        CampaignCommand::Watch(Campaign { id, target }) => watch(&target, &id, json).await,
        CampaignCommand::List { page_size, target } => {
            listing::list(&target, page_size, json).await
        }
        CampaignCommand::Pause(campaign) => control(campaign, Control::Pause, json).await,
        CampaignCommand::Resume(campaign) => control(campaign, Control::Resume, json).await,
        CampaignCommand::Cancel(campaign) => control(campaign, Control::Cancel, json).await,
        CampaignCommand::Results {
            campaign,
            state,
            page_size,
        } => {
            let Campaign { id, target } = campaign;
            let pages = listing::ResultPages {
                id: &id,
                state,
                page_size,
            };
            listing::results(&target, pages, json).await
        }
    }
}

/// Pauses, resumes or cancels; prints the campaign's new status (its view with --json).
async fn control(campaign: Campaign, action: Control, json: bool) -> anyhow::Result<()> {
    let Campaign { id, target } = campaign;
    let path = format!("/v1/campaigns/{id}/{}", action.path_segment());
    let view = answer(target.request(reqwest::Method::POST, &path)).await?;
    match json {
        true => println!("{view}"),
        false => println!("campaign {id}: {}", view["status"].as_str().unwrap_or("")),
    }
    Ok(())
}

async fn create(args: CreateArgs, json: bool) -> anyhow::Result<()> {
    let shared: Value = serde_json::from_str(&args.shared)
        .map_err(|e| Failure::Usage.because(format!("--shared is not JSON: {e}")))?;
    let kind = match args.kind {
        Kind::VoucherSend => "VOUCHER_SEND",
        Kind::PassIssue => "PASS_ISSUE",
    };
    let name = args.file.to_string_lossy().to_lowercase();
    let media_type = match name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        true => "application/x-ndjson",
        false => "text/csv",
    };
    let content_type = match &args.charset {
        Some(charset) => format!("{media_type}; charset={charset}"),
        None => media_type.to_owned(),
    };
    let file = tokio::fs::File::open(&args.file).await.map_err(|e| {
        Failure::Configuration.because(format!("cannot open {}: {e}", args.file.display()))
    })?;
    let body = json!({"campaign_key": args.key, "kind": kind, "template_id": args.template,
                      "shared": shared, "rate_per_sec": args.rate});
    let target = &args.target;
    let campaign = answer(
        target
            .request(reqwest::Method::POST, "/v1/campaigns")
            .json(&body),
    )
    .await?;
    let id = campaign["id"].as_str().unwrap_or_default().to_owned();
    let status = campaign["status"].as_str().unwrap_or("");
    eprintln!("campaign {id} ({status})");
    if matches!(status, "FINISHED" | "CANCELLED") {
        // This key's campaign ran before: nothing to upload, its outcome stands.
        eprintln!("the campaign is already {status}: nothing uploaded");
        return watch(target, &id, json).await;
    }
    let path = format!("/v1/campaigns/{id}/rows");
    let upload = target
        .request(reqwest::Method::PUT, &path)
        .header("content-type", content_type)
        .body(reqwest::Body::wrap_stream(chunks(file)));
    let report = answer(upload).await?;
    eprintln!(
        "read {} rows, {} new, {} unreadable",
        report["rows_read"], report["rows_added"], report["unreadable"]
    );
    for problem in report["problems"].as_array().into_iter().flatten() {
        eprintln!(
            "  line {}: {}",
            problem["line"],
            problem["detail"].as_str().unwrap_or("")
        );
    }
    if args.no_wait {
        match json {
            true => println!("{report}"),
            false => println!("{id}"),
        }
        return Ok(());
    }
    watch(target, &id, json).await
}

/// The file in 64 KiB pieces, read as the upload goes.
fn chunks(file: tokio::fs::File) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(buffer), Some(file)))
            }
            Err(error) => Some((Err(error), None)),
        }
    })
    .fuse()
}

/// Shows the progress until the campaign ends (with --json, prints its final view); a
/// campaign that ended with REFUSED or INVALID rows is a failure of that kind.
async fn watch(target: &Target, id: &str, json: bool) -> anyhow::Result<()> {
    let bar = match json {
        true => ProgressBar::hidden(),
        false => ProgressBar::new(0),
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let path = format!("/v1/campaigns/{id}");
    loop {
        let view = answer(target.request(reqwest::Method::GET, &path)).await?;
        let count = |state: &str| view["rows"][state].as_u64().unwrap_or(0);
        bar.set_length(count("total"));
        bar.set_position(count("sent") + count("refused") + count("invalid") + count("cancelled"));
        let line = progress_line(&view);
        bar.set_message(line.clone());
        if matches!(view["status"].as_str(), Some("FINISHED" | "CANCELLED")) {
            // The bar draws only on a terminal: the outcome is printed for logs too.
            bar.finish_and_clear();
            match json {
                true => println!("{view}"),
                false => print_outcome(&view, &line, &path),
            }
            return outcome(&view);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn progress_line(view: &Value) -> String {
    let count = |state: &str| view["rows"][state].as_u64().unwrap_or(0);
    let eta = view["eta_seconds"]
        .as_u64()
        .map(|s| format!(", ETA {s} s"))
        .unwrap_or_default();
    format!(
        "{}  sent {} refused {} invalid {} unknown {}  {:.1}/s{eta}",
        view["status"].as_str().unwrap_or(""),
        count("sent"),
        count("refused"),
        count("invalid"),
        count("unknown"),
        view["current_rate_per_sec"].as_f64().unwrap_or(0.0),
    )
}

fn print_outcome(view: &Value, line: &str, path: &str) {
    eprintln!("{line}");
    let refused = &view["refused_by_code"];
    if refused.as_object().is_some_and(|codes| !codes.is_empty()) {
        eprintln!("refused by code: {refused}");
    }
    eprintln!("results: GET {path}/results (alipass campaign results)");
}

/// An ended campaign's outcome: REFUSED rows are Alipay's refusals, INVALID rows the
/// service's.
fn outcome(view: &Value) -> anyhow::Result<()> {
    let count = |state: &str| view["rows"][state].as_u64().unwrap_or(0);
    let status = view["status"].as_str().unwrap_or("");
    if count("refused") > 0 {
        let message = format!(
            "the campaign is {status} with {} REFUSED rows",
            count("refused")
        );
        return Err(Failure::RefusedByAlipay.because(message).into());
    }
    if count("invalid") > 0 {
        let message = format!(
            "the campaign is {status} with {} INVALID rows",
            count("invalid")
        );
        return Err(Failure::RefusedByService.because(message).into());
    }
    Ok(())
}
