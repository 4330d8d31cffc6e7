use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::codes::*;
use super::*;

const VALID: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/template_valid.json"
));
const CASES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/template_rule_cases.json"
));

fn valid() -> Value {
    serde_json::from_str(VALID).expect("template_valid.json is JSON")
}

fn limits() -> TemplateLimits {
    TemplateLimits::default()
}

fn parsed() -> TemplateContent {
    TemplateContent::parse(valid(), &limits()).expect("template_valid.json is a valid template")
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn good_params() -> Map<String, Value> {
    obj(json!({
        "validStartDate": "2016-06-30 20:00:00",
        "validEndDate": "2016-07-30 20:00:00",
        "ackCode": "123456789ABCDEF0123456789ABCDEFA",
        "logoText": "四季风情85折优惠券",
        "useStateDesc": "可使用",
        "discountInfo": "凭此券即可打8.5折",
        "channelID": "102014022600003526",
        "serialNumber": "4333673662446155"
    }))
}

fn has(findings: &[Finding], code: &str, path: &str) -> bool {
    findings
        .iter()
        .any(|f| f.alipay_code == code && f.path == path)
}

#[derive(Debug, Deserialize)]
struct RuleCase {
    name: String,
    op: String,
    pointer: String,
    #[serde(default)]
    value: Value,
    expect_code: String,
    expect_path: String,
    severity: Severity,
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// RFC 6901 set / remove, as the integration tests apply the cases too.
fn apply(doc: &mut Value, case: &RuleCase) {
    if case.pointer.is_empty() {
        *doc = if case.op == "set" {
            case.value.clone()
        } else {
            Value::Null
        };
        return;
    }
    let (parent, last) = case
        .pointer
        .rsplit_once('/')
        .expect("pointer starts with /");
    let last = unescape(last);
    let target = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{}: no parent at {parent}", case.name));
    match (target, case.op.as_str()) {
        (Value::Object(map), "set") => {
            map.insert(last, case.value.clone());
        }
        (Value::Object(map), "remove") => {
            map.shift_remove(&last)
                .unwrap_or_else(|| panic!("{}: nothing to remove", case.name));
        }
        (Value::Array(items), op) => {
            let i: usize = last
                .parse()
                .unwrap_or_else(|_| panic!("{}: bad index", case.name));
            if op == "set" {
                items[i] = case.value.clone();
            } else {
                items.remove(i);
            }
        }
        (_, op) => panic!("{}: cannot {op} under a scalar", case.name),
    }
}

#[test]
fn valid_fixture_is_clean() {
    let report = lint(&valid(), &limits());
    assert!(report.errors.is_empty(), "errors: {:#?}", report.errors);
    assert!(
        report.warnings.is_empty(),
        "warnings: {:#?}",
        report.warnings
    );
    let tpl = parsed();
    assert_eq!(
        tpl.params(),
        [
            "validStartDate",
            "validEndDate",
            "ackCode",
            "logoText",
            "useStateDesc",
            "discountInfo",
            "channelID",
            "serialNumber"
        ]
    );
    assert_eq!(tpl.date_params(), ["validStartDate", "validEndDate"]);
    assert_eq!(tpl.wave_params(), ["ackCode"]);
    assert_eq!(report.params, tpl.params());
}

#[test]
fn every_rule_case_reports_its_code_at_its_path() {
    let cases: Vec<RuleCase> = serde_json::from_str(CASES).expect("cases are JSON");
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let mut doc = valid();
        apply(&mut doc, case);
        let report = lint(&doc, &limits());
        let pool = match case.severity {
            Severity::Error => &report.errors,
            Severity::Warning => &report.warnings,
        };
        if !has(pool, &case.expect_code, &case.expect_path) {
            failures.push(format!(
                "{}: want {} at {} ({:?}); got errors {:#?} warnings {:#?}",
                case.name,
                case.expect_code,
                case.expect_path,
                case.severity,
                report.errors,
                report.warnings
            ));
            continue;
        }
        let parsed = TemplateContent::parse(doc, &limits());
        match case.severity {
            Severity::Error if parsed.is_ok() => {
                failures.push(format!("{}: parse accepted it", case.name))
            }
            Severity::Warning if !report.errors.is_empty() => failures.push(format!(
                "{}: warning case has errors {:#?}",
                case.name, report.errors
            )),
            Severity::Warning => {
                let warned =
                    parsed.map(|t| has(t.warnings(), &case.expect_code, &case.expect_path));
                if warned != Ok(true) {
                    failures.push(format!("{}: parse lost the warning", case.name));
                }
            }
            Severity::Error => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn all_findings_are_collected() {
    let mut doc = valid();
    doc["content"]["evoucherInfo"]["type"] = json!("nope");
    doc["content"]["merchant"]["mname"] = json!("");
    doc["content"]["fileInfo"]["bogus"] = json!(1);
    let report = lint(&doc, &limits());
    assert_eq!(report.errors.len(), 3, "{:#?}", report.errors);
    assert_eq!(
        report.params.len(),
        8,
        "params are listed even for a broken template"
    );
}

#[test]
fn remind_offset_strictness_and_range_are_configurable() {
    let mut doc = valid();
    doc["content"]["evoucherInfo"]["remindInfo"]["offset"] = json!(2);
    let strict = TemplateLimits {
        remind_offset_strict: true,
        ..limits()
    };
    let report = lint(&doc, &strict);
    assert!(has(
        &report.errors,
        TEMPLATE_PARAMS_VALUE_INVAILD,
        "$.content.evoucherInfo.remindInfo.offset"
    ));
    let wide = TemplateLimits {
        remind_offset_min: 0,
        ..strict
    };
    assert!(lint(&doc, &wide).errors.is_empty());
}

#[test]
fn total_length_limit_is_configurable() {
    let wire_len = parsed().to_wire_string().chars().count();
    let tight = TemplateLimits {
        max_content_chars: wire_len - 1,
        ..limits()
    };
    assert!(has(
        &lint(&valid(), &tight).errors,
        TEMPLATE_PARAMS_VALUE_INVAILD,
        "$"
    ));
    let exact = TemplateLimits {
        max_content_chars: wire_len,
        ..limits()
    };
    assert!(lint(&valid(), &exact).errors.is_empty());
}

#[test]
fn repeated_ordinary_einfo_key_is_a_warning() {
    let mut doc = valid();
    doc["content"]["evoucherInfo"]["einfo"]["backFields"][2]["key"] = json!("shops");
    let report = lint(&doc, &limits());
    assert!(report.errors.is_empty());
    assert!(has(
        &report.warnings,
        TEMPLATE_PARAMS_VALUE_INVAILD,
        "$.content.evoucherInfo.einfo.backFields[2].key"
    ));
}

#[test]
fn official_example_shapes_are_accepted() {
    let mut doc = valid();
    let c = &mut doc["content"];
    c["fileInfo"]["formatVersion"] = json!(2);
    c["fileInfo"]["canShare"] = json!("false");
    c["evoucherInfo"]["startDate"] = json!("2016-06-30 15:44:11");
    c["evoucherInfo"]["endDate"] = json!("2016-06-30 15:44:11");
    c["evoucherInfo"]["operation"][1]["message"] = json!("!@#$%^&*()|{}12a");
    c["evoucherInfo"]["einfo"]["logo"] = json!("https://example.com/logo.png");
    c["evoucherInfo"]["einfo"]["Thumbnail"] = json!("https://example.com/strip.png");
    c["evoucherInfo"]["operation"][0] = json!({
        "message": {"android_appid": "androidId", "android_launch": "a", "android_download": "b",
                    "ios_appid": "IOSId", "ios_launch": "c", "ios_download": "d"},
        "format": "app", "messageEncoding": "utf-8", "altText": "按钮文字"});
    c["evoucherInfo"]["operation"][2] = json!({
        "message": {"img": "*****.png", "target": ""}, "format": "img", "altText": "核销图片"});
    doc["logo"] = json!(" https://tfsimg.alipay.com/images/kabaoprod/T1uoldXeVlXXaCwpjX");
    doc["icon"] = json!("$iconUrl$");
    let report = lint(&doc, &limits());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    // The literal wave message holds a lone `$`: not a parameter.
    assert!(!report.params.iter().any(|p| p.contains('%')));
}

#[test]
fn product_business_keys_pass_when_present_once() {
    let mut doc = valid();
    let ev = &mut doc["content"]["evoucherInfo"];
    ev["type"] = json!("boardingPass");
    ev["product"] = json!("air");
    ev["einfo"]["primaryFields"] = json!([
        {"key": "from", "label": "出发", "value": "$from$"},
        {"key": "to", "value": "北京"}
    ]);
    ev["einfo"]["auxiliaryFields"] = json!([{"key": "fltNo", "label": "航班", "value": "MU5101"}]);
    let report = lint(&doc, &limits());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

#[test]
fn wire_forms() {
    let blank = parse_wire("  ", &limits()).unwrap_err();
    assert!(has(&blank.errors, CONTENT_IS_BLANK, "$"));
    let broken = parse_wire("{\"logo\":", &limits()).unwrap_err();
    assert!(has(&broken.errors, CONTENT_FORMAT_ERR, "$"));
    let scalar = parse_wire("\"text\"", &limits()).unwrap_err();
    assert!(has(&scalar.errors, CONTENT_FORMAT_ERR, "$"));
    assert!(has(
        &lint(&Value::Null, &limits()).errors,
        CONTENT_IS_BLANK,
        "$"
    ));

    let tpl = parsed();
    let wire = tpl.to_wire_string();
    assert!(!wire.contains('\n'), "compact");
    let again = TemplateContent::parse_wire(&wire, &limits()).expect("round trip");
    assert_eq!(again.as_json(), tpl.as_json());
    assert_eq!(again.to_wire_string(), wire, "key order is kept");
    let from_string =
        TemplateContent::parse(Value::String(wire.clone()), &limits()).expect("text form");
    assert_eq!(from_string, tpl);
}

#[test]
fn report_serializes_for_rest() {
    let mut doc = valid();
    doc["content"]["evoucherInfo"]["remindInfo"]["offset"] = json!("2");
    let report = serde_json::to_value(lint(&doc, &limits())).expect("serializes");
    assert_eq!(report["warnings"][0]["severity"], "warning");
    assert_eq!(
        report["warnings"][0]["alipay_code"],
        TEMPLATE_PARAMS_VALUE_INVAILD
    );
    assert_eq!(report["errors"], json!([]));
}

#[test]
fn gbk_finding_names_the_character() {
    let mut doc = valid();
    doc["content"]["merchant"]["minfo"] = json!("好店🍜好味");
    let report = lint(&doc, &limits());
    let f = report
        .errors
        .iter()
        .find(|f| f.alipay_code == CHAR_NOT_GBK)
        .expect("finding");
    assert_eq!(f.path, "$.content.merchant.minfo");
    assert!(f.message.contains("U+1F35C"), "{}", f.message);
}

#[test]
fn odd_keys_get_bracket_paths() {
    let mut doc = valid();
    doc["content"]["a b"] = json!(1);
    assert!(has(
        &lint(&doc, &limits()).errors,
        UNRECOGNIZE_PROPERTY,
        "$.content['a b']"
    ));
}

// ---- extract_params ----

#[test]
fn params_in_document_order_and_unique() {
    let v = json!({"b": "$x$ and $y$", "a": ["$y$", {"k": "$z$$x$"}], "c": "$w$"});
    assert_eq!(extract_params(&v), ["x", "y", "z", "w"]);
}

#[test]
fn params_ignore_keys_and_non_strings() {
    let v = json!({"$key$": "plain", "n": 5, "t": true, "z": null});
    assert!(extract_params(&v).is_empty());
}

#[test]
fn lone_and_malformed_dollars_are_literal() {
    let cases: [(&str, &[&str]); 9] = [
        ("!@#$%^&*()|{}12a", &[]),
        ("$", &[]),
        ("$$", &[]),
        ("price $5 and $10", &[]),
        ("$a b$c$", &["c"]),
        ("$a$$b$", &["a", "b"]),
        ("x$名字$y", &["名字"]),
        ("$ $ok$", &["ok"]),
        ("$tab\there$", &[]),
    ];
    for (text, want) in cases {
        assert_eq!(extract_params(&json!(text)), want, "{text:?}");
    }
}

// ---- wave rule ----

#[test]
fn wave_rule_edges() {
    let ok = [
        "!@#$%^&*()|{}12a",                 // 16, anything (official example)
        "0123456789012345",                 // 16 may start with 0
        "一二三四五六七八九十一二三四五六", // 16 characters, not bytes
        "123456789ABCDEF01",                // 17 hex
        "abcdef0123456789a",                // lowercase hex
        "123456789ABCDEF0123456789ABCDEFA", // 32 hex (official example)
        "x",
    ];
    let bad = [
        "",
        "ABCDEFGHIJKLMNOPQ",                  // 17, not hex
        "0123456789ABCDEF0",                  // 17, leading 0
        "123456789ABCDEF0123456789ABCDEFAB",  // 33
        "123456789ABCDEF 123",                // space is not hex
        "一二三四五六七八九十一二三四五六七", // 17 non-hex
    ];
    for s in ok {
        assert!(is_valid_wave_message(s), "{s:?} should pass");
    }
    for s in bad {
        assert!(!is_valid_wave_message(s), "{s:?} should fail");
    }
}

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
