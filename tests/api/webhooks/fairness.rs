//! Fairness: one endpoint's backlog, at a receiver that hangs until the timeout, holds
//! at most `webhooks.endpoint_concurrency` slots, and another endpoint's event goes out at
//! once.

use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use super::*;

/// A receiver that accepts connections and never answers.
struct Hanging {
    url: String,
    accepted: Arc<AtomicUsize>,
    /// The most connections it held open at once.
    widest: Arc<AtomicUsize>,
}

impl Hanging {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let widest = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let (count, max) = (accepted.clone(), widest.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                let open = open.clone();
                tokio::spawn(async move {
                    // Read and ignore the request until the client gives up and closes.
                    let mut buffer = [0u8; 4096];
                    while matches!(socket.read(&mut buffer).await, Ok(n) if n > 0) {}
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            url,
            accepted,
            widest,
        }
    }
}

#[tokio::test]
async fn a_backlog_at_a_hanging_receiver_does_not_hold_back_another_endpoint() {
    const BACKLOG: i32 = 300;
    const TIMEOUT_MS: u64 = 3_000;
    const PER_ENDPOINT: usize = 4;
    let app = webhook_app(|s| {
        s.webhooks.timeout_ms = TIMEOUT_MS;
        s.webhooks.concurrency = 16.try_into().unwrap();
        s.webhooks.endpoint_concurrency = 4.try_into().unwrap();
    })
    .await;
    let hanging = Hanging::start().await;
    let slow = register(&app, &hanging.url, &["pass.issued"]).await;
    queue_backlog(&app, slow["id"].as_str().unwrap(), BACKLOG).await;
    // The deliverer is busy with the backlog: the receiver holds its connections.
    let busy = eventually(Duration::from_secs(5), || async {
        hanging.accepted.load(Ordering::SeqCst) >= PER_ENDPOINT
    })
    .await;
    assert!(busy, "the backlog is being sent");

    let receiver = Receiver::start().await;
    let endpoint = register(&app, &receiver.url, &["pass.issued"]).await;
    *receiver.secret.lock().unwrap() = Some(endpoint["secret"].as_str().unwrap().to_owned());
    let started = Instant::now();
    let test = app.send_test_event(endpoint["id"].as_str().unwrap());
    assert_eq!(test.status_code().await, 202);
    let arrived = eventually(Duration::from_secs(10), || async {
        !receiver.of_kind("webhook.test").is_empty()
    })
    .await;
    let waited = started.elapsed();
    assert!(arrived);
    // The backlog needs BACKLOG / PER_ENDPOINT timeouts (225 s here; 56 s even with all
    // 16 slots): the other endpoint waits for none of them.
    eprintln!("the other endpoint's event arrived after {waited:?}");
    assert!(waited < Duration::from_millis(TIMEOUT_MS) / 2, "{waited:?}");

    // A second round of the backlog (after a timeout) still holds no more than its cap.
    let second_round = eventually(Duration::from_secs(10), || async {
        hanging.accepted.load(Ordering::SeqCst) >= 2 * PER_ENDPOINT
    })
    .await;
    assert!(second_round);
    let widest = hanging.widest.load(Ordering::SeqCst);
    assert!((1..=PER_ENDPOINT).contains(&widest), "{widest} at once");
    app.shutdown().await;
}
