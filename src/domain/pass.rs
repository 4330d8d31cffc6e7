//! Passes: the state machine and the inputs of issue / update / redeem / close.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::{bounded, FieldProblem};

/// ISSUING → ISSUED → USED | CLOSED (terminal); FAILED when the gateway refused for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PassStatus {
    Issuing,
    Issued,
    Used,
    Closed,
    Failed,
}

impl PassStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PassStatus::Issuing => "ISSUING",
            PassStatus::Issued => "ISSUED",
            PassStatus::Used => "USED",
            PassStatus::Closed => "CLOSED",
            PassStatus::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ISSUING" => Some(PassStatus::Issuing),
            "ISSUED" => Some(PassStatus::Issued),
            "USED" => Some(PassStatus::Used),
            "CLOSED" => Some(PassStatus::Closed),
            "FAILED" => Some(PassStatus::Failed),
            _ => None,
        }
    }

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

/// Where a template takes a pass's identity from: a `$var$` filled per pass, or a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSlot {
    Variable(String),
    Literal(String),
    Absent,
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
                let inner = text.strip_prefix('$').and_then(|t| t.strip_suffix('$'));
                match inner {
                    Some(name) if !name.is_empty() && !name.contains('$') => {
                        TemplateSlot::Variable(name.to_owned())
                    }
                    _ => TemplateSlot::Literal(text.clone()),
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
}

/// A serial number: the idempotency key of a pass per channel (fileInfo.serialNumber ≤ 32).
pub fn parse_serial_number(text: &str) -> Result<String, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    bounded(
        &mut problems,
        "$.serial_number",
        text,
        32,
        "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
    )
    .ok_or(problems)
}

/// A channel id (platform.channelID ≤ 32).
pub fn parse_channel_id(text: &str) -> Result<String, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    bounded(
        &mut problems,
        "$.channel_id",
        text,
        32,
        "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
    )
    .ok_or(problems)
}

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
}
