//! The gateway simulator driven over raw HTTP, with every request signature computed by the
//! `openssl` command line (the reference signer) and every answer's signature checked by it
//! over the raw node text. Nothing here uses the crate's own signing code.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use alipass::config::{Profile, Settings, SimAppSetting, SimFaultSetting, SimSettings};
use alipass::sim::Simulator;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const APP_ID: &str = "2021000000000001";
const TEMPLATE_ADD: &str = "alipay.pass.template.add";
const TEMPLATE_UPDATE: &str = "alipay.pass.template.update";
const INSTANCE_ADD: &str = "alipay.pass.instance.add";
const INSTANCE_UPDATE: &str = "alipay.pass.instance.update";
const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";
const VOUCHER_TEMPLATE: &str = "20140601000730010040000000EB";
const EXPIRED_VOUCHER_TEMPLATE: &str = "20140601000730010040000000EX";
const USER_ID: &str = "2088302001456115";
const CHANNEL: &str = "2088102122069225";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The test profile's simulator settings (keys and voucher templates of config/test.toml).
fn sim_settings() -> SimSettings {
    let settings =
        Settings::load_profile(&repo("config"), Profile::Test).expect("test profile loads");
    let mut sim = settings.sim;
    sim.private_key = None;
    sim.private_key_file = Some(repo("config/dev/sim_private_key.pem"));
    sim.apps = vec![SimAppSetting {
        app_id: APP_ID.into(),
        public_key: None,
        public_key_file: Some(repo("config/dev/app_public_key.pem")),
    }];
    sim.apps_file = None;
    sim.admin_enabled = true;
    sim.faults = Vec::new();
    sim.timestamp_tolerance_secs = 900;
    sim
}

struct TestSim {
    sim: Simulator,
    base: String,
    handle: ServerHandle,
    http: reqwest::Client,
}

impl TestSim {
    async fn start() -> Self {
        Self::start_with(sim_settings()).await
    }

