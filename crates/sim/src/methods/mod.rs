//! The five methods' business rules (seeds 000–004) on state kept in memory.
//!
//! Templates and pass parameters are checked with the service's own template domain, so the
//! simulator and the service can never disagree about what a valid template is.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use alipass_domain::pass::TemplateSlot;
use alipass_domain::template::{Finding, PassParams, TemplateContent};
use alipass_domain::voucher::Amount;
use alipay_protocol::charset::gbk_encodable;
use alipay_protocol::methods::{
    Method, INSTANCE_ADD, INSTANCE_UPDATE, TEMPLATE_ADD, TEMPLATE_UPDATE, VOUCHER_SEND,
};

use crate::wire::{beijing_now, clip, Call};
use crate::{counts, Simulator};

mod certs;
mod passes;
mod templates;
mod vouchers;

use self::certs::alipaycert_download;
use self::passes::{instance_add, instance_update};
use self::templates::{template_add, template_update};
use self::vouchers::voucher_send;

/// Business codes as the vendor pages spell them (including `INVAILD`).
mod code {
    pub const TEMPLATE_CONTENT_FORMAT_ERR: &str = "KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR";
    pub const TEMPLATE_CONTENT_IS_BLANK: &str = "KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK";
    pub const TEMPLATE_UNIQUE_IS_BLANK: &str = "KP.AE_ALIPASS_TEMPLATE_UNIQUE_IS_BLANK";
    pub const TEMPLATE_PARAMTER_IS_NULL: &str = "KP.AE_ALIPASS_TEMPLATE_PARAMTER_IS_NULL";
    pub const TEMPLATE_EXISTED: &str = "KP.AE_ALIPASS_TEMPLATE_EXISTED";
    pub const TEMPLATE_NOT_EXIST: &str = "KP.AE_ALIPASS_TEMPLATE_NOT_EXIST";
    pub const ILLEGAL_PARAMETERS: &str = "KP.AE_ILLEGAL_PARAMETERS";
    pub const TEMPLATE_NOT_FOUND: &str = "KP.AE_ALIPASS_TEMPLATE_NOT_FOUND";
    pub const PARAMS_FORMAT_ERROR: &str = "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR";
    pub const PARAME_IS_NULL: &str = "KP.AE_ALIPASS_PARAME_IS_NULL";
    pub const PARAMS_VALUE_INVAILD: &str = "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD";
    pub const RECOGNITION_TYPE_NOSUPPORT: &str = "KP.AE_ALIPASS_RECOGNITION_TYPE_NOSUPPORT";
    pub const RECOGNITION_TYPE_INVALID: &str = "KP.AE_ALIPASS_RECOGNITION_TYPE_INVALID";
    pub const CHAR_NOT_GBK: &str = "KP.AE_ALIPASS_CHAR_NOT_GBK";
    pub const REPEAT_ADD_ERROR: &str = "KP.AE_ALIPASS_REPEAT_ADD_ERROR";
    pub const NOTEXIST: &str = "KP.AE_ALIPASS_NOTEXIST";
    pub const UPDATE_ERROR: &str = "KP.AE_ALIPASS_UPDATE_ERROR";
    pub const TEMPLATE_NOT_EXIST_VOUCHER: &str = "TEMPLATE_NOT_EXIST";
    pub const TEMPLATE_EXPIRED: &str = "TEMPLATE_EXPIRED";
    pub const USER_NOT_EXIST: &str = "USER_NOT_EXIST";
    pub const USER_STATUS_ERROR: &str = "USER_STATUS_ERROR";
    pub const INVALID_PARAMETER: &str = "INVALID_PARAMETER";
    pub const SYSTEM_ERROR: &str = "KP.AE_SYSTEM_ERROR";
    pub const SYSTEM_ERROR_VOUCHER: &str = "SYSTEM_ERROR";
    /// alipaycert.download for a serial number the gateway never issued (our wording: the
    /// pages we hold do not list this method's codes).
    pub const CERT_NOT_EXIST: &str = "CERT_NOT_EXIST";
}

