//! Pass parameters against a template, and robustness.

use super::*;

// ---- pass params ----

#[test]
fn complete_params_are_accepted_and_sorted_on_the_wire() {
    let checked = parsed().check_pass_params(&good_params()).expect("valid");
    assert_eq!(checked.len(), 8);
    assert_eq!(checked.get("channelID"), Some("102014022600003526"));
    let wire = checked.to_wire_string();
    assert!(wire.starts_with("{\"ackCode\":"), "{wire}");
    let back: Map<String, Value> = serde_json::from_str(&wire).expect("json object");
    assert_eq!(back.len(), 8);
}

#[test]
fn scalar_values_become_text() {
    let mut params = good_params();
    params.insert("serialNumber".into(), json!(4333673662446155_u64));
    let checked = parsed().check_pass_params(&params).expect("valid");
    assert_eq!(checked.get("serialNumber"), Some("4333673662446155"));
}

#[test]
fn param_problems_are_all_reported() {
    let mut params = good_params();
    params.remove("serialNumber");
    params.insert("logoText".into(), json!("   "));
    params.insert("useStateDesc".into(), json!("可使用😀"));
    params.insert("validStartDate".into(), json!("2016-6-31 20:00:00"));
    params.insert("ackCode".into(), json!("0123456789ABCDEF0"));
    params.insert("channelID".into(), json!("1".repeat(33)));
    params.insert("discountInfo".into(), json!({"text": "x"}));
    params.insert("cardNo".into(), json!("0000001"));
    let findings = parsed().check_pass_params(&params).unwrap_err();
    let want = [
        (PARAME_IS_NULL, "$.params.serialNumber"),
        (PARAME_IS_NULL, "$.params.logoText"),
        (CHAR_NOT_GBK, "$.params.useStateDesc"),
        (PARAMS_VALUE_INVAILD, "$.params.validStartDate"),
        (PARAMS_VALUE_INVAILD, "$.params.ackCode"),
        (PARAMS_VALUE_INVAILD, "$.params.channelID"),
        (PARAMS_VALUE_INVAILD, "$.params.discountInfo"),
        (PARAMS_VALUE_INVAILD, "$.params.cardNo"),
    ];
    for (code, path) in want {
        assert!(
            has(&findings, code, path),
            "missing {code} at {path}: {findings:#?}"
        );
    }
    assert_eq!(findings.len(), want.len(), "{findings:#?}");
}

#[test]
fn end_before_start_is_refused_at_issuance() {
    let mut params = good_params();
    params.insert("validEndDate".into(), json!("2016-06-01 00:00:00"));
    let findings = parsed().check_pass_params(&params).unwrap_err();
    assert!(
        has(&findings, PARAMS_VALUE_INVAILD, "$.params.validEndDate"),
        "{findings:#?}"
    );
}

#[test]
fn wave_params_follow_both_branches() {
    for (code, ok) in [
        ("!@#$%^&*()|{}12a", true),
        ("ABCDEF0123456789ABC", true),
        ("ABCDEFGHIJKLMNOPQ", false),
    ] {
        let mut params = good_params();
        params.insert("ackCode".into(), json!(code));
        assert_eq!(parsed().check_pass_params(&params).is_ok(), ok, "{code}");
    }
}

#[test]
fn mixed_wave_message_is_checked_after_substitution() {
    let mut doc = valid();
    doc["content"]["evoucherInfo"]["operation"][1]["message"] = json!("1$ackCode$");
    let tpl = TemplateContent::parse(doc, &limits()).expect("valid");
    let mut params = good_params();
    params.insert("ackCode".into(), json!("23456789ABCDEF0123456789ABCDEFA")); // 31 + 1 = 32
    assert!(tpl.check_pass_params(&params).is_ok());
    params.insert("ackCode".into(), json!("23456789ABCDEF0123456789ABCDEFAB")); // 33
    assert!(has(
        &tpl.check_pass_params(&params).unwrap_err(),
        PARAMS_VALUE_INVAILD,
        "$.params.ackCode"
    ));
}

#[test]
fn update_checks_only_what_is_sent() {
    let tpl = parsed();
    let partial = obj(json!({"discountInfo": "凭此券即可打5折", "logoText": "四季风情5折优惠券"}));
    let checked = tpl.check_update_params(&partial).expect("valid partial");
    assert_eq!(checked.len(), 2);
    assert!(tpl
        .check_update_params(&Map::new())
        .expect("empty")
        .is_empty());

    let bad = obj(json!({"validEndDate": "tomorrow", "nope": "x", "logoText": ""}));
    let findings = tpl.check_update_params(&bad).unwrap_err();
    assert!(has(
        &findings,
        PARAMS_VALUE_INVAILD,
        "$.params.validEndDate"
    ));
    assert!(has(&findings, PARAMS_VALUE_INVAILD, "$.params.nope"));
    assert!(has(&findings, PARAME_IS_NULL, "$.params.logoText"));
    assert_eq!(findings.len(), 3, "{findings:#?}");

    // Both bounds sent: their order is checked; one alone cannot be.
    let inverted = obj(
        json!({"validStartDate": "2016-07-30 20:00:00", "validEndDate": "2016-06-30 20:00:00"}),
    );
    assert!(tpl.check_update_params(&inverted).is_err());
    let one = obj(json!({"validEndDate": "2000-01-01 00:00:00"}));
    assert!(tpl.check_update_params(&one).is_ok());
}