    async fn start_with(settings: SimSettings) -> Self {
        let sim = alipass::simulator::simulator(&settings).expect("simulator settings are valid");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = sim.start(listener).expect("the simulator starts");
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            sim,
            base: format!("http://127.0.0.1:{port}"),
            handle,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A signed call the way the official SDKs send it: public parameters in the query,
    /// biz_content in the form body.
    async fn call(&self, method: &str, biz: &Value) -> Answer {
        self.send(&Request::new(method, &biz.to_string())).await
    }

    async fn send(&self, request: &Request) -> Answer {
        self.try_send(request).await.expect("the simulator answers")
    }

    async fn try_send(&self, request: &Request) -> Result<Answer, reqwest::Error> {
        self.try_send_with(&self.http, request).await
    }

    /// [`Self::try_send`] through another client (a shorter timeout, say).
    async fn try_send_with(
        &self,
        http: &reqwest::Client,
        request: &Request,
    ) -> Result<Answer, reqwest::Error> {
        let (query, body) = request.encode();
        let response = http
            .post(self.url(&format!("/gateway.do?{query}")))
            .header(
                "content-type",
                format!(
                    "application/x-www-form-urlencoded;charset={}",
                    request.charset_name()
                ),
            )
            .body(body)
            .send()
            .await?;
        Answer::read(response, request.gbk, request.sha1).await
    }

    async fn post_raw(&self, query: &str, body: Vec<u8>) -> Answer {
        let response = self
            .http
            .post(self.url(&format!("/gateway.do{query}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the simulator answers garbage too");
        Answer::read(response, false, false)
            .await
            .expect("a complete answer")
    }

    async fn stop(self) {
        self.handle.stop(false).await;
    }

    async fn add_template(&self, unique_id: &str) -> String {
        let answer = self
            .call(
                TEMPLATE_ADD,
                &json!({"unique_id": unique_id, "tpl_content": template_text()}),
            )
            .await;
        answer.assert_success();
        answer.result()["tpl_id"].as_str().unwrap().to_owned()
    }

    /// `PUT /__sim/<path>` with a JSON body: (status, answer).
    async fn admin_put(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .put(self.url(&format!("/__sim/{path}")))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// `GET /__sim/state`, over HTTP.
    async fn state(&self) -> Value {
        self.http
            .get(self.url("/__sim/state"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn add_pass(&self, tpl_id: &str, serial: &str) -> Answer {
        self.call(INSTANCE_ADD, &issue_biz(tpl_id, pass_params(serial)))
            .await
    }
}

/// One gateway request under construction.
#[derive(Clone)]
struct Request {
    /// (name, value, in the body instead of the query)
    params: Vec<(String, String, bool)>,
    gbk: bool,
    sha1: bool,
    key: PathBuf,
    sign: bool,
}

impl Request {
    fn new(method: &str, biz: &str) -> Self {
        let mut request = Self {
            params: Vec::new(),
            gbk: false,
            sha1: false,
            key: repo("config/dev/app_private_key.pem"),
            sign: true,
        };
        for (k, v) in [
            ("app_id", APP_ID),
            ("method", method),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", &beijing_timestamp(0)),
            ("version", "1.0"),
        ] {
            request.params.push((k.into(), v.into(), false));
        }
        request
            .params
            .push(("biz_content".into(), biz.into(), true));
        request
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        match self.params.iter_mut().find(|(k, _, _)| k == name) {
            Some(slot) => slot.1 = value.into(),
            None => self.params.push((name.into(), value.into(), false)),
        }
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _, _)| k != name);
        self
    }

    fn gbk(self) -> Self {
        Self { gbk: true, ..self }.set("charset", "GBK")
    }

    fn rsa_sha1(self) -> Self {
        Self { sha1: true, ..self }.set("sign_type", "RSA")
    }

    fn signed_with(self, key: &str) -> Self {
        Self {
            key: repo(key),
            ..self
        }
    }

    fn unsigned(self) -> Self {
        Self {
            sign: false,
            ..self
        }
    }

    fn all_in_body(mut self) -> Self {
        for p in &mut self.params {
            p.2 = true;
        }
        self
    }

    fn charset_name(&self) -> &'static str {
        if self.gbk {
            "GBK"
        } else {
            "utf-8"
        }
    }

    fn bytes(&self, text: &str) -> Vec<u8> {
        if self.gbk {
            let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
            assert!(!unmappable, "test text must be GBK");
            bytes.into_owned()
        } else {
            text.as_bytes().to_vec()
        }
    }

    /// The Alipay sign string, by hand: every parameter but sign, empties skipped, sorted.
    fn sign_string(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .filter(|(k, v, _)| k != "sign" && !k.is_empty() && !v.is_empty())
            .map(|(k, v, _)| (k.as_str(), v.as_str()))
            .collect();
        pairs.sort();
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// (query, body), percent-encoded in the request charset, signed by openssl.
    fn encode(&self) -> (String, Vec<u8>) {
        let mut params = self.params.clone();
        if self.sign && !params.iter().any(|(k, _, _)| k == "sign") {
            let signature = openssl_sign(&self.bytes(&self.sign_string()), &self.key, self.sha1);
            params.push(("sign".into(), signature, false));
        }
        let mut query = Vec::new();
        let mut body = Vec::new();
        for (k, v, in_body) in &params {
            let pair = format!(
                "{}={}",
                form_urlencoded::byte_serialize(&self.bytes(k)).collect::<String>(),
                form_urlencoded::byte_serialize(&self.bytes(v)).collect::<String>()
            );
            if *in_body {
                body.push(pair);
            } else {
                query.push(pair);
            }
        }
        (query.join("&"), body.join("&").into_bytes())
    }
}

fn beijing_timestamp(offset_secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(8 * 3600 + offset_secs))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn openssl_sign(content: &[u8], key: &Path, sha1: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("content.txt");
    let output = dir.path().join("sig.bin");
    std::fs::write(&input, content).unwrap();
    let status = Command::new("openssl")
        .args(["dgst", if sha1 { "-sha1" } else { "-sha256" }, "-sign"])
        .arg(key)
        .arg("-out")
        .arg(&output)
        .arg(&input)
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl dgst -sign failed");
    STANDARD.encode(std::fs::read(&output).unwrap())
}

fn openssl_verify(content: &[u8], signature_b64: &str, sha1: bool) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("node.txt");
    let sig = dir.path().join("sig.bin");
    std::fs::write(&input, content).unwrap();
    let Ok(signature) = STANDARD.decode(signature_b64) else {
        return false;
    };
    std::fs::write(&sig, signature).unwrap();
    let output = Command::new("openssl")
        .args(["dgst", if sha1 { "-sha1" } else { "-sha256" }, "-verify"])
        .arg(repo("config/dev/sim_public_key.pem"))
        .arg("-signature")
        .arg(&sig)
        .arg(&input)
        .output()
        .expect("openssl runs");
    output.status.success() && String::from_utf8_lossy(&output.stdout).contains("Verified OK")
}

/// An answer, its node cut out of the raw bytes and its signature (when it has one) checked
/// by openssl.
struct Answer {
    content_type: String,
    node_name: String,
    node: Value,
    /// A `sign` member followed the node (and verified).
    signed: bool,
}

impl Answer {
    async fn read(
        response: reqwest::Response,
        gbk: bool,
        sha1: bool,
    ) -> Result<Self, reqwest::Error> {
        assert_eq!(
            response.status().as_u16(),
            200,
            "gateway answers are HTTP 200"
        );
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.bytes().await?;
        Ok(Self::parse(&bytes, content_type, gbk, sha1))
    }

    fn parse(bytes: &[u8], content_type: String, gbk: bool, sha1: bool) -> Self {
        let text = if gbk {
            encoding_rs::GBK
                .decode_without_bom_handling_and_without_replacement(bytes)
                .expect("a GBK answer")
                .into_owned()
        } else {
            String::from_utf8(bytes.to_vec()).expect("a UTF-8 answer")
        };
        // {"<node_name>":<node>,"sign":"<base64>"}: node first, sign last.
        assert!(text.starts_with("{\""), "{text}");
        let name_end = text[2..].find('"').unwrap() + 2;
        let node_name = text[2..name_end].to_owned();
        let prefix = format!("{{\"{node_name}\":");
        let whole: Value = serde_json::from_str(&text).expect("the answer is JSON");
        if whole.get("sign").is_none() {
            return Self::unsigned(&text, &whole, content_type, node_name);
        }
        let sign_at = text
            .rfind(",\"sign\":\"")
            .expect("a sign member after the node");
        let node_text = &text[prefix.len()..sign_at];
        let signature = text[sign_at + 9..]
            .strip_suffix("\"}")
            .expect("sign is last");
        // Verify over the node's bytes as sent (GBK answers are signed over GBK bytes); the
        // prefix and the sign member are ASCII, so byte offsets are found the same way.
        let sign_byte_at = bytes
            .windows(9)
            .rposition(|w| w == b",\"sign\":\"")
            .unwrap();
        let raw_node = &bytes[prefix.len()..sign_byte_at];
        assert!(
            openssl_verify(raw_node, signature, sha1),
            "the answer's signature does not verify: {text}"
        );
        let node: Value = serde_json::from_str(node_text).expect("the node is JSON");
        assert_eq!(whole[&node_name], node);
        Self {
            content_type,
            node_name,
            node,
            signed: true,
        }
    }

    /// `{"<node_name>":<node>}` and nothing else.
    fn unsigned(text: &str, whole: &Value, content_type: String, node_name: String) -> Self {
        let members = whole.as_object().expect("the answer is an object");
        assert_eq!(members.len(), 1, "only the node, no sign: {text}");
        let node = members[&node_name].clone();
        assert!(node.is_object(), "{text}");
        Self {
            content_type,
            node_name,
            node,
            signed: false,
        }
    }

    fn code(&self) -> &str {
        self.node["code"].as_str().unwrap_or_default()
    }

    fn sub_code(&self) -> &str {
        self.node["sub_code"].as_str().unwrap_or_default()
    }

    fn sub_msg(&self) -> &str {
        self.node["sub_msg"].as_str().unwrap_or_default()
    }

    /// A pass method's `result`, decoded from its string.
    fn result(&self) -> Value {
        let text = self.node["result"]
            .as_str()
            .expect("result is a JSON string");
        serde_json::from_str(text).expect("result holds JSON")
    }

    #[track_caller]
    fn assert_success(&self) {
        assert_eq!(self.code(), "10000", "{}", self.node);
        assert_eq!(self.node["msg"], "Success");
        assert!(self.signed, "successes are signed");
    }

    /// A gateway error as strict mode answers it: 20000 signed, 40001 / 40002 (the
    /// public-parameter check) unsigned.
    #[track_caller]
    fn assert_gateway(&self, node_name: &str, code: &str, sub_code: &str) {
        self.assert_gateway_shape(node_name, code, sub_code);
        if code == "20000" {
            assert!(self.signed, "20000 answers are signed: {}", self.node);
        } else {
            assert!(
                !self.signed,
                "strict auth errors are unsigned: {}",
                self.node
            );
        }
    }

    #[track_caller]
    fn assert_gateway_shape(&self, node_name: &str, code: &str, sub_code: &str) {
        assert_eq!(self.node_name, node_name, "{}", self.node);
        assert_eq!(self.code(), code, "{}", self.node);
        let msg = match code {
            "40001" => "Missing Required Arguments",
            "40002" => "Invalid Arguments",
            "20000" => "Service Currently Unavailable",
            other => panic!("unexpected gateway code {other}"),
        };
        assert_eq!(self.node["msg"], msg);
        assert_eq!(self.sub_code(), sub_code, "{}", self.node);
        assert!(!self.sub_msg().is_empty());
    }

    /// 40004 Business Failed; pass methods also carry success "false" and the code in result.
    #[track_caller]
    fn assert_business(&self, sub_code: &str) {
        assert!(self.signed, "business failures are signed: {}", self.node);
        assert_eq!(self.code(), "40004", "{}", self.node);
        assert_eq!(self.node["msg"], "Business Failed");
        assert_eq!(self.sub_code(), sub_code, "{}", self.node);
        assert!(!self.sub_msg().is_empty());
        if self.node_name.starts_with("alipay_pass_") {
            assert_eq!(self.node["success"], "false");
            assert_eq!(self.result()["errorCode"], sub_code);
            assert_eq!(self.result()["errorMsg"], self.sub_msg());
        }
    }
}

fn node(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

fn template_value() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/template_valid.json")).unwrap(),
    )
    .unwrap()
}

/// The template as a compact JSON string, as the SDK examples send it.
fn template_text() -> String {
    template_value().to_string()
}

fn pass_params(serial: &str) -> Value {
    json!({
        "validStartDate": "2024-01-01 00:00:00",
        "validEndDate": "2030-12-31 23:59:59",
        "ackCode": "1234567890",
        "logoText": "四季风情85折优惠券",
        "useStateDesc": "未使用",
        "discountInfo": "凭此券即可打8.5折",
        "channelID": CHANNEL,
        "serialNumber": serial,
    })
}

fn issue_biz(tpl_id: &str, params: Value) -> Value {
    json!({
        "tpl_id": tpl_id,
        "tpl_params": params.to_string(),
        "recognition_type": "1",
        "recognition_info": json!({"partner_id": "2088102114633762", "out_trade_no": "1234567"}).to_string(),
    })
}

fn fault(method: &str, change: impl FnOnce(&mut SimFaultSetting)) -> Vec<SimFaultSetting> {
    let mut f = SimFaultSetting {
        method: method.into(),
        ..Default::default()
    };
    change(&mut f);
    vec![f]
}

// ------------------------------------------------------------------ gateway checks

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
    t.stop().await;
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
    t.stop().await;
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
    let response = t
        .http
        .post(t.url(&format!("/gateway.do?{query}")))
        .header(
            "content-type",
            "application/x-www-form-urlencoded;charset=utf-8",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response, false, false).await.unwrap();
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");

    // An RSA (SHA1) signature announced as RSA2: refused, and answered in RSA2.
    tampered = Request::new(TEMPLATE_ADD, &biz);
    tampered.sha1 = true;
    let (query, body) = tampered.encode();
    let response = t
        .http
        .post(t.url(&format!("/gateway.do?{query}")))
        .body(body)
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response, false, false).await.unwrap();
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");

    // Garbage in the sign parameter.
    let answer = t
        .send(&Request::new(TEMPLATE_ADD, &biz).set("sign", "not base64 at all!"))
        .await;
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-signature");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
    assert_eq!(t.sim.requests(TEMPLATE_ADD), 4);
    t.stop().await;
}

#[tokio::test]
async fn rsa_sha1_requests_get_rsa_sha1_answers() {
    let t = TestSim::start().await;
    let biz = json!({"unique_id": "rsa1", "tpl_content": template_text()}).to_string();
    // Answer::read verifies with -sha1 because the request is RSA.
    let answer = t.send(&Request::new(TEMPLATE_ADD, &biz).rsa_sha1()).await;
    answer.assert_success();
    assert_eq!(answer.node["success"], "true");
    t.stop().await;
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
    t.stop().await;
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
    t.stop().await;
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
    let (query, _) = request.encode();
    let response = t
        .http
        .post(t.url(&format!("/gateway.do?{query}")))
        .body(b"biz_content=%FF%FE%B7".to_vec())
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response, false, false).await.unwrap();
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-charset");
    assert!(answer.sub_msg().contains("biz_content"));

