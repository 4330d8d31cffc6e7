//! The per-app outbound rate limit: a token bucket in Redis shared by every replica; a call
//! that finds no slot is not sent (429 with Retry-After, the key stays usable), and a
//! throttling answer from the gateway slows every replica down.

use std::time::Duration;

use alipass::config::Settings;
use serde_json::json;

use crate::helpers::*;

const SEND: &str = "alipay.marketing.voucher.send";

/// One call per second, two at once, and no waiting for a slot.
fn limited(s: &mut Settings) {
    s.alipay.rate_limit_qps = 1.0;
    s.alipay.rate_limit_burst = 2;
    s.alipay.rate_limit_max_wait_ms = 0;
}

async fn send(app: &TestApp, out_biz_no: &str) -> reqwest::Response {
    let body = json!({"template_id": "20140601000730010040000000EB", "out_biz_no": out_biz_no,
                      "recipient": {"user_id": "2088102122069225"}});
    app.send_voucher(&body).send().await.unwrap()
}

#[tokio::test]
async fn a_call_over_the_limit_is_not_sent_and_its_key_stays_usable() {
    let app = spawn_app_with(limited).await;
    assert_eq!(send(&app, "RL-1").await.status().as_u16(), 201);
    assert_eq!(send(&app, "RL-2").await.status().as_u16(), 201);
    let over = send(&app, "RL-3").await;
    let retry_after: u64 = over.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(problem(over, 429).await["code"], "rate_limited");
    assert_eq!(app.sim.requests(SEND), 2, "nothing sent over the limit");

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(send(&app, "RL-3").await.status().as_u16(), 201);
    assert_eq!(app.sim.effects(SEND), 3);
    app.shutdown().await;
}

#[tokio::test]
async fn replicas_share_the_bucket_and_a_throttling_answer_slows_them_all() {
    let first = spawn_app_with(limited).await;
    let (database, prefix) = (
        first.settings.database.url.clone(),
        first.settings.redis.key_prefix.clone(),
    );
    let second = spawn_app_with(|s| {
        limited(s);
        s.database.url = database;
        s.redis.key_prefix = prefix;
    })
    .await;
    assert_eq!(send(&first, "SH-1").await.status().as_u16(), 201);
    assert_eq!(send(&second, "SH-2").await.status().as_u16(), 201);
    assert_eq!(send(&first, "SH-3").await.status().as_u16(), 429);

    // Full again, then the gateway throttles one replica's call.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    first.sim.set_faults(fault(SEND, |f| f.error_rate = 1.0));
    let throttled = send(&first, "SH-4").await;
    assert_eq!(
        throttled.status().as_u16(),
        503,
        "a 20000 leaves the outcome unknown"
    );
    let before = second.sim.requests(SEND);
    assert_eq!(send(&second, "SH-5").await.status().as_u16(), 429);
    assert_eq!(
        second.sim.requests(SEND),
        before,
        "the other replica slowed down too"
    );
    second.shutdown().await;
    first.shutdown().await;
}
