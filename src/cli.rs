//! `alipass campaign …`: a client of a running service's campaign API, for people. It
//! creates a campaign, streams the recipients file to it and draws its progress until it
//! ends; the campaign itself runs in the service (stopping the command stops nothing).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

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
    Watch {
        /// The campaign id.
        id: String,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Args)]
pub struct Target {
    /// The service's base URL.
    #[arg(long, env = "ALIPASS_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The API key (vouchers:write or passes:write, and read).
    #[arg(long, env = "ALIPASS_API_KEY", hide_env_values = true)]
    api_key: String,
    /// The Alipay app to act for (its configured name); the default app when absent.
    #[arg(long)]
    app: Option<String>,
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
    #[command(flatten)]
    target: Target,
}

pub async fn run(command: CampaignCommand) -> anyhow::Result<()> {
    match command {
        CampaignCommand::Create(args) => create(args).await,
        CampaignCommand::Watch { id, target } => watch(&target, &id).await,
    }
}

impl Target {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.url.trim_end_matches('/'));
        let request = reqwest::Client::new()
            .request(method, url)
            .bearer_auth(&self.api_key);
        match &self.app {
            Some(app) => request.header(crate::auth::APP_HEADER, app),
            None => request,
        }
    }
}

/// The answer's JSON, or its problem as an error.
async fn answer(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = request
        .send()
        .await
        .context("the service does not answer")?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or_default();
    if !status.is_success() {
        let detail = body["detail"].as_str().unwrap_or("");
        bail!("{status}: {} {detail}", body["code"].as_str().unwrap_or(""));
    }
    Ok(body)
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    let shared: Value = serde_json::from_str(&args.shared).context("--shared is not JSON")?;
    let kind = match args.kind {
        Kind::VoucherSend => "VOUCHER_SEND",
        Kind::PassIssue => "PASS_ISSUE",
    };
    let name = args.file.to_string_lossy().to_lowercase();
    let content_type = match name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        true => "application/x-ndjson",
        false => "text/csv",
    };
    let file = tokio::fs::File::open(&args.file)
        .await
        .with_context(|| format!("cannot open {}", args.file.display()))?;
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
        return watch(target, &id).await;
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
        println!("{id}");
        return Ok(());
    }
    watch(target, &id).await
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

async fn watch(target: &Target, id: &str) -> anyhow::Result<()> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let path = format!("/v1/campaigns/{id}");
    loop {
        let view = answer(target.request(reqwest::Method::GET, &path)).await?;
        let rows = &view["rows"];
        let count = |state: &str| rows[state].as_u64().unwrap_or(0);
        bar.set_length(count("total"));
        bar.set_position(count("sent") + count("refused") + count("invalid") + count("cancelled"));
        let eta = view["eta_seconds"]
            .as_u64()
            .map(|s| format!(", ETA {s} s"))
            .unwrap_or_default();
        let line = format!(
            "{}  sent {} refused {} invalid {} unknown {}  {:.1}/s{eta}",
            view["status"].as_str().unwrap_or(""),
            count("sent"),
            count("refused"),
            count("invalid"),
            count("unknown"),
            view["current_rate_per_sec"].as_f64().unwrap_or(0.0),
        );
        bar.set_message(line.clone());
        if matches!(view["status"].as_str(), Some("FINISHED" | "CANCELLED")) {
            // The bar draws only on a terminal: the outcome is printed for logs too.
            bar.finish_and_clear();
            eprintln!("{line}");
            let refused = &view["refused_by_code"];
            if refused.as_object().is_some_and(|codes| !codes.is_empty()) {
                eprintln!("refused by code: {refused}");
            }
            eprintln!("results: GET {path}/results");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
