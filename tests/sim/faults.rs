//! Injected faults and the admin endpoints.

use crate::support::*;

#[tokio::test]
async fn error_rate_answers_20000_without_any_effect() {
    let t = TestSim::start().await;
    t.sim
        .set_faults(fault(TEMPLATE_ADD, |f| f.error_rate = 1.0));
    let biz = json!({"unique_id": "fault", "tpl_content": template_text()});
    let answer = t.call(TEMPLATE_ADD, &biz).await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "20000", "isp.unknow-error");
    assert_eq!(answer.sub_msg(), "系统繁忙");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
    assert_eq!(t.sim.requests(TEMPLATE_ADD), 1);
    // Other methods are untouched; clearing the faults restores service.
    t.call(
        VOUCHER_SEND,
        &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "f"}),
    )
    .await
    .assert_success();
    t.sim.set_faults(Vec::new());
    t.call(TEMPLATE_ADD, &biz).await.assert_success();
    // "*" applies to every method.
    t.sim.set_faults(fault("*", |f| f.error_rate = 1.0));
    t.call(
        VOUCHER_SEND,
        &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "g"}),
    )
    .await
    .assert_gateway(&node(VOUCHER_SEND), "20000", "isp.unknow-error");
}

#[tokio::test]
async fn a_lost_answer_applies_the_effect_but_never_answers() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("lost").await;
    t.sim
        .set_faults(fault(INSTANCE_ADD, |f| f.lost_answer_rate = 1.0));
    let request = Request::new(
        INSTANCE_ADD,
        &issue_biz(&tpl_id, pass_params("LOST-1")).to_string(),
    );
    let outcome = t.try_send(&request).await;
    assert!(outcome.is_err(), "the client must get no complete answer");
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
    assert_eq!(t.sim.requests(INSTANCE_ADD), 1);
    assert_eq!(
        t.sim.pass_status(CHANNEL, "LOST-1").as_deref(),
        Some("ACTIVE")
    );

    // The retry learns the pass exists; strict, it does not learn the passId (kinder does).
    t.sim.set_faults(Vec::new());
    let retry = t.send(&request).await;
    retry.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    assert!(retry.result().get("passId").is_none(), "{}", retry.node);
    t.sim.set_kinder(true);
    let retry = t.send(&request).await;
    retry.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    let pass_id = t.sim.snapshot()["passes"][0]["pass_id"].clone();
    assert_eq!(retry.result()["passId"], pass_id);
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
}

#[tokio::test]
async fn a_reset_connection_has_no_effect_and_latency_delays_the_answer() {
    let t = TestSim::start().await;
    t.sim
        .set_faults(fault(VOUCHER_SEND, |f| f.reset_rate = 1.0));
    let request = Request::new(
        VOUCHER_SEND,
        &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "r"})
            .to_string(),
    );
    assert!(t.try_send(&request).await.is_err());
    assert_eq!(t.sim.effects(VOUCHER_SEND), 0);
    assert_eq!(t.sim.requests(VOUCHER_SEND), 1);

    t.sim
        .set_faults(fault(VOUCHER_SEND, |f| f.latency_ms = 400));
    let started = Instant::now();
    t.send(&request).await.assert_success();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(t.sim.effects(VOUCHER_SEND), 1);
}

#[tokio::test]
async fn admin_faults_are_set_listed_and_applied() {
    let t = TestSim::start().await;
    let faults = json!([{"method": TEMPLATE_ADD, "error_rate": 1.0}]);
    assert_eq!(t.admin_put("faults", &faults).await.0, 200);
    let listed: Value = t.http.get(t.url("/__sim/faults")).value().await;
    assert_eq!(listed[0]["method"], TEMPLATE_ADD);
    assert_eq!(listed[0]["error_rate"], 1.0);
    assert_eq!(listed[0]["latency_ms"], 0);
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "a", "tpl_content": template_text()}),
    )
    .await
    .assert_gateway(&node(TEMPLATE_ADD), "20000", "isp.unknow-error");
    // A single object is accepted as a one-element list.
    let one = t.admin_put("faults", &json!({"method": "*"})).await;
    assert_eq!(one.0, 200);
}

