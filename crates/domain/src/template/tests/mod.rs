use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::codes::*;
use super::*;

pub(super) const VALID: &str = include_str!(concat!(
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

mod params;

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
