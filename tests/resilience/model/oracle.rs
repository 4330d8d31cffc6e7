//! The oracle: on settled records, what the service records equals what the gateway (the
//! simulator) holds, nothing happened twice, and every unknown outcome was settled.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::driver::Driver;
use super::ops::Key;
use super::settle::{pass_open, template_open, voucher_open, Records};
use crate::helpers::paths;

const ADD_METHODS: [&str; 3] = [
    "alipay.pass.template.add",
    "alipay.pass.instance.add",
    "alipay.marketing.voucher.send",
];

pub(super) fn sim_templates(sim: &Value) -> BTreeMap<&str, &Value> {
    let templates = sim["templates"].as_array().into_iter().flatten();
    templates
        .map(|t| (t["unique_id"].as_str().unwrap_or_default(), t))
        .collect()
}

/// Runs every check on settled records; answers every mismatch found.
pub async fn check(driver: &Driver, records: &Records) -> Vec<String> {
    let sim = driver.sim_state().await;
    let mut out = Vec::new();
    check_templates(&records.templates, &sim, &mut out);
    check_passes(&records.passes, &sim, &mut out);
    check_vouchers(&records.vouchers, &sim, &mut out);
    check_no_orphans(records, &sim, &mut out);
    check_one_effect_per_key(&sim, &mut out);
    check_events(driver, &records.passes, &mut out).await;
    check_unknown_outcomes_settled(driver, records, &mut out);
    out
}

/// 1. CREATED ⇔ the gateway has the template, with the same id and content.
fn check_templates(records: &[Value], sim: &Value, out: &mut Vec<String>) {
    let gateway = sim_templates(sim);
    let mut content_missing = false;
    for record in records {
        let unique_id = record["unique_id"].as_str().unwrap_or_default();
        let status = record["status"].as_str().unwrap_or_default();
        match (status, gateway.get(unique_id)) {
            ("CREATED", None) => out.push(format!(
                "template {unique_id}: CREATED but the gateway has no such template"
            )),
            ("CREATED", Some(theirs)) => {
                if record["alipay_template_id"] != theirs["tpl_id"] {
                    out.push(format!(
                        "template {unique_id}: alipay_template_id {} but the gateway's tpl_id is {}",
                        record["alipay_template_id"], theirs["tpl_id"]
                    ));
                }
                if theirs.get("content").is_none() {
                    content_missing = true;
                } else if let Some(diff) = difference(&record["content"], &theirs["content"], "$") {
                    out.push(format!(
                        "template {unique_id}: content differs from the gateway's at {diff}"
                    ));
                }
            }
            (status, Some(theirs)) => out.push(format!(
                "template {unique_id}: {status} (failure_code {}) but the gateway holds it as {}",
                record["failure_code"], theirs["tpl_id"]
            )),
            (_, None) => {}
        }
    }
    if content_missing {
        out.push("simulator: /__sim/state templates carry no `content` (cannot compare)".into());
    }
}

/// The first path where two JSON values differ, with both values.
fn difference(ours: &Value, theirs: &Value, path: &str) -> Option<String> {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                difference(x, y, &format!("{path}.{k}"))
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| difference(x, y, &format!("{path}[{i}]"))),
        _ if ours == theirs => None,
        _ => Some(format!("{path}: ours {ours}, gateway's {theirs}")),
    }
}

fn sim_passes(sim: &Value) -> BTreeMap<(String, String), &Value> {
    let passes = sim["passes"].as_array().into_iter().flatten();
    passes.map(|p| (pass_key(p), p)).collect()
}

fn pass_key(p: &Value) -> (String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (text(&p["channel_id"]), text(&p["serial_number"]))
}

/// Whether the gateway holds a pass (status, parameters) or template (content) otherwise
/// than the record's last proven state: what an operator checks before confirming a change.
pub fn differs_from_gateway(record: &Value, sim: &Value) -> bool {
    if record.get("serial_number").is_some() {
        let Some(theirs) = sim_passes(sim).get(&pass_key(record)).copied() else {
            return false;
        };
        let mut params = Vec::new();
        compare_params("", &record["params"], &theirs["params"], &mut params);
        return theirs["status"] != "ACTIVE" || !params.is_empty();
    }
    let unique_id = record["unique_id"].as_str().unwrap_or_default();
    sim_templates(sim)
        .get(unique_id)
        .is_some_and(|theirs| difference(&record["content"], &theirs["content"], "$").is_some())
}

