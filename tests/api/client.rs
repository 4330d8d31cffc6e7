//! The walkthrough through the Rust client (`crates/client`, generated from the committed
//! OpenAPI document), against the real service: create a template, issue a pass, redeem it,
//! send a voucher, read the pass's events, then the idempotency rules a retrying caller
//! relies on: a replay on a retry, a 409 for a key reused with another body. The
//! TypeScript and Python clients run the same walk (`scripts/clients.sh`).

use alipass_client::types::{
    CreateTemplate, IssuePass, PassStatus, PassView, ProblemCode, RedeemPass, SendVoucher,
    TemplateStatus, TemplateView, VoucherStatus,
};
use alipass_client::{is_replay, Client, Error};
use serde_json::json;

use crate::campaigns::VOUCHER_TEMPLATE;
use crate::helpers::*;

/// The fixture template, created with an Idempotency-Key and then retried: the retry meets
/// the first template, marked as a replay.
async fn create_template(client: &Client) -> TemplateView {
    let body: CreateTemplate = serde_json::from_value(json!({"content": valid_template()}))
        .expect("the fixture is a template's content");
    let create = || {
        client
            .templates_create()
            .idempotency_key("rs-template-walk")
            .body(body.clone())
            .send()
    };
    let created = create().await.expect("the template is created");
    assert_eq!(created.status(), 201);
    assert!(!is_replay(&created));
    assert_eq!(
        created.as_ref().status,
        TemplateStatus::Created,
        "{created:?}"
    );
    let retried = create().await.expect("the retry is answered");
    assert!(is_replay(&retried), "{:?}", retried.headers());
    assert_eq!(retried.id, created.id);
    created.into_inner()
}

/// A pass of `template` issued with an Idempotency-Key; the same key with another body is
/// refused, since it would otherwise be taken for a retry.
async fn issue_pass(client: &Client, template: &TemplateView) -> PassView {
    let params = pass_params(&template.params);
    let issue = |params: serde_json::Map<String, serde_json::Value>| {
        let body: IssuePass = serde_json::from_value(json!({
            "template_id": template.id,
            "params": params,
            "recipient": {"partner_id": "2088102122069225", "out_trade_no": "rs-order-walk"},
        }))
        .expect("an issue request");
        client
            .passes_issue()
            .idempotency_key("rs-pass-walk")
            .body(body)
            .send()
    };
    let issued = issue(params.clone()).await.expect("the pass is issued");
    assert_eq!(issued.status(), 201);
    assert_eq!(issued.as_ref().status, PassStatus::Issued, "{issued:?}");

    let mut other = params;
    other.insert(text_param(&template.params), json!("another text"));
    match issue(other).await {
        Err(Error::ErrorResponse(problem)) => {
            assert_eq!(problem.status(), 409);
            assert_eq!(
                problem.code,
                ProblemCode::IdempotencyKeyReused,
                "{problem:?}"
            );
        }
        answer => panic!("a reused key with another body is a 409 problem: {answer:?}"),
    }
    issued.into_inner()
}

#[tokio::test]
async fn walkthrough_template_pass_redeem_voucher_events_and_idempotency() {
    let app = spawn_app().await;
    let client = alipass_client::connect(&app.address, DEV_KEY, None).unwrap();
    let template = create_template(&client).await;
    let pass = issue_pass(&client, &template).await;

    let redeemed = client
        .passes_redeem()
        .serial_number(&pass.serial_number)
        .body(RedeemPass::default())
        .send()
        .await
        .expect("the pass is redeemed");
    assert_eq!(redeemed.as_ref().status, PassStatus::Used, "{redeemed:?}");

    let voucher: SendVoucher = serde_json::from_value(json!({
        "template_id": VOUCHER_TEMPLATE,
        "recipient": {"user_id": "2088102122069225"},
        "out_biz_no": "rs-voucher-walk",
    }))
    .expect("a voucher request");
    let sent = client.vouchers_send().body(voucher).send().await;
    let sent = sent.expect("the voucher is sent");
    assert_eq!(sent.status(), 201);
    assert_eq!(sent.as_ref().status, VoucherStatus::Sent, "{sent:?}");

    let history = client
        .passes_events()
        .serial_number(&pass.serial_number)
        .send()
        .await
        .expect("the pass's events");
    let kinds: Vec<String> = history.events.iter().map(|e| e.kind.to_string()).collect();
    assert!(
        kinds.contains(&"ISSUED".into()) && kinds.contains(&"REDEEMED".into()),
        "events: {kinds:?}"
    );
    app.shutdown().await;
}

/// A problem arrives typed, with its status; no answer at all is a communication error.
#[tokio::test]
async fn failures_arrive_typed() {
    let app = spawn_app().await;
    let stranger = alipass_client::connect(&app.address, "not-a-key", None).unwrap();
    match stranger.templates_list().send().await {
        Err(Error::ErrorResponse(problem)) => {
            assert_eq!(problem.status(), 401);
            assert_eq!(problem.code, ProblemCode::Unauthorized, "{problem:?}");
        }
        answer => panic!("an unknown key is a 401 problem: {answer:?}"),
    }
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let down = alipass_client::connect(&nowhere, DEV_KEY, None).unwrap();
    let answer = down.templates_list().send().await;
    assert!(
        matches!(answer, Err(Error::CommunicationError(_))),
        "{answer:?}"
    );
    app.shutdown().await;
}
