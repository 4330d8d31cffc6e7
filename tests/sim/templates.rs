//! alipay.pass.template.add and .update.

use crate::support::*;

#[tokio::test]
async fn template_add_creates_a_template_and_names_its_params() {
    let t = TestSim::start().await;
    let answer = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "tpl-1", "tpl_content": template_text()}),
        )
        .await;
    answer.assert_success();
    assert_eq!(answer.node["success"], "true");
    let result = answer.result();
    assert_eq!(result["errorCode"], "KP.AE_SUCCESS");
    assert_eq!(result["tpl_id"].as_str().unwrap().len(), 25);
    let params: Vec<&str> = result["tpl_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // Every `$var$` of the fixture, in document order.
    let expected = "validStartDate validEndDate ackCode logoText useStateDesc discountInfo \
                    channelID serialNumber";
    assert_eq!(params, expected.split_whitespace().collect::<Vec<_>>());
    // tpl_content as an inline object works too.
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "tpl-inline", "tpl_content": template_value()}),
    )
    .await
    .assert_success();
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 2);
}

#[tokio::test]
async fn template_add_is_unique_per_unique_id_and_names_no_id_in_the_refusal() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "tpl-1", "tpl_content": template_text()});
    t.call(TEMPLATE_ADD, &biz).await.assert_success();
    // Strict: the vendor pages promise no tpl_id in the refusal (kinder mode adds it: see
    // kinder_refusals_name_the_existing_ids).
    let again = t.call(TEMPLATE_ADD, &biz).await;
    again.assert_business("KP.AE_ALIPASS_TEMPLATE_EXISTED");
    assert!(again.result().get("tpl_id").is_none(), "{}", again.node);
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 1);
    assert_eq!(t.sim.effects_for_key(TEMPLATE_ADD, "tpl-1"), 1);
    assert_eq!(t.sim.requests(TEMPLATE_ADD), 2);
}

#[tokio::test]
async fn template_add_refuses_blank_or_malformed_members() {
    let t = TestSim::start().await;
    let content = template_text();
    let cases = [
        (
            json!({"tpl_content": content}),
            "KP.AE_ALIPASS_TEMPLATE_UNIQUE_IS_BLANK",
        ),
        (
            json!({"unique_id": "  ", "tpl_content": content}),
            "KP.AE_ALIPASS_TEMPLATE_UNIQUE_IS_BLANK",
        ),
        (
            json!({"unique_id": "tpl-2", "tpl_content": ""}),
            "KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK",
        ),
        (
            json!({"unique_id": "tpl-2", "tpl_content": "   "}),
            "KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK",
        ),
        (
            json!({"unique_id": "tpl-2", "tpl_content": null}),
            "KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK",
        ),
        (
            json!({"unique_id": "tpl-2"}),
            "KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK",
        ),
        (
            json!({"unique_id": "tpl-2", "tpl_content": "{broken"}),
            "KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR",
        ),
        (
            json!({"unique_id": "tpl-2", "tpl_content": 42}),
            "KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR",
        ),
        (
            json!({"unique_id": "x".repeat(1000), "tpl_content": content}),
            "KP.AE_ILLEGAL_PARAMETERS",
        ),
    ];
    for (biz, sub_code) in cases {
        t.call(TEMPLATE_ADD, &biz).await.assert_business(sub_code);
    }
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
}

#[tokio::test]
async fn template_rules_come_from_the_shared_template_domain() {
    let t = TestSim::start().await;
    let mut unknown_property = template_value();
    unknown_property["content"]["evoucherInfo"]["colour"] = json!("red");
    let mut bad_date = template_value();
    bad_date["content"]["evoucherInfo"]["startDate"] = json!("2016-13-30 15:44:11");
    let mut missing_title = template_value();
    missing_title["content"]["evoucherInfo"]
        .as_object_mut()
        .unwrap()
        .remove("title");
    for (i, (content, sub_code)) in [
        (
            unknown_property,
            "KP.AE_ALIPASS_TEMPLATE_UNRECOGNIZE_PROPERTY",
        ),
        (bad_date, "KP.AE_ALIPASS_DATE_ERROR"),
        (missing_title, "KP.AE_ALIPASS_ESSENTIAL_PARAMS_BLANK"),
    ]
    .into_iter()
    .enumerate()
    {
        let expected = alipass::domain::template::lint(&content, &Default::default());
        assert_eq!(
            expected.errors[0].alipay_code, sub_code,
            "fixture assumption"
        );
        let answer = t
            .call(
                TEMPLATE_ADD,
                &json!({"unique_id": format!("bad-{i}"), "tpl_content": content.to_string()}),
            )
            .await;
        answer.assert_business(sub_code);
        // Every message, with its path, in sub_msg.
        for finding in &expected.errors {
            assert!(
                answer.sub_msg().contains(&finding.path),
                "{}",
                answer.sub_msg()
            );
        }
    }
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
}

#[tokio::test]
async fn template_update_replaces_the_content_of_a_known_template() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("upd").await;
    let mut changed = template_value();
    changed["content"]["evoucherInfo"]["title"] = json!("$title$");
    let answer = t
        .call(
            TEMPLATE_UPDATE,
            &json!({"tpl_id": tpl_id, "tpl_content": changed.to_string()}),
        )
        .await;
    answer.assert_success();
    // Strict: the id under the name of the page's table of returns.
    assert_eq!(answer.result()["template_id"], tpl_id.as_str());
    assert!(answer.result()["tpl_params"]
        .as_array()
        .unwrap()
        .contains(&json!("title")));
    assert_eq!(t.sim.effects_for_key(TEMPLATE_UPDATE, &tpl_id), 1);
    assert_eq!(t.sim.snapshot()["templates"][0]["updates"], 1);
    // The state shows the content the simulator holds now, to compare with the service's.
    assert_eq!(t.state().await["templates"][0]["content"], changed);

    t.call(
        TEMPLATE_UPDATE,
        &json!({"tpl_id": "2015062614280547004605924", "tpl_content": template_text()}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_TEMPLATE_NOT_EXIST");
    t.call(TEMPLATE_UPDATE, &json!({"tpl_content": template_text()}))
        .await
        .assert_business("KP.AE_ALIPASS_TEMPLATE_PARAMTER_IS_NULL");
    t.call(
        TEMPLATE_UPDATE,
        &json!({"tpl_id": tpl_id, "tpl_content": ""}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK");
    let mut broken = template_value();
    broken["content"]["evoucherInfo"]["endDate"] = json!("tomorrow");
    t.call(
        TEMPLATE_UPDATE,
        &json!({"tpl_id": tpl_id, "tpl_content": broken}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_DATE_ERROR");
    assert_eq!(t.sim.effects(TEMPLATE_UPDATE), 1);
}
