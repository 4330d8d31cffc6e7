//! `alipass campaign …`: a client of a running service's campaign API, for people and
//! scripts (`--json`). It creates a campaign, streams the recipients file to it and draws
//! its progress until it ends, lists campaigns, pauses, resumes and cancels them, and pages
//! through their results; the campaign itself runs in the service (stopping the command
//! stops nothing). Each failure exits with the code of its kind ([`client::EXIT_CODES`]).

mod client;
mod listing;

use std::path::PathBuf;
use std::time::Duration;

use alipass_client::types::{self, CampaignKind, CampaignStatus, CampaignView};
use alipass_client::{Client, Rows, RowsFormat};
use clap::{Args, Subcommand, ValueEnum};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

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
    id: Uuid,
    #[command(flatten)]
    target: Target,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    VoucherSend,
    PassIssue,
}

impl From<Kind> for CampaignKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::VoucherSend => Self::VoucherSend,
            Kind::PassIssue => Self::PassIssue,
        }
    }
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
        CampaignCommand::Watch(Campaign { id, target }) => watch(&target.client()?, id, json).await,
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
                id,
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
    let client = target.client()?;
    let view = answer(match action {
        Control::Pause => client.campaigns_pause().id(id).send().await,
        Control::Resume => client.campaigns_resume().id(id).send().await,
        Control::Cancel => client.campaigns_cancel().id(id).send().await,
    })?;
    match json {
        true => println!("{}", serde_json::to_string(&view)?),
        false => println!("campaign {id}: {}", view.status),
    }
    Ok(())
}

async fn create(args: CreateArgs, json: bool) -> anyhow::Result<()> {
    let shared: Map<String, Value> = serde_json::from_str(&args.shared)
        .map_err(|e| Failure::Usage.because(format!("--shared is not a JSON object: {e}")))?;
    let file = tokio::fs::File::open(&args.file).await.map_err(|e| {
        Failure::Configuration.because(format!("cannot open {}: {e}", args.file.display()))
    })?;
    let client = args.target.client()?;
    let body = types::CreateCampaign::builder()
        .campaign_key(args.key)
        .kind(CampaignKind::from(args.kind))
        .template_id(args.template)
        .shared(shared)
        .rate_per_sec(args.rate);
    let campaign = answer(client.campaigns_create().body(body).send().await)?;
    let id = campaign.id;
    eprintln!("campaign {id} ({})", campaign.status);
    if ended(&campaign) {
        // This key's campaign ran before: nothing to upload, its outcome stands.
        eprintln!(
            "the campaign is already {}: nothing uploaded",
            campaign.status
        );
        return watch(&client, id, json).await;
    }
    let rows = Rows {
        format: RowsFormat::of_file_name(&args.file.to_string_lossy()),
        charset: args.charset,
        body: reqwest::Body::wrap_stream(chunks(file)),
    };
    let report = answer(client.campaigns_upload(&id, rows).await)?;
    eprintln!(
        "read {} rows, {} new, {} unreadable",
        report.rows_read, report.rows_added, report.unreadable
    );
    for problem in &report.problems {
        eprintln!("  line {}: {}", problem.line, problem.detail);
    }
    if args.no_wait {
        match json {
            true => println!("{}", serde_json::to_string(&report)?),
            false => println!("{id}"),
        }
        return Ok(());
    }
    watch(&client, id, json).await
}

fn ended(view: &CampaignView) -> bool {
    matches!(
        view.status,
        CampaignStatus::Finished | CampaignStatus::Cancelled
    )
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
async fn watch(client: &Client, id: Uuid, json: bool) -> anyhow::Result<()> {
    let bar = match json {
        true => ProgressBar::hidden(),
        false => ProgressBar::new(0),
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    loop {
        let view = answer(client.campaigns_get().id(id).send().await)?;
        let rows = &view.rows;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        bar.set_length(count(rows.total));
        bar.set_position(count(
            rows.sent + rows.refused + rows.invalid + rows.cancelled,
        ));
        let line = progress_line(&view);
        bar.set_message(line.clone());
        if ended(&view) {
            // The bar draws only on a terminal: the outcome is printed for logs too.
            bar.finish_and_clear();
            match json {
                true => println!("{}", serde_json::to_string(&view)?),
                false => print_outcome(&view, &line),
            }
            return outcome(&view);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn progress_line(view: &CampaignView) -> String {
    let rows = &view.rows;
    let eta = view
        .eta_seconds
        .map(|s| format!(", ETA {s} s"))
        .unwrap_or_default();
    format!(
        "{}  sent {} refused {} invalid {} unknown {}  {:.1}/s{eta}",
        view.status, rows.sent, rows.refused, rows.invalid, rows.unknown, view.current_rate_per_sec,
    )
}

fn print_outcome(view: &CampaignView, line: &str) {
    eprintln!("{line}");
    if !view.refused_by_code.is_empty() {
        let codes = serde_json::to_string(&view.refused_by_code).unwrap_or_default();
        eprintln!("refused by code: {codes}");
    }
    eprintln!(
        "results: GET /v1/campaigns/{}/results (alipass campaign results)",
        view.id
    );
}

/// An ended campaign's outcome: REFUSED rows are Alipay's refusals, INVALID rows the
/// service's.
fn outcome(view: &CampaignView) -> anyhow::Result<()> {
    let rows = &view.rows;
    if rows.refused > 0 {
        let message = format!(
            "the campaign is {} with {} REFUSED rows",
            view.status, rows.refused
        );
        return Err(Failure::RefusedByAlipay.because(message).into());
    }
    if rows.invalid > 0 {
        let message = format!(
            "the campaign is {} with {} INVALID rows",
            view.status, rows.invalid
        );
        return Err(Failure::RefusedByService.because(message).into());
    }
    Ok(())
}
