//! Log output that does not keep up never holds up a request.

use std::time::Duration;

use crate::fetch::Fetch;
use crate::helpers::{eventually, series};
use crate::processes::{Deployment, Process};

async fn dropped_lines(client: &reqwest::Client, replica: &Process) -> f64 {
    let metrics = client.get(replica.url("/metrics")).text_body().await;
    series(&metrics, "alipass_log_lines_dropped_total", &[]).expect("the metric is exposed")
}

#[tokio::test]
async fn a_stalled_stdout_drops_counted_log_lines_and_holds_up_no_request() {
    let deployment = Deployment::start().await;
    let replica = deployment.replica(&[("APP__LOG__QUEUE_LINES", "64".into())]);
    let client = reqwest::Client::new();
    assert_eq!(dropped_lines(&client, &replica).await, 0.0);

    replica.pause_stdout();
    // Every request logs a line of about 300 bytes; a pipe holds 64 KiB. Written on the
    // HTTP workers, the lines stopped every request once the pipe was full.
    for n in 0..2_000 {
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            client.get(replica.url("/healthz")).send(),
        )
        .await
        .unwrap_or_else(|_| panic!("request {n} was held up by the stalled stdout"))
        .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
    }
    let dropped = dropped_lines(&client, &replica).await;
    assert!(dropped > 0.0, "2,000 lines cannot wait in a 64-line queue");

    // Once stdout is read again, lines flow again.
    let logged = replica.logs.lock().unwrap().len();
    replica.resume_stdout();
    client.get(replica.url("/healthz")).send().await.unwrap();
    let flowing = eventually(Duration::from_secs(10), || {
        let logs = replica.logs.lock().unwrap();
        let flowing = logs
            .iter()
            .skip(logged)
            .any(|l| l.contains("request served"));
        async move { flowing }
    })
    .await;
    assert!(flowing, "no line arrived after stdout was read again");
}
