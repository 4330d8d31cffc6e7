//! Random fault plans for `PUT /__sim/faults`, drawn from the run's seeded RNG.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Map, Value};

const METHODS: [&str; 5] = [
    "alipay.pass.template.add",
    "alipay.pass.template.update",
    "alipay.pass.instance.add",
    "alipay.pass.instance.update",
    "alipay.marketing.voucher.send",
];

/// Rate faults: (kind as counted, field of the simulator's fault setting).
const RATES: [(&str, &str); 9] = [
    ("error", "error_rate"),
    ("error_after_effect", "error_after_effect_rate"),
    ("system_error", "system_error_rate"),
    ("unsigned_error", "unsigned_error_rate"),
    ("lost_answer", "lost_answer_rate"),
    ("reset", "reset_rate"),
    // Readings of the pages the simulator can take: KP.AE_ALIPASS_UPDATE_ERROR as a
    // transient failure (template.update, instance.update), the call's own answer unsigned
    // (after its effect), and `\/` in answers signed over the plain text.
    ("update_error", "update_error_rate"),
    ("unsigned_answer", "unsigned_answer_rate"),
    ("escaped_slashes", "escaped_slashes_rate"),
];

/// The service's per-attempt timeout is 400 ms: 600 ms means the client gives up while the
/// effect still lands.
pub const PAST_TIMEOUT_MS: u64 = 600;

/// One `PUT /__sim/faults` body and the fault kinds it contains.
pub struct FaultPlan {
    pub body: Value,
    pub kinds: BTreeSet<&'static str>,
}

impl FaultPlan {
    pub fn none() -> Self {
        Self {
            body: json!([]),
            kinds: BTreeSet::new(),
        }
    }
}

/// No faults a quarter of the time (so work also gets through), else one or two entries,
/// each for `*` or one method, with one to three kinds at rates 0.05–0.4.
pub fn random_plan(rng: &mut StdRng) -> FaultPlan {
    if rng.gen_bool(0.25) {
        return FaultPlan::none();
    }
    let mut kinds = BTreeSet::new();
    let mut entries = Vec::new();
    let mut methods_used = BTreeSet::new();
    for _ in 0..rng.gen_range(1..=2) {
        let method = if rng.gen_bool(0.5) {
            "*"
        } else {
            METHODS[rng.gen_range(0..METHODS.len())]
        };
        // The simulator uses the first entry per method: a second one would be dead.
        if !methods_used.insert(method) {
            continue;
        }
        entries.push(random_entry(rng, method, &mut kinds));
    }
    FaultPlan {
        body: Value::Array(entries),
        kinds,
    }
}

fn random_entry(rng: &mut StdRng, method: &str, kinds: &mut BTreeSet<&'static str>) -> Value {
    let mut entry = Map::new();
    entry.insert("method".into(), json!(method));
    // The rate kinds plus latency, as indices so each is picked at most once.
    let mut choices: Vec<usize> = (0..=RATES.len()).collect();
    choices.shuffle(rng);
    for &choice in choices.iter().take(rng.gen_range(1..=3)) {
        if choice == RATES.len() {
            let past = rng.gen_bool(0.5);
            let latency = if past {
                PAST_TIMEOUT_MS
            } else {
                rng.gen_range(20..=250)
            };
            entry.insert("latency_ms".into(), json!(latency));
            kinds.insert(if past {
                "latency_past_timeout"
            } else {
                "latency"
            });
        } else {
            let (kind, field) = RATES[choice];
            // Two decimals, so the simulator's echo compares exactly.
            let rate = f64::from(rng.gen_range(5..=40u32)) / 100.0;
            entry.insert(field.into(), json!(rate));
            kinds.insert(kind);
        }
    }
    Value::Object(entry)
}

/// Fields we set that the simulator's echo of the faults lacks or changed: a simulator that
/// silently ignores a fault field would make the run test less than it claims.
pub fn ignored_fields(sent: &Value, echoed: &Value) -> Vec<String> {
    let mut ignored = Vec::new();
    let sent = sent.as_array().cloned().unwrap_or_default();
    let echoed = echoed.as_array().cloned().unwrap_or_default();
    for entry in &sent {
        let twin = echoed.iter().find(|e| e["method"] == entry["method"]);
        for (field, value) in entry.as_object().into_iter().flatten() {
            let same = twin.is_some_and(|t| t.get(field).and_then(Value::as_f64) == value.as_f64());
            if field != "method" && !same {
                ignored.push(field.clone());
            }
        }
    }
    ignored
}
