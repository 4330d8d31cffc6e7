//! The five wrapped OpenAPI methods: their biz_content on the wire and their answers.
//! Alipay's wire names live here and nowhere else.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::alipay::client::{AlipayClient, AttemptRecorder, GatewayError, GatewayReply, Refusal};
use crate::alipay::codes;
use crate::alipay::response::result_object;
use crate::config::Secret;

pub use alipay_protocol::methods::*;

#[derive(Debug, Serialize)]
pub struct TemplateAdd<'a> {
    pub unique_id: &'a str,
    /// The template as a JSON string, as the API reference and SDK examples send it.
    pub tpl_content: &'a str,
}

#[derive(Debug, Serialize)]
pub struct TemplateUpdate<'a> {
    pub tpl_id: &'a str,
    pub tpl_content: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateResult {
    pub tpl_id: String,
    pub tpl_params: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct InstanceAdd<'a> {
    pub tpl_id: &'a str,
    /// Parameter values as a JSON object string.
    pub tpl_params: &'a str,
    /// Always "1": order information (the only type Alipay supports).
    pub recognition_type: &'a str,
    /// `{"partner_id":…,"out_trade_no":…}` as a JSON string.
    pub recognition_info: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceResult {
    pub serial_number: Option<String>,
    pub pass_id: Option<String>,
    /// The whole `result` object of the answer.
    pub result: Map<String, Value>,
}

#[derive(Debug, Serialize)]
pub struct InstanceUpdate<'a> {
    pub serial_number: &'a str,
    pub channel_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpl_params: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_type: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct VoucherSend<'a> {
    pub template_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taobao_nick: Option<&'a str>,
    pub out_biz_no: &'a str,
    /// A string keeps the `#.00` form exact (a JSON number would print 10.00 as 10.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherResult {
    pub voucher_id: String,
    pub user_id: Option<String>,
}

/// The request's biz_content; one that cannot be written is not sent (never an empty one).
fn biz<T: Serialize>(request: &T) -> Result<String, GatewayError> {
    serde_json::to_string(request)
        .map_err(|error| GatewayError::NotSent(format!("cannot write biz_content: {error}")))
}

/// The client acting for a merchant (`app_auth_token`), or with the app's configured token
/// when `None`. The five methods are called through it.
pub struct Acting<'a> {
    client: &'a AlipayClient,
    app_auth_token: Option<Secret>,
}

impl AlipayClient {
    pub fn acting(&self, app_auth_token: Option<Secret>) -> Acting<'_> {
        Acting {
            client: self,
            app_auth_token,
        }
    }
}

impl Acting<'_> {
    async fn execute(
        &self,
        method: Method,
        biz_content: &str,
        recorder: &dyn AttemptRecorder,
    ) -> Result<GatewayReply, GatewayError> {
        self.client
            .execute_as(
                method,
                biz_content,
                self.app_auth_token.as_deref(),
                recorder,
            )
            .await
    }

    pub async fn template_add(
        &self,
        request: &TemplateAdd<'_>,
        recorder: &dyn AttemptRecorder,
    ) -> Result<TemplateResult, GatewayError> {
        let reply = self
            .execute(Method::TemplateAdd, &biz(request)?, recorder)
            .await?;
        template_result(&reply)
    }

    pub async fn template_update(
        &self,
        request: &TemplateUpdate<'_>,
        recorder: &dyn AttemptRecorder,
    ) -> Result<TemplateResult, GatewayError> {
        let reply = self
            .execute(Method::TemplateUpdate, &biz(request)?, recorder)
            .await?;
        template_update_result(&reply, request.tpl_id)
    }

    pub async fn instance_add(
        &self,
        request: &InstanceAdd<'_>,
        recorder: &dyn AttemptRecorder,
    ) -> Result<InstanceResult, GatewayError> {
        let reply = self
            .execute(Method::InstanceAdd, &biz(request)?, recorder)
            .await?;
        instance_result(&reply)
    }

    pub async fn instance_update(
        &self,
        request: &InstanceUpdate<'_>,
        recorder: &dyn AttemptRecorder,
    ) -> Result<InstanceResult, GatewayError> {
        let reply = self
            .execute(Method::InstanceUpdate, &biz(request)?, recorder)
            .await?;
        instance_result(&reply)
    }

    pub async fn voucher_send(
        &self,
        request: &VoucherSend<'_>,
        recorder: &dyn AttemptRecorder,
    ) -> Result<VoucherResult, GatewayError> {
        let reply = self
            .execute(Method::VoucherSend, &biz(request)?, recorder)
            .await?;
        let voucher_id = text(&reply.node, "voucher_id")
            .ok_or_else(|| GatewayError::NoAnswer("success answer without voucher_id".into()))?;
        Ok(VoucherResult {
            voucher_id,
            user_id: text(&reply.node, "user_id"),
        })
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Pass methods answer `success` ("true" or true) and `result`, a JSON object inside a
/// string. `success` false is a business failure carried in result.errorCode.
pub fn pass_result(reply: &GatewayReply) -> Result<Map<String, Value>, GatewayError> {
    let result = result_object(&reply.node).unwrap_or_default();
    let success = match reply.node.get("success") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        // Absent: code 10000 already says success.
        _ => true,
    };
    if success {
        return Ok(result);
    }
    let error_code = text(&result, "errorCode").or_else(|| text(&result, "errorcode"));
    let error_msg = text(&result, "errorMsg").or_else(|| text(&result, "errormsg"));
    Err(GatewayError::Refused(Box::new(Refusal {
        meaning: codes::classify_business(error_code.as_deref()),
        code: "40004".into(),
        msg: "Business Failed".into(),
        sub_code: error_code,
        sub_msg: error_msg,
        result: Some(result),
        signed: true,
        after_unknown: reply.after_unknown,
    })))
}