    // Malformed GBK (a lead byte without its trail byte) in a GBK request.
    let request = Request::new(TEMPLATE_ADD, "{}").gbk();
    let (query, _) = request.encode();
    let response = t
        .http
        .post(t.url(&format!("/gateway.do?{query}")))
        .body(b"biz_content=%BB".to_vec())
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response, true, false).await.unwrap();
    answer.assert_gateway(&node(TEMPLATE_ADD), "40002", "isv.invalid-charset");
    t.stop().await;
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
    t.stop().await;
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
    t.stop().await;
}

// ------------------------------------------------------------------ templates

#[tokio::test]
async fn template_add_validates_and_is_unique_per_unique_id() {
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
    let tpl_id = result["tpl_id"].as_str().unwrap().to_owned();
    assert_eq!(tpl_id.len(), 25);
    let params: Vec<&str> = result["tpl_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for p in [
        "validStartDate",
        "validEndDate",
        "ackCode",
        "logoText",
        "useStateDesc",
        "discountInfo",
        "channelID",
        "serialNumber",
    ] {
        assert!(params.contains(&p), "{p} in {params:?}");
    }

    // The same unique_id again: already exists. Strict: the vendor pages promise no tpl_id
    // in the refusal (kinder mode adds it: see kinder_refusals_name_the_existing_ids).
    let again = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "tpl-1", "tpl_content": template_text()}),
        )
        .await;
    again.assert_business("KP.AE_ALIPASS_TEMPLATE_EXISTED");
    assert!(again.result().get("tpl_id").is_none(), "{}", again.node);
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 1);
    assert_eq!(t.sim.effects_for_key(TEMPLATE_ADD, "tpl-1"), 1);
    assert_eq!(t.sim.requests(TEMPLATE_ADD), 2);

    // tpl_content as an inline object works too.
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "tpl-inline", "tpl_content": template_value()}),
    )
    .await
    .assert_success();

    t.call(TEMPLATE_ADD, &json!({"tpl_content": template_text()}))
        .await
        .assert_business("KP.AE_ALIPASS_TEMPLATE_UNIQUE_IS_BLANK");
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "  ", "tpl_content": template_text()}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_TEMPLATE_UNIQUE_IS_BLANK");
    for blank in [json!(""), json!("   "), Value::Null] {
        t.call(
            TEMPLATE_ADD,
            &json!({"unique_id": "tpl-2", "tpl_content": blank}),
        )
        .await
        .assert_business("KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK");
    }
    t.call(TEMPLATE_ADD, &json!({"unique_id": "tpl-2"}))
        .await
        .assert_business("KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK");
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "tpl-2", "tpl_content": "{broken"}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR");
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "tpl-2", "tpl_content": 42}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR");
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "x".repeat(1000), "tpl_content": template_text()}),
    )
    .await
    .assert_business("KP.AE_ILLEGAL_PARAMETERS");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 2);
    t.stop().await;
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
    t.stop().await;
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
    assert_eq!(answer.result()["tpl_id"], tpl_id.as_str());
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
    t.stop().await;
}

