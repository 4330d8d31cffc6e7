//! What every simulator test uses: the simulator on a port, requests signed by the openssl
//! command line, answers checked by it.

pub(crate) use crate::fetch::Fetch;
pub(crate) use std::net::TcpListener;
pub(crate) use std::path::{Path, PathBuf};
pub(crate) use std::process::Command;
pub(crate) use std::time::{Duration, Instant};

pub(crate) use actix_web::dev::ServerHandle;
pub(crate) use alipass::config::{Profile, Settings, SimAppSetting, SimFaultSetting, SimSettings};
pub(crate) use alipass::sim::Simulator;
pub(crate) use base64::engine::general_purpose::STANDARD;
pub(crate) use base64::Engine;
pub(crate) use rand::{Rng, SeedableRng};
pub(crate) use serde_json::{json, Value};

pub(crate) const APP_ID: &str = "2021000000000001";
pub(crate) const TEMPLATE_ADD: &str = "alipay.pass.template.add";
pub(crate) const TEMPLATE_UPDATE: &str = "alipay.pass.template.update";
pub(crate) const INSTANCE_ADD: &str = "alipay.pass.instance.add";
pub(crate) const INSTANCE_UPDATE: &str = "alipay.pass.instance.update";
pub(crate) const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";
pub(crate) const VOUCHER_TEMPLATE: &str = "20140601000730010040000000EB";
pub(crate) const EXPIRED_VOUCHER_TEMPLATE: &str = "20140601000730010040000000EX";
/// A red packet: every send carries an amount.
pub(crate) const RED_PACKET_TEMPLATE: &str = "20140601000730010040000000RP";
pub(crate) const USER_ID: &str = "2088302001456115";
pub(crate) const CHANNEL: &str = "2088102122069225";

pub(crate) fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The test profile's simulator settings (keys and voucher templates of config/test.toml).
pub(crate) fn sim_settings() -> SimSettings {
    let settings =
        Settings::load_profile(&repo("config"), Profile::Test).expect("test profile loads");
    let mut sim = settings.sim;
    sim.private_key = None;
    sim.private_key_file = Some(repo("config/dev/sim_private_key.pem"));
    sim.apps = vec![SimAppSetting {
        app_id: APP_ID.into(),
        public_key: None,
        public_key_file: Some(repo("config/dev/app_public_key.pem")),
        encrypt_key: None,
        encrypt_key_file: None,
        app_cert_file: None,
    }];
    sim.apps_file = None;
    sim.admin_enabled = true;
    sim.faults = Vec::new();
    sim.timestamp_tolerance_secs = 900;
    sim
}

pub(crate) struct TestSim {
    pub(crate) sim: Simulator,
    pub(crate) base: String,
    pub(crate) handle: ServerHandle,
    pub(crate) http: reqwest::Client,
}

/// The server stops with the test: `stop` sends its command at once, so the future that
/// waits for it may be dropped.
impl Drop for TestSim {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl TestSim {
    pub(crate) async fn start() -> Self {
        Self::start_with(sim_settings()).await
    }

