//! Passes: the state machine and the inputs of issue / update / redeem / close.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::template::codes::{PARAME_IS_NULL, PARAMS_VALUE_INVAILD};
use crate::template::{clip, param_path, pure_var, render, scalar_text, var_tokens, Rendered};
use crate::{bounded, FieldProblem};

pub use crate::status::PassStatus;

impl PassStatus {
    /// Only an issued pass can be updated, redeemed or closed; the refusal says why.
    pub fn check_changeable(self) -> Result<(), String> {
        match self {
            PassStatus::Issued => Ok(()),
            PassStatus::Used => Err("the pass is already USED (redeemed): it is final".into()),
            PassStatus::Closed => Err("the pass is already CLOSED: it is final".into()),
            PassStatus::Issuing => Err("the pass is still being issued".into()),
            PassStatus::Failed => Err("the pass was never issued (FAILED)".into()),
        }
    }
}

/// How a pass was checked at redemption (alipay.pass.instance.update verify_type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VerifyType {
    Wave,
    Qrcode,
    Barcode,
    Input,
}

impl VerifyType {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyType::Wave => "wave",
            VerifyType::Qrcode => "qrcode",
            VerifyType::Barcode => "barcode",
            VerifyType::Input => "input",
        }
    }
}

/// Redemption evidence: code and type travel together or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub verify_type: VerifyType,
    pub verify_code: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"verify_type": "wave", "verify_code": "8612231273"}))]
pub struct RedeemPass {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_type: Option<VerifyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_code: Option<String>,
    /// Parameter values to change in the same call (e.g. a "used" status text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Map<String, Value>>,
}

impl RedeemPass {
    pub fn verification(
        &self,
        max_code_chars: usize,
    ) -> Result<Option<Verification>, Vec<FieldProblem>> {
        match (&self.verify_type, self.verify_code.as_deref()) {
            (None, None) => Ok(None),
            (Some(verify_type), Some(code)) => {
                let mut problems = Vec::new();
                match bounded(
                    &mut problems,
                    "$.verify_code",
                    code,
                    max_code_chars,
                    "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
                ) {
                    Some(verify_code) => Ok(Some(Verification {
                        verify_type: *verify_type,
                        verify_code,
                    })),
                    None => Err(problems),
                }
            }
            (Some(_), None) => Err(vec![together("$.verify_code")]),
            (None, Some(_)) => Err(vec![together("$.verify_type")]),
        }
    }
}

fn together(path: &str) -> FieldProblem {
    FieldProblem {
        path: path.to_owned(),
        message: "verify_code and verify_type must be given together".into(),
        alipay_code: Some("KP.AE_ALIPASS_PARAME_IS_NULL".into()),
    }
}

/// The pass holder, identified by an order: Alipay's recognition_type 1.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"partner_id": "2088102114633762", "out_trade_no": "1234567"}))]
pub struct PassRecipient {
    /// The merchant's signed account (PID) that owns the order.
    pub partner_id: String,
    /// The order number the user paid.
    pub out_trade_no: String,
}

impl PassRecipient {
    pub fn parse(&self) -> Result<PassRecipient, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let code = "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD";
        let partner_id = bounded(
            &mut problems,
            "$.recipient.partner_id",
            &self.partner_id,
            32,
            code,
        );
        let out_trade_no = bounded(
            &mut problems,
            "$.recipient.out_trade_no",
            &self.out_trade_no,
            64,
            code,
        );
        match (partner_id, out_trade_no) {
            (Some(partner_id), Some(out_trade_no)) => Ok(PassRecipient {
                partner_id,
                out_trade_no,
            }),
            _ => Err(problems),
        }
    }

    /// recognition_info on the wire.
    pub fn to_wire_string(&self) -> String {
        serde_json::json!({"partner_id": self.partner_id, "out_trade_no": self.out_trade_no})
            .to_string()
    }
}

/// Where a template takes a pass's identity (`fileInfo.serialNumber`, `platform.channelID`)
/// from. `$var$` tokens are those of the template's parameter list ([`var_tokens`]), so a
/// slot can never name a parameter the template does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSlot {
    /// Exactly one `$name$`: the pass's value of that parameter.
    Variable(String),
    /// Text mixed with `$var$`s, e.g. `SN-$orderNo$`: the text with every `$name$` replaced
    /// by the pass's value. `vars` are the distinct names, in order of appearance.
    Pattern {
        text: String,
        vars: Vec<String>,
    },
    /// Fixed text holding no `$var$`.
    Literal(String),
    Absent,
}

