//! The public-parameter checks, signatures and charsets.

use crate::support::*;

#[tokio::test]
async fn every_missing_public_parameter_has_its_sub_code() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "u"}).to_string();
    for (param, sub_code) in [
        ("app_id", "isv.missing-app-id"),
        ("method", "isv.missing-method"),
        ("sign", "isv.missing-signature"),
        ("timestamp", "isv.missing-timestamp"),
        ("version", "isv.missing-version"),
        ("sign_type", "isv.missing-signature-type"),
        ("charset", "isv.missing-charset"),
    ] {
        let mut request = Request::new(TEMPLATE_ADD, &biz).without(param);
        if param == "sign" {
            request = request.unsigned();
        }
        let answer = t.send(&request).await;
        // Before the method is known the answer is an error_response.
        let expected_node = if param == "method" {
            "error_response".to_owned()
        } else {
            node(TEMPLATE_ADD)
        };
        answer.assert_gateway(&expected_node, "40001", sub_code);
    }
    // An empty value is as missing as an absent one.
    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("timestamp", ""))
        .await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40001", "isv.missing-timestamp");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
}

#[tokio::test]
async fn invalid_public_parameters_are_refused_with_40002() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "u", "tpl_content": template_text()}).to_string();
    let add = node(TEMPLATE_ADD);

    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("app_id", "2021999999999999"))
        .await;
    answer.assert_gateway(&add, "40002", "isv.invalid-app-id");

    let answer = t.send(&Request::new("alipay.trade.pay", &biz)).await;
    answer.assert_gateway("error_response", "40002", "isv.invalid-method");

    for stamp in [
        beijing_timestamp(-3600),
        beijing_timestamp(1200),
        // The container's UTC clock instead of Beijing time: the classic mistake.
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string(),
        beijing_timestamp(0).replace(' ', "T"),
        "2024/01/01 10:00:00".to_owned(),
        "yesterday".to_owned(),
    ] {
        let answer = t
            .send(&Request::new(TEMPLATE_ADD, &biz).set("timestamp", &stamp))
            .await;
        answer.assert_gateway(&add, "40002", "isv.invalid-timestamp");
    }
    // Within the tolerance is fine.
    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("timestamp", &beijing_timestamp(-600)))
        .await;
    answer.assert_success();

    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("sign_type", "MD5"))
        .await;
    answer.assert_gateway(&add, "40002", "isv.invalid-signature-type");

    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("charset", "latin1"))
        .await;
    answer.assert_gateway(&add, "40002", "isv.invalid-charset");

    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("version", "2.0"))
        .await;
    answer.assert_gateway(&add, "40002", "isv.invalid-parameter");
    assert!(answer.sub_msg().contains("1.0"));

    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("format", "XML"))
        .await;
    answer.assert_gateway(&add, "40002", "isv.invalid-format");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 1);
}

#[tokio::test]
async fn bad_signatures_are_refused_and_the_sign_string_is_quoted() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "sig", "tpl_content": template_text()}).to_string();
    // Signed with the wrong key (the gateway's own instead of the app's).
    let request = Request::new(TEMPLATE_ADD, &biz).signed_with("config/dev/sim_private_key.pem");
    let answer = t.send(&request).await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");
    assert!(
        answer
            .sub_msg()
            .contains("app_id=2021000000000001&biz_content="),
        "{}",
        answer.sub_msg()
    );

    // A valid signature over different content (a tampered parameter).
    let mut tampered = Request::new(TEMPLATE_ADD, &biz);
    let (query, body) = tampered.encode();
    let query = query.replace("format=JSON", "format=json");
    let answer = t.post_raw(&format!("?{query}"), body).await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");

    // An RSA (SHA1) signature announced as RSA2: refused, and answered in RSA2.
    tampered = Request::new(TEMPLATE_ADD, &biz);
    tampered.sha1 = true;
    let (query, body) = tampered.encode();
    let answer = t.post_raw(&format!("?{query}"), body).await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");

    // Garbage in the sign parameter.
    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("sign", "not base64 at all!"))
        .await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
    assert_eq!(t.sim.requests(TEMPLATE_ADD), 4);
}

#[tokio::test]
async fn rsa_sha1_requests_get_rsa_sha1_answers() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "rsa1", "tpl_content": template_text()}).to_string();
    // Answer::read verifies with -sha1 because the request is RSA.
    let answer = t.send(&Request::new(TEMPLATE_ADD, &biz).rsa_sha1()).await;
    answer.assert_success();
    assert_eq!(answer.node["success"], "true");
}

#[tokio::test]
async fn parameters_may_all_travel_in_the_body_or_the_query() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "body", "tpl_content": template_text()}).to_string();
    t.send(&Request::new(TEMPLATE_ADD, &biz).all_in_body())
        .await
        .assert_success();

    // Everything in the query, GET like the SDK's page methods.
    let mut request = Request::new(
        TEMPLATE_ADD,
        &json!({"unique_id": "query", "tpl_content": template_text()}).to_string(),
    );
    for p in &mut request.params {
        p.2 = false;
    }
    let (query, _) = request.encode();
    let response = t
        .http
        .get(t.url(&format!("/gateway.do?{query}")))
        .send()
        .await
        .unwrap();
    Answer::read(response, false, false)
        .await
        .unwrap()
        .assert_success();
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 2);
}

