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
    INSTANCE_ADD, INSTANCE_UPDATE, TEMPLATE_ADD, TEMPLATE_UPDATE, VOUCHER_SEND,
};

use super::wire::{beijing_now, clip, Call, GatewayError};
use super::{counts, Simulator};

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
}

const SUCCESS_MSG: &str = "处理成功";
/// How much of the joined findings a sub_msg carries.
const SUB_MSG_CHARS: usize = 2000;
/// Field lengths from the API reference pages (seeds 000, 001, 003, 004).
const UNIQUE_ID_MAX: usize = 999;
const TPL_PARAMS_MAX: usize = 99_999;
const RECOGNITION_INFO_MAX: usize = 999;
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
    app_id: String,
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
        TEMPLATE_ADD => pass_node(template_add(sim, call), kinder),
        TEMPLATE_UPDATE => pass_node(template_update(sim, call), kinder),
        INSTANCE_ADD => pass_node(
            instance_add(sim, call).map_err(|r| with_operate(r, "ADD")),
            kinder,
        ),
        INSTANCE_UPDATE => pass_node(
            instance_update(sim, call).map_err(|r| with_operate(r, "UPDATE")),
            kinder,
        ),
        VOUCHER_SEND => voucher_node(voucher_send(sim, call)),
        // check() only lets the five methods through.
        _ => GatewayError::invalid("isv.invalid-method", "不存在的方法名").into_node(),
    }
}