// ------------------------------------------------------------------ passes

#[tokio::test]
async fn instance_add_issues_a_pass_once_per_channel_and_serial() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("passes").await;
    let answer = t.add_pass(&tpl_id, "SN-1").await;
    answer.assert_success();
    assert_eq!(answer.node["success"], "true");
    let result = answer.result();
    assert_eq!(result["serialNumber"], "SN-1");
    assert_eq!(result["operate"], "ADD");
    assert_eq!(result["errorCode"], "SUCCESS");
    assert_eq!(result["errorMsg"], "处理成功");
    let pass_id = result["passId"].as_str().unwrap().to_owned();
    assert_eq!(
        t.sim.pass_status(CHANNEL, "SN-1").as_deref(),
        Some("ACTIVE")
    );

    // Again: REPEAT_ADD_ERROR, no second effect (strict: without the existing passId).
    let again = t.add_pass(&tpl_id, "SN-1").await;
    again.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    assert!(again.result().get("passId").is_none(), "{}", again.node);
    assert_eq!(again.result()["operate"], "ADD");
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
    assert_eq!(
        t.sim
            .effects_for_key(INSTANCE_ADD, &format!("{CHANNEL}/SN-1")),
        1
    );
    assert_eq!(t.sim.pass_count(), 1);

    // Same serial on another channel is another pass; inline objects are accepted.
    let mut params = pass_params("SN-1");
    params["channelID"] = json!("2088000000000002");
    let answer = t
        .call(
            INSTANCE_ADD,
            &json!({
                "tpl_id": tpl_id, "tpl_params": params, "recognition_type": 1,
                "recognition_info": {"partner_id": "2088102114633762", "out_trade_no": "1"},
            }),
        )
        .await;
    answer.assert_success();
    assert_ne!(answer.result()["passId"], pass_id.as_str());
    assert_eq!(t.sim.pass_count(), 2);
    t.stop().await;
}

#[tokio::test]
async fn instance_add_business_errors() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("errors").await;
    let cases: Vec<(Value, &str)> = vec![
        (
            issue_biz("2015000000000000000000000", pass_params("E1")),
            "KP.AE_ALIPASS_TEMPLATE_NOT_FOUND",
        ),
        (
            {
                let mut p = pass_params("E2");
                p.as_object_mut().unwrap().remove("logoText");
                issue_biz(&tpl_id, p)
            },
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            {
                let mut b = issue_biz(&tpl_id, pass_params("E3"));
                b["recognition_type"] = json!("3");
                b
            },
            "KP.AE_ALIPASS_RECOGNITION_TYPE_INVALID",
        ),
        (
            {
                let mut b = issue_biz(&tpl_id, pass_params("E4"));
                b["recognition_type"] = json!("2");
                b
            },
            "KP.AE_ALIPASS_RECOGNITION_TYPE_NOSUPPORT",
        ),
        (
            {
                let mut p = pass_params("E5");
                p["logoText"] = json!("优惠券😀");
                issue_biz(&tpl_id, p)
            },
            "KP.AE_ALIPASS_CHAR_NOT_GBK",
        ),
        (
            {
                let mut p = pass_params("E6");
                p["validEndDate"] = json!("2030-13-01 00:00:00");
                issue_biz(&tpl_id, p)
            },
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            {
                let mut p = pass_params("E7");
                p["ackCode"] = json!("0123456789ABCDEF0123");
                issue_biz(&tpl_id, p)
            },
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            {
                let mut b = issue_biz(&tpl_id, pass_params("E8"));
                b["tpl_params"] = json!("{not json");
                b
            },
            "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR",
        ),
        (
            {
                let mut b = issue_biz(&tpl_id, pass_params("E9"));
                b["recognition_info"] = json!({"partner_id": "2088102114633762"});
                b
            },
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            {
                let mut b = issue_biz(&tpl_id, pass_params("E10"));
                b.as_object_mut().unwrap().remove("tpl_id");
                b
            },
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            {
                let mut b = issue_biz(&tpl_id, pass_params("E11"));
                b.as_object_mut().unwrap().remove("recognition_type");
                b
            },
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            {
                let mut p = pass_params("E12");
                p["serialNumber"] = json!("S".repeat(33));
                issue_biz(&tpl_id, p)
            },
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
    ];
    for (biz, sub_code) in cases {
        let answer = t.call(INSTANCE_ADD, &biz).await;
        answer.assert_business(sub_code);
        assert_eq!(answer.result()["operate"], "ADD");
    }
    assert_eq!(t.sim.effects(INSTANCE_ADD), 0);
    assert_eq!(t.sim.pass_count(), 0);
    t.stop().await;
}