#[test]
fn fixed_start_bounds_a_param_end() {
    let mut doc = valid();
    doc["content"]["evoucherInfo"]["startDate"] = json!("2016-06-30 00:00:00");
    let tpl = TemplateContent::parse(doc, &limits()).expect("valid");
    assert_eq!(tpl.date_params(), ["validEndDate"]);
    let one = obj(json!({"validEndDate": "2016-06-29 23:59:59"}));
    assert!(has(
        &tpl.check_update_params(&one).unwrap_err(),
        PARAMS_VALUE_INVAILD,
        "$.params.validEndDate"
    ));
}

#[test]
fn unpadded_dates_as_in_the_vendor_example_are_dates() {
    // Template rules: a fixed date in the vendor's own unpadded form.
    let mut doc = valid();
    doc["content"]["evoucherInfo"]["startDate"] = json!("2016-6-30 15:44:11");
    let report = lint(&doc, &limits());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let tpl = TemplateContent::parse(doc, &limits()).expect("valid");
    // The fixed unpadded start still bounds a param end, compared as instants.
    let before = obj(json!({"validEndDate": "2016-6-30 15:44:10"}));
    assert!(has(
        &tpl.check_update_params(&before).unwrap_err(),
        PARAMS_VALUE_INVAILD,
        "$.params.validEndDate"
    ));
    let after = obj(json!({"validEndDate": "2016-06-30 15:44:11"}));
    assert!(tpl.check_update_params(&after).is_ok());

    // Pass params for `$var$` date fields: padded, unpadded, and refused forms.
    for (start, end, ok) in [
        ("2016-06-30 20:00:00", "2016-07-30 20:00:00", true),
        ("2016-6-30 20:0:0", "2016-7-30 8:05:00", true),
        ("2016-6-30 20:00:00", "2016-06-30 9:00:00", false), // ends before it starts
        ("2016-13-30 20:00:00", "2016-07-30 20:00:00", false),
        ("2016-2-30 20:00:00", "2016-07-30 20:00:00", false),
        ("2016-6-30 20:00:00x", "2016-07-30 20:00:00", false),
    ] {
        let mut params = good_params();
        params.insert("validStartDate".into(), json!(start));
        params.insert("validEndDate".into(), json!(end));
        assert_eq!(
            parsed().check_pass_params(&params).is_ok(),
            ok,
            "{start} .. {end}"
        );
    }
}

/// Good params with `discountInfo` set to `value`: the `$.params` findings.
fn whole_params_findings(value: String) -> Vec<Finding> {
    let mut params = good_params();
    params.insert("discountInfo".into(), json!(value));
    match parsed().check_pass_params(&params) {
        Ok(_) => Vec::new(),
        Err(findings) => findings
            .into_iter()
            .filter(|f| f.path == "$.params")
            .collect(),
    }
}

#[test]
fn tpl_params_longer_than_38000_characters_as_sent_are_refused() {
    // 6,400 characters, each six on the wire (`\u0001`): 38,400 as tpl_params.
    let findings = whole_params_findings("\u{1}".repeat(6_400));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].alipay_code, PARAMS_VALUE_INVAILD);
}

#[test]
fn tpl_params_of_exactly_38000_characters_as_sent_pass_the_whole_check() {
    let mut params = good_params();
    params.insert("discountInfo".into(), json!(""));
    let others = serde_json::to_string(&params).unwrap().chars().count();
    let value = "x".repeat(TPL_PARAMS_MAX_CHARS - others);
    let findings = whole_params_findings(value);
    assert!(findings.is_empty(), "{findings:#?}");
}

// ---- robustness: nothing panics, whatever the input ----

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        "[$a-zA-Z0-9 :-]{0,24}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    let key = prop_oneof![
        prop::sample::select(vec![
            "logo",
            "content",
            "evoucherInfo",
            "einfo",
            "operation",
            "format",
            "message",
            "key",
            "value",
            "label",
            "type",
            "product",
            "startDate",
            "endDate",
            "headFields",
            "remindInfo",
            "offset",
            "fileInfo",
            "formatVersion",
            "platform",
            "merchant",
            "mname",
            "title",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    leaf.prop_recursive(5, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

proptest! {
    #[test]
    fn lint_never_panics(v in arb_json()) {
        let report = lint(&v, &limits());
        let _ = TemplateContent::parse(v, &limits());
        prop_assert!(report.errors.iter().all(|f| f.severity == Severity::Error));
    }

    #[test]
    fn lint_never_panics_on_mutated_fixture(pick in any::<prop::sample::Index>(), replacement in arb_json()) {
        let mut doc = valid();
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let at = pick.get(&all).clone();
        if let Some(slot) = doc.pointer_mut(&at) {
            *slot = replacement;
        }
        let report = lint(&doc, &limits());
        if let Ok(tpl) = TemplateContent::parse(doc, &limits()) {
            prop_assert!(report.errors.is_empty());
            let _ = tpl.check_pass_params(&good_params());
        }
    }

    #[test]
    fn extract_params_never_panics(s in any::<String>(), t in "[$a-z \t]{0,40}") {
        let from_any = extract_params(&Value::String(s));
        let from_dollars = extract_params(&Value::String(t));
        for name in from_any.iter().chain(&from_dollars) {
            prop_assert!(!name.is_empty() && !name.contains('$') && !name.chars().any(char::is_whitespace));
        }
    }

    #[test]
    fn wire_text_never_panics(s in any::<String>()) {
        let _ = parse_wire(&s, &limits());
        let _ = is_valid_wave_message(&s);
    }

    #[test]
    fn pass_params_never_panic(values in prop::collection::vec((prop::sample::select(vec![
        "validStartDate", "validEndDate", "ackCode", "logoText", "channelID", "serialNumber", "other",
    ]), arb_json()), 0..10)) {
        let map: Map<String, Value> = values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let tpl = parsed();
        let _ = tpl.check_pass_params(&map);
        let _ = tpl.check_update_params(&map);
    }
}
