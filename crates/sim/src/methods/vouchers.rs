//! alipay.marketing.voucher.send.

use super::*;

pub(super) fn bounded(
    map: &Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<Option<String>, Refusal> {
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
pub(super) fn amount(map: &Map<String, Value>) -> Result<Option<String>, Refusal> {
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
pub(super) fn mapped_user_id(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{value}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("2088{:012}", u64::from_be_bytes(first) % 1_000_000_000_000)
}

pub(super) fn is_user_id(text: &str) -> bool {
    text.len() == 16 && text.starts_with("2088") && text.bytes().all(|b| b.is_ascii_digit())
}

/// A login id is a phone number (11 digits starting with 1) or an e-mail address.
pub(super) fn is_login_id(text: &str) -> bool {
    let phone =
        text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit());
    let email = text.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
    });
    phone || email
}

/// The voucher template is known and not expired, and `amount` is given exactly when it is
/// a red packet (the page: "红包发放时填写,其它情形不能填").
fn usable_template(sim: &Simulator, template_id: &str, amount: bool) -> Result<(), Refusal> {
    let Some(template) = sim.inner.voucher_templates.get(template_id) else {
        return Err(refuse(
            code::TEMPLATE_NOT_EXIST_VOUCHER,
            format!("模板不存在: {}", clip(template_id, 32)),
        ));
    };
    if template.expired {
        return Err(refuse(code::TEMPLATE_EXPIRED, "模板过期"));
    }
    match (template.red_packet, amount) {
        (false, true) => Err(refuse(
            code::INVALID_PARAMETER,
            "参数有误: amount仅红包发放时填写",
        )),
        (true, false) => Err(refuse(
            code::INVALID_PARAMETER,
            "参数有误: 红包发放时须填写amount",
        )),
        _ => Ok(()),
    }
}

pub(super) fn voucher_send(sim: &Simulator, call: &Call) -> Result<(String, String), Refusal> {
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
    usable_template(sim, &template_id, amount.is_some())?;
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