#[tokio::test]
async fn instance_update_redeems_closes_and_refuses_final_passes() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("upd-pass").await;
    t.add_pass(&tpl_id, "U-1").await.assert_success();
    t.add_pass(&tpl_id, "U-2").await.assert_success();
    let update = |serial: &str, extra: Value| {
        let mut biz = json!({"serial_number": serial, "channel_id": CHANNEL});
        for (k, v) in extra.as_object().unwrap() {
            biz[k] = v.clone();
        }
        biz
    };

    // Parameters only.
    let answer = t
        .call(
            INSTANCE_UPDATE,
            &update(
                "U-1",
                json!({"tpl_params": "{\"discountInfo\":\"凭此券即可打5折\"}"}),
            ),
        )
        .await;
    answer.assert_success();
    assert_eq!(answer.result()["operate"], "UPDATE");
    assert_eq!(answer.result()["serialNumber"], "U-1");
    assert_eq!(t.sim.pass_status(CHANNEL, "U-1").as_deref(), Some("ACTIVE"));

    for (extra, sub_code) in [
        (json!({}), "KP.AE_ALIPASS_PARAME_IS_NULL"),
        (json!({"tpl_params": {}}), "KP.AE_ALIPASS_PARAME_IS_NULL"),
        (
            json!({"status": "DELETED"}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"status": "USED", "verify_code": "8612231273"}),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            json!({"status": "USED", "verify_type": "wave"}),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            json!({"status": "USED", "verify_type": "nfc", "verify_code": "1"}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"status": "USED", "verify_type": "input", "verify_code": "码😀"}),
            "KP.AE_ALIPASS_CHAR_NOT_GBK",
        ),
        (
            json!({"tpl_params": {"logoText": "券😀"}}),
            "KP.AE_ALIPASS_CHAR_NOT_GBK",
        ),
        (
            json!({"tpl_params": {"validEndDate": "soon"}}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"tpl_params": {"notDeclared": "x"}}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"tpl_params": {"serialNumber": "OTHER"}}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"tpl_params": "[oops"}),
            "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR",
        ),
    ] {
        let answer = t.call(INSTANCE_UPDATE, &update("U-1", extra.clone())).await;
        answer.assert_business(sub_code);
        assert_eq!(answer.result()["operate"], "UPDATE", "{extra}");
    }
    t.call(INSTANCE_UPDATE, &update("NOPE", json!({"status": "USED"})))
        .await
        .assert_business("KP.AE_ALIPASS_NOTEXIST");
    t.call(
        INSTANCE_UPDATE,
        &json!({"channel_id": CHANNEL, "status": "USED"}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_PARAME_IS_NULL");

    // Redeem, then nothing more: not again, not closed, not updated.
    let answer = t
        .call(INSTANCE_UPDATE, &update("U-1", json!({"status": "USED", "verify_type": "qrcode", "verify_code": "8612231273", "tpl_params": {"useStateDesc": "已使用"}})))
        .await;
    answer.assert_success();
    assert_eq!(t.sim.pass_status(CHANNEL, "U-1").as_deref(), Some("USED"));
    for extra in [
        json!({"status": "USED"}),
        json!({"status": "CLOSED"}),
        json!({"tpl_params": {"logoText": "x"}}),
    ] {
        let answer = t.call(INSTANCE_UPDATE, &update("U-1", extra)).await;
        answer.assert_business("KP.AE_ALIPASS_UPDATE_ERROR");
        assert!(answer.sub_msg().contains("USED"), "{}", answer.sub_msg());
    }
    // Close the other, then it is final too.
    t.call(INSTANCE_UPDATE, &update("U-2", json!({"status": "CLOSED"})))
        .await
        .assert_success();
    assert_eq!(t.sim.pass_status(CHANNEL, "U-2").as_deref(), Some("CLOSED"));
    let answer = t
        .call(
            INSTANCE_UPDATE,
            &update(
                "U-2",
                json!({"status": "USED", "verify_type": "wave", "verify_code": "1"}),
            ),
        )
        .await;
    answer.assert_business("KP.AE_ALIPASS_UPDATE_ERROR");
    assert!(answer.sub_msg().contains("CLOSED"));

    assert_eq!(t.sim.effects(INSTANCE_UPDATE), 3);
    assert_eq!(
        t.sim
            .effects_for_key(INSTANCE_UPDATE, &format!("{CHANNEL}/U-1")),
        2
    );
    let snapshot = t.sim.snapshot();
    let u1 = snapshot["passes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["serial_number"] == "U-1")
        .unwrap();
    assert_eq!(u1["verify_type"], "qrcode");
    assert_eq!(u1["params"]["discountInfo"], "凭此券即可打5折");
    assert_eq!(u1["params"]["useStateDesc"], "已使用");
    t.stop().await;
}

// ------------------------------------------------------------------ vouchers

#[tokio::test]
async fn voucher_send_is_idempotent_on_template_and_out_biz_no() {
    let t = TestSim::start().await;
    let biz = json!({
        "template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "biz-1",
        "amount": "9.99", "memo": "优酷3个月兑换券",
    });
    let first = t.call(VOUCHER_SEND, &biz).await;
    first.assert_success();
    let voucher_id = first.node["voucher_id"].as_str().unwrap().to_owned();
    assert_eq!(voucher_id.len(), 28);
    assert_eq!(first.node["user_id"], USER_ID);
    assert!(
        first.node.get("success").is_none(),
        "voucher answers carry no success/result"
    );

    let again = t.call(VOUCHER_SEND, &biz).await;
    again.assert_success();
    assert_eq!(again.node["voucher_id"], voucher_id.as_str());
    // A different body under the same key is still the same business.
    let different = t
        .call(VOUCHER_SEND, &json!({"template_id": VOUCHER_TEMPLATE, "login_id": "13196215350", "out_biz_no": "biz-1", "amount": 1}))
        .await;
    assert_eq!(different.node["voucher_id"], voucher_id.as_str());
    assert_eq!(different.node["user_id"], USER_ID);
    assert_eq!(t.sim.effects(VOUCHER_SEND), 1);
    assert_eq!(t.sim.requests(VOUCHER_SEND), 3);
    assert_eq!(
        t.sim
            .effects_for_key(VOUCHER_SEND, &format!("{VOUCHER_TEMPLATE}/biz-1")),
        1
    );

    // A JSON number amount as in the seed's SDK example.
    let answer = t
        .call(VOUCHER_SEND, &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "biz-2", "amount": 9.99}))
        .await;
    answer.assert_success();
    assert_eq!(t.sim.snapshot()["vouchers"][1]["amount"], "9.99");
    t.stop().await;
}