#[tokio::test]
async fn gbk_requests_are_decoded_signed_and_answered_in_gbk() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "gbk-模板", "tpl_content": template_text()}).to_string();
    let request = Request::new(TEMPLATE_ADD, &biz).gbk();
    let (_, body) = request.encode();
    // The body really is GBK percent-escaped (风 is 0xB7E7 in GBK).
    assert!(String::from_utf8(body).unwrap().contains("%B7%E7"));
    let answer = t.send(&request).await;
    answer.assert_success();
    assert_eq!(answer.content_type, "text/html;charset=GBK");
    let tpl_id = answer.result()["tpl_id"].as_str().unwrap().to_owned();

    // A pass with CJK parameter values over GBK; the answer's CJK errorMsg is GBK too.
    let answer = t
        .send(
            &Request::new(
                INSTANCE_ADD,
                &issue_biz(&tpl_id, pass_params("GBK-1")).to_string(),
            )
            .gbk(),
        )
        .await;
    answer.assert_success();
    assert_eq!(answer.result()["errorMsg"], "处理成功");
    let snapshot = t.sim.snapshot();
    assert_eq!(
        snapshot["passes"][0]["params"]["logoText"],
        "四季风情85折优惠券"
    );
    assert_eq!(snapshot["templates"][0]["unique_id"], "gbk-模板");

    // UTF-8 answers say so.
    let answer = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "utf8", "tpl_content": template_text()}),
        )
        .await;
    assert_eq!(answer.content_type, "text/html;charset=utf-8");

    // A GBK answer echoing a character GBK cannot carry escapes it instead of failing.
    // (The emoji arrives as a JSON escape: a GBK request cannot carry it raw.)
    let biz = r#"{"template_id":"\ud83d\ude00","out_biz_no":"x","user_id":"2088302001456115"}"#;
    let answer = t.send(&Request::new(VOUCHER_SEND, biz).gbk()).await;
    answer.assert_business("TEMPLATE_NOT_EXIST");
    assert!(answer.sub_msg().contains('😀'), "{}", answer.sub_msg());
}

#[tokio::test]
async fn wrong_charset_bytes_get_a_gateway_error() {
    let t = TestSim::start().await;
    // Bytes that are not UTF-8 in a request that says utf-8.
    let answer = t
        .post_raw(
            "?charset=utf-8&method=alipay.pass.template.add",
            b"app_id=2021000000000001&biz_content=%FF%FE%B7".to_vec(),
        )
        .await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40001", "isv.missing-signature");

    let mut request = Request::new(TEMPLATE_ADD, "{}");
    request.params.retain(|(k, _, _)| k != "biz_content");
    let answer = t.send_with_body(&request, b"biz_content=%FF%FE%B7").await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-charset");
    assert!(answer.sub_msg().contains("biz_content"));

    // Malformed GBK (a lead byte without its trail byte) in a GBK request.
    let request = Request::new(TEMPLATE_ADD, "{}").gbk();
    let answer = t.send_with_body(&request, b"biz_content=%BB").await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-charset");
}

#[tokio::test]
async fn garbage_never_crashes_it() {
    let t = TestSim::start().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for size in [0usize, 1, 17, 1000, 65_536] {
        let body: Vec<u8> = (0..size).map(|_| rng.gen()).collect();
        let answer = t.post_raw("", body).await;
        assert_eq!(answer.node_name, "error_response");
        assert_eq!(answer.code(), "40001");
    }
    // Random bytes in the query too (percent-escaped so the URL stays valid).
    let noise: Vec<u8> = (0..300).map(|_| rng.gen()).collect();
    let query = format!(
        "?{}",
        form_urlencoded::byte_serialize(&noise).collect::<String>()
    );
    assert_eq!(t.post_raw(&query, Vec::new()).await.code(), "40001");
    // Broken percent escapes, lone separators, JSON instead of a form.
    for body in [
        &b"%%%&&==&=%zz%4"[..],
        b"{\"app_id\":\"2021000000000001\"}",
        b"charset=%FF%FE",
    ] {
        let answer = t.post_raw("", body.to_vec()).await;
        assert!(
            ["40001", "40002"].contains(&answer.code()),
            "{}",
            answer.node
        );
    }
    // 3 MiB: above the 2 MiB limit, a gateway-style error rather than a 413 page.
    let mut request = Request::new(TEMPLATE_ADD, &"x".repeat(3 * 1024 * 1024));
    request.sign = false;
    let answer = t.send(&request.set("sign", "AAAA")).await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-parameter");
    assert!(answer.sub_msg().contains("2097152"), "{}", answer.sub_msg());
    // Still serving.
    let health = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn biz_content_that_is_not_json_is_each_methods_format_error() {
    let t = TestSim::start().await;
    for (method, sub_code) in [
        (TEMPLATE_ADD, "KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR"),
        (TEMPLATE_UPDATE, "KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR"),
        (INSTANCE_ADD, "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR"),
        (INSTANCE_UPDATE, "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR"),
        (VOUCHER_SEND, "INVALID_PARAMETER"),
    ] {
        for biz in ["{not json", "[1,2]", "\"a string\""] {
            let answer = t.send(&Request::new(method, biz)).await;
            assert_eq!(answer.node_name, node(method));
            answer.assert_business(sub_code);
        }
        assert_eq!(t.sim.effects(method), 0);
    }
}
