//! Our signing client's calls/s against a running simulator (`alipass sim`), the same calls
//! the official Node SDK makes in scripts/node-sdk/bench.mjs. Bounded by count.
//!   cargo bench --bench gateway_client -- http://127.0.0.1:18090/gateway.do 2000 16

use std::sync::Arc;
use std::time::{Duration, Instant};

use alipass::alipay::client::{AlipayClient, AttemptLog, ClientSettings};
use alipass::alipay::keys::AlipayKeys;
use alipass::alipay::methods::VoucherSend;
use alipass::alipay::sign::{AppPrivateKey, PublicKey};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let gateway = args
        .first()
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:18090/gateway.do".into());
    let calls: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(gateway, calls, concurrency));
}

async fn run(gateway: String, calls: usize, concurrency: usize) {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).expect("dev key");
    let keys = AlipayKeys::new(
        AppPrivateKey::parse(&read("config/dev/app_private_key.pem")).expect("app key"),
        PublicKey::parse(&read("config/dev/sim_public_key.pem")).expect("sim key"),
        None,
    );
    let client = Arc::new(
        AlipayClient::new(
            ClientSettings {
                gateway_url: gateway,
                app_id: "2021000000000001".into(),
                sign_type: "RSA2".parse().expect("sign type"),
                charset: "utf-8".parse().expect("charset"),
                app_auth_token: None,
                notify_url: None,
                connect_timeout: Duration::from_secs(3),
                timeout: Duration::from_secs(10),
                max_attempts: 1,
                deadline: Duration::from_secs(10),
                verify_response_signature: true,
                rate_limit: None,
            },
            Arc::new(keys),
            None,
        )
        .expect("client"),
    );
    let run_id = format!("rust{}", std::process::id());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next, failures, run_id) = (
                client.clone(),
                next.clone(),
                failures.clone(),
                run_id.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= calls {
                        return;
                    }
                    let out_biz_no = format!("{run_id}-{i}");
                    let log = AttemptLog::default();
                    let sent = client
                        .acting(None)
                        .voucher_send(
                            &VoucherSend {
                                template_id: "20140601000730010040000000EB",
                                user_id: Some("2088302001456115"),
                                login_id: None,
                                taobao_nick: None,
                                out_biz_no: &out_biz_no,
                                amount: None,
                                memo: None,
                            },
                            &log,
                        )
                        .await;
                    if sent.is_err() {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "RUST_CLIENT calls={calls} failures={} seconds={seconds:.3} per_s={:.0}",
        failures.load(std::sync::atomic::Ordering::Relaxed),
        calls as f64 / seconds
    );
}
