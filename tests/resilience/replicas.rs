//! Several service processes sharing one Postgres and Redis (the local stand-in for
//! Kubernetes replicas), the simulator in its own process.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{pass_params, paths, recorded_counts, valid_template, DEV_KEY};
use crate::processes::{authed, set_sim_faults, sim_state, Deployment, Process};

const DUPLICATES: usize = 1000;

/// DUPLICATES identical requests at once, alternating between the replicas. A duplicate
/// that waited for the first one past its bound is answered `409 request_in_progress` (as
/// the API promises under load); it is sent again, as a caller would, until it gets the
/// settled answer. What comes back is each request's final answer.
async fn burst(
    client: &reqwest::Client,
    replicas: &[Process],
    path: &str,
    body: &Value,
) -> Vec<(u16, Value)> {
    join_all((0..DUPLICATES).map(|i| {
        let url = replicas[i % replicas.len()].url(path);
        async move {
            for _ in 0..30 {
                let response = authed(client, Method::POST, url.clone())
                    .json(body)
                    .send()
                    .await
                    .expect("answered");
                let status = response.status().as_u16();
                let answer = response.json::<Value>().await.unwrap();
                if status != 409 || answer["code"] != "request_in_progress" {
                    return (status, answer);
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            panic!("still in progress after 30 tries");
        }
    }))
    .await
}

fn assert_identical_successes(answers: &[(u16, Value)]) {
    for (status, body) in answers {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(body, &answers[0].1);
    }
}

#[tokio::test]
async fn two_replicas_serve_a_thousand_duplicates_with_one_effect_per_key() {
    let deployment = Deployment::start().await;
    let sim = &deployment.sim;
    let replicas = [deployment.replica(&[]), deployment.replica(&[])];
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    // Slow gateway answers keep the first call in flight while the duplicates arrive.
    set_sim_faults(&client, sim, json!([{"method": "*", "latency_ms": 300}])).await;

    let template = json!({"unique_id": "replica-template", "content": valid_template()});
    let answers = burst(&client, &replicas, paths::TEMPLATES, &template).await;
    assert_identical_successes(&answers);
    let template_id = answers[0].1["id"].as_str().unwrap().to_owned();
    let params: Vec<String> = serde_json::from_value(answers[0].1["params"].clone()).unwrap();

    let pass = json!({
        "template_id": template_id, "serial_number": "REPLICA-1", "params": pass_params(&params),
        "recipient": {"partner_id": "2088102122069225", "out_trade_no": "order-replica"},
    });
    assert_identical_successes(&burst(&client, &replicas, paths::PASSES, &pass).await);

    let voucher = json!({
        "template_id": "20140601000730010040000000EB", "recipient": {"user_id": "2088302001456115"},
        "out_biz_no": "replica-biz",
    });
    assert_identical_successes(&burst(&client, &replicas, paths::VOUCHERS, &voucher).await);

    let state = sim_state(&client, sim).await;
    for method in [
        "alipay.pass.template.add",
        "alipay.pass.instance.add",
        "alipay.marketing.voucher.send",
    ] {
        assert_eq!(
            state["effects"][method], 1,
            "{method}: {}",
            state["effects"]
        );
        assert_eq!(
            state["requests"][method], 1,
            "{method}: exactly one gateway call"
        );
    }
    let db = sqlx::PgPool::connect(&deployment.database.url)
        .await
        .unwrap();
    for (table, rows) in recorded_counts(&db).await {
        assert_eq!(rows, 1, "{table}");
    }
    db.close().await;
    scan_logs_for_secrets(replicas.iter().chain(std::iter::once(sim)));
}

/// No private-key or API-key material in anything the processes logged.
pub fn scan_logs_for_secrets<'a>(processes: impl Iterator<Item = &'a Process>) {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut secrets = vec![DEV_KEY.to_owned()];
    for key in ["app_private_key.pem", "sim_private_key.pem"] {
        let pem = std::fs::read_to_string(format!("{root}/config/dev/{key}")).unwrap();
        // Any 24-character run of a key's base64 body.
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        secrets.extend(
            body.as_bytes()
                .chunks(24)
                .filter(|c| c.len() == 24)
                .map(|c| String::from_utf8_lossy(c).into_owned()),
        );
    }
    let mut lines = 0;
    for process in processes {
        for line in process.logs.lock().unwrap().iter() {
            lines += 1;
            for secret in &secrets {
                assert!(
                    !line.contains(secret.as_str()),
                    "secret material in a log line: {line}"
                );
            }
        }
    }
    assert!(lines > 0, "no log output was captured");
}