/// A pass parameter's value as text (the wire form, see `check_pass_params`); `null` is
/// treated as absent.
fn param_value(params: &Map<String, Value>, name: &str) -> Option<String> {
    params
        .get(name)
        .filter(|v| !v.is_null())
        .and_then(scalar_text)
}

fn slot_problem(path: String, code: &str, message: String) -> Vec<FieldProblem> {
    vec![FieldProblem {
        path,
        message,
        alipay_code: Some(code.to_owned()),
    }]
}

impl TemplateSlot {
    /// Reads `content.<section>.<field>` of a tpl_content value.
    pub fn of(tpl_content: &Value, section: &str, field: &str) -> Self {
        match tpl_content
            .get("content")
            .and_then(|c| c.get(section))
            .and_then(|s| s.get(field))
        {
            Some(Value::String(text)) => {
                if let Some(name) = pure_var(text) {
                    return TemplateSlot::Variable(name.to_owned());
                }
                let mut vars: Vec<String> = Vec::new();
                for token in var_tokens(text) {
                    if !vars.iter().any(|v| v == token.name) {
                        vars.push(token.name.to_owned());
                    }
                }
                if vars.is_empty() {
                    TemplateSlot::Literal(text.clone())
                } else {
                    TemplateSlot::Pattern {
                        text: text.clone(),
                        vars,
                    }
                }
            }
            Some(Value::Number(n)) => TemplateSlot::Literal(n.to_string()),
            _ => TemplateSlot::Absent,
        }
    }

    pub fn serial_number(tpl_content: &Value) -> Self {
        Self::of(tpl_content, "fileInfo", "serialNumber")
    }

    pub fn channel_id(tpl_content: &Value) -> Self {
        Self::of(tpl_content, "platform", "channelID")
    }

