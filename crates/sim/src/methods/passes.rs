//! alipay.pass.instance.add and .update.

use super::*;

/// A pass's serialNumber / channelID, resolved as the service resolves it
/// ([`TemplateSlot::resolve`]): the parameter a `$var$` slot names, a pattern with its
/// `$var$`s filled, or the literal.
pub(super) fn slot_value(slot: TemplateSlot, params: &PassParams) -> Option<String> {
    slot.resolve(|name| params.get(name).map(str::to_owned))
        .ok()
        .flatten()
        .filter(|v| !v.trim().is_empty())
}

pub(super) fn gbk_checked(field: &str, value: &str) -> Result<(), Refusal> {
    if gbk_encodable(value) {
        Ok(())
    } else {
        Err(refuse(
            code::CHAR_NOT_GBK,
            format!("卡券传值中有非GBK的字符: {field}"),
        ))
    }
}

pub(super) fn instance_add(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
    let biz = parse_biz(&call.biz_content)
        .ok_or_else(|| refuse(code::PARAMS_FORMAT_ERROR, "格式错误: biz_content非json格式"))?;
    let tpl_id = text(&biz, "tpl_id").ok_or_else(|| refuse(code::PARAME_IS_NULL, "tpl_id为空"))?;
    let values = required_object(&biz, "tpl_params", TPL_PARAMS_MAX)?;
    recognition_type(&biz)?;
    let info = required_object(&biz, "recognition_info", RECOGNITION_INFO_MAX)?;
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
            app_auth_token: call.app_auth_token.clone(),
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

/// A member that must hold a JSON object (inline or as text) of at most `max` characters.
fn required_object(
    biz: &Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<Map<String, Value>, Refusal> {
    let object = match nested(biz, key) {
        Nested::Object(object) => object,
        Nested::Absent => return Err(refuse(code::PARAME_IS_NULL, format!("{key}为空"))),
        Nested::Malformed => {
            return Err(refuse(
                code::PARAMS_FORMAT_ERROR,
                format!("格式错误: {key}非json格式"),
            ))
        }
    };
    within_length(&object, key, max)?;
    Ok(object)
}

/// The pages give `tpl_params` a length (String(99999)) on instance.add and
/// instance.update alike: past it the call is refused, whichever method carries it.
fn within_length(object: &Map<String, Value>, key: &str, max: usize) -> Result<(), Refusal> {
    if chars(&Value::Object(object.clone()).to_string()) > max {
        return Err(refuse(
            code::PARAMS_VALUE_INVAILD,
            format!("{key}长度不能超过{max}"),
        ));
    }
    Ok(())
}

/// Only order information (type 1) identifies a pass's holder.
fn recognition_type(biz: &Map<String, Value>) -> Result<(), Refusal> {
    match text(biz, "recognition_type").as_deref() {
        Some("1") => Ok(()),
        None => Err(refuse(code::PARAME_IS_NULL, "recognition_type为空")),
        // Seed 002: NOSUPPORT is "recognitionType不支持userID方式发券", i.e. type 2 (user id).
        Some("2") => Err(refuse(
            code::RECOGNITION_TYPE_NOSUPPORT,
            "recognitionType不支持userID方式发券",
        )),
        Some(_) => Err(refuse(
            code::RECOGNITION_TYPE_INVALID,
            "recognitionType不合法,仅支持1(订单信息)",
        )),
    }
}

pub(super) fn instance_result(
    serial_number: &str,
    pass_id: &str,
    operate: &str,
) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("serialNumber".into(), serial_number.into());
    result.insert("passId".into(), pass_id.into());
    result.insert("operate".into(), operate.into());
    result.insert("errorCode".into(), "SUCCESS".into());
    result.insert("errorMsg".into(), SUCCESS_MSG.into());
    result
}

pub(super) fn instance_update(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
    let biz = parse_biz(&call.biz_content)
        .ok_or_else(|| refuse(code::PARAMS_FORMAT_ERROR, "格式错误: biz_content非json格式"))?;
    let serial_number = text(&biz, "serial_number")
        .ok_or_else(|| refuse(code::PARAME_IS_NULL, "serial_number为空"))?;
    let channel_id =
        text(&biz, "channel_id").ok_or_else(|| refuse(code::PARAME_IS_NULL, "channel_id为空"))?;
    let values = match nested(&biz, "tpl_params") {
        Nested::Object(values) if !values.is_empty() => {
            within_length(&values, "tpl_params", TPL_PARAMS_MAX)?;
            Some(values)
        }
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
    let new_status = new_status(status.as_deref())?;
    let verification = verification(&biz)?;

    let mut guard = sim.inner.state.lock();
    let state = &mut *guard;
    let key = (channel_id.clone(), serial_number.clone());
    // A pass is seen only by the app and the merchant authorisation it was issued under:
    // another one meets "does not exist", as it would for a pass it never issued.
    let Some(pass) = state
        .passes
        .get_mut(&key)
        .filter(|p| p.app_id == call.app_id && p.app_auth_token == call.app_auth_token)
    else {
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
    if let Some(values) = &values {
        let template = state
            .templates
            .get(&pass.tpl_id)
            .ok_or_else(|| refuse(code::UPDATE_ERROR, "更新卡券失败: 卡券的模板不存在"))?;
        let changed = changed_params(template, values, (&serial_number, &channel_id))?;
        pass.params.extend(changed);
    }
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

/// The status an update asks for: USED, CLOSED or none.
fn new_status(status: Option<&str>) -> Result<Option<PassState>, Refusal> {
    match status {
        None => Ok(None),
        Some("USED") => Ok(Some(PassState::Used)),
        Some("CLOSED") => Ok(Some(PassState::Closed)),
        Some(other) => Err(refuse(
            code::PARAMS_VALUE_INVAILD,
            format!("status只支持USED、CLOSED: {}", clip(other, 32)),
        )),
    }
}

/// verify_type and verify_code, given together or not at all.
fn verification(biz: &Map<String, Value>) -> Result<Option<(String, String)>, Refusal> {
    match (text(biz, "verify_code"), text(biz, "verify_type")) {
        (None, None) => Ok(None),
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
            Ok(Some((verify_type, verify_code)))
        }
        _ => Err(refuse(
            code::PARAME_IS_NULL,
            "verify_code和verify_type需同时传入",
        )),
    }
}

/// The parameters an update changes, checked against the pass's template. The pass's
/// identity (serial number, channel) is its key: a parameter that would change it is refused.
fn changed_params(
    template: &SimTemplate,
    values: &Map<String, Value>,
    (serial_number, channel_id): (&str, &str),
) -> Result<BTreeMap<String, String>, Refusal> {
    let checked = template
        .content
        .check_update_params(values)
        .map_err(|findings| from_findings(&findings, code::PARAMS_VALUE_INVAILD))?;
    for (slot, current) in [
        (
            TemplateSlot::serial_number(template.content.as_json()),
            serial_number,
        ),
        (
            TemplateSlot::channel_id(template.content.as_json()),
            channel_id,
        ),
    ] {
        if let TemplateSlot::Variable(name) = slot {
            if checked.get(&name).is_some_and(|v| v != current) {
                return Err(refuse(
                    code::PARAMS_VALUE_INVAILD,
                    format!("参数{name}是卡券的标识,不能更新"),
                ));
            }
        }
    }
    Ok(checked
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}