    pub(crate) async fn start_with(settings: SimSettings) -> Self {
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

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A signed call the way the official SDKs send it: public parameters in the query,
    /// biz_content in the form body.
    pub(crate) async fn call(&self, method: &str, biz: &Value) -> Answer {
        self.send(&Request::new(method, &biz.to_string())).await
    }

    pub(crate) async fn send(&self, request: &Request) -> Answer {
        self.try_send(request).await.expect("the simulator answers")
    }

    pub(crate) async fn try_send(&self, request: &Request) -> Result<Answer, reqwest::Error> {
        self.try_send_with(&self.http, request).await
    }

    /// [`Self::try_send`] through another client (a shorter timeout, say).
    pub(crate) async fn try_send_with(
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

    /// `request`'s public parameters in the query and `body`, as is, for the body (no
    /// content type).
    pub(crate) async fn send_with_body(&self, request: &Request, body: &[u8]) -> Answer {
        let (query, _) = request.encode();
        let url = self.url(&format!("/gateway.do?{query}"));
        let response = self
            .http
            .post(url)
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        Answer::read(response, request.gbk, false).await.unwrap()
    }

    pub(crate) async fn post_raw(&self, query: &str, body: Vec<u8>) -> Answer {
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

    pub(crate) async fn add_template(&self, unique_id: &str) -> String {
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
    pub(crate) async fn admin_put(&self, path: &str, body: &Value) -> (u16, Value) {
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
    pub(crate) async fn state(&self) -> Value {
        self.http.get(self.url("/__sim/state")).value().await
    }

    pub(crate) async fn add_pass(&self, tpl_id: &str, serial: &str) -> Answer {
        self.call(INSTANCE_ADD, &issue_biz(tpl_id, pass_params(serial)))
            .await
    }
}

/// One gateway request under construction.
#[derive(Clone)]
pub(crate) struct Request {
    /// (name, value, in the body instead of the query)
    pub(crate) params: Vec<(String, String, bool)>,
    pub(crate) gbk: bool,
    pub(crate) sha1: bool,
    pub(crate) key: PathBuf,
    pub(crate) sign: bool,
}

impl Request {
    pub(crate) fn new(method: &str, biz: &str) -> Self {
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

    pub(crate) fn set(mut self, name: &str, value: &str) -> Self {
        match self.params.iter_mut().find(|(k, _, _)| k == name) {
            Some(slot) => slot.1 = value.into(),
            None => self.params.push((name.into(), value.into(), false)),
        }
        self
    }

    pub(crate) fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _, _)| k != name);
        self
    }

    pub(crate) fn gbk(self) -> Self {
        Self { gbk: true, ..self }.set("charset", "GBK")
    }

    pub(crate) fn rsa_sha1(self) -> Self {
        Self { sha1: true, ..self }.set("sign_type", "RSA")
    }

    pub(crate) fn signed_with(self, key: &str) -> Self {
        Self {
            key: repo(key),
            ..self
        }
    }

    pub(crate) fn unsigned(self) -> Self {
        Self {
            sign: false,
            ..self
        }
    }

    pub(crate) fn all_in_body(mut self) -> Self {
        for p in &mut self.params {
            p.2 = true;
        }
        self
    }

    pub(crate) fn charset_name(&self) -> &'static str {
        if self.gbk {
            "GBK"
        } else {
            "utf-8"
        }
    }

    pub(crate) fn bytes(&self, text: &str) -> Vec<u8> {
        if self.gbk {
            let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
            assert!(!unmappable, "test text must be GBK");
            bytes.into_owned()
        } else {
            text.as_bytes().to_vec()
        }
    }

    /// The Alipay sign string, by hand: every parameter but sign, empties skipped, sorted.
    pub(crate) fn sign_string(&self) -> String {
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
    pub(crate) fn encode(&self) -> (String, Vec<u8>) {
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

pub(crate) fn beijing_timestamp(offset_secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(8 * 3600 + offset_secs))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub(crate) fn openssl_sign(content: &[u8], key: &Path, sha1: bool) -> String {
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

/// `openssl enc` AES-CBC with a zero IV under the base64 key `key_b64`: base64 ciphertext
/// out when encrypting, plaintext out when decrypting (base64 in).
pub(crate) fn openssl_aes(key_b64: &str, decrypt: bool, input: &[u8]) -> Vec<u8> {
    let key = STANDARD.decode(key_b64).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in"), input).unwrap();
    let output = Command::new("openssl")
        .arg("enc")
        .arg(format!("-aes-{}-cbc", key.len() * 8))
        .args(["-K", &hex::encode(&key), "-iv", &"0".repeat(32)])
        .args([if decrypt { "-d" } else { "-e" }, "-base64", "-A", "-in"])
        .arg(dir.path().join("in"))
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "openssl enc failed");
    output.stdout
}

pub(crate) fn openssl_verify(content: &[u8], signature_b64: &str, sha1: bool) -> bool {
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
pub(crate) struct Answer {
    pub(crate) content_type: String,
    pub(crate) node_name: String,
    pub(crate) node: Value,
    /// A `sign` member followed the node (and verified).
    pub(crate) signed: bool,
}

impl Answer {
    pub(crate) async fn read(
        response: reqwest::Response,
        gbk: bool,
        sha1: bool,
    ) -> Result<Self, reqwest::Error> {
        assert_eq!(
            response.status().as_u16(),
            200,
            "gateway answers are HTTP 200"
        );
        let content_type = crate::fetch::content_type(&response);
        let bytes = response.bytes().await?;
        Ok(Self::parse(&bytes, content_type, gbk, sha1))
    }

    pub(crate) fn parse(bytes: &[u8], content_type: String, gbk: bool, sha1: bool) -> Self {
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
    pub(crate) fn unsigned(
        text: &str,
        whole: &Value,
        content_type: String,
        node_name: String,
    ) -> Self {
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

    /// The answer with its encrypted node decrypted by `openssl enc` under `key_b64`.
    pub(crate) fn decrypted(&self, key_b64: &str, gbk: bool) -> Answer {
        let ciphertext = self.node.as_str().expect("an encrypted node is a string");
        let plain = openssl_aes(key_b64, true, ciphertext.as_bytes());
        let text = if gbk {
            encoding_rs::GBK.decode(&plain).0.into_owned()
        } else {
            String::from_utf8(plain).expect("UTF-8 plaintext")
        };
        Answer {
            content_type: self.content_type.clone(),
            node_name: self.node_name.clone(),
            node: serde_json::from_str(&text).expect("the plaintext is the node's JSON"),
            signed: self.signed,
        }
    }

    pub(crate) fn code(&self) -> &str {
        self.node["code"].as_str().unwrap_or_default()
    }

    pub(crate) fn sub_code(&self) -> &str {
        self.node["sub_code"].as_str().unwrap_or_default()
    }

    pub(crate) fn sub_msg(&self) -> &str {
        self.node["sub_msg"].as_str().unwrap_or_default()
    }

    /// A pass method's `result`, decoded from its string.
    pub(crate) fn result(&self) -> Value {
        let text = self.node["result"]
            .as_str()
            .expect("result is a JSON string");
        serde_json::from_str(text).expect("result holds JSON")
    }

    #[track_caller]
    pub(crate) fn assert_success(&self) {
        assert_eq!(self.code(), "10000", "{}", self.node);
        assert_eq!(self.node["msg"], "Success");
        assert!(self.signed, "successes are signed");
    }

    /// A gateway error as strict mode answers it: 20000 signed, 40001 / 40002 (the
    /// public-parameter check) unsigned.
    #[track_caller]
    pub(crate) fn assert_gateway(&self, node_name: &str, code: &str, sub_code: &str) {
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
    pub(crate) fn assert_gateway_shape(&self, node_name: &str, code: &str, sub_code: &str) {
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
    pub(crate) fn assert_business(&self, sub_code: &str) {
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

pub(crate) fn node(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

pub(crate) fn template_value() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/template_valid.json")).unwrap(),
    )
    .unwrap()
}

/// The template as a compact JSON string, as the SDK examples send it.
pub(crate) fn template_text() -> String {
    template_value().to_string()
}

pub(crate) fn pass_params(serial: &str) -> Value {
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

pub(crate) fn issue_biz(tpl_id: &str, params: Value) -> Value {
    json!({
        "tpl_id": tpl_id,
        "tpl_params": params.to_string(),
        "recognition_type": "1",
        "recognition_info": json!({"partner_id": "2088102114633762", "out_trade_no": "1234567"}).to_string(),
    })
}

pub(crate) fn fault(
    method: &str,
    change: impl FnOnce(&mut SimFaultSetting),
) -> Vec<SimFaultSetting> {
    let mut f = SimFaultSetting {
        method: method.into(),
        ..Default::default()
    };
    change(&mut f);
    vec![f]
}

/// The members of a pass method's `result`, sorted.
pub(crate) fn result_keys(answer: &Answer) -> Vec<String> {
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

pub(crate) fn keys(names: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = names.iter().map(|k| (*k).to_owned()).collect();
    keys.sort();
    keys
}