#[tokio::test]
async fn admin_faults_out_of_range_or_malformed_are_refused() {
    let t = TestSim::start().await;
    for bad in [
        json!([{"method": "*", "error_rate": 2.0}]),
        json!([{"method": "*", "error_after_effect_rate": 1.5}]),
        json!([{"method": "*", "system_error_rate": -0.1}]),
        json!([{"method": "*", "unsigned_error_rate": 2}]),
        json!({"nope": true}),
        json!("x"),
    ] {
        assert_eq!(t.admin_put("faults", &bad).await.0, 400, "{bad}");
    }
    assert!(t.sim.faults().is_empty());
}

/// A template (one request refused by a fault first), a pass and a voucher.
async fn some_state(t: &TestSim) -> String {
    t.sim
        .set_faults(fault(TEMPLATE_ADD, |f| f.error_rate = 1.0));
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "a", "tpl_content": template_text()}),
    )
    .await
    .assert_gateway(&node(TEMPLATE_ADD), "20000", "isp.unknow-error");
    t.sim.set_faults(Vec::new());
    let tpl_id = t.add_template("state").await;
    t.add_pass(&tpl_id, "ST-1").await.assert_success();
    t.call(
        VOUCHER_SEND,
        &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "s"}),
    )
    .await
    .assert_success();
    tpl_id
}

#[tokio::test]
async fn admin_state_shows_requests_effects_and_records() {
    let t = TestSim::start().await;
    let tpl_id = some_state(&t).await;
    let state = t.state().await;
    assert_eq!(state, t.sim.snapshot());
    assert_eq!(state["requests"][TEMPLATE_ADD], 2);
    assert_eq!(state["effects"][TEMPLATE_ADD], 1);
    let by_key = &state["effects_by_key"];
    assert_eq!(by_key[INSTANCE_ADD][format!("{CHANNEL}/ST-1")], 1);
    assert_eq!(by_key[VOUCHER_SEND][format!("{VOUCHER_TEMPLATE}/s")], 1);
    assert_eq!(state["templates"][0]["tpl_id"], tpl_id.as_str());
    assert_eq!(state["templates"][0]["content"], template_value());
    assert_eq!(state["kinder"], false);
    assert_eq!(state["passes"][0]["status"], "ACTIVE");
    assert_eq!(state["vouchers"][0]["user_id"], USER_ID);
}

#[tokio::test]
async fn admin_reset_forgets_state_counters_and_faults() {
    let t = TestSim::start().await;
    let tpl_id = some_state(&t).await;
    t.sim.set_faults(fault("*", |f| f.latency_ms = 1));
    let reset = t.http.post(t.url("/__sim/reset")).send().await.unwrap();
    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(t.sim.pass_count(), 0);
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
    assert_eq!(t.sim.requests(TEMPLATE_ADD), 0);
    assert!(t.sim.faults().is_empty());
    let state = t.sim.snapshot();
    assert_eq!(state["templates"], json!([]));
    assert_eq!(state["vouchers"], json!([]));
    // Templates are gone, so are their passes.
    t.add_pass(&tpl_id, "ST-2")
        .await
        .assert_business("KP.AE_ALIPASS_TEMPLATE_NOT_FOUND");
}

#[tokio::test]
async fn admin_endpoints_are_absent_unless_enabled() {
    let mut settings = sim_settings();
    settings.admin_enabled = false;
    let t = TestSim::start_with(settings).await;
    for path in ["/__sim/state", "/__sim/faults"] {
        let response = t.http.get(t.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    assert_eq!(t.http.get(t.url("/healthz")).status_code().await, 200);
}

#[tokio::test]
async fn error_after_effect_applies_the_effect_then_answers_20000() {
    let t = TestSim::start().await;
    t.sim
        .set_faults(fault("*", |f| f.error_after_effect_rate = 1.0));
    let biz = json!({"unique_id": "eae", "tpl_content": template_text()});
    let answer = t.call(TEMPLATE_ADD, &biz).await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "20000", "isp.unknow-error");
    let state = t.state().await;
    assert_eq!(state["effects"][TEMPLATE_ADD], 1, "the effect came first");
    assert_eq!(state["effects_by_key"][TEMPLATE_ADD]["eae"], 1);
    assert_eq!(state["templates"][0]["unique_id"], "eae");

    let voucher = json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "eae"});
    t.call(VOUCHER_SEND, &voucher).await.assert_gateway(
        &node(VOUCHER_SEND),
        "20000",
        "isp.unknow-error",
    );
    let state = t.state().await;
    assert_eq!(state["effects"][VOUCHER_SEND], 1);
    let voucher_id = state["vouchers"][0]["voucher_id"].clone();

    // Without the fault the retries meet the effects already made.
    t.sim.set_faults(Vec::new());
    t.call(TEMPLATE_ADD, &biz)
        .await
        .assert_business("KP.AE_ALIPASS_TEMPLATE_EXISTED");
    let again = t.call(VOUCHER_SEND, &voucher).await;
    again.assert_success();
    assert_eq!(again.node["voucher_id"], voucher_id);
    let state = t.state().await;
    assert_eq!(state["effects"][TEMPLATE_ADD], 1);
    assert_eq!(state["effects"][VOUCHER_SEND], 1);
}