const SUCCESS_MSG: &str = "处理成功";
/// How much of the joined findings a sub_msg carries.
const SUB_MSG_CHARS: usize = 2000;
/// Field lengths from the API reference pages (seeds 000, 001, 003, 004).
const UNIQUE_ID_MAX: usize = 999;
// The harder of the pages' readings, as the service checks them.
const TPL_PARAMS_MAX: usize = alipass_domain::template::TPL_PARAMS_MAX_CHARS;
const RECOGNITION_INFO_MAX: usize = alipass_domain::pass::RECOGNITION_INFO_MAX_CHARS;
const VERIFY_CODE_MAX: usize = 999;
const VOUCHER_TEMPLATE_ID_MAX: usize = 28;
const OUT_BIZ_NO_MAX: usize = 64;
const USER_ID_MAX: usize = 16;
const LOGIN_MAX: usize = 128;
const MEMO_MAX: usize = 128;
const VERIFY_TYPES: [&str; 4] = ["wave", "qrcode", "barcode", "input"];

#[derive(Default)]
pub(crate) struct State {
    templates: HashMap<String, SimTemplate>,
    /// (app_id, unique_id) → tpl_id.
    template_ids: HashMap<(String, String), String>,
    /// (channel_id, serial_number) → pass.
    passes: HashMap<(String, String), SimPass>,
    /// (template_id, out_biz_no) → voucher.
    vouchers: HashMap<(String, String), SimVoucher>,
    requests: BTreeMap<String, u64>,
    effects: BTreeMap<String, u64>,
    effects_by_key: BTreeMap<String, BTreeMap<String, u64>>,
}

struct SimTemplate {
    app_id: String,
    unique_id: String,
    content: TemplateContent,
    updates: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassState {
    Active,
    Used,
    Closed,
}

impl PassState {
    fn as_str(self) -> &'static str {
        match self {
            PassState::Active => "ACTIVE",
            PassState::Used => "USED",
            PassState::Closed => "CLOSED",
        }
    }
}

struct SimPass {
    pass_id: String,
    /// The app, and the merchant authorisation, it was issued under: no other can see it.
    app_id: String,
    app_auth_token: Option<String>,
    tpl_id: String,
    params: BTreeMap<String, String>,
    status: PassState,
    partner_id: String,
    out_trade_no: String,
    verify_type: Option<String>,
    verify_code: Option<String>,
}

struct SimVoucher {
    voucher_id: String,
    user_id: String,
    amount: Option<String>,
    memo: Option<String>,
}

impl State {
    pub fn count_request(&mut self, method: &str) {
        *self.requests.entry(method.to_owned()).or_default() += 1;
    }

    fn record_effect(&mut self, method: &str, key: &str) {
        *self.effects.entry(method.to_owned()).or_default() += 1;
        *self
            .effects_by_key
            .entry(method.to_owned())
            .or_default()
            .entry(key.to_owned())
            .or_default() += 1;
    }

    pub fn effects(&self, method: &str) -> u64 {
        self.effects.get(method).copied().unwrap_or(0)
    }

    pub fn effects_for_key(&self, method: &str, key: &str) -> u64 {
        self.effects_by_key
            .get(method)
            .and_then(|keys| keys.get(key))
            .copied()
            .unwrap_or(0)
    }

    pub fn requests(&self, method: &str) -> u64 {
        self.requests.get(method).copied().unwrap_or(0)
    }

    pub fn pass_status(&self, channel_id: &str, serial_number: &str) -> Option<String> {
        self.passes
            .get(&(channel_id.to_owned(), serial_number.to_owned()))
            .map(|p| p.status.as_str().to_owned())
    }

    pub fn pass_count(&self) -> usize {
        self.passes.len()
    }

    pub fn snapshot(&self) -> Value {
        let mut templates: Vec<(&String, &SimTemplate)> = self.templates.iter().collect();
        templates.sort_by(|a, b| a.0.cmp(b.0));
        let mut passes: Vec<(&(String, String), &SimPass)> = self.passes.iter().collect();
        passes.sort_by(|a, b| a.0.cmp(b.0));
        let mut vouchers: Vec<(&(String, String), &SimVoucher)> = self.vouchers.iter().collect();
        vouchers.sort_by(|a, b| a.0.cmp(b.0));
        json!({
            "requests": counts(&self.requests),
            "effects": counts(&self.effects),
            "effects_by_key": Value::Object(
                self.effects_by_key.iter().map(|(m, keys)| (m.clone(), counts(keys))).collect()
            ),
            "templates": templates.into_iter().map(|(id, t)| json!({
                "tpl_id": id,
                "app_id": t.app_id,
                "unique_id": t.unique_id,
                "tpl_params": t.content.params(),
                "content": t.content.as_json(),
                "updates": t.updates,
            })).collect::<Vec<_>>(),
            "passes": passes.into_iter().map(|((channel_id, serial_number), p)| json!({
                "channel_id": channel_id,
                "serial_number": serial_number,
                "pass_id": p.pass_id,
                "app_id": p.app_id,
                "tpl_id": p.tpl_id,
                "status": p.status.as_str(),
                "params": p.params,
                "partner_id": p.partner_id,
                "out_trade_no": p.out_trade_no,
                "verify_type": p.verify_type,
                "verify_code": p.verify_code,
            })).collect::<Vec<_>>(),
            "vouchers": vouchers.into_iter().map(|((template_id, out_biz_no), v)| json!({
                "template_id": template_id,
                "out_biz_no": out_biz_no,
                "voucher_id": v.voucher_id,
                "user_id": v.user_id,
                "amount": v.amount,
                "memo": v.memo,
            })).collect::<Vec<_>>(),
        })
    }
}

