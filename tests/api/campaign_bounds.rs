//! Campaigns cannot be made to stop the worker or a replica: rates are bounded at creation
//! and in the runner.

use std::time::Duration;

use crate::campaigns::*;

#[tokio::test]
async fn rates_outside_the_documented_range_are_refused() {
    let app = campaign_app().await;
    for (n, rate) in [1e-20, 1e-6, 0.0, -1.0, 0.09, 10_000.5, 1e300]
        .into_iter()
        .enumerate()
    {
        let refused = create(&app, &format!("hostile-{n}"), VOUCHER_TEMPLATE, rate).await;
        assert_eq!(refused["status"], 422, "{rate}: {refused}");
        assert_eq!(refused["errors"][0]["path"], "$.rate_per_sec", "{refused}");
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("0.1 to 10000"), "{message}");
    }
    for (n, rate) in [0.1, 10_000.0].into_iter().enumerate() {
        let edge = create(&app, &format!("edge-{n}"), VOUCHER_TEMPLATE, rate).await;
        assert_eq!(edge["status"], "UPLOADING", "{rate}: {edge}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_campaign_stored_with_a_hostile_rate_does_not_stop_the_others() {
    let app = campaign_app().await;
    // A campaign created before rates were bounded: 1e-20 rows per second.
    let legacy = create(&app, "legacy", VOUCHER_TEMPLATE, 1.0).await;
    let legacy = legacy["id"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE campaigns SET rate_per_sec = 1e-20 WHERE id = $1::uuid")
        .bind(&legacy)
        .execute(&app.db)
        .await
        .unwrap();
    upload(&app, &legacy, "text/csv", users_csv(2)).await;
    let after = create(&app, "after", VOUCHER_TEMPLATE, 500.0).await;
    let after = after["id"].as_str().unwrap().to_owned();
    upload(&app, &after, "text/csv", users_csv(3)).await;
    let view = until_status(&app, &after, "FINISHED", Duration::from_secs(20)).await;
    assert_eq!(view["rows"]["sent"], 3, "{view}");
    // The legacy one is paced at the slowest allowed rate (a row per 10 s), not stopped.
    let legacy = app.get_json(&format!("/v1/campaigns/{legacy}")).await;
    assert_eq!(legacy["effective_rate_per_sec"], 0.1, "{legacy}");
    assert!(legacy["rows"]["sent"].as_u64() >= Some(1), "{legacy}");
    assert_eq!(app.readiness().await, 200);
    app.shutdown().await;
}
