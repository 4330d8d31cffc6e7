//! The gateway client goes through the egress proxy the environment names (HTTPS_PROXY,
//! HTTP_PROXY, NO_PROXY: reqwest reads them when the client is built). Environment variables
//! are process-wide and tests run in parallel, so the calls run in a child process of this
//! test binary that runs only this test, with the variables set; the proxy and the gateway
//! stub run in the parent, which checks what each of them saw.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

/// Set (to the gateway stub's address) only in the child process.
const CHILD_ORIGIN: &str = "ALIPASS_PROXY_TEST_ORIGIN";
/// Names that resolve nowhere (RFC 6761 `.invalid`): only a proxy can reach them.
const PROXIED_HTTP: &str = "http://gateway.alipass.invalid/gateway.do";
const PROXIED_HTTPS: &str = "https://openapi.alipass.invalid/gateway.do";
const ANSWER: &str = r#"{"code":"10000","msg":"Success","voucher_id":"V1","user_id":"2088"}"#;

type Seen = Arc<Mutex<Vec<String>>>;

#[test]
fn gateway_calls_go_through_the_proxy_the_environment_names() {
    match std::env::var(CHILD_ORIGIN) {
        Ok(origin) => calls_from_the_child(&origin),
        Err(_) => run_the_child_and_check_the_proxy(),
    }
}

fn run_the_child_and_check_the_proxy() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (origin_seen, proxy_seen) = (Seen::default(), Seen::default());
    let (origin, proxy) = runtime.block_on(async {
        let origin = gateway_stub(origin_seen.clone()).await;
        (origin, forwarding_proxy(origin, proxy_seen.clone()).await)
    });
    let test = format!(
        "{}::gateway_calls_go_through_the_proxy_the_environment_names",
        module_path!().split_once("::").unwrap().1
    );
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"]);
    for name in [
        "ALL_PROXY",
        "all_proxy",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ] {
        child.env_remove(name);
    }
    let output = child
        .env(CHILD_ORIGIN, origin.to_string())
        .env("HTTP_PROXY", format!("http://{proxy}"))
        .env("HTTPS_PROXY", format!("http://{proxy}"))
        .env("NO_PROXY", "localhost,127.0.0.1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child's calls failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let proxy_seen = proxy_seen.lock().unwrap().clone();
    // http: the absolute-form request a forwarding proxy gets.
    assert!(
        proxy_seen
            .iter()
            .any(|l| l.starts_with("POST http://gateway.alipass.invalid/gateway.do?")),
        "{proxy_seen:?}"
    );
    // https: a CONNECT tunnel to the gateway's host name (the client resolved nothing).
    assert!(
        proxy_seen.contains(&"CONNECT openapi.alipass.invalid:443 HTTP/1.1".to_owned()),
        "{proxy_seen:?}"
    );
    // NO_PROXY: the call to 127.0.0.1 never reached the proxy ...
    assert!(
        !proxy_seen.iter().any(|l| l.contains("127.0.0.1")),
        "{proxy_seen:?}"
    );
    // ... but the gateway directly, and the proxied one through the proxy.
    let origin_seen = origin_seen.lock().unwrap().clone();
    assert_eq!(origin_seen.len(), 2, "{origin_seen:?}");
    assert!(origin_seen
        .iter()
        .any(|l| l.starts_with("POST /gateway.do?")));
    assert!(origin_seen
        .iter()
        .any(|l| l.starts_with("POST http://gateway.alipass.invalid/gateway.do?")));
}

fn calls_from_the_child(origin: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let reply = call(PROXIED_HTTP)
            .await
            .expect("the call through the proxy");
        assert_eq!(reply.node["voucher_id"], "V1");
        let reply = call(&format!("http://{origin}/gateway.do"))
            .await
            .expect("the call NO_PROXY sends directly");
        assert_eq!(reply.node["voucher_id"], "V1");
        // This proxy refuses every tunnel: no answer, after the proxy saw the CONNECT.
        let refused = call(PROXIED_HTTPS).await.unwrap_err();
        assert!(matches!(refused, GatewayError::NoAnswer(_)), "{refused:?}");
    });
}

async fn call(gateway_url: &str) -> Result<GatewayReply, GatewayError> {
    let mut client = client(None, Charset::Utf8);
    client.settings.gateway_url = gateway_url.to_owned();
    client
        .execute(Method::VoucherSend, "{}", &AttemptLog::default())
        .await
}

/// A gateway that answers every request with a signed voucher.send success.
async fn gateway_stub(seen: Seen) -> SocketAddr {
    let answer = simulator_answer(
        "alipay_marketing_voucher_send_response",
        ANSWER,
        Charset::Utf8,
    );
    serve(seen, move |mut stream, _request| {
        let answer = answer.clone();
        async move {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=utf-8\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                answer.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(answer.as_bytes()).await
        }
    })
    .await
}

/// An egress proxy: forwards plain-HTTP requests to `origin` whatever host they name, and
/// refuses CONNECT tunnels (a TLS gateway would need roots this test cannot give the client).
async fn forwarding_proxy(origin: SocketAddr, seen: Seen) -> SocketAddr {
    serve(seen, move |mut stream, request| async move {
        if request.starts_with(b"CONNECT ") {
            return stream.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await;
        }
        let mut upstream = TcpStream::connect(origin).await?;
        upstream.write_all(&request).await?;
        let mut answer = Vec::new();
        upstream.read_to_end(&mut answer).await?;
        stream.write_all(&answer).await
    })
    .await
}

/// Accepts connections, reads one request from each, records its request line and hands
/// the connection and the whole request to `answer`.
async fn serve<F, Fut>(seen: Seen, answer: F) -> SocketAddr
where
    F: Fn(TcpStream, Vec<u8>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let Ok(request) = read_request(&mut stream).await else {
                continue;
            };
            let line = String::from_utf8_lossy(&request);
            let line = line.lines().next().unwrap_or_default().to_owned();
            seen.lock().unwrap().push(line);
            tokio::spawn(answer(stream, request));
        }
    });
    address
}

/// The request's head and its body (by content-length).
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(request);
        }
        request.extend_from_slice(&chunk[..read]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let body_len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap_or(0));
        if request.len() >= end + 4 + body_len {
            return Ok(request);
        }
    }
}