/// A business refusal: sub_code, sub_msg, and for pass methods extra `result` members.
#[derive(Debug)]
struct Refusal {
    code: String,
    msg: String,
    /// Extra `result` members: (name, value, kinder only). `operate` goes in every mode; the
    /// existing tpl_id / passId / status of an "already exists" or "cannot update" refusal
    /// only in kinder mode, as the vendor pages never promise them.
    extra: Vec<(String, Value, bool)>,
}

fn refuse(code: &str, msg: impl Into<String>) -> Refusal {
    Refusal {
        code: code.to_owned(),
        msg: msg.into(),
        extra: Vec::new(),
    }
}

impl Refusal {
    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.push((key.to_owned(), value.into(), false));
        self
    }

    /// A member answered in kinder mode only.
    fn revealing(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.push((key.to_owned(), value.into(), true));
        self
    }
}

/// The first finding's code; every message, with its path, in the sub_msg.
fn from_findings(findings: &[Finding], fallback_code: &str) -> Refusal {
    let code = findings
        .first()
        .map_or(fallback_code, |f| f.alipay_code.as_str());
    let msg = findings
        .iter()
        .map(|f| format!("{}: {}", f.path, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    refuse(code, clip(&msg, SUB_MSG_CHARS))
}

/// Runs one verified call and returns the answer node.
pub(crate) fn dispatch(sim: &Simulator, call: &Call) -> Map<String, Value> {
    let kinder = sim.kinder();
    match call.method {
        Method::TemplateAdd => pass_node(template_add(sim, call), kinder),
        Method::TemplateUpdate => pass_node(template_update(sim, call), kinder),
        Method::InstanceAdd => pass_node(
            instance_add(sim, call).map_err(|r| with_operate(r, "ADD")),
            kinder,
        ),
        Method::InstanceUpdate => pass_node(
            instance_update(sim, call).map_err(|r| with_operate(r, "UPDATE")),
            kinder,
        ),
        Method::VoucherSend => {
            plain_node(voucher_send(sim, call).map(|(voucher_id, user_id)| {
                vec![("voucher_id", voucher_id), ("user_id", user_id)]
            }))
        }
        Method::AlipaycertDownload => plain_node(alipaycert_download(sim, call)),
    }
}

/// The documented "system busy" business failure (seeds 000, 001, 002, 004), no effect:
/// `KP.AE_SYSTEM_ERROR` in the pass-method shape, `SYSTEM_ERROR` for voucher.send.
pub(crate) fn system_error(method: Method) -> Map<String, Value> {
    if method == Method::VoucherSend {
        plain_node(Err(refuse(code::SYSTEM_ERROR_VOUCHER, "系统繁忙")))
    } else {
        pass_node(Err(refuse(code::SYSTEM_ERROR, "系统异常")), false)
    }
}

/// A transient `KP.AE_ALIPASS_UPDATE_ERROR` for an update method (None for the others):
/// the pages' "更新失败, 重试" — no status, whatever the record's state.
pub(crate) fn transient_update_error(method: Method) -> Option<Map<String, Value>> {
    let refusal = refuse(code::UPDATE_ERROR, "更新失败: 请重试");
    match method {
        Method::InstanceUpdate => Some(pass_node(Err(with_operate(refusal, "UPDATE")), false)),
        Method::TemplateUpdate => Some(pass_node(Err(refusal), false)),
        _ => None,
    }
}

fn with_operate(refusal: Refusal, operate: &str) -> Refusal {
    refusal.with("operate", operate)
}

/// Pass methods: `success` "true"/"false" and `result`, a JSON object inside a string.
/// `kinder` adds the refusal's kinder-only members to `result`.
fn pass_node(outcome: Result<Map<String, Value>, Refusal>, kinder: bool) -> Map<String, Value> {
    let mut node = Map::new();
    match outcome {
        Ok(result) => {
            node.insert("code".into(), "10000".into());
            node.insert("msg".into(), "Success".into());
            node.insert("success".into(), "true".into());
            node.insert("result".into(), Value::Object(result).to_string().into());
        }
        Err(refusal) => {
            let mut result: Map<String, Value> = refusal
                .extra
                .into_iter()
                .filter(|(_, _, kinder_only)| kinder || !kinder_only)
                .map(|(key, value, _)| (key, value))
                .collect();
            result.insert("errorCode".into(), refusal.code.clone().into());
            result.insert("errorMsg".into(), refusal.msg.clone().into());
            node.insert("code".into(), "40004".into());
            node.insert("msg".into(), "Business Failed".into());
            node.insert("sub_code".into(), refusal.code.into());
            node.insert("sub_msg".into(), refusal.msg.into());
            node.insert("success".into(), "false".into());
            node.insert("result".into(), Value::Object(result).to_string().into());
        }
    }
    node
}

fn plain_node(outcome: Result<Vec<(&str, String)>, Refusal>) -> Map<String, Value> {
    let mut node = Map::new();
    match outcome {
        Ok(members) => {
            node.insert("code".into(), "10000".into());
            node.insert("msg".into(), "Success".into());
            for (name, value) in members {
                node.insert(name.into(), value.into());
            }
        }
        Err(refusal) => {
            node.insert("code".into(), "40004".into());
            node.insert("msg".into(), "Business Failed".into());
            node.insert("sub_code".into(), refusal.code.into());
            node.insert("sub_msg".into(), refusal.msg.into());
        }
    }
    node
}

// ---------------------------------------------------------------- biz_content reading

/// biz_content as a JSON object; absent is an empty object (each method then names what is
/// missing), anything else that is not an object is None.
fn parse_biz(biz: &str) -> Option<Map<String, Value>> {
    if biz.trim().is_empty() {
        return Some(Map::new());
    }
    match serde_json::from_str::<Value>(biz) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A trimmed, non-blank text member; numbers are taken as their JSON text.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    let text = match map.get(key)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// A member holding a JSON object, either inline or encoded in a string.
enum Nested {
    Absent,
    Object(Map<String, Value>),
    Malformed,
}

fn nested(map: &Map<String, Value>, key: &str) -> Nested {
    match map.get(key) {
        None | Some(Value::Null) => Nested::Absent,
        Some(Value::String(s)) if s.trim().is_empty() => Nested::Absent,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(inner)) => Nested::Object(inner),
            _ => Nested::Malformed,
        },
        Some(Value::Object(inner)) => Nested::Object(inner.clone()),
        Some(_) => Nested::Malformed,
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::templates::new_tpl_id;
    use super::vouchers::*;
    use super::*;

    #[test]
    fn amounts_are_two_decimal_yuan() {
        let biz = |v: Value| {
            json!({ "amount": v })
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(
            amount(&biz(json!("9.99"))).unwrap().as_deref(),
            Some("9.99")
        );
        assert_eq!(amount(&biz(json!(9.99))).unwrap().as_deref(), Some("9.99"));
        assert_eq!(amount(&biz(json!(10))).unwrap().as_deref(), Some("10.00"));
        assert!(amount(&biz(json!("9.9"))).is_err());
        assert!(amount(&biz(json!(9.999))).is_err());
        assert!(amount(&biz(json!("abc"))).is_err());
        assert!(amount(&biz(json!(-1))).is_err());
        assert_eq!(amount(&biz(Value::Null)).unwrap(), None);
    }

    #[test]
    fn mapped_user_ids_are_stable_2088_ids() {
        let a = mapped_user_id("login_id", "13196215350");
        assert_eq!(a, mapped_user_id("login_id", "13196215350"));
        assert!(is_user_id(&a), "{a}");
        assert_ne!(a, mapped_user_id("taobao_nick", "13196215350"));
    }

    #[test]
    fn login_ids_are_phones_or_emails() {
        assert!(is_login_id("13196215350"));
        assert!(is_login_id("a@b.cn"));
        assert!(!is_login_id("yue54333"));
        assert!(!is_login_id("a@b"));
    }

    #[test]
    fn tpl_ids_look_like_alipay_ones() {
        let id = new_tpl_id(42);
        assert_eq!(id.len(), 25);
        assert!(id.ends_with("00000000042"));
    }
}