    /// The slot's value for a pass whose parameter values are `value_of`: a variable's
    /// value, a pattern with every `$name$` substituted, a literal as is; `Ok(None)` when the
    /// template does not set it. `Err` names the variables that have no value.
    ///
    /// The one place a slot is resolved: the service (through [`Self::fill`]) and the
    /// simulator both call it, so the key we store is the key Alipay computes.
    pub fn resolve(
        &self,
        value_of: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, Vec<String>> {
        match self {
            TemplateSlot::Variable(name) => {
                value_of(name).map(Some).ok_or_else(|| vec![name.clone()])
            }
            TemplateSlot::Pattern { text, vars } => {
                // A slot's value is a key of at most 32 characters: a longer rendering is
                // cut a little past SLOT_MAX_BYTES, still too long to be accepted.
                match render(text, &value_of, SLOT_MAX_BYTES) {
                    Rendered::Text(value) | Rendered::Over(value) => Ok(Some(value)),
                    Rendered::Unknown => Err(vars
                        .iter()
                        .filter(|name| value_of(name).is_none())
                        .cloned()
                        .collect()),
                }
            }
            TemplateSlot::Literal(text) => Ok(Some(text.clone())),
            TemplateSlot::Absent => Ok(None),
        }
    }

    /// Decides a pass's serial number or channel id (`path`: `serial_number` or
    /// `channel_id`, the request field) from the value `given` in the request (already
    /// parsed as a [`SerialNumber`] / [`ChannelId`]) and the pass `params`:
    /// - `Variable`: the given value, else the parameter's, else `default()`; a parameter
    ///   that differs from the given value is refused; the parameter is then set to it.
    /// - `Pattern`: the substitution of the params, each variable it names required
    ///   (`KP.AE_ALIPASS_PARAME_IS_NULL` at `$.params.<name>`), at most 32 characters; a
    ///   given value must equal it; never a default.
    /// - `Literal`: the literal; a given value must equal it.
    /// - `Absent`: the given value, else `default()`.
    pub fn fill(
        &self,
        given: Option<String>,
        params: &mut Map<String, Value>,
        default: impl FnOnce() -> String,
        path: &str,
    ) -> Result<String, Vec<FieldProblem>> {
        match self {
            TemplateSlot::Variable(name) => {
                let existing = param_value(params, name);
                let value = given.or_else(|| existing.clone()).unwrap_or_else(default);
                if existing.is_some_and(|existing| existing != value) {
                    return Err(slot_problem(
                        param_path(name),
                        PARAMS_VALUE_INVAILD,
                        format!("differs from {path}"),
                    ));
                }
                params.insert(name.clone(), Value::String(value.clone()));
                Ok(value)
            }
            TemplateSlot::Pattern { text, .. } => self.fill_pattern(text, given, params, path),
            TemplateSlot::Literal(fixed) => match given {
                Some(value) if &value != fixed => Err(slot_problem(
                    format!("$.{path}"),
                    PARAMS_VALUE_INVAILD,
                    format!("the template fixes it to `{fixed}`"),
                )),
                _ => Ok(fixed.clone()),
            },
            TemplateSlot::Absent => Ok(given.unwrap_or_else(default)),
        }
    }

    /// [`Self::fill`] for a `Pattern` slot of `text`.
    fn fill_pattern(
        &self,
        text: &str,
        given: Option<String>,
        params: &Map<String, Value>,
        path: &str,
    ) -> Result<String, Vec<FieldProblem>> {
        let value = match self.resolve(|name| param_value(params, name)) {
            Ok(value) => value.unwrap_or_default(),
            Err(missing) => {
                return Err(missing
                    .iter()
                    .map(|name| FieldProblem {
                        path: param_path(name),
                        message: format!(
                            "'{name}' makes the {path} (the template's `{}`) and needs a value",
                            clip(text)
                        ),
                        alipay_code: Some(PARAME_IS_NULL.to_owned()),
                    })
                    .collect())
            }
        };
        let mut problems = Vec::new();
        let at = format!("$.{path}");
        if bounded(
            &mut problems,
            &at,
            &value,
            SLOT_MAX_CHARS,
            PARAMS_VALUE_INVAILD,
        )
        .is_none()
        {
            for problem in &mut problems {
                problem.message = format!(
                    "the template's `{}` filled in from the params gives `{}`, which {}",
                    clip(text),
                    clip(&value),
                    problem.message
                );
            }
            return Err(problems);
        }
        match given {
            Some(given) if given != value => Err(slot_problem(
                at,
                PARAMS_VALUE_INVAILD,
                format!(
                    "the template makes it `{}`, which the params fill in as `{}`",
                    clip(text),
                    clip(&value)
                ),
            )),
            _ => Ok(value),
        }
    }
}

/// The length of fileInfo.serialNumber and platform.channelID.
const SLOT_MAX_CHARS: usize = 32;

/// Where a pattern slot's rendering stops: far past any valid value (32 characters of up
/// to 4 bytes), so a cut value is still refused as too long.
const SLOT_MAX_BYTES: usize = 1_024;

/// A pass identity text: non-blank, at most 32 characters, GBK-encodable.
macro_rules! identity_text {
    ($(#[$meta:meta])* $name:ident, $path:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, Vec<FieldProblem>> {
                let mut problems = Vec::new();
                bounded(&mut problems, $path, text, SLOT_MAX_CHARS, PARAMS_VALUE_INVAILD)
                    .map(Self)
                    .ok_or(problems)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identity_text!(
    /// A serial number: the idempotency key of a pass per channel (fileInfo.serialNumber).
    SerialNumber,
    "$.serial_number"
);

identity_text!(
    /// A channel id (platform.channelID): with the serial number, a pass's key.
    ChannelId,
    "$.channel_id"
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_issued_passes_change() {
        assert!(PassStatus::Issued.check_changeable().is_ok());
        for final_state in [
            PassStatus::Used,
            PassStatus::Closed,
            PassStatus::Issuing,
            PassStatus::Failed,
        ] {
            assert!(final_state.check_changeable().is_err());
        }
    }

    #[test]
    fn verify_code_and_type_travel_together() {
        let only_type = RedeemPass {
            verify_type: Some(VerifyType::Wave),
            ..Default::default()
        };
        assert_eq!(
            only_type.verification(30).unwrap_err()[0].path,
            "$.verify_code"
        );
        let both = RedeemPass {
            verify_type: Some(VerifyType::Qrcode),
            verify_code: Some("8612231273".into()),
            params: None,
        };
        assert_eq!(
            both.verification(30).unwrap().unwrap().verify_type,
            VerifyType::Qrcode
        );
        let long = RedeemPass {
            verify_type: Some(VerifyType::Input),
            verify_code: Some("1".repeat(31)),
            params: None,
        };
        assert!(long.verification(30).is_err());
        assert!(long.verification(999).is_ok());
    }

    #[test]
    fn slots_are_variables_or_literals() {
        let tpl = json!({"content": {"fileInfo": {"serialNumber": "$serialNumber$"},
                                     "platform": {"channelID": "2088918273"}}});
        assert_eq!(
            TemplateSlot::serial_number(&tpl),
            TemplateSlot::Variable("serialNumber".into())
        );
        assert_eq!(
            TemplateSlot::channel_id(&tpl),
            TemplateSlot::Literal("2088918273".into())
        );
        assert_eq!(
            TemplateSlot::of(&tpl, "merchant", "mname"),
            TemplateSlot::Absent
        );
    }

    fn slot(text: &str) -> TemplateSlot {
        TemplateSlot::serial_number(&json!({"content": {"fileInfo": {"serialNumber": text}}}))
    }

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    fn uuid_like() -> String {
        "generated".to_owned()
    }

    #[test]
    fn text_mixed_with_vars_is_a_pattern() {
        assert_eq!(
            slot("SN-$orderNo$"),
            TemplateSlot::Pattern {
                text: "SN-$orderNo$".into(),
                vars: vec!["orderNo".into()]
            }
        );
        assert_eq!(
            slot("$a$-$b$-$a$"),
            TemplateSlot::Pattern {
                text: "$a$-$b$-$a$".into(),
                vars: vec!["a".into(), "b".into()]
            }
        );
        // `$` that opens no token (whitespace in the name, a lone `$`) is literal text, as in
        // the template's parameter list.
        assert_eq!(slot("$a b$"), TemplateSlot::Literal("$a b$".into()));
        assert_eq!(slot("SN$1"), TemplateSlot::Literal("SN$1".into()));
        assert_eq!(slot("$$"), TemplateSlot::Literal("$$".into()));
        assert_eq!(slot("$x$"), TemplateSlot::Variable("x".into()));
    }

    #[test]
    fn resolve_substitutes_every_var() {
        let values = |name: &str| match name {
            "orderNo" => Some("123".to_owned()),
            "shop" => Some("A$".to_owned()),
            _ => None,
        };
        assert_eq!(
            slot("SN-$orderNo$").resolve(values),
            Ok(Some("SN-123".into()))
        );
        // A value holding `$` is not substituted again.
        assert_eq!(
            slot("$shop$$orderNo$-$orderNo$").resolve(values),
            Ok(Some("A$123-123".into()))
        );
        assert_eq!(
            slot("$shop$-$x$-$y$-$x$").resolve(values),
            Err(vec!["x".into(), "y".into()])
        );
        assert_eq!(slot("$orderNo$").resolve(values), Ok(Some("123".into())));
        assert_eq!(slot("$nope$").resolve(values), Err(vec!["nope".into()]));
        assert_eq!(slot("SN$1").resolve(values), Ok(Some("SN$1".into())));
        assert_eq!(TemplateSlot::Absent.resolve(values), Ok(None));
    }

    #[test]
    fn fill_a_pattern_from_the_params() {
        let sn = slot("SN-$orderNo$");
        let mut p = params(json!({"orderNo": "1001", "other": "x"}));
        let before = p.clone();
        assert_eq!(
            sn.fill(None, &mut p, uuid_like, "serial_number"),
            Ok("SN-1001".into())
        );
        assert_eq!(p, before, "a pattern sets no parameter");
        // Numbers are their wire text, as check_pass_params takes them.
        let mut p = params(json!({"orderNo": 1002}));
        assert_eq!(
            sn.fill(None, &mut p, uuid_like, "serial_number"),
            Ok("SN-1002".into())
        );
        // A given value must be the substituted one.
        let mut p = params(json!({"orderNo": "1001"}));
        assert_eq!(
            sn.fill(Some("SN-1001".into()), &mut p, uuid_like, "serial_number"),
            Ok("SN-1001".into())
        );
        let wrong = sn
            .fill(
                Some("SN-$orderNo$".into()),
                &mut p,
                uuid_like,
                "serial_number",
            )
            .unwrap_err();
        assert_eq!(wrong[0].path, "$.serial_number");
        assert_eq!(
            wrong[0].alipay_code.as_deref(),
            Some("KP.AE_ALIPASS_PARAMS_VALUE_INVAILD")
        );
    }

    #[test]
    fn fill_a_pattern_needs_every_var_and_no_default() {
        let channel = TemplateSlot::Pattern {
            text: "$org$-$shop no$-$unit$".into(),
            vars: vec!["org".into(), "shop no".into(), "unit".into()],
        };
        let mut p = params(json!({"unit": "7", "org": null}));
        let missing = channel
            .fill(
                Some("x".into()),
                &mut p,
                || panic!("no default"),
                "channel_id",
            )
            .unwrap_err();
        let paths: Vec<&str> = missing.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["$.params.org", "$.params['shop no']"]);
        assert!(missing
            .iter()
            .all(|f| f.alipay_code.as_deref() == Some("KP.AE_ALIPASS_PARAME_IS_NULL")));
    }

    #[test]
    fn fill_a_pattern_keeps_the_length_rule() {
        let sn = slot("SN-$orderNo$");
        let mut p = params(json!({"orderNo": "1".repeat(29)}));
        assert_eq!(
            sn.fill(None, &mut p, uuid_like, "serial_number"),
            Ok(format!("SN-{}", "1".repeat(29)))
        );
        let mut p = params(json!({"orderNo": "1".repeat(30)}));
        let long = sn
            .fill(None, &mut p, uuid_like, "serial_number")
            .unwrap_err();
        assert_eq!(long[0].path, "$.serial_number");
        assert!(
            long[0].message.contains("at most 32"),
            "{}",
            long[0].message
        );
        let mut p = params(json!({"a": "", "b": " "}));
        let blank = slot("$a$$b$")
            .fill(None, &mut p, uuid_like, "channel_id")
            .unwrap_err();
        assert_eq!(blank[0].path, "$.channel_id");
    }

    #[test]
    fn fill_variable_literal_absent_as_before() {
        let var = slot("$serialNumber$");
        // Given wins, the parameter is set to it.
        let mut p = Map::new();
        assert_eq!(
            var.fill(Some("S1".into()), &mut p, uuid_like, "serial_number"),
            Ok("S1".into())
        );
        assert_eq!(p["serialNumber"], "S1");
        // Else the parameter's value, else the default.
        let mut p = params(json!({"serialNumber": "S2"}));
        assert_eq!(
            var.fill(None, &mut p, uuid_like, "serial_number"),
            Ok("S2".into())
        );
        let mut p = params(json!({"serialNumber": null}));
        assert_eq!(
            var.fill(None, &mut p, uuid_like, "serial_number"),
            Ok("generated".into())
        );
        assert_eq!(p["serialNumber"], "generated");
        // Given and parameter disagree.
        let mut p = params(json!({"serialNumber": "S2"}));
        let differs = var
            .fill(Some("S3".into()), &mut p, uuid_like, "serial_number")
            .unwrap_err();
        assert_eq!(differs[0].path, "$.params.serialNumber");
        assert_eq!(differs[0].message, "differs from serial_number");

        let literal = slot("2088918273");
        let mut p = Map::new();
        assert_eq!(
            literal.fill(None, &mut p, uuid_like, "channel_id"),
            Ok("2088918273".into())
        );
        assert_eq!(
            literal.fill(Some("2088918273".into()), &mut p, uuid_like, "channel_id"),
            Ok("2088918273".into())
        );
        let fixed = literal
            .fill(Some("other".into()), &mut p, uuid_like, "channel_id")
            .unwrap_err();
        assert_eq!(fixed[0].path, "$.channel_id");
        assert!(p.is_empty());

        assert_eq!(
            TemplateSlot::Absent.fill(None, &mut p, uuid_like, "channel_id"),
            Ok("generated".into())
        );
        assert_eq!(
            TemplateSlot::Absent.fill(Some("c".into()), &mut p, uuid_like, "channel_id"),
            Ok("c".into())
        );
    }
}