#[tokio::test]
async fn voucher_send_resolves_users_by_priority_and_deterministically() {
    let t = TestSim::start().await;
    let send = |n: &str, user: Value| {
        let mut biz = json!({"template_id": VOUCHER_TEMPLATE, "out_biz_no": n});
        for (k, v) in user.as_object().unwrap() {
            biz[k] = v.clone();
        }
        biz
    };
    let by_login = t
        .call(
            VOUCHER_SEND,
            &send("l1", json!({"login_id": "13196215350"})),
        )
        .await;
    by_login.assert_success();
    let mapped = by_login.node["user_id"].as_str().unwrap().to_owned();
    assert!(mapped.starts_with("2088") && mapped.len() == 16, "{mapped}");
    let again = t
        .call(
            VOUCHER_SEND,
            &send(
                "l2",
                json!({"login_id": "13196215350", "taobao_nick": "yue54333"}),
            ),
        )
        .await;
    assert_eq!(again.node["user_id"], mapped.as_str());
    let by_nick = t
        .call(
            VOUCHER_SEND,
            &send("n1", json!({"taobao_nick": "yue54333"})),
        )
        .await;
    by_nick.assert_success();
    assert_ne!(by_nick.node["user_id"], mapped.as_str());
    // user_id wins over the others.
    let all = t
        .call(
            VOUCHER_SEND,
            &send(
                "a1",
                json!({"user_id": USER_ID, "login_id": "13196215350", "taobao_nick": "yue54333"}),
            ),
        )
        .await;
    assert_eq!(all.node["user_id"], USER_ID);
    t.stop().await;
}

#[tokio::test]
async fn voucher_send_business_errors() {
    let t = TestSim::start().await;
    let ok = json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "e"});
    let with = |changes: Value| {
        let mut biz = ok.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                biz.as_object_mut().unwrap().remove(k);
            } else {
                biz[k] = v.clone();
            }
        }
        biz
    };
    for (i, (changes, sub_code)) in [
        (
            json!({"template_id": "20140601000730010040000000ZZ"}),
            "TEMPLATE_NOT_EXIST",
        ),
        (
            json!({"template_id": EXPIRED_VOUCHER_TEMPLATE}),
            "TEMPLATE_EXPIRED",
        ),
        (json!({"user_id": null}), "INVALID_PARAMETER"),
        (json!({"template_id": null}), "INVALID_PARAMETER"),
        (json!({"out_biz_no": null}), "INVALID_PARAMETER"),
        (json!({"amount": "9.9"}), "INVALID_PARAMETER"),
        (json!({"amount": "abc"}), "INVALID_PARAMETER"),
        (json!({"amount": 9.999}), "INVALID_PARAMETER"),
        (json!({"amount": "0.00"}), "INVALID_PARAMETER"),
        (json!({"amount": "12345678.00"}), "INVALID_PARAMETER"),
        (json!({"memo": "m".repeat(129)}), "INVALID_PARAMETER"),
        (json!({"template_id": "T".repeat(29)}), "INVALID_PARAMETER"),
        (json!({"user_id": "20883020014561150"}), "INVALID_PARAMETER"),
        (json!({"user_id": "1234567890123456"}), "USER_NOT_EXIST"),
        (json!({"user_id": "2088abc"}), "USER_NOT_EXIST"),
        (
            json!({"user_id": null, "login_id": "not-a-login"}),
            "USER_NOT_EXIST",
        ),
        // The simulator's frozen-account rule: a user id ending in 0000.
        (json!({"user_id": "2088302001450000"}), "USER_STATUS_ERROR"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut biz = with(changes.clone());
        if biz.get("out_biz_no").is_some() {
            biz["out_biz_no"] = json!(format!("e-{i}"));
        }
        let answer = t.call(VOUCHER_SEND, &biz).await;
        assert_eq!(answer.node_name, node(VOUCHER_SEND));
        answer.assert_business(sub_code);
        assert!(answer.node.get("result").is_none(), "{changes}");
    }
    assert_eq!(t.sim.effects(VOUCHER_SEND), 0);
    t.stop().await;
}

// ------------------------------------------------------------------ faults

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
    t.stop().await;
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
    let retry = t
        .send(&Request::new(
            INSTANCE_ADD,
            &issue_biz(&tpl_id, pass_params("LOST-1")).to_string(),
        ))
        .await;
    retry.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    assert!(retry.result().get("passId").is_none(), "{}", retry.node);
    t.sim.set_kinder(true);
    let retry = t
        .send(&Request::new(
            INSTANCE_ADD,
            &issue_biz(&tpl_id, pass_params("LOST-1")).to_string(),
        ))
        .await;
    retry.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    let pass_id = t.sim.snapshot()["passes"][0]["pass_id"].clone();
    assert_eq!(retry.result()["passId"], pass_id);
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
    t.stop().await;
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
    t.stop().await;
}

