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
fn a_recipient_too_long_as_recognition_info_is_refused() {
    // Within each field's limit, but `\u0001` is six characters on the wire.
    let escaped = PassRecipient {
        partner_id: "\u{1}".repeat(32),
        out_trade_no: "\u{1}".repeat(64),
    };
    let problems = escaped.parse().unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "$.recipient");
    assert_eq!(
        problems[0].alipay_code.as_deref(),
        Some(PARAMS_VALUE_INVAILD)
    );
}

#[test]
fn a_recipient_at_its_field_limits_in_plain_text_fits_recognition_info() {
    let longest = PassRecipient {
        partner_id: "2".repeat(32),
        out_trade_no: "o".repeat(64),
    };
    assert_eq!(longest.parse().unwrap(), longest);
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

fn serial(text: &str) -> SerialNumber {
    SerialNumber::parse(text).expect("a valid serial number")
}

fn channel(text: &str) -> ChannelId {
    ChannelId::parse(text).expect("a valid channel id")
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
        sn.fill::<SerialNumber>(None, &mut p, uuid_like),
        Ok(serial("SN-1001"))
    );
    assert_eq!(p, before, "a pattern sets no parameter");
    // Numbers are their wire text, as check_pass_params takes them.
    let mut p = params(json!({"orderNo": 1002}));
    assert_eq!(
        sn.fill::<SerialNumber>(None, &mut p, uuid_like),
        Ok(serial("SN-1002"))
    );
    // A given value must be the substituted one.
    let mut p = params(json!({"orderNo": "1001"}));
    assert_eq!(
        sn.fill::<SerialNumber>(Some(serial("SN-1001")), &mut p, uuid_like),
        Ok(serial("SN-1001"))
    );
    let wrong = sn
        .fill::<SerialNumber>(Some(serial("SN-$orderNo$")), &mut p, uuid_like)
        .unwrap_err();
    assert_eq!(wrong.problems()[0].path, "$.serial_number");
    assert_eq!(
        wrong.problems()[0].alipay_code.as_deref(),
        Some("KP.AE_ALIPASS_PARAMS_VALUE_INVAILD")
    );
}

#[test]
fn fill_a_pattern_needs_every_var_and_no_default() {
    let channel_slot = TemplateSlot::Pattern {
        text: "$org$-$shop no$-$unit$".into(),
        vars: vec!["org".into(), "shop no".into(), "unit".into()],
    };
    let mut p = params(json!({"unit": "7", "org": null}));
    let missing = channel_slot
        .fill::<ChannelId>(Some(channel("x")), &mut p, || panic!("no default"))
        .unwrap_err();
    let paths: Vec<&str> = missing.problems().iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["$.params.org", "$.params['shop no']"]);
    assert!(missing
        .problems()
        .iter()
        .all(|f| f.alipay_code.as_deref() == Some("KP.AE_ALIPASS_PARAME_IS_NULL")));
}

#[test]
fn fill_a_pattern_keeps_the_length_rule() {
    let sn = slot("SN-$orderNo$");
    let mut p = params(json!({"orderNo": "1".repeat(29)}));
    assert_eq!(
        sn.fill::<SerialNumber>(None, &mut p, uuid_like),
        Ok(serial(&format!("SN-{}", "1".repeat(29))))
    );
    let mut p = params(json!({"orderNo": "1".repeat(30)}));
    let long = sn
        .fill::<SerialNumber>(None, &mut p, uuid_like)
        .unwrap_err();
    assert_eq!(long.problems()[0].path, "$.serial_number");
    assert!(
        long.problems()[0].message.contains("at most 32"),
        "{}",
        long.problems()[0].message
    );
    let mut p = params(json!({"a": "", "b": " "}));
    let blank = slot("$a$$b$")
        .fill::<ChannelId>(None, &mut p, uuid_like)
        .unwrap_err();
    assert_eq!(blank.problems()[0].path, "$.channel_id");
}

#[test]
fn fill_variable_literal_absent_as_before() {
    let var = slot("$serialNumber$");
    // Given wins, the parameter is set to it.
    let mut p = Map::new();
    assert_eq!(
        var.fill::<SerialNumber>(Some(serial("S1")), &mut p, uuid_like),
        Ok(serial("S1"))
    );
    assert_eq!(p["serialNumber"], "S1");
    // Else the parameter's value, else the default.
    let mut p = params(json!({"serialNumber": "S2"}));
    assert_eq!(
        var.fill::<SerialNumber>(None, &mut p, uuid_like),
        Ok(serial("S2"))
    );
    let mut p = params(json!({"serialNumber": null}));
    assert_eq!(
        var.fill::<SerialNumber>(None, &mut p, uuid_like),
        Ok(serial("generated"))
    );
    assert_eq!(p["serialNumber"], "generated");
    // Given and parameter disagree.
    let mut p = params(json!({"serialNumber": "S2"}));
    let differs = var
        .fill::<SerialNumber>(Some(serial("S3")), &mut p, uuid_like)
        .unwrap_err();
    assert_eq!(differs.problems()[0].path, "$.params.serialNumber");
    assert_eq!(differs.problems()[0].message, "differs from serial_number");
    // A value taken from the params is parsed as the request's would be.
    let mut p = params(json!({"serialNumber": " "}));
    let blank = var
        .fill::<SerialNumber>(None, &mut p, uuid_like)
        .unwrap_err();
    assert!(matches!(blank, SlotError::Invalid(_)), "{blank:?}");
    assert_eq!(blank.problems()[0].path, "$.serial_number");

    let literal = slot("2088918273");
    let mut p = Map::new();
    assert_eq!(
        literal.fill::<ChannelId>(None, &mut p, uuid_like),
        Ok(channel("2088918273"))
    );
    assert_eq!(
        literal.fill::<ChannelId>(Some(channel("2088918273")), &mut p, uuid_like),
        Ok(channel("2088918273"))
    );
    let fixed = literal
        .fill::<ChannelId>(Some(channel("other")), &mut p, uuid_like)
        .unwrap_err();
    assert_eq!(fixed.problems()[0].path, "$.channel_id");
    assert!(p.is_empty());

    assert_eq!(
        TemplateSlot::Absent.fill::<ChannelId>(None, &mut p, uuid_like),
        Ok(channel("generated"))
    );
    assert_eq!(
        TemplateSlot::Absent.fill::<ChannelId>(Some(channel("c")), &mut p, uuid_like),
        Ok(channel("c"))
    );
}
