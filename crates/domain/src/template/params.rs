//! Parameter values for a pass (`tpl_params` of alipay.pass.instance.add / .update).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;

use super::codes::{CHAR_NOT_GBK, PARAME_IS_NULL, PARAMS_VALUE_INVAILD as VALUE_INVALID};
use super::rules::{wave_rule_message, DateSlot, DeferredRule};
use super::text::{
    child, clip, describe_char, first_non_gbk, is_valid_wave_message, parse_pass_date, render,
    var_tokens, Rendered,
};
use super::{Finding, TemplateContent};

/// Values for a template's parameters that satisfy its rules. Sorted by name, so equal
/// values always give the same wire text (and the same idempotency hash).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PassParams(BTreeMap<String, String>);

impl PassParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The compact JSON object text sent as `tpl_params`.
    /// The parameters as a JSON object of strings, sorted by name.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    }

    pub fn to_wire_string(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// The schema of the `params` a request brings (what [`TemplateContent::check_pass_params`]
/// takes): the template's `$name$` parameters, each a non-blank text; a number or a boolean
/// is taken as its JSON text.
impl utoipa::PartialSchema for PassParams {
    fn schema() -> RefOr<Schema> {
        let text = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"\S"))
            .max_length(Some(TPL_PARAMS_MAX_CHARS));
        let value = OneOfBuilder::new()
            .item(text)
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(ObjectBuilder::new().schema_type(Type::Boolean));
        let name = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^[^\s$]+$"));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(name))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::OneOf(
                value.build(),
            )))))
            .description(Some(format!(
                "A value for each `$name$` parameter of the template, by name (the template's \
                 `params` lists them); serialNumber and channelID are filled in for you. Each \
                 value is checked where the template uses it: a date field's value is a \
                 `yyyy-MM-dd HH:mm:ss` date, a wave message's obeys the wave rule, a field's \
                 length counts after substitution, and every character must be encodable in \
                 GBK. As compact JSON (Alipay's tpl_params) the whole is at most \
                 {TPL_PARAMS_MAX_CHARS} characters."
            )))
            .into()
    }
}

impl utoipa::ToSchema for PassParams {}

/// A parameter value as text: tpl_params is a string map on the wire, so scalars are taken
/// as their JSON text (`null` as empty); None for an array or an object.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

pub(crate) fn param_path(name: &str) -> String {
    child("$.params", name)
}

/// `full`: issuance, where every declared parameter must be given; otherwise an update,
/// where absent parameters keep their earlier values.
pub(crate) fn check(
    tpl: &TemplateContent,
    values: &Map<String, Value>,
    full: bool,
) -> Result<PassParams, Vec<Finding>> {
    let mut findings = Vec::new();
    let mut accepted: BTreeMap<String, String> = BTreeMap::new();
    for (name, v) in values {
        // Built for a finding only: most requests have none.
        let path = || param_path(name);
        // A template declares a handful of parameters: a scan beats building a set.
        if !tpl.params.iter().any(|p| p == name) {
            let declared = if tpl.params.is_empty() {
                "none".to_owned()
            } else {
                tpl.params.join(", ")
            };
            findings.push(Finding::error(
                path(),
                VALUE_INVALID,
                format!(
                    "'{}' is not a parameter of this template (declared: {declared})",
                    clip(name)
                ),
            ));
            continue;
        }
        let Some(text) = scalar_text(v) else {
            findings.push(Finding::error(
                path(),
                VALUE_INVALID,
                format!(
                    "must be a string, found {}",
                    if v.is_array() {
                        "an array"
                    } else {
                        "an object"
                    }
                ),
            ));
            continue;
        };
        if text.trim().is_empty() {
            findings.push(Finding::error(
                path(),
                PARAME_IS_NULL,
                format!("'{name}' must not be empty"),
            ));
            continue;
        }
        if let Some(bad) = first_non_gbk(&text) {
            findings.push(Finding::error(
                path(),
                CHAR_NOT_GBK,
                format!("{} cannot be encoded in GBK", describe_char(bad)),
            ));
            continue;
        }
        accepted.insert(name.clone(), text);
    }
    if full {
        for name in tpl
            .params
            .iter()
            .filter(|p| !values.contains_key(p.as_str()))
        {
            findings.push(Finding::error(
                param_path(name),
                PARAME_IS_NULL,
                format!("'{name}' is a parameter of this template and needs a value"),
            ));
        }
    }
    check_uses(tpl, &accepted, &mut findings);
    check_wire_length(&accepted, &mut findings);
    if findings.is_empty() {
        Ok(PassParams(accepted))
    } else {
        Err(findings)
    }
}