/// 2. Pass status, parameters and pass id as the gateway holds them.
fn check_passes(records: &[Value], sim: &Value, out: &mut Vec<String>) {
    let gateway = sim_passes(sim);
    for record in records {
        let (channel, serial) = pass_key(record);
        let status = record["status"].as_str().unwrap_or_default();
        let expected = match status {
            "ISSUED" => Some("ACTIVE"),
            "USED" => Some("USED"),
            "CLOSED" => Some("CLOSED"),
            _ => None,
        };
        let theirs = gateway.get(&(channel, serial.clone()));
        match (expected, theirs) {
            (Some(_), None) => out.push(format!(
                "pass {serial}: {status} but the gateway has no such pass"
            )),
            (None, Some(t)) => out.push(format!(
                "pass {serial}: {status} (failure_code {}) but the gateway holds it {}",
                record["failure_code"], t["status"]
            )),
            (None, None) => {}
            (Some(expected), Some(t)) => {
                if t["status"] != expected {
                    out.push(format!(
                        "pass {serial}: {status} but the gateway holds it {}",
                        t["status"]
                    ));
                }
                let pass_id = &record["alipay_pass_id"];
                if !pass_id.is_null() && *pass_id != t["pass_id"] {
                    out.push(format!(
                        "pass {serial}: alipay_pass_id {pass_id}, gateway's {}",
                        t["pass_id"]
                    ));
                }
                compare_params(&serial, &record["params"], &t["params"], out);
            }
        }
    }
}

/// Key by key, as strings (the gateway keeps every parameter as text).
fn compare_params(serial: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    let as_text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let empty = serde_json::Map::new();
    let (a, b) = (
        ours.as_object().unwrap_or(&empty),
        theirs.as_object().unwrap_or(&empty),
    );
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let (x, y) = (as_text(a.get(key)), as_text(b.get(key)));
        if x != y {
            out.push(format!(
                "pass {serial}: param {key} is {x:?}, gateway's {y:?}"
            ));
        }
    }
}

fn sim_vouchers(sim: &Value) -> BTreeMap<(String, String), &Value> {
    let vouchers = sim["vouchers"].as_array().into_iter().flatten();
    vouchers.map(|v| (voucher_key(v), v)).collect()
}

fn voucher_key(v: &Value) -> (String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (text(&v["template_id"]), text(&v["out_biz_no"]))
}

/// 3. SENT ⇔ the gateway sent it, with the same voucher id.
fn check_vouchers(records: &[Value], sim: &Value, out: &mut Vec<String>) {
    let gateway = sim_vouchers(sim);
    for record in records {
        let key = voucher_key(record);
        let status = record["status"].as_str().unwrap_or_default();
        match (status, gateway.get(&key)) {
            ("SENT", None) => out.push(format!("voucher {}: SENT but the gateway has none", key.1)),
            ("SENT", Some(t)) if record["voucher_id"] != t["voucher_id"] => out.push(format!(
                "voucher {}: voucher_id {}, gateway's {}",
                key.1, record["voucher_id"], t["voucher_id"]
            )),
            ("SENT", Some(_)) | (_, None) => {}
            (status, Some(t)) => out.push(format!(
                "voucher {}: {status} (failure_code {}) but the gateway sent {}",
                key.1, record["failure_code"], t["voucher_id"]
            )),
        }
    }
}

/// 4. No gateway object without a record.
fn check_no_orphans(records: &Records, sim: &Value, out: &mut Vec<String>) {
    let ours: BTreeSet<&str> = records
        .templates
        .iter()
        .filter_map(|t| t["unique_id"].as_str())
        .collect();
    for unique_id in sim_templates(sim).keys().filter(|u| !ours.contains(*u)) {
        out.push(format!("gateway template {unique_id} has no record"));
    }
    let ours: BTreeSet<(String, String)> = records.passes.iter().map(pass_key).collect();
    for key in sim_passes(sim).keys().filter(|k| !ours.contains(*k)) {
        out.push(format!("gateway pass {}/{} has no record", key.0, key.1));
    }
    let ours: BTreeSet<(String, String)> = records.vouchers.iter().map(voucher_key).collect();
    for key in sim_vouchers(sim).keys().filter(|k| !ours.contains(*k)) {
        out.push(format!("gateway voucher {}/{} has no record", key.0, key.1));
    }
}

/// 5. One effect per add/send key.
fn check_one_effect_per_key(sim: &Value, out: &mut Vec<String>) {
    for method in ADD_METHODS {
        for (key, count) in sim["effects_by_key"][method]
            .as_object()
            .into_iter()
            .flatten()
        {
            if count != 1 {
                out.push(format!("{method} key {key}: {count} effects"));
            }
        }
    }
}

/// 6. At most one ISSUED event per pass, no (operation_id, kind) twice.
async fn check_events(driver: &Driver, passes: &[Value], out: &mut Vec<String>) {
    for pass in passes {
        let (channel, serial) = pass_key(pass);
        let events = match pass_events(driver, &serial, &channel).await {
            Ok(events) => events,
            Err(error) => {
                out.push(format!("pass {serial}: history unreadable: {error}"));
                continue;
            }
        };
        let issued = events.iter().filter(|e| e["kind"] == "ISSUED").count();
        if issued > 1 {
            out.push(format!("pass {serial}: {issued} ISSUED events"));
        }
        let mut seen = BTreeSet::new();
        for event in events.iter().filter(|e| !e["operation_id"].is_null()) {
            let key = (event["operation_id"].to_string(), event["kind"].to_string());
            if !seen.insert(key.clone()) {
                out.push(format!(
                    "pass {serial}: event {} twice for operation {}",
                    key.1, key.0
                ));
            }
        }
    }
}