/// The documented "system busy" business failure (seeds 000, 001, 002, 004), no effect:
/// `KP.AE_SYSTEM_ERROR` in the pass-method shape, `SYSTEM_ERROR` for voucher.send.
pub(crate) fn system_error(method: &str) -> Map<String, Value> {
    if method == VOUCHER_SEND {
        voucher_node(Err(refuse(code::SYSTEM_ERROR_VOUCHER, "系统繁忙")))
    } else {
        pass_node(Err(refuse(code::SYSTEM_ERROR, "系统异常")), false)
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

fn voucher_node(outcome: Result<(String, String), Refusal>) -> Map<String, Value> {
    let mut node = Map::new();
    match outcome {
        Ok((voucher_id, user_id)) => {
            node.insert("code".into(), "10000".into());
            node.insert("msg".into(), "Success".into());
            node.insert("voucher_id".into(), voucher_id.into());
            node.insert("user_id".into(), user_id.into());
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

// ---------------------------------------------------------------- templates

fn template_content(sim: &Simulator, biz: &Map<String, Value>) -> Result<TemplateContent, Refusal> {
    let text = match biz.get("tpl_content") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(inline @ Value::Object(_)) => inline.to_string(),
        Some(_) => {
            return Err(refuse(
                code::TEMPLATE_CONTENT_FORMAT_ERR,
                "模板内容格式错误: tpl_content必须是JSON对象或JSON字符串",
            ))
        }
    };
    if text.trim().is_empty() {
        return Err(refuse(code::TEMPLATE_CONTENT_IS_BLANK, "tpl_content为空"));
    }
    TemplateContent::parse_wire(&text, &sim.inner.limits)
        .map_err(|report| from_findings(&report.errors, code::TEMPLATE_CONTENT_FORMAT_ERR))
}

fn template_result(tpl_id: &str, content: &TemplateContent) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("errorCode".into(), "KP.AE_SUCCESS".into());
    result.insert("errorMsg".into(), SUCCESS_MSG.into());
    result.insert("tpl_id".into(), tpl_id.into());
    result.insert("tpl_params".into(), json!(content.params()));
    result
}

fn template_add(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
    let biz = parse_biz(&call.biz_content).ok_or_else(|| {
        refuse(
            code::TEMPLATE_CONTENT_FORMAT_ERR,
            "biz_content不是合法的JSON对象",
        )
    })?;
    let unique_id = text(&biz, "unique_id")
        .ok_or_else(|| refuse(code::TEMPLATE_UNIQUE_IS_BLANK, "unique_id为空"))?;
    if chars(&unique_id) > UNIQUE_ID_MAX {
        return Err(refuse(
            code::ILLEGAL_PARAMETERS,
            format!("unique_id长度不能超过{UNIQUE_ID_MAX}"),
        ));
    }
    // Validated before the uniqueness check, as an insert hitting a unique key would be.
    let content = template_content(sim, &biz)?;
    let mut state = sim.inner.state.lock();
    let key = (call.app_id.clone(), unique_id.clone());
    if let Some(existing) = state.template_ids.get(&key) {
        // Kinder mode names the existing id, so a caller whose first answer was lost can
        // recover it; the vendor pages promise no such thing.
        return Err(
            refuse(code::TEMPLATE_EXISTED, "模板已经存在").revealing("tpl_id", existing.as_str())
        );
    }
    let tpl_id = new_tpl_id(sim.next_sequence());
    let result = template_result(&tpl_id, &content);
    state.templates.insert(
        tpl_id.clone(),
        SimTemplate {
            app_id: call.app_id.clone(),
            unique_id: unique_id.clone(),
            content,
            updates: 0,
        },
    );
    state.template_ids.insert(key, tpl_id);
    state.record_effect(TEMPLATE_ADD, &unique_id);
    Ok(result)
}

fn template_update(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
    let biz = parse_biz(&call.biz_content).ok_or_else(|| {
        refuse(
            code::TEMPLATE_CONTENT_FORMAT_ERR,
            "biz_content不是合法的JSON对象",
        )
    })?;
    let tpl_id = text(&biz, "tpl_id")
        .ok_or_else(|| refuse(code::TEMPLATE_PARAMTER_IS_NULL, "模板参数为空: tpl_id为空"))?;
    let known = |sim: &Simulator| {
        sim.inner
            .state
            .lock()
            .templates
            .get(&tpl_id)
            .is_some_and(|t| t.app_id == call.app_id)
    };
    let not_exist = || {
        refuse(
            code::TEMPLATE_NOT_EXIST,
            format!("模板不存在: {}", clip(&tpl_id, 64)),
        )
    };
    if !known(sim) {
        return Err(not_exist());
    }
    // Parsing a large template takes a while: not under the lock.
    let content = template_content(sim, &biz)?;
    let mut state = sim.inner.state.lock();
    let Some(template) = state
        .templates
        .get_mut(&tpl_id)
        .filter(|t| t.app_id == call.app_id)
    else {
        return Err(not_exist());
    };
    let result = template_result(&tpl_id, &content);
    template.content = content;
    template.updates += 1;
    state.record_effect(TEMPLATE_UPDATE, &tpl_id);
    Ok(result)
}

fn new_tpl_id(sequence: u64) -> String {
    // Like 2015062614280547004605924: a Beijing timestamp and a sequence, 25 digits.
    format!(
        "{}{:011}",
        beijing_now().format("%Y%m%d%H%M%S"),
        sequence % 100_000_000_000
    )
}

// ---------------------------------------------------------------- pass instances

/// A pass's serialNumber / channelID, resolved as the service resolves it
/// ([`TemplateSlot::resolve`]): the parameter a `$var$` slot names, a pattern with its
/// `$var$`s filled, or the literal.
fn slot_value(slot: TemplateSlot, params: &PassParams) -> Option<String> {
    slot.resolve(|name| params.get(name).map(str::to_owned))
        .ok()
        .flatten()
        .filter(|v| !v.trim().is_empty())
}

fn gbk_checked(field: &str, value: &str) -> Result<(), Refusal> {
    if gbk_encodable(value) {
        Ok(())
    } else {
        Err(refuse(
            code::CHAR_NOT_GBK,
            format!("卡券传值中有非GBK的字符: {field}"),
        ))
    }
}

fn instance_add(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
    let biz = parse_biz(&call.biz_content)
        .ok_or_else(|| refuse(code::PARAMS_FORMAT_ERROR, "格式错误: biz_content非json格式"))?;
    let tpl_id = text(&biz, "tpl_id").ok_or_else(|| refuse(code::PARAME_IS_NULL, "tpl_id为空"))?;
    let values = match nested(&biz, "tpl_params") {
        Nested::Object(values) => values,
        Nested::Absent => return Err(refuse(code::PARAME_IS_NULL, "tpl_params为空")),
        Nested::Malformed => {
            return Err(refuse(
                code::PARAMS_FORMAT_ERROR,
                "格式错误: tpl_params非json格式",
            ))
        }
    };
    if chars(&Value::Object(values.clone()).to_string()) > TPL_PARAMS_MAX {
        return Err(refuse(
            code::PARAMS_VALUE_INVAILD,
            format!("tpl_params长度不能超过{TPL_PARAMS_MAX}"),
        ));
    }
    match text(&biz, "recognition_type").as_deref() {
        Some("1") => {}
        None => return Err(refuse(code::PARAME_IS_NULL, "recognition_type为空")),
        // Seed 002: NOSUPPORT is "recognitionType不支持userID方式发券", i.e. type 2 (user id).
        Some("2") => {
            return Err(refuse(
                code::RECOGNITION_TYPE_NOSUPPORT,
                "recognitionType不支持userID方式发券",
            ))
        }
        Some(_) => {
            return Err(refuse(
                code::RECOGNITION_TYPE_INVALID,
                "recognitionType不合法,仅支持1(订单信息)",
            ))
        }
    }
    let info = match nested(&biz, "recognition_info") {
        Nested::Object(info) => info,
        Nested::Absent => return Err(refuse(code::PARAME_IS_NULL, "recognition_info为空")),
        Nested::Malformed => {
            return Err(refuse(
                code::PARAMS_FORMAT_ERROR,
                "格式错误: recognition_info非json格式",
            ))
        }
    };
    if chars(&Value::Object(info.clone()).to_string()) > RECOGNITION_INFO_MAX {
        return Err(refuse(
            code::PARAMS_VALUE_INVAILD,
            format!("recognition_info长度不能超过{RECOGNITION_INFO_MAX}"),
        ));
    }
    let partner_id = text(&info, "partner_id")
        .ok_or_else(|| refuse(code::PARAME_IS_NULL, "recognition_info.partner_id为空"))?;
    let out_trade_no = text(&info, "out_trade_no")
        .ok_or_else(|| refuse(code::PARAME_IS_NULL, "recognition_info.out_trade_no为空"))?;
    gbk_checked("recognition_info.partner_id", &partner_id)?;
    gbk_checked("recognition_info.out_trade_no", &out_trade_no)?;

    let mut guard = sim.inner.state.lock();
    let state = &mut *guard;
    let template = state
        .templates
        .get(&tpl_id)
        .filter(|t| t.app_id == call.app_id)
        .ok_or_else(|| {
            refuse(
                code::TEMPLATE_NOT_FOUND,
                format!("模板不存在: {}", clip(&tpl_id, 64)),
            )
        })?;
    let params = template
        .content
        .check_pass_params(&values)
        .map_err(|findings| from_findings(&findings, code::PARAMS_VALUE_INVAILD))?;
    let serial_number = slot_value(
        TemplateSlot::serial_number(template.content.as_json()),
        &params,
    )
    .ok_or_else(|| refuse(code::PARAME_IS_NULL, "serialNumber为空"))?;
    let channel_id = slot_value(
        TemplateSlot::channel_id(template.content.as_json()),
        &params,
    )
    .ok_or_else(|| refuse(code::PARAME_IS_NULL, "channelID为空"))?;
    let key = (channel_id.clone(), serial_number.clone());
    if let Some(existing) = state.passes.get(&key) {
        return Err(refuse(code::REPEAT_ADD_ERROR, "卡券已经存在,重复添加")
            .revealing("serialNumber", serial_number.as_str())
            .revealing("passId", existing.pass_id.as_str()));
    }
    let pass_id = (5_000_000_000 + sim.next_sequence()).to_string();
    state.passes.insert(
        key,
        SimPass {
            pass_id: pass_id.clone(),
            app_id: call.app_id.clone(),
            tpl_id,
            params: params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            status: PassState::Active,
            partner_id,
            out_trade_no,
            verify_type: None,
            verify_code: None,
        },
    );
    state.record_effect(INSTANCE_ADD, &format!("{channel_id}/{serial_number}"));
    Ok(instance_result(&serial_number, &pass_id, "ADD"))
}

fn instance_result(serial_number: &str, pass_id: &str, operate: &str) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("serialNumber".into(), serial_number.into());
    result.insert("passId".into(), pass_id.into());
    result.insert("operate".into(), operate.into());
    result.insert("errorCode".into(), "SUCCESS".into());
    result.insert("errorMsg".into(), SUCCESS_MSG.into());
    result
}

fn instance_update(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
    let biz = parse_biz(&call.biz_content)
        .ok_or_else(|| refuse(code::PARAMS_FORMAT_ERROR, "格式错误: biz_content非json格式"))?;
    let serial_number = text(&biz, "serial_number")
        .ok_or_else(|| refuse(code::PARAME_IS_NULL, "serial_number为空"))?;
    let channel_id =
        text(&biz, "channel_id").ok_or_else(|| refuse(code::PARAME_IS_NULL, "channel_id为空"))?;
    let values = match nested(&biz, "tpl_params") {
        Nested::Object(values) if !values.is_empty() => Some(values),
        Nested::Object(_) | Nested::Absent => None,
        Nested::Malformed => {
            return Err(refuse(
                code::PARAMS_FORMAT_ERROR,
                "格式错误: tpl_params非json格式",
            ))
        }
    };
    let status = text(&biz, "status");
    if values.is_none() && status.is_none() {
        return Err(refuse(
            code::PARAME_IS_NULL,
            "tpl_params和status不能同时为空",
        ));
    }
    let new_status = match status.as_deref() {
        None => None,
        Some("USED") => Some(PassState::Used),
        Some("CLOSED") => Some(PassState::Closed),
        Some(other) => {
            return Err(refuse(
                code::PARAMS_VALUE_INVAILD,
                format!("status只支持USED、CLOSED: {}", clip(other, 32)),
            ))
        }
    };
    let verification = match (text(&biz, "verify_code"), text(&biz, "verify_type")) {
        (None, None) => None,
        (Some(verify_code), Some(verify_type)) => {
            if !VERIFY_TYPES.contains(&verify_type.as_str()) {
                return Err(refuse(
                    code::PARAMS_VALUE_INVAILD,
                    "verify_type只支持wave、qrcode、barcode、input",
                ));
            }
            if chars(&verify_code) > VERIFY_CODE_MAX {
                return Err(refuse(
                    code::PARAMS_VALUE_INVAILD,
                    format!("verify_code长度不能超过{VERIFY_CODE_MAX}"),
                ));
            }
            gbk_checked("verify_code", &verify_code)?;
            Some((verify_type, verify_code))
        }
        _ => {
            return Err(refuse(
                code::PARAME_IS_NULL,
                "verify_code和verify_type需同时传入",
            ))
        }
    };

    let mut guard = sim.inner.state.lock();
    let state = &mut *guard;
    let key = (channel_id.clone(), serial_number.clone());
    let Some(pass) = state.passes.get_mut(&key) else {
        return Err(refuse(
            code::NOTEXIST,
            "卡券不存在: 请核查serial_number和channel_id",
        ));
    };
    if pass.status != PassState::Active {
        let status = pass.status.as_str();
        return Err(refuse(
            code::UPDATE_ERROR,
            format!("更新卡券失败: 卡券当前状态为{status},不能再核销、关闭或更新"),
        )
        .revealing("serialNumber", serial_number.as_str())
        .revealing("passId", pass.pass_id.as_str())
        .revealing("status", status));
    }
    let mut changed = BTreeMap::new();
    if let Some(values) = &values {
        let template = state
            .templates
            .get(&pass.tpl_id)
            .ok_or_else(|| refuse(code::UPDATE_ERROR, "更新卡券失败: 卡券的模板不存在"))?;
        let checked = template
            .content
            .check_update_params(values)
            .map_err(|findings| from_findings(&findings, code::PARAMS_VALUE_INVAILD))?;
        // The pass's identity is its key: a parameter that would change it is refused.
        for (slot, current) in [
            (
                TemplateSlot::serial_number(template.content.as_json()),
                &serial_number,
            ),
            (
                TemplateSlot::channel_id(template.content.as_json()),
                &channel_id,
            ),
        ] {
            if let TemplateSlot::Variable(name) = slot {
                if checked.get(&name).is_some_and(|v| v != current.as_str()) {
                    return Err(refuse(
                        code::PARAMS_VALUE_INVAILD,
                        format!("参数{name}是卡券的标识,不能更新"),
                    ));
                }
            }
        }
        changed = checked
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    }
    pass.params.extend(changed);
    if let Some(new_status) = new_status {
        pass.status = new_status;
    }
    if let Some((verify_type, verify_code)) = verification {
        pass.verify_type = Some(verify_type);
        pass.verify_code = Some(verify_code);
    }
    let result = instance_result(&serial_number, &pass.pass_id, "UPDATE");
    state.record_effect(INSTANCE_UPDATE, &format!("{channel_id}/{serial_number}"));
    Ok(result)
}

// ---------------------------------------------------------------- vouchers

fn bounded(map: &Map<String, Value>, key: &str, max: usize) -> Result<Option<String>, Refusal> {
    match text(map, key) {
        Some(value) if chars(&value) > max => Err(refuse(
            code::INVALID_PARAMETER,
            format!("参数有误: {key}长度不能超过{max}"),
        )),
        other => Ok(other),
    }
}

/// `#.00` yuan. A JSON number cannot keep its written form through a parser, so a number is
/// accepted when it has at most two decimals (9.99 as in the seed's SDK example).
fn amount(map: &Map<String, Value>) -> Result<Option<String>, Refusal> {
    let invalid = |why: &str| refuse(code::INVALID_PARAMETER, format!("参数有误: amount{why}"));
    let text = match map.get("amount") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => {
            let value = n.as_f64().filter(|v| v.is_finite() && *v >= 0.0);
            let cents = value.map(|v| ((v * 100.0).round(), v * 100.0));
            match cents {
                Some((rounded, exact)) if (rounded - exact).abs() < 1e-6 => {
                    format!("{:.2}", rounded / 100.0)
                }
                _ => return Err(invalid("格式必须为#.00")),
            }
        }
        Some(_) => return Err(invalid("格式必须为#.00")),
    };
    Amount::parse(&text)
        .map(|a| Some(a.as_str().to_owned()))
        .map_err(|why| invalid(&format!(": {why}")))
}

/// A deterministic 2088… user id for a login id or Taobao nick.
fn mapped_user_id(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{value}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("2088{:012}", u64::from_be_bytes(first) % 1_000_000_000_000)
}

fn is_user_id(text: &str) -> bool {
    text.len() == 16 && text.starts_with("2088") && text.bytes().all(|b| b.is_ascii_digit())
}

/// A login id is a phone number (11 digits starting with 1) or an e-mail address.
fn is_login_id(text: &str) -> bool {
    let phone =
        text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit());
    let email = text.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
    });
    phone || email
}