/// Characters of `tpl_params` as sent (the compact JSON object). The long guide's tables
/// of instance.add and instance.update say String(38000), the methods' own pages 99999:
/// the harder reading.
pub const TPL_PARAMS_MAX_CHARS: usize = 38_000;

/// `tpl_params` as a whole, as it goes on the wire: Alipay would refuse a longer one with
/// `KP.AE_ALIPASS_PARAMS_VALUE_INVAILD`.
fn check_wire_length(accepted: &BTreeMap<String, String>, findings: &mut Vec<Finding>) {
    // Escaping at most sextuples a character, and `"k":"v",` adds 6: the usual few short
    // parameters need no serialising to be known short enough.
    let raw: usize = accepted.iter().map(|(k, v)| k.len() + v.len() + 1).sum();
    if raw * 6 + 2 <= TPL_PARAMS_MAX_CHARS {
        return;
    }
    let wire = serde_json::to_string(accepted).unwrap_or_default();
    let chars = wire.chars().count();
    if chars > TPL_PARAMS_MAX_CHARS {
        findings.push(Finding::error(
            "$.params".to_owned(),
            VALUE_INVALID,
            format!(
                "the parameters come to {chars} characters as tpl_params; at most \
                 {TPL_PARAMS_MAX_CHARS}"
            ),
        ));
    }
}

/// The rules of the fields the parameters fill, on the substituted text. A field whose
/// values are not all known here (missing, refused, or kept from an earlier issue) is
/// skipped: what is missing or refused has its own finding already.
fn check_uses(
    tpl: &TemplateContent,
    accepted: &BTreeMap<String, String>,
    findings: &mut Vec<Finding>,
) {
    let lookup = |name: &str| accepted.get(name).cloned();
    for d in &tpl.roles.deferred {
        // No value that passes a rule is longer than this, so the rendering stops there.
        let cap = match d.rule {
            DeferredRule::Date | DeferredRule::Wave => 256,
            DeferredRule::MaxChars(max) => max.saturating_mul(4),
        };
        let problem = match (render(&d.template, lookup, cap), d.rule) {
            (Rendered::Unknown, _) => continue,
            (Rendered::Over(_), DeferredRule::MaxChars(max)) => Some(format!(
                "makes the field longer than {max} characters (at most {max} are allowed)"
            )),
            (Rendered::Text(text) | Rendered::Over(text), rule) => deferred_problem(rule, &text),
        };
        // The finding names the field's first parameter (looked up for a finding only).
        let named = problem.and_then(|p| Some((p, var_tokens(&d.template).first()?.name)));
        if let Some((problem, first)) = named {
            findings.push(Finding::error(
                param_path(first),
                VALUE_INVALID,
                format!("used in {}: {problem}", d.field),
            ));
        }
    }
    let start = resolve(tpl.roles.start.as_ref(), accepted);
    let end = resolve(tpl.roles.end.as_ref(), accepted);
    if let (Some((start, start_param)), Some((end, end_param))) = (start, end) {
        if end < start {
            if let Some(blamed) = end_param.or(start_param) {
                findings.push(Finding::error(
                    param_path(blamed),
                    VALUE_INVALID,
                    format!("the pass would end ({end}) before it starts ({start})"),
                ));
            }
        }
    }
}

/// What a deferred rule finds wrong with a field's substituted `text`, if anything.
fn deferred_problem(rule: DeferredRule, text: &str) -> Option<String> {
    match rule {
        DeferredRule::Date => parse_pass_date(text)
            .is_none()
            .then(|| format!("'{}' is not a yyyy-MM-dd HH:mm:ss date", clip(text))),
        DeferredRule::Wave => (!is_valid_wave_message(text)).then(|| wave_rule_message(text)),
        DeferredRule::MaxChars(max) => {
            let n = text.chars().count();
            (n > max)
                .then(|| format!("makes the field {n} characters long; at most {max} are allowed"))
        }
    }
}

/// A validity bound's instant and the parameter it came from (None when fixed).
fn resolve<'a>(
    slot: Option<&'a DateSlot>,
    accepted: &BTreeMap<String, String>,
) -> Option<(NaiveDateTime, Option<&'a str>)> {
    match slot? {
        DateSlot::Fixed(dt) => Some((*dt, None)),
        DateSlot::Param(p) => accepted
            .get(p)
            .and_then(|v| parse_pass_date(v))
            .map(|dt| (dt, Some(p.as_str()))),
    }
}
