//! A network partition between the service and Postgres: the connections stay open but no
//! byte crosses (as when a switch or a security group drops packets). Requests fail fast
//! with 503 instead of hanging for the kernel's retransmission timeout, the replica keeps
//! answering, and when the partition heals the same requests succeed with nothing lost and
//! nothing sent twice.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{
    issue_body, paths, postgres_base_url, recorded_passes, spawn_app_with, TestApp,
};

/// A TCP forwarder that can stop moving bytes, both ways, on every connection at once.
struct Partition {
    address: SocketAddr,
    open: watch::Sender<bool>,
}

impl Partition {
    async fn to(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (open, watch) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (target, mut open) = (target.clone(), watch.clone());
                tokio::spawn(async move {
                    // A connection made during the partition gets no further than its SYN.
                    let _ = open.wait_for(|open| *open).await;
                    let Ok(outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let (inbound_read, inbound_write) = inbound.into_split();
                    let (outbound_read, outbound_write) = outbound.into_split();
                    tokio::join!(
                        forward(inbound_read, outbound_write, open.clone()),
                        forward(outbound_read, inbound_write, open),
                    );
                });
            }
        });
        Self { address, open }
    }

    fn cut(&self) {
        self.open.send_replace(false);
    }

    fn heal(&self) {
        self.open.send_replace(true);
    }
}

/// Copies `from` to `to` while open; bytes that arrive during a cut wait for the heal.
async fn forward(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut open: watch::Receiver<bool>) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let _ = open.wait_for(|open| *open).await;
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let _ = open.wait_for(|open| *open).await;
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// The status a request got and how long it took.
async fn timed(request: reqwest::RequestBuilder) -> (u16, serde_json::Value, Duration) {
    let started = Instant::now();
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or_default();
    (status, body, started.elapsed())
}

/// Sends the same request until it succeeds (the caller's retry), at most `within`.
async fn until_success(app: &TestApp, body: &serde_json::Value, within: Duration) -> u16 {
    let started = Instant::now();
    loop {
        let (status, problem, _) = timed(app.post_pass(body)).await;
        if status < 300 || started.elapsed() > within {
            return status;
        }
        assert!(matches!(status, 409 | 503), "{status}: {problem}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_partition_from_postgres_fails_requests_fast_and_heals_with_nothing_lost() {
    let base = postgres_base_url();
    let (user, host) = base.rsplit_once('@').expect("postgres://user@host:port");
    let partition = Partition::to(host.to_owned()).await;
    let proxied = format!("{user}@{}", partition.address);
    let app = spawn_app_with(|s| {
        let url = s.database.url.as_ref().unwrap().to_string();
        s.database.url = Some(url.replacen(&base, &proxied, 1).into());
        s.database.acquire_timeout_ms = 1_000;
        s.server.request_deadline_ms = 2_000;
    })
    .await;
    let (template_id, params) = app.create_template().await;
    let before = issue_body(&template_id, "PART-1", &params);
    assert_eq!(app.post_pass(&before).send().await.unwrap().status(), 201);

    partition.cut();
    let during = issue_body(&template_id, "PART-2", &params);
    for request in [app.post_pass(&during), app.get(&paths::pass("PART-1"))] {
        let (status, problem, took) = timed(request).await;
        assert_eq!(status, 503, "{problem}");
        assert!(
            matches!(
                problem["code"].as_str(),
                Some("deadline_exceeded" | "database_unavailable")
            ),
            "{problem}"
        );
        assert!(took < Duration::from_secs(4), "answered after {took:?}");
    }
    let started = Instant::now();
    assert_eq!(
        app.readiness().await,
        503,
        "not ready while Postgres is out of reach"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        app.sim.requests("alipay.pass.instance.add"),
        1,
        "nothing reached Alipay"
    );

    partition.heal();
    assert_eq!(
        until_success(&app, &during, Duration::from_secs(60)).await / 100,
        2
    );
    let first = app.get_pass("PART-1").await;
    assert_eq!(first["status"], "ISSUED", "{first}");
    // Read beside the partitioned path: each pass is held once, each sent to Alipay once.
    let direct = sqlx::PgPool::connect(&app._database.url).await.unwrap();
    assert_eq!(recorded_passes(&direct).await.len(), 2);
    assert_eq!(app.sim.requests("alipay.pass.instance.add"), 2);
    assert_eq!(app.readiness().await, 200);
    direct.close().await;
    app.shutdown().await;
}