#[tokio::test]
async fn admin_endpoints_set_faults_show_state_and_reset() {
    let t = TestSim::start().await;
    let faults = json!([{"method": TEMPLATE_ADD, "error_rate": 1.0}]);
    let put = t
        .http
        .put(t.url("/__sim/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    let listed: Value = t
        .http
        .get(t.url("/__sim/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["method"], TEMPLATE_ADD);
    assert_eq!(listed[0]["error_rate"], 1.0);
    assert_eq!(listed[0]["latency_ms"], 0);
    t.call(
        TEMPLATE_ADD,
        &json!({"unique_id": "a", "tpl_content": template_text()}),
    )
    .await
    .assert_gateway(&node(TEMPLATE_ADD), "20000", "isp.unknow-error");

    for bad in [
        json!([{"method": "*", "error_rate": 2.0}]),
        json!([{"method": "*", "error_after_effect_rate": 1.5}]),
        json!([{"method": "*", "system_error_rate": -0.1}]),
        json!([{"method": "*", "unsigned_error_rate": 2}]),
        json!({"nope": true}),
        json!("x"),
    ] {
        let refused = t
            .http
            .put(t.url("/__sim/faults"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 400, "{bad}");
    }
    // A single object is accepted as a one-element list.
    let one = t
        .http
        .put(t.url("/__sim/faults"))
        .json(&json!({"method": "*"}))
        .send()
        .await
        .unwrap();
    assert_eq!(one.status().as_u16(), 200);
    t.sim.set_faults(Vec::new());

    let tpl_id = t.add_template("state").await;
    t.add_pass(&tpl_id, "ST-1").await.assert_success();
    t.call(
        VOUCHER_SEND,
        &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "s"}),
    )
    .await
    .assert_success();
    let state: Value = t
        .http
        .get(t.url("/__sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, t.sim.snapshot());
    assert_eq!(state["requests"][TEMPLATE_ADD], 2);
    assert_eq!(state["effects"][TEMPLATE_ADD], 1);
    assert_eq!(
        state["effects_by_key"][INSTANCE_ADD][format!("{CHANNEL}/ST-1")],
        1
    );
    assert_eq!(
        state["effects_by_key"][VOUCHER_SEND][format!("{VOUCHER_TEMPLATE}/s")],
        1
    );
    assert_eq!(state["templates"][0]["tpl_id"], tpl_id.as_str());
    assert_eq!(state["templates"][0]["content"], template_value());
    assert_eq!(state["kinder"], false);
    assert_eq!(state["passes"][0]["status"], "ACTIVE");
    assert_eq!(state["vouchers"][0]["user_id"], USER_ID);

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
    t.stop().await;
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
    assert_eq!(
        t.http
            .get(t.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    t.stop().await;
}

// ------------------------------------------------------------------ settings

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
    t.stop().await;
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
    app.app_private_key_file = Some(repo("config/dev/app_private_key.pem"));
    app.alipay_public_key_file = Some(repo("config/dev/sim_public_key.pem"));
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
        },
        keys,
        None,
    )
    .unwrap();
    let log = AttemptLog::default();
    let request = VoucherSend {
        template_id: VOUCHER_TEMPLATE,
        user_id: Some(USER_ID),
        login_id: None,
        taobao_nick: None,
        out_biz_no: "client-1",
        amount: Some("10.00"),
        memo: Some("会员礼券"),
    };
    let started = Instant::now();
    let sent = client
        .voucher_send(&request, &log)
        .await
        .expect("the client accepts the answer");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(sent.user_id.as_deref(), Some(USER_ID));
    let again = client.voucher_send(&request, &log).await.unwrap();
    assert_eq!(again.voucher_id, sent.voucher_id);
    assert_eq!(t.sim.effects(VOUCHER_SEND), 1);
    t.stop().await;
}

// ------------------------------------------------------------------ strict and kinder

/// The members of a pass method's `result`, sorted.
fn result_keys(answer: &Answer) -> Vec<String> {
    let mut keys: Vec<String> = answer
        .result()
        .as_object()
        .expect("result holds an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn keys(names: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = names.iter().map(|k| (*k).to_owned()).collect();
    keys.sort();
    keys
}

/// A template T, a pass SN-R on it, redeemed; then the three refusals that may name ids:
/// (template.add again, instance.add again, instance.update of the redeemed pass).
async fn id_refusals(t: &TestSim) -> (String, String, [Answer; 3]) {
    let tpl_id = t.add_template("ids").await;
    let added = t.add_pass(&tpl_id, "SN-R").await;
    added.assert_success();
    let pass_id = added.result()["passId"].as_str().unwrap().to_owned();
    let update = json!({"serial_number": "SN-R", "channel_id": CHANNEL, "status": "USED",
        "verify_type": "qrcode", "verify_code": "1"});
    t.call(INSTANCE_UPDATE, &update).await.assert_success();

    let template = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "ids", "tpl_content": template_text()}),
        )
        .await;
    template.assert_business("KP.AE_ALIPASS_TEMPLATE_EXISTED");
    let pass = t.add_pass(&tpl_id, "SN-R").await;
    pass.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    let closed = json!({"serial_number": "SN-R", "channel_id": CHANNEL, "status": "CLOSED"});
    let update = t.call(INSTANCE_UPDATE, &closed).await;
    update.assert_business("KP.AE_ALIPASS_UPDATE_ERROR");
    (tpl_id, pass_id, [template, pass, update])
}

#[tokio::test]
async fn strict_refusals_name_no_existing_ids() {
    let t = TestSim::start().await;
    assert!(!t.sim.kinder(), "strict is the default");
    let (_, _, [template, pass, update]) = id_refusals(&t).await;
    assert_eq!(result_keys(&template), keys(&["errorCode", "errorMsg"]));
    assert_eq!(
        result_keys(&pass),
        keys(&["errorCode", "errorMsg", "operate"])
    );
    assert_eq!(pass.result()["operate"], "ADD");
    assert_eq!(
        result_keys(&update),
        keys(&["errorCode", "errorMsg", "operate"])
    );
    assert_eq!(update.result()["operate"], "UPDATE");
    // Nothing outside result names them either.
    for answer in [&template, &pass, &update] {
        for member in ["tpl_id", "passId", "serialNumber", "status"] {
            assert!(answer.node.get(member).is_none(), "{}", answer.node);
        }
    }
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 1);
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
    assert_eq!(t.sim.effects(INSTANCE_UPDATE), 1);
    t.stop().await;
}

#[tokio::test]
async fn kinder_refusals_name_the_existing_ids() {
    let t = TestSim::start().await;
    assert_eq!(t.state().await["kinder"], false);
    let (status, answer) = t.admin_put("kinder", &json!({"kinder": true})).await;
    assert_eq!((status, answer), (200, json!({"kinder": true})));
    assert_eq!(t.state().await["kinder"], true);
    assert!(t.sim.kinder());

    let (tpl_id, pass_id, [template, pass, update]) = id_refusals(&t).await;
    assert_eq!(
        result_keys(&template),
        keys(&["errorCode", "errorMsg", "tpl_id"])
    );
    assert_eq!(template.result()["tpl_id"], tpl_id.as_str());
    assert_eq!(
        result_keys(&pass),
        keys(&["errorCode", "errorMsg", "operate", "passId", "serialNumber"])
    );
    assert_eq!(pass.result()["passId"], pass_id.as_str());
    assert_eq!(pass.result()["serialNumber"], "SN-R");
    assert_eq!(
        result_keys(&update),
        keys(&[
            "errorCode",
            "errorMsg",
            "operate",
            "passId",
            "serialNumber",
            "status"
        ])
    );
    assert_eq!(update.result()["passId"], pass_id.as_str());
    assert_eq!(update.result()["status"], "USED");

    // reset keeps the mode; the endpoint switches it back and refuses nonsense.
    let reset = t.http.post(t.url("/__sim/reset")).send().await.unwrap();
    assert_eq!(reset.status().as_u16(), 200);
    assert!(t.sim.kinder());
    for bad in [json!({"kinder": "yes"}), json!({}), json!(true)] {
        let (status, _) = t.admin_put("kinder", &bad).await;
        assert_eq!(status, 400, "{bad}");
    }
    assert!(t.sim.kinder());
    let (status, answer) = t.admin_put("kinder", &json!({"kinder": false})).await;
    assert_eq!((status, answer), (200, json!({"kinder": false})));
    assert!(!t.sim.kinder());
    t.stop().await;

    // sim.kinder = true starts kinder.
    let mut settings = sim_settings();
    settings.kinder = true;
    assert!(alipass::simulator::simulator(&settings).unwrap().kinder());
}

/// Requests the public-parameter check refuses: (request, node name, code, sub_code).
fn auth_failures() -> Vec<(Request, String, &'static str, &'static str)> {
    let biz = json!({"unique_id": "auth", "tpl_content": template_text()}).to_string();
    let add = node(TEMPLATE_ADD);
    vec![
        (
            Request::new(TEMPLATE_ADD, &biz).signed_with("config/dev/sim_private_key.pem"),
            add.clone(),
            "40002",
            "isv.invalid-signature",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz).set("app_id", "2021999999999999"),
            add.clone(),
            "40002",
            "isv.invalid-app-id",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz).set("timestamp", &beijing_timestamp(-3600)),
            add.clone(),
            "40002",
            "isv.invalid-timestamp",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz).without("sign").unsigned(),
            add.clone(),
            "40001",
            "isv.missing-signature",
        ),
        (
            Request::new("alipay.trade.pay", &biz),
            "error_response".to_owned(),
            "40002",
            "isv.invalid-method",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz)
                .gbk()
                .signed_with("config/dev/sim_private_key.pem"),
            add,
            "40002",
            "isv.invalid-signature",
        ),
    ]
}

