//! The operations the driver sends and the small model of what exists, used only to pick
//! sensible targets. The model never predicts outcomes: the oracle compares the final
//! records with the simulator's state instead.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::Rng;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{issue_body, paths, valid_template};

pub const VOUCHER_TEMPLATE: &str = "20140601000730010040000000EB";
const VOUCHER_USER: &str = "2088102122069225";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpKind {
    CreateTemplate,
    UpdateTemplate,
    IssuePass,
    UpdatePass,
    Redeem,
    Close,
    SendVoucher,
}

impl OpKind {
    pub fn name(self) -> &'static str {
        match self {
            OpKind::CreateTemplate => "create_template",
            OpKind::UpdateTemplate => "update_template",
            OpKind::IssuePass => "issue_pass",
            OpKind::UpdatePass => "update_pass",
            OpKind::Redeem => "redeem",
            OpKind::Close => "close",
            OpKind::SendVoucher => "send_voucher",
        }
    }
}

/// What a 503 answer leaves open until it is settled: the record behind the key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// A template create, by unique_id.
    Template(String),
    /// A template update, by our template id.
    TemplateUpdate(String),
    /// A pass issue or change, by serial number.
    Pass(String),
    /// A voucher send, by out_biz_no.
    Voucher(String),
}

impl Key {
    /// The identifier alone (unique_id, template id, serial number or out_biz_no).
    pub fn id(&self) -> &str {
        match self {
            Key::Template(id) | Key::TemplateUpdate(id) | Key::Pass(id) | Key::Voucher(id) => id,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub kind: OpKind,
    pub method: Method,
    pub path: String,
    pub body: Value,
    pub key: Key,
}

#[derive(Clone, Debug, Default)]
struct TemplateModel {
    id: Option<String>,
    status: String,
    params: Vec<String>,
}

/// What the driver believes exists, learned from answers and list reads.
pub struct World {
    base_content: Value,
    /// unique_id → template.
    templates: BTreeMap<String, TemplateModel>,
    /// serial number → status.
    passes: BTreeMap<String, String>,
    /// Every request sent, for retries with the same key and body.
    sent: Vec<Request>,
    counter: u64,
}

impl World {
    pub fn new() -> Self {
        Self {
            base_content: valid_template(),
            templates: BTreeMap::new(),
            passes: BTreeMap::new(),
            sent: Vec::new(),
            counter: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A past request again (same key, same body), or None before anything was sent.
    pub fn retry(&self, rng: &mut StdRng) -> Option<Request> {
        (!self.sent.is_empty()).then(|| self.sent[rng.gen_range(0..self.sent.len())].clone())
    }

    /// A fresh request of a random kind, falling back to what the model allows.
    pub fn plan(&mut self, rng: &mut StdRng) -> Request {
        let roll = rng.gen_range(0..100);
        let wanted = match roll {
            0..=9 => OpKind::CreateTemplate,
            10..=19 => OpKind::UpdateTemplate,
            20..=49 => OpKind::IssuePass,
            50..=62 => OpKind::UpdatePass,
            63..=71 => OpKind::Redeem,
            72..=79 => OpKind::Close,
            _ => OpKind::SendVoucher,
        };
        let request = match wanted {
            OpKind::CreateTemplate => Some(self.create_template()),
            OpKind::UpdateTemplate => self.update_template(rng),
            OpKind::IssuePass => self.issue_pass(rng),
            OpKind::UpdatePass | OpKind::Redeem | OpKind::Close => self.change_pass(wanted, rng),
            OpKind::SendVoucher => Some(self.send_voucher()),
        };
        // Nothing to act on yet (no CREATED template, no issued pass): make something.
        let request = request
            .or_else(|| self.issue_pass(rng))
            .unwrap_or_else(|| self.create_template());
        self.sent.push(request.clone());
        request
    }

    fn content(&self, merchant: &str) -> Value {
        let mut content = self.base_content.clone();
        content["content"]["merchant"]["mname"] = json!(merchant);
        content
    }

    fn create_template(&mut self) -> Request {
        let n = self.next();
        let unique_id = format!("mt-{n:05}");
        self.templates.entry(unique_id.clone()).or_default();
        Request {
            kind: OpKind::CreateTemplate,
            method: Method::POST,
            path: paths::TEMPLATES.into(),
            body: json!({"unique_id": unique_id, "content": self.content(&format!("model {n}"))}),
            key: Key::Template(unique_id),
        }
    }

    fn created_template(&self, rng: &mut StdRng) -> Option<(String, Vec<String>)> {
        let created: Vec<&TemplateModel> = self
            .templates
            .values()
            .filter(|t| t.status == "CREATED" && t.id.is_some())
            .collect();
        if created.is_empty() {
            return None;
        }
        let t = created[rng.gen_range(0..created.len())];
        Some((t.id.clone()?, t.params.clone()))
    }

    fn update_template(&mut self, rng: &mut StdRng) -> Option<Request> {
        let (id, _) = self.created_template(rng)?;
        let n = self.next();
        Some(Request {
            kind: OpKind::UpdateTemplate,
            method: Method::PUT,
            path: paths::template(&id),
            body: json!({"content": self.content(&format!("model update {n}"))}),
            key: Key::TemplateUpdate(id),
        })
    }

    fn issue_pass(&mut self, rng: &mut StdRng) -> Option<Request> {
        let (id, params) = self.created_template(rng)?;
        let serial = format!("MS{:05}", self.next());
        self.passes.insert(serial.clone(), "ISSUING".into());
        Some(Request {
            kind: OpKind::IssuePass,
            method: Method::POST,
            path: paths::PASSES.into(),
            body: issue_body(&id, &serial, &params),
            key: Key::Pass(serial),
        })
    }

    /// Mostly an ISSUED pass; sometimes any known pass, so refusals (409) are exercised too.
    fn change_pass(&mut self, kind: OpKind, rng: &mut StdRng) -> Option<Request> {
        let any = rng.gen_bool(0.1);
        let candidates: Vec<&String> = self
            .passes
            .iter()
            .filter(|(_, status)| any || status.as_str() == "ISSUED")
            .map(|(serial, _)| serial)
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let serial = candidates[rng.gen_range(0..candidates.len())].clone();
        let n = self.next();
        let (path, body) = match kind {
            OpKind::Redeem => (paths::redeem(&serial), json!({})),
            OpKind::Close => (paths::close(&serial), json!({})),
            _ => {
                let name = if n.is_multiple_of(2) {
                    "discountInfo"
                } else {
                    "logoText"
                };
                (
                    paths::pass(&serial),
                    json!({"params": {name: format!("变更{n}")}}),
                )
            }
        };
        let method = if kind == OpKind::UpdatePass {
            Method::PATCH
        } else {
            Method::POST
        };
        Some(Request {
            kind,
            method,
            path,
            body,
            key: Key::Pass(serial),
        })
    }

    fn send_voucher(&mut self) -> Request {
        let out_biz_no = format!("mv-{:05}", self.next());
        Request {
            kind: OpKind::SendVoucher,
            method: Method::POST,
            path: paths::VOUCHERS.into(),
            body: json!({
                "template_id": VOUCHER_TEMPLATE,
                "recipient": {"user_id": VOUCHER_USER},
                "out_biz_no": out_biz_no,
                "memo": "model run",
            }),
            key: Key::Voucher(out_biz_no),
        }
    }

    /// Learns from one 2xx answer body (a template or a pass view).
    pub fn learn(&mut self, kind: OpKind, body: &Value) {
        match kind {
            OpKind::CreateTemplate | OpKind::UpdateTemplate => self.learn_template(body),
            OpKind::SendVoucher => {}
            _ => self.learn_pass(body),
        }
    }

    pub fn learn_template(&mut self, view: &Value) {
        let Some(unique_id) = view["unique_id"].as_str() else {
            return;
        };
        let params = view["params"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        self.templates.insert(
            unique_id.to_owned(),
            TemplateModel {
                id: view["id"].as_str().map(str::to_owned),
                status: view["status"].as_str().unwrap_or_default().to_owned(),
                params,
            },
        );
    }

    pub fn learn_pass(&mut self, view: &Value) {
        if let (Some(serial), Some(status)) =
            (view["serial_number"].as_str(), view["status"].as_str())
        {
            self.passes.insert(serial.to_owned(), status.to_owned());
        }
    }
}
