//! Apps, keys and faults from settings.

use crate::support::*;

#[tokio::test]
async fn apps_come_from_settings_and_an_apps_file_and_several_keys_per_app() {
    let dir = tempfile::tempdir().unwrap();
    let apps_file = dir.path().join("apps.toml");
    // A second app that reuses the dev app key pair, and a second (rotated) key for the first.
    std::fs::copy(
        repo("config/dev/app_public_key.pem"),
        dir.path().join("second.pem"),
    )
    .unwrap();
    let other_private = dir.path().join("other_private.pem");
    let other_public = dir.path().join("other_public.pem");
    assert!(Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&other_private)
        .arg("2048")
        .output()
        .unwrap()
        .status
        .success());
    assert!(Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(&other_private)
        .arg("-out")
        .arg(&other_public)
        .output()
        .unwrap()
        .status
        .success());
    std::fs::write(
        &apps_file,
        "[[apps]]\napp_id = \"2021000000000002\"\npublic_key_file = \"second.pem\"\n\n\
         [[apps]]\napp_id = \"2021000000000001\"\npublic_key_file = \"second.pem\"\n",
    )
    .unwrap();
    let mut settings = sim_settings();
    // The simulator's own public key configured as an app key is refused at start.
    settings.apps[0].public_key_file = Some(repo("config/dev/sim_public_key.pem"));
    settings.apps_file = Some(apps_file);
    let error = alipass::simulator::simulator(&settings)
        .err()
        .expect("own key refused");
    assert!(
        error.to_string().contains("sim.apps[0].public_key"),
        "{error}"
    );

    // Inline key text works; this one (nobody signs with it) is tried first and fails, the
    // apps-file key for the same app then verifies.
    settings.apps[0].public_key = Some(std::fs::read_to_string(&other_public).unwrap());
    settings.apps[0].public_key_file = None;
    let t = TestSim::start_with(settings).await;
    for app in ["2021000000000001", "2021000000000002"] {
        let answer = t
            .send(
                &Request::new(
                    TEMPLATE_ADD,
                    &json!({"unique_id": "same", "tpl_content": template_text()}).to_string(),
                )
                .set("app_id", app),
            )
            .await;
        // Templates are per app: the same unique_id is new for each.
        answer.assert_success();
    }
    assert_eq!(t.sim.effects_for_key(TEMPLATE_ADD, "same"), 2);
}

#[test]
fn bad_settings_name_the_setting() {
    let mut settings = sim_settings();
    settings.private_key_file = None;
    let error = alipass::simulator::simulator(&settings).err().unwrap();
    assert!(error.to_string().contains("sim.private_key"), "{error}");

    let mut settings = sim_settings();
    settings.private_key_file = Some(repo("config/dev/app_public_key.pem"));
    let error = alipass::simulator::simulator(&settings).err().unwrap();
    assert!(error.to_string().contains("sim.private_key"), "{error}");

    let mut settings = sim_settings();
    settings.apps.clear();
    let error = alipass::simulator::simulator(&settings).err().unwrap();
    assert!(error.to_string().contains("sim.apps"), "{error}");

    let mut settings = sim_settings();
    settings.faults = fault("*", |f| f.lost_answer_rate = -0.5);
    let error = alipass::simulator::simulator(&settings).err().unwrap();
    assert!(error.to_string().contains("sim.faults"), "{error}");

    for change in [
        (|f: &mut SimFaultSetting| f.error_after_effect_rate = 1.01) as fn(&mut SimFaultSetting),
        |f| f.system_error_rate = -1.0,
        |f| f.unsigned_error_rate = f64::NAN,
    ] {
        let mut settings = sim_settings();
        settings.faults = fault("*", change);
        let error = alipass::simulator::simulator(&settings).err().unwrap();
        assert!(error.to_string().contains("sim.faults"), "{error}");
    }
}

#[tokio::test]
async fn configured_faults_apply_from_the_start_and_the_service_client_reads_the_answers() {
    use alipass::alipay::charset::Charset;
    use alipass::alipay::client::{AlipayClient, AttemptLog, ClientSettings};
    use alipass::alipay::keys::AlipayKeys;
    use alipass::alipay::methods::VoucherSend;
    use alipass::alipay::sign::SignType;

    let mut settings = sim_settings();
    settings.faults = fault(VOUCHER_SEND, |f| f.latency_ms = 50);
    let t = TestSim::start_with(settings).await;
    // Our own client against the simulator, GBK and RSA: the two sides agree.
    let app = Settings::load_profile(&repo("config"), Profile::Test)
        .unwrap()
        .alipay;
    let mut app = app;
    app.app_key.app_private_key_file = Some(repo("config/dev/app_private_key.pem"));
    app.alipay_key.alipay_public_key_file = Some(repo("config/dev/sim_public_key.pem"));
    let keys = std::sync::Arc::new(AlipayKeys::from_settings(&app).unwrap());
    let client = AlipayClient::new(
        ClientSettings {
            gateway_url: t.url("/gateway.do"),
            app_id: APP_ID.into(),
            sign_type: SignType::Rsa,
            charset: Charset::Gbk,
            app_auth_token: None,
            notify_url: None,
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            max_attempts: 1,
            deadline: Duration::from_secs(5),
            verify_response_signature: true,
            rate_limit: None,
        },
        keys,
        None,
    )
    .unwrap();
    let log = AttemptLog::default();
    let request = VoucherSend {
        template_id: RED_PACKET_TEMPLATE,
        user_id: Some(USER_ID),
        login_id: None,
        taobao_nick: None,
        out_biz_no: "client-1",
        amount: Some("10.00"),
        memo: Some("会员礼券"),
    };
    let started = Instant::now();
    let sent = client
        .acting(None)
        .voucher_send(&request, &log)
        .await
        .expect("the client accepts the answer");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(sent.user_id.as_deref(), Some(USER_ID));
    let again = client
        .acting(None)
        .voucher_send(&request, &log)
        .await
        .unwrap();
    assert_eq!(again.voucher_id, sent.voucher_id);
    assert_eq!(t.sim.effects(VOUCHER_SEND), 1);
}