/// Every event of a pass, following `next_cursor` (a page of at most 200).
async fn pass_events(driver: &Driver, serial: &str, channel: &str) -> Result<Vec<Value>, String> {
    let mut events = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let history = paths::pass_events(serial);
        let mut path = format!("{history}?limit=200&channel_id={channel}");
        if let Some(cursor) = &after {
            path.push_str(&format!("&after={cursor}"));
        }
        let page = driver.get(&path).await?;
        let items = page.get("events").or_else(|| page.get("items"));
        events.extend(items.and_then(Value::as_array).cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => return Ok(events),
        }
    }
    Err("more than 100 history pages".into())
}

/// 7. Every key answered 503 (or not answered, at the kill) ends settled.
fn check_unknown_outcomes_settled(driver: &Driver, records: &Records, out: &mut Vec<String>) {
    let find = |list: &[Value], field: &str, value: &str, open: fn(&Value) -> bool| {
        list.iter().any(|r| r[field] == value && open(r))
    };
    for key in &driver.stats.unknown_outcomes {
        let still_open = match key {
            Key::Template(u) => find(&records.templates, "unique_id", u, template_open),
            Key::TemplateUpdate(id) => find(&records.templates, "id", id, template_open),
            Key::Pass(s) => find(&records.passes, "serial_number", s, pass_open),
            Key::Voucher(o) => find(&records.vouchers, "out_biz_no", o, voucher_open),
        };
        if still_open {
            out.push(format!(
                "{key:?} got an unknown outcome (503 or no answer) and is still open"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    //! The oracle must see a mismatch when there is one (a blind oracle passes everything).
    use super::*;
    use serde_json::json;

    fn sim() -> Value {
        json!({
            "templates": [{"unique_id": "t1", "tpl_id": "T1", "content": {"a": [1, {"b": "x"}]}}],
            "passes": [{"channel_id": "c", "serial_number": "s1", "pass_id": "P1",
                        "status": "USED", "params": {"k": "v", "n": "1"}}],
            "vouchers": [{"template_id": "V", "out_biz_no": "o1", "voucher_id": "VID"}],
            "effects_by_key": {"alipay.pass.instance.add": {"c/s1": 2}},
        })
    }

    #[test]
    fn every_kind_of_mismatch_is_reported() {
        let records = Records {
            templates: vec![
                json!({"unique_id": "t1", "status": "CREATED", "alipay_template_id": "T1",
                       "content": {"a": [1, {"b": "y"}]}}),
                json!({"unique_id": "t2", "status": "CREATED", "alipay_template_id": "T2"}),
            ],
            passes: vec![
                json!({"channel_id": "c", "serial_number": "s1", "status": "ISSUED",
                                "alipay_pass_id": "P1", "params": {"k": "w", "n": 1}}),
            ],
            vouchers: vec![json!({"template_id": "V", "out_biz_no": "o1", "status": "FAILED"})],
        };
        let sim = sim();
        let mut out = Vec::new();
        check_templates(&records.templates, &sim, &mut out);
        check_passes(&records.passes, &sim, &mut out);
        check_vouchers(&records.vouchers, &sim, &mut out);
        check_one_effect_per_key(&sim, &mut out);
        let expected = [
            "template t1: content differs from the gateway's at $.a[1].b",
            "template t2: CREATED but the gateway has no such template",
            "pass s1: ISSUED but the gateway holds it \"USED\"",
            "pass s1: param k is Some(\"w\"), gateway's Some(\"v\")",
            "voucher o1: FAILED",
            "alipay.pass.instance.add key c/s1: 2 effects",
        ];
        for wanted in expected {
            assert!(
                out.iter().any(|f| f.starts_with(wanted)),
                "{wanted} not in {out:#?}"
            );
        }
        assert_eq!(out.len(), expected.len(), "{out:#?}");
    }

    #[test]
    fn matching_records_and_orphans() {
        let records = Records {
            templates: vec![json!({"unique_id": "t1", "status": "CREATED",
                                   "alipay_template_id": "T1", "content": {"a": [1, {"b": "x"}]}})],
            passes: vec![],
            vouchers: vec![
                json!({"template_id": "V", "out_biz_no": "o1", "status": "SENT",
                                  "voucher_id": "VID"}),
            ],
        };
        let sim = sim();
        let mut out = Vec::new();
        check_templates(&records.templates, &sim, &mut out);
        check_vouchers(&records.vouchers, &sim, &mut out);
        assert!(out.is_empty(), "{out:#?}");
        check_no_orphans(&records, &sim, &mut out);
        assert_eq!(out, ["gateway pass c/s1 has no record"]);
    }
}