fn voucher_send(sim: &Simulator, call: &Call) -> Result<(String, String), Refusal> {
    let biz = parse_biz(&call.biz_content).ok_or_else(|| {
        refuse(
            code::INVALID_PARAMETER,
            "参数有误: biz_content不是合法的JSON对象",
        )
    })?;
    let template_id = bounded(&biz, "template_id", VOUCHER_TEMPLATE_ID_MAX)?
        .ok_or_else(|| refuse(code::INVALID_PARAMETER, "参数有误: template_id不能为空"))?;
    let out_biz_no = bounded(&biz, "out_biz_no", OUT_BIZ_NO_MAX)?
        .ok_or_else(|| refuse(code::INVALID_PARAMETER, "参数有误: out_biz_no不能为空"))?;
    let key = (template_id.clone(), out_biz_no.clone());
    // Seed 004: the same template_id and out_biz_no are the same business, whatever else the
    // body says: the first answer again, no second voucher.
    if let Some(existing) = sim.inner.state.lock().vouchers.get(&key) {
        return Ok((existing.voucher_id.clone(), existing.user_id.clone()));
    }
    let user_id = bounded(&biz, "user_id", USER_ID_MAX)?;
    let login_id = bounded(&biz, "login_id", LOGIN_MAX)?;
    let taobao_nick = bounded(&biz, "taobao_nick", LOGIN_MAX)?;
    let amount = amount(&biz)?;
    let memo = bounded(&biz, "memo", MEMO_MAX)?;
    // Priority user_id > login_id > taobao_nick (seed 004).
    let recipient = match (user_id, login_id, taobao_nick) {
        (Some(user_id), _, _) => Ok(user_id),
        (None, Some(login), _) if is_login_id(&login) => Ok(mapped_user_id("login_id", &login)),
        (None, Some(_), _) => Err(refuse(
            code::USER_NOT_EXIST,
            "用户不存在: login_id不是手机号或邮箱",
        )),
        (None, None, Some(nick)) => Ok(mapped_user_id("taobao_nick", &nick)),
        (None, None, None) => {
            return Err(refuse(
                code::INVALID_PARAMETER,
                "参数有误: user_id, login_id, taobao_nick不能同时为空",
            ))
        }
    };
    match sim.inner.voucher_templates.get(&template_id) {
        None => {
            return Err(refuse(
                code::TEMPLATE_NOT_EXIST_VOUCHER,
                format!("模板不存在: {}", clip(&template_id, 32)),
            ))
        }
        Some(true) => return Err(refuse(code::TEMPLATE_EXPIRED, "模板过期")),
        Some(false) => {}
    }
    let user_id = recipient?;
    if !is_user_id(&user_id) {
        return Err(refuse(
            code::USER_NOT_EXIST,
            "用户不存在: user_id是2088开头的16位数字",
        ));
    }
    // The simulator's rule for a frozen account: a user id ending in 0000.
    if user_id.ends_with("0000") {
        return Err(refuse(code::USER_STATUS_ERROR, "用户状态不可用"));
    }
    let mut state = sim.inner.state.lock();
    // A concurrent duplicate may have won while the lock was released.
    if let Some(existing) = state.vouchers.get(&key) {
        return Ok((existing.voucher_id.clone(), existing.user_id.clone()));
    }
    // 28 characters like 20160906000730020020002U8CBS: a date, a fixed middle, a sequence.
    let voucher_id = format!(
        "{}00073002{:012}",
        beijing_now().format("%Y%m%d"),
        sim.next_sequence() % 1_000_000_000_000
    );
    state.vouchers.insert(
        key,
        SimVoucher {
            voucher_id: voucher_id.clone(),
            user_id: user_id.clone(),
            amount,
            memo,
        },
    );
    state.record_effect(VOUCHER_SEND, &format!("{template_id}/{out_biz_no}"));
    Ok((voucher_id, user_id))
}

#[cfg(test)]
mod tests {
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
