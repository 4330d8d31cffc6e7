//! Settling: after the faults stop, every open record must close within a minute. Reads all
//! records through the public API's keyset pages.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use super::driver::Driver;
use super::faults::FaultPlan;
use super::oracle::{self, sim_templates};
use crate::helpers::paths;
use crate::processes::{authed, Process};

const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Every record, read through the public API.
pub struct Records {
    pub templates: Vec<Value>,
    pub passes: Vec<Value>,
    pub vouchers: Vec<Value>,
}

/// All items of a keyset-paginated list (`items`, `next_cursor` → `after`).
pub async fn list_all(
    client: &reqwest::Client,
    service: &Process,
    path: &str,
) -> Result<Vec<Value>, String> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..1000 {
        let mut url = service.url(&format!("{path}?limit=200"));
        if let Some(cursor) = &after {
            url.push_str(&format!("&after={cursor}"));
        }
        let response = authed(client, Method::GET, url)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("GET {path} answered {}", response.status()));
        }
        let page: Value = response.json().await.map_err(|e| e.to_string())?;
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => return Ok(items),
        }
    }
    Err(format!("GET {path}: more than 1000 pages"))
}

async fn read_records(driver: &Driver) -> Result<Records, String> {
    let (client, service) = (&driver.client, &driver.services[0]);
    Ok(Records {
        templates: list_all(client, service, paths::TEMPLATES).await?,
        passes: list_all(client, service, paths::PASSES).await?,
        vouchers: list_all(client, service, paths::VOUCHERS).await?,
    })
}

fn flag(record: &Value, name: &str) -> bool {
    record[name].as_bool().unwrap_or(false)
}

/// Open: an answer may still settle it (not one that waits for the operator).
pub fn template_open(t: &Value) -> bool {
    t["status"] == "PENDING" || (flag(t, "update_pending") && !flag(t, "update_needs_confirmation"))
}

pub fn pass_open(p: &Value) -> bool {
    p["status"] == "ISSUING" || (flag(p, "change_pending") && !flag(p, "change_needs_confirmation"))
}

pub fn voucher_open(v: &Value) -> bool {
    v["status"] == "PENDING"
}

fn open_records(records: &Records) -> Vec<String> {
    let templates = records.templates.iter().filter(|t| template_open(t));
    let passes = records.passes.iter().filter(|p| pass_open(p));
    let vouchers = records.vouchers.iter().filter(|v| voucher_open(v));
    let describe = |what: &str, key: &Value, r: &Value| format!("{what} {key}: {r}");
    templates
        .map(|t| describe("template", &t["unique_id"], t))
        .chain(passes.map(|p| describe("pass", &p["serial_number"], p)))
        .chain(vouchers.map(|v| describe("voucher", &v["out_biz_no"], v)))
        .collect()
}

/// Clears the faults and polls until nothing is open, playing the operator for templates
/// the gateway said exist without naming their id. Answers the final records and what
/// could not be settled.
pub async fn settle(driver: &mut Driver) -> (Option<Records>, Vec<String>) {
    driver.set_faults(FaultPlan::none()).await;
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut problems = Vec::new();
    let mut operated = BTreeSet::new();
    loop {
        let records = match read_records(driver).await {
            Ok(records) => records,
            Err(error) if Instant::now() < deadline => {
                eprintln!("model: reading records failed, retrying: {error}");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            Err(error) => {
                problems.push(format!("cannot read the records: {error}"));
                return (None, problems);
            }
        };
        // Records changed by the operator are read again before judging.
        if supply_template_ids(driver, &records, &mut operated, &mut problems).await {
            continue;
        }
        if confirm_unproven_changes(driver, &records, &mut operated, &mut problems).await {
            continue;
        }
        let open = open_records(&records);
        if open.is_empty() || Instant::now() > deadline {
            problems.extend(
                open.into_iter()
                    .map(|o| format!("still open after 60 s: {o}")),
            );
            return (Some(records), problems);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// A change no answer proved (`…_needs_confirmation`): the operator checks Alipay (here: the
/// simulator) and says whether it applied — it did when Alipay holds the pass or template
/// otherwise than the record's last proven state. Answers whether it acted.
async fn confirm_unproven_changes(
    driver: &mut Driver,
    records: &Records,
    operated: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) -> bool {
    let passes = records
        .passes
        .iter()
        .filter(|p| flag(p, "change_needs_confirmation"));
    let templates = records
        .templates
        .iter()
        .filter(|t| flag(t, "update_needs_confirmation"));
    let waiting: Vec<(String, &Value)> = passes
        .map(|p| {
            let serial = p["serial_number"].as_str().unwrap_or_default();
            let channel = p["channel_id"].as_str().unwrap_or_default();
            let path = format!("{}?channel_id={channel}", paths::pass_resolution(serial));
            (path, p)
        })
        .chain(templates.map(|t| {
            let id = t["id"].as_str().unwrap_or_default();
            (paths::template_resolution(id), t)
        }))
        .filter(|(path, _)| !operated.contains(path))
        .collect();
    if waiting.is_empty() {
        return false;
    }
    let sim = driver.sim_state().await;
    for (path, record) in waiting {
        operated.insert(path.clone());
        let applied = oracle::differs_from_gateway(record, &sim);
        driver.stats.confirmations.push(applied);
        let url = driver.services[0].url(&path);
        let body = json!({"applied": applied, "reason": "model: checked the simulator"});
        let response = authed(&driver.client, Method::POST, url)
            .json(&body)
            .send()
            .await;
        let status = response.map(|r| r.status().as_u16()).unwrap_or(0);
        if status != 200 {
            problems.push(format!("{path}: resolution answered {status}"));
        }
    }
    true
}

/// NEEDS_ALIPAY_ID: the gateway said the unique_id exists but gave no id. The operator looks
/// the id up (here: in the simulator) and tells the service. Answers whether it acted.
async fn supply_template_ids(
    driver: &Driver,
    records: &Records,
    operated: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) -> bool {
    let waiting: Vec<&Value> = records
        .templates
        .iter()
        .filter(|t| t["status"] == "NEEDS_ALIPAY_ID")
        .filter(|t| !operated.contains(t["id"].as_str().unwrap_or_default()))
        .collect();
    if waiting.is_empty() {
        return false;
    }
    let sim = driver.sim_state().await;
    for template in waiting {
        let id = template["id"].as_str().unwrap_or_default().to_owned();
        operated.insert(id.clone());
        let unique_id = &template["unique_id"];
        let Some(tpl_id) = sim_templates(&sim)
            .get(unique_id.as_str().unwrap_or_default())
            .map(|s| s["tpl_id"].clone())
        else {
            problems.push(format!(
                "template {unique_id}: NEEDS_ALIPAY_ID but the gateway has no such template"
            ));
            continue;
        };
        let url = driver.services[0].url(&paths::alipay_template_id(&id));
        let response = authed(&driver.client, Method::PUT, url)
            .json(&json!({ "alipay_template_id": tpl_id }))
            .send()
            .await;
        let (status, body) = match response {
            Ok(r) => (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            ),
            Err(e) => (0, json!(e.to_string())),
        };
        if status != 200 || body["status"] != "CREATED" {
            problems.push(format!(
                "template {unique_id}: PUT alipay-template-id {tpl_id} answered {status}: {body}"
            ));
        }
    }
    true
}
