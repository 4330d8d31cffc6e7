//! Proxies: only `webhooks.proxy_url`, never one from the environment; through a proxy
//! the guard still judges the target.

use std::process::Command;
use std::sync::atomic::AtomicUsize;

use super::*;

/// A plain-HTTP forwarding proxy: takes requests in absolute form and sends them on,
/// keeping the URLs it was asked for.
#[derive(Clone)]
struct ForwardingProxy {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl ForwardingProxy {
    async fn start() -> Self {
        let asked: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = asked.clone();
        let upstream = reqwest::Client::builder().no_proxy().build().unwrap();
        let server = HttpServer::new(move || {
            let (log, upstream) = (log.clone(), upstream.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (log, upstream) = (log.clone(), upstream.clone());
                async move { forward(&upstream, &log, &req, body).await }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let url = format!("http://127.0.0.1:{}", server.addrs()[0].port());
        tokio::spawn(server.run());
        Self { url, asked }
    }
}

async fn forward(
    upstream: &reqwest::Client,
    log: &Mutex<Vec<String>>,
    req: &HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let target = req.uri().to_string();
    log.lock().unwrap().push(target.clone());
    if req.uri().scheme().is_none() {
        return HttpResponse::BadRequest().body("not a proxy request");
    }
    let mut sent = upstream.post(&target).body(body);
    for (name, value) in req.headers() {
        if name.as_str().starts_with("webhook-") || name == "content-type" {
            sent = sent.header(name.as_str(), value.as_bytes());
        }
    }
    match sent.send().await {
        Ok(answer) => HttpResponse::build(
            actix_web::http::StatusCode::from_u16(answer.status().as_u16()).unwrap(),
        )
        .finish(),
        Err(_) => HttpResponse::BadGateway().finish(),
    }
}

#[tokio::test]
async fn deliveries_go_through_the_configured_proxy() {
    let proxy = ForwardingProxy::start().await;
    let app = webhook_app(|s| s.webhooks.proxy_url = Some(proxy.url.clone())).await;
    let receiver = Receiver::start().await;
    let (_, event) = delivered_test_event(&app, &receiver).await;
    assert_eq!(
        *proxy.asked.lock().unwrap(),
        vec![receiver.url.clone()],
        "{event}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn through_a_proxy_a_target_the_guard_refuses_is_never_sent() {
    let proxy = ForwardingProxy::start().await;
    // Any public address: the proxy (on loopback) is the operator's and is not judged,
    // but a target that resolves to loopback is refused before anything is sent.
    let app = webhook_app(|s| {
        s.webhooks.allow = vec!["*".into()];
        s.webhooks.proxy_url = Some(proxy.url.clone());
    })
    .await;
    let receiver = Receiver::start().await;
    let refusal = "`localhost` resolves to an address that is not allowed";
    refused_by_name(&app, &receiver, refusal).await;
    assert!(
        proxy.asked.lock().unwrap().is_empty(),
        "nothing reached the proxy"
    );
    assert!(receiver.seen.lock().unwrap().is_empty());
    app.shutdown().await;
}

/// A listener that counts the connections made to it and closes them.
fn trap() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            count.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, connections)
}

/// Proxy variables are read by reqwest when a client is built, and they are process-wide:
/// the delivery runs in a process of its own (this test binary, running the ignored test
/// below) with every one of them set to a trap.
#[tokio::test]
async fn proxies_in_the_environment_are_ignored() {
    let (trap, connections) = trap();
    let child = "webhooks::proxy::delivered_directly_with_proxy_variables_set";
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", child, "--ignored", "--test-threads=1"]);
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env(name, &trap);
    }
    command.env_remove("NO_PROXY").env_remove("no_proxy");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the child test ran: {stdout}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "nothing went to the proxy"
    );
}

#[tokio::test]
#[ignore = "run by proxies_in_the_environment_are_ignored, in its own process with proxy variables set"]
async fn delivered_directly_with_proxy_variables_set() {
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        assert!(std::env::var_os(name).is_some(), "{name} is set");
    }
    let app = webhook_app(|_| {}).await;
    let receiver = Receiver::start().await;
    delivered_test_event(&app, &receiver).await;
    app.shutdown().await;
}
