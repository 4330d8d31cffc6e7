//! `alipay.open.app.alipaycert.download`: the gateway hands out any of its signing
//! certificates by SN, base64 of the PEM chain in `alipay_cert_content`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use super::{code, parse_biz, refuse, Refusal};
use crate::wire::Call;
use crate::Simulator;

pub(super) fn alipaycert_download(
    sim: &Simulator,
    call: &Call,
) -> Result<Vec<(&'static str, String)>, Refusal> {
    let biz = parse_biz(&call.biz_content)
        .ok_or_else(|| refuse(code::INVALID_PARAMETER, "biz_content不是JSON对象"))?;
    let Some(Value::String(sn)) = biz.get("alipay_cert_sn") else {
        return Err(refuse(code::INVALID_PARAMETER, "alipay_cert_sn不能为空"));
    };
    let cert = sim
        .certificate(sn)
        .ok_or_else(|| refuse(code::CERT_NOT_EXIST, "证书不存在"))?;
    Ok(vec![(
        "alipay_cert_content",
        STANDARD.encode(&cert.chain_pem),
    )])
}