/// A simulator with template `syserr`, then answering every call with a system error: a
/// pass add, a template add and a voucher send, with their answers.
async fn calls_in_system_errors() -> (TestSim, [Answer; 3]) {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("syserr").await;
    t.sim.set_faults(fault("*", |f| f.system_error_rate = 1.0));
    let pass = t.add_pass(&tpl_id, "SYS-1").await;
    let template = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "syserr-2", "tpl_content": template_text()}),
        )
        .await;
    let voucher = t
        .call(
            VOUCHER_SEND,
            &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "sys"}),
        )
        .await;
    (t, [pass, template, voucher])
}

#[tokio::test]
async fn a_pass_method_system_error_is_a_signed_business_failure() {
    let (_, [pass, template, _]) = calls_in_system_errors().await;
    assert_eq!(pass.node_name, node(INSTANCE_ADD));
    pass.assert_business("KP.AE_SYSTEM_ERROR");
    assert_eq!(pass.node["success"], "false");
    assert_eq!(result_keys(&pass), keys(&["errorCode", "errorMsg"]));
    template.assert_business("KP.AE_SYSTEM_ERROR");
}

#[tokio::test]
async fn a_voucher_send_system_error_is_a_signed_business_failure_without_a_result() {
    let (_, [_, _, voucher]) = calls_in_system_errors().await;
    assert_eq!(voucher.node_name, node(VOUCHER_SEND));
    voucher.assert_business("SYSTEM_ERROR");
    assert!(voucher.node.get("result").is_none(), "{}", voucher.node);
}

#[tokio::test]
async fn a_system_error_has_no_effect() {
    let (t, _) = calls_in_system_errors().await;
    let state = t.state().await;
    assert_eq!(
        state["effects"][TEMPLATE_ADD], 1,
        "only the template before"
    );
    assert_eq!(state["effects"].get(INSTANCE_ADD), None);
    assert_eq!(state["effects"].get(VOUCHER_SEND), None);
    assert_eq!(state["requests"][INSTANCE_ADD], 1);
    assert_eq!(state["requests"][VOUCHER_SEND], 1);
    assert_eq!(state["passes"], json!([]));
}

