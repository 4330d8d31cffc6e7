//! alipay.pass.template.add and .update.

use super::*;

pub(super) fn template_content(
    sim: &Simulator,
    biz: &Map<String, Value>,
) -> Result<TemplateContent, Refusal> {
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

pub(super) fn template_result(tpl_id: &str, content: &TemplateContent) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("errorCode".into(), "KP.AE_SUCCESS".into());
    result.insert("errorMsg".into(), SUCCESS_MSG.into());
    result.insert("tpl_id".into(), tpl_id.into());
    result.insert("tpl_params".into(), json!(content.params()));
    result
}

pub(super) fn template_add(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
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

pub(super) fn template_update(sim: &Simulator, call: &Call) -> Result<Map<String, Value>, Refusal> {
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
    let mut result = template_result(&tpl_id, &content);
    // The page's table of returns names the id `template_id`, its example answer `tpl_id`:
    // strict, the simulator answers the form a client reading only `tpl_id` would miss.
    if !sim.kinder() {
        if let Some(id) = result.remove("tpl_id") {
            result.insert("template_id".into(), id);
        }
    }
    template.content = content;
    template.updates += 1;
    state.record_effect(TEMPLATE_UPDATE, &tpl_id);
    Ok(result)
}

pub(super) fn new_tpl_id(sequence: u64) -> String {
    // Like 2015062614280547004605924: a Beijing timestamp and a sequence, 25 digits.
    format!(
        "{}{:011}",
        beijing_now().format("%Y%m%d%H%M%S"),
        sequence % 100_000_000_000
    )
}
