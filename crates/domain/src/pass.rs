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

/// Characters of `recognition_info` as sent (see [`PassRecipient::parse`]).
pub const RECOGNITION_INFO_MAX_CHARS: usize = 500;

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
        let (Some(partner_id), Some(out_trade_no)) = (partner_id, out_trade_no) else {
            return Err(problems);
        };
        let recipient = PassRecipient {
            partner_id,
            out_trade_no,
        };
        recipient.check_wire_length(&mut problems);
        match problems.is_empty() {
            true => Ok(recipient),
            false => Err(problems),
        }
    }

    /// recognition_info as a whole, as it goes on the wire: String(500) on the long guide's
    /// instance.add table (999 on the method's own page), the harder reading. The fields'
    /// own limits keep plain text well inside it; escaped characters (`\u0001` is six) can
    /// pass it, and Alipay would refuse that with `KP.AE_ALIPASS_PARAMS_VALUE_INVAILD`.
    fn check_wire_length(&self, problems: &mut Vec<FieldProblem>) {
        let chars = self.to_wire_string().chars().count();
        if chars > RECOGNITION_INFO_MAX_CHARS {
            problems.push(FieldProblem {
                path: "$.recipient".to_owned(),
                message: format!(
                    "comes to {chars} characters as recognition_info; at most \
                     {RECOGNITION_INFO_MAX_CHARS}"
                ),
                alipay_code: Some(PARAMS_VALUE_INVAILD.to_owned()),
            });
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

    /// Decides a pass's serial number or channel id (`T`, named in problems by its request
    /// field `T::FIELD`) from the value `given` in the request (already parsed) and the pass
    /// `params`; a value taken from elsewhere is parsed here, once:
    /// - `Variable`: the given value, else the parameter's, else `default()`; a parameter
    ///   that differs from the given value is refused; the parameter is then set to it.
    /// - `Pattern`: the substitution of the params, each variable it names required
    ///   (`KP.AE_ALIPASS_PARAME_IS_NULL` at `$.params.<name>`), at most 32 characters; a
    ///   given value must equal it; never a default.
    /// - `Literal`: the literal; a given value must equal it.
    /// - `Absent`: the given value, else `default()`.
    pub fn fill<T: SlotValue>(
        &self,
        given: Option<T>,
        params: &mut Map<String, Value>,
        default: impl FnOnce() -> String,
    ) -> Result<T, SlotError> {
        let path = T::FIELD;
        match self {
            TemplateSlot::Variable(name) => {
                let existing = param_value(params, name);
                let value = match &given {
                    Some(given) => given.as_str().to_owned(),
                    None => existing.clone().unwrap_or_else(default),
                };
                if existing.is_some_and(|existing| existing != value) {
                    return Err(SlotError::Conflict(slot_problem(
                        param_path(name),
                        PARAMS_VALUE_INVAILD,
                        format!("differs from {path}"),
                    )));
                }
                params.insert(name.clone(), Value::String(value.clone()));
                match given {
                    Some(given) => Ok(given),
                    None => parse_decided(&value),
                }
            }
            TemplateSlot::Pattern { text, .. } => self.fill_pattern(text, given, params),
            TemplateSlot::Literal(fixed) => match given {
                Some(value) if value.as_str() != fixed => Err(SlotError::Conflict(slot_problem(
                    format!("$.{path}"),
                    PARAMS_VALUE_INVAILD,
                    format!("the template fixes it to `{fixed}`"),
                ))),
                _ => parse_decided(fixed),
            },
            TemplateSlot::Absent => match given {
                Some(given) => Ok(given),
                None => parse_decided(&default()),
            },
        }
    }

    /// [`Self::fill`] for a `Pattern` slot of `text`.
    fn fill_pattern<T: SlotValue>(
        &self,
        text: &str,
        given: Option<T>,
        params: &Map<String, Value>,
    ) -> Result<T, SlotError> {
        let path = T::FIELD;
        let rendered = match self.resolve(|name| param_value(params, name)) {
            Ok(rendered) => rendered.unwrap_or_default(),
            Err(missing) => {
                return Err(SlotError::Conflict(
                    missing
                        .iter()
                        .map(|name| FieldProblem {
                            path: param_path(name),
                            message: format!(
                                "'{name}' makes the {path} (the template's `{}`) and needs a \
                                 value",
                                clip(text)
                            ),
                            alipay_code: Some(PARAME_IS_NULL.to_owned()),
                        })
                        .collect(),
                ))
            }
        };
        let value = T::parse(&rendered).map_err(|mut problems| {
            for problem in &mut problems {
                problem.message = format!(
                    "the template's `{}` filled in from the params gives `{}`, which {}",
                    clip(text),
                    clip(&rendered),
                    problem.message
                );
            }
            SlotError::Conflict(problems)
        })?;
        match given {
            Some(given) if given.as_str() != rendered => Err(SlotError::Conflict(slot_problem(
                format!("$.{path}"),
                PARAMS_VALUE_INVAILD,
                format!(
                    "the template makes it `{}`, which the params fill in as `{}`",
                    clip(text),
                    clip(&rendered)
                ),
            ))),
            _ => Ok(value),
        }
    }
}

/// A value [`TemplateSlot::fill`] decided from the params, the template or a default: parsed
/// here, its problems told apart from the slot's own.
fn parse_decided<T: SlotValue>(text: &str) -> Result<T, SlotError> {
    T::parse(text).map_err(SlotError::Invalid)
}

/// Why [`TemplateSlot::fill`] decided no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotError {
    /// The request, the params and the template disagree, or a pattern cannot be filled in.
    Conflict(Vec<FieldProblem>),
    /// The value taken from the params, the template or the default is not a valid one.
    Invalid(Vec<FieldProblem>),
}

impl SlotError {
    pub fn problems(&self) -> &[FieldProblem] {
        match self {
            SlotError::Conflict(problems) | SlotError::Invalid(problems) => problems,
        }
    }
}

/// A pass identity a template slot decides ([`SerialNumber`], [`ChannelId`]).
pub trait SlotValue: Sized {
    /// The request field that gives it (`serial_number`, `channel_id`).
    const FIELD: &'static str;
    fn parse(text: &str) -> Result<Self, Vec<FieldProblem>>;
    fn as_str(&self) -> &str;
}

/// The length of fileInfo.serialNumber and platform.channelID.
const SLOT_MAX_CHARS: usize = 32;

/// Where a pattern slot's rendering stops: far past any valid value (32 characters of up
/// to 4 bytes), so a cut value is still refused as too long.
const SLOT_MAX_BYTES: usize = 1_024;

/// A pass identity text: non-blank, at most 32 characters, GBK-encodable.
macro_rules! identity_text {
    ($(#[$meta:meta])* $name:ident, $field:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, Vec<FieldProblem>> {
                let mut problems = Vec::new();
                let path = concat!("$.", $field);
                bounded(&mut problems, path, text, SLOT_MAX_CHARS, PARAMS_VALUE_INVAILD)
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

        impl SlotValue for $name {
            const FIELD: &'static str = $field;

            fn parse(text: &str) -> Result<Self, Vec<FieldProblem>> {
                Self::parse(text)
            }

            fn as_str(&self) -> &str {
                self.as_str()
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
    "serial_number"
);

identity_text!(
    /// A channel id (platform.channelID): with the serial number, a pass's key.
    ChannelId,
    "channel_id"
);

#[cfg(test)]
mod tests;