#[tokio::test]
async fn strict_public_parameter_errors_are_unsigned() {
    let t = TestSim::start().await;
    for (request, node_name, code, sub_code) in auth_failures() {
        let answer = t.send(&request).await;
        // assert_gateway: 40001 / 40002 must come without a sign member.
        answer.assert_gateway(&node_name, code, sub_code);
        assert!(!answer.signed);
    }
    // The raw body is the node alone.
    let (request, ..) = auth_failures().swap_remove(1);
    let (query, body) = request.encode();
    let text = t
        .http
        .post(t.url(&format!("/gateway.do?{query}")))
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.starts_with("{\"alipay_pass_template_add_response\":{\"code\":\"40002\""),
        "{text}"
    );
    assert!(!text.contains("\"sign\""), "{text}");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
    t.stop().await;
}

#[tokio::test]
async fn kinder_public_parameter_errors_are_signed() {
    let mut settings = sim_settings();
    settings.kinder = true;
    let t = TestSim::start_with(settings).await;
    for (request, node_name, code, sub_code) in auth_failures() {
        // Answer::read verified the signature over the node.
        let answer = t.send(&request).await;
        answer.assert_gateway_shape(&node_name, code, sub_code);
        assert!(answer.signed, "{}", answer.node);
    }
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
    t.stop().await;
}

// ------------------------------------------------------------------ more faults

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
    t.stop().await;
}

#[tokio::test]
async fn system_error_is_a_signed_business_failure_without_effect() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("syserr").await;
    t.sim.set_faults(fault("*", |f| f.system_error_rate = 1.0));
    let answer = t.add_pass(&tpl_id, "SYS-1").await;
    assert_eq!(answer.node_name, node(INSTANCE_ADD));
    answer.assert_business("KP.AE_SYSTEM_ERROR");
    assert_eq!(answer.node["success"], "false");
    assert_eq!(result_keys(&answer), keys(&["errorCode", "errorMsg"]));
    let answer = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "syserr-2", "tpl_content": template_text()}),
        )
        .await;
    answer.assert_business("KP.AE_SYSTEM_ERROR");

    let answer = t
        .call(
            VOUCHER_SEND,
            &json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "sys"}),
        )
        .await;
    assert_eq!(answer.node_name, node(VOUCHER_SEND));
    answer.assert_business("SYSTEM_ERROR");
    assert!(answer.node.get("result").is_none(), "{}", answer.node);

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
    t.stop().await;
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
    t.stop().await;
}

#[tokio::test]
async fn faults_before_the_effect_are_checked_first() {
    let t = TestSim::start().await;
    let biz = |id: &str| json!({"unique_id": id, "tpl_content": template_text()});
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
    assert!(t
        .try_send(&Request::new(TEMPLATE_ADD, &biz("o-3").to_string()))
        .await
        .is_err());
    assert_eq!(t.state().await["effects"].get(TEMPLATE_ADD), None);
    // After the effect, a lost answer comes before a 20000.
    t.sim.set_faults(fault(TEMPLATE_ADD, |f| {
        f.lost_answer_rate = 1.0;
        f.error_after_effect_rate = 1.0;
    }));
    assert!(t
        .try_send(&Request::new(TEMPLATE_ADD, &biz("o-4").to_string()))
        .await
        .is_err());
    assert_eq!(t.state().await["effects_by_key"][TEMPLATE_ADD]["o-4"], 1);
    t.stop().await;
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
    t.stop().await;
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
    t.stop().await;
}