/// A text member of a `result` object (ids may come as numbers).
pub fn result_text(result: &Map<String, Value>, key: &str) -> Option<String> {
    text(result, key)
}

fn template_result(reply: &GatewayReply) -> Result<TemplateResult, GatewayError> {
    let result = pass_result(reply)?;
    let tpl_id = text(&result, "tpl_id")
        .ok_or_else(|| GatewayError::NoAnswer("success answer without tpl_id".into()))?;
    Ok(TemplateResult {
        tpl_id,
        tpl_params: tpl_params(result.get("tpl_params")),
    })
}

/// template.update's answer. Its page names the id `template_id` in the table of returns
/// and `tpl_id` in the example answer; we know the id we updated, so either or neither
/// will do.
fn template_update_result(
    reply: &GatewayReply,
    updated: &str,
) -> Result<TemplateResult, GatewayError> {
    let result = pass_result(reply)?;
    Ok(TemplateResult {
        tpl_id: updated.to_owned(),
        tpl_params: tpl_params(result.get("tpl_params")),
    })
}

/// `tpl_params` comes as a JSON array, or (older pages) as a string `[a,b]`.
fn tpl_params(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => s
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|p| p.trim().trim_matches('"').to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

fn instance_result(reply: &GatewayReply) -> Result<InstanceResult, GatewayError> {
    let result = pass_result(reply)?;
    Ok(InstanceResult {
        serial_number: text(&result, "serialNumber"),
        pass_id: text(&result, "passId").or_else(|| text(&result, "pass_id")),
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(node: Value) -> GatewayReply {
        GatewayReply {
            node: node.as_object().unwrap().clone(),
            after_unknown: false,
        }
    }

    #[test]
    fn result_inside_a_string_and_success_as_string_or_bool() {
        let r = reply(json!({"code":"10000","success":"true",
            "result":"{\"serialNumber\":\"123555123\",\"passId\":\"209919213\",\"operate\":\"ADD\"}"}));
        let parsed = instance_result(&r).unwrap();
        assert_eq!(parsed.pass_id.as_deref(), Some("209919213"));
        let r = reply(json!({"code":"10000","success":true,
            "result":"{\"tpl_id\":\"2015062614280547004605924\",\"tpl_params\":[\"a\",\"b\"]}"}));
        assert_eq!(template_result(&r).unwrap().tpl_params, ["a", "b"]);
    }

    #[test]
    fn a_template_update_answer_may_name_its_id_either_way_or_not_at_all() {
        for result in [
            r#"{"tpl_id":"T1","tpl_params":["a"]}"#,
            r#"{"template_id":"T1","tpl_params":["a"]}"#,
            r#"{"tpl_params":["a"]}"#,
        ] {
            let r = reply(json!({"code":"10000","success":"true","result":result}));
            let parsed = template_update_result(&r, "T1").unwrap();
            assert_eq!(parsed.tpl_id, "T1", "{result}");
            assert_eq!(parsed.tpl_params, ["a"], "{result}");
        }
    }

    #[test]
    fn tpl_params_in_the_old_string_form() {
        assert_eq!(
            tpl_params(Some(&json!("[title,startDate]"))),
            ["title", "startDate"]
        );
    }

    #[test]
    fn success_false_is_a_business_failure_with_the_result_code() {
        let r = reply(json!({"code":"10000","success":"false",
            "result":"{\"errorCode\":\"KP.AE_ALIPASS_NOTEXIST\",\"errorMsg\":\"卡券不存在\"}"}));
        let err = instance_result(&r).unwrap_err();
        assert_eq!(err.meaning().unwrap().code, "pass_not_found");
    }

    #[test]
    fn voucher_amount_stays_a_string() {
        let body = biz(&VoucherSend {
            template_id: "T",
            user_id: Some("2088"),
            login_id: None,
            taobao_nick: None,
            out_biz_no: "o1",
            amount: Some("10.00"),
            memo: None,
        })
        .unwrap();
        assert_eq!(
            body,
            r#"{"template_id":"T","user_id":"2088","out_biz_no":"o1","amount":"10.00"}"#
        );
    }
}