#[tokio::test]
async fn unsigned_error_rate_answers_an_unsigned_invalid_signature_without_effect() {
    let t = TestSim::start().await;
    t.sim
        .set_faults(fault(TEMPLATE_ADD, |f| f.unsigned_error_rate = 1.0));
    let biz = json!({"unique_id": "unsigned", "tpl_content": template_text()});
    for kinder in [false, true] {
        t.sim.set_kinder(kinder);
        let answer = t.call(TEMPLATE_ADD, &biz).await;
        answer.assert_gateway_shape(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");
        assert!(
            !answer.signed,
            "unsigned in kinder mode too: {}",
            answer.node
        );
    }
    let state = t.state().await;
    assert_eq!(state["effects"].get(TEMPLATE_ADD), None);
    assert_eq!(state["requests"][TEMPLATE_ADD], 2);
    t.sim.set_faults(Vec::new());
    t.call(TEMPLATE_ADD, &biz).await.assert_success();
    assert_eq!(t.state().await["effects"][TEMPLATE_ADD], 1);
}

#[tokio::test]
async fn faults_before_the_effect_are_checked_first() {
    let t = TestSim::start().await;
    let biz = |id: &str| json!({"unique_id": id, "tpl_content": template_text()});
    let t = &t;
    let lost = |id: &str| {
        let request = Request::new(TEMPLATE_ADD, &biz(id).to_string());
        async move { t.try_send(&request).await.is_err() }
    };
    // Before-effect faults win over after-effect ones: no effect.
    t.sim.set_faults(fault(TEMPLATE_ADD, |f| {
        f.system_error_rate = 1.0;
        f.unsigned_error_rate = 1.0;
        f.error_after_effect_rate = 1.0;
        f.lost_answer_rate = 1.0;
    }));
    t.call(TEMPLATE_ADD, &biz("o-1"))
        .await
        .assert_business("KP.AE_SYSTEM_ERROR");
    t.sim.set_faults(fault(TEMPLATE_ADD, |f| {
        f.error_rate = 1.0;
        f.system_error_rate = 1.0;
    }));
    t.call(TEMPLATE_ADD, &biz("o-2")).await.assert_gateway(
        &node(TEMPLATE_ADD),
        "20000",
        "isp.unknow-error",
    );
    t.sim.set_faults(fault(TEMPLATE_ADD, |f| {
        f.reset_rate = 1.0;
        f.error_rate = 1.0;
    }));
    assert!(lost("o-3").await);
    assert_eq!(t.state().await["effects"].get(TEMPLATE_ADD), None);
    // After the effect, a lost answer comes before a 20000.
    t.sim.set_faults(fault(TEMPLATE_ADD, |f| {
        f.lost_answer_rate = 1.0;
        f.error_after_effect_rate = 1.0;
    }));
    assert!(lost("o-4").await);
    assert_eq!(t.state().await["effects_by_key"][TEMPLATE_ADD]["o-4"], 1);
}

#[tokio::test]
async fn latency_past_the_client_timeout_still_lands_the_effect() {
    // The simulator's server drops the handler of a client that hung up (no half-closed
    // connections): only because the call runs in its own task does the effect still land.
    let t = TestSim::start().await;
    t.sim
        .set_faults(fault(TEMPLATE_ADD, |f| f.latency_ms = 600));
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let request = Request::new(
        TEMPLATE_ADD,
        &json!({"unique_id": "slow", "tpl_content": template_text()}).to_string(),
    );
    let outcome = t.try_send_with(&impatient, &request).await;
    assert!(
        outcome.as_ref().is_err_and(reqwest::Error::is_timeout),
        "the client gives up first"
    );
    assert_eq!(t.state().await["effects"].get(TEMPLATE_ADD), None);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let state = t.state().await;
    assert_eq!(state["effects"][TEMPLATE_ADD], 1, "{state}");
    assert_eq!(state["templates"][0]["unique_id"], "slow");
}

/// One fault run on voucher.send: what each call met.
async fn fault_run(t: &TestSim, run: &str) -> Vec<String> {
    let mut outcomes = Vec::new();
    for i in 0..24 {
        let biz = json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID,
            "out_biz_no": format!("{run}-{i}")});
        let outcome = match t
            .try_send(&Request::new(VOUCHER_SEND, &biz.to_string()))
            .await
        {
            Err(_) => "dropped".to_owned(),
            Ok(answer) if answer.code() == "10000" => "ok".to_owned(),
            Ok(answer) => format!("{}/{}/{}", answer.code(), answer.sub_code(), answer.signed),
        };
        outcomes.push(outcome);
    }
    outcomes
}

#[tokio::test]
async fn the_seed_endpoint_replays_a_fault_sequence() {
    let t = TestSim::start().await;
    t.sim.set_faults(fault(VOUCHER_SEND, |f| {
        f.reset_rate = 0.15;
        f.error_rate = 0.15;
        f.system_error_rate = 0.15;
        f.unsigned_error_rate = 0.15;
        f.lost_answer_rate = 0.1;
        f.error_after_effect_rate = 0.1;
    }));
    let (status, answer) = t.admin_put("seed", &json!({"seed": 42})).await;
    assert_eq!((status, answer), (200, json!({"seed": 42})));
    let first = fault_run(&t, "a").await;
    let (status, _) = t.admin_put("seed", &json!({"seed": 42})).await;
    assert_eq!(status, 200);
    let second = fault_run(&t, "b").await;
    assert_eq!(first, second, "the same seed meets the same faults");
    let kinds: std::collections::BTreeSet<&String> = first.iter().collect();
    assert!(kinds.len() >= 4, "a varied run: {first:?}");
    let (status, _) = t.admin_put("seed", &json!({"seed": u64::MAX - 7})).await;
    assert_eq!(status, 200);
    assert_ne!(fault_run(&t, "c").await, first, "another seed, another run");

    for bad in [json!({"seed": -1}), json!({"seed": "42"}), json!({})] {
        let (status, _) = t.admin_put("seed", &bad).await;
        assert_eq!(status, 400, "{bad}");
    }
}
