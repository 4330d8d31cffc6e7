//! The structural rules of tpl_content / pass.json (seed 002), one function per node.
//!
//! Each node lists the property names it knows; anything else is refused as Alipay does
//! (KP.AE_ALIPASS_TEMPLATE_UNRECOGNIZE_PROPERTY). The known sets include every key the
//! official examples use, documented in the tables or not (`source`, `alipayVerify`,
//! `canBuy`, `supportTaxi`, `taxiSchemaUrl`).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::codes::{
    CHAR_NOT_GBK, CONTENT_FORMAT_ERR, CONTENT_IS_BLANK, DATE_ERROR, ESSENTIAL_PARAMS_BLANK,
    TEMPLATE_PARAMS_VALUE_INVAILD as VALUE_INVALID, UNRECOGNIZE_PROPERTY,
};
use super::text::{
    child, clip, describe_char, extract_params, first_non_gbk, index, is_valid_wave_message,
    parse_pass_date, pure_var, strings_with_paths, var_tokens,
};
use super::{Finding, TemplateLimits, TemplateReport};

mod extras;
mod operations;
pub(crate) mod schema;

const ROOT_KEYS: &[&str] = &["logo", "icon", "strip", "content"];
const CONTENT_KEYS: &[&str] = &[
    "evoucherInfo",
    "fileInfo",
    "merchant",
    "platform",
    "style",
    "appInfo",
    "source",
    "alipayVerify",
];
const EVOUCHER_KEYS: &[&str] = &[
    "goodsId",
    "title",
    "type",
    "product",
    "startDate",
    "endDate",
    "einfo",
    "operation",
    "remindInfo",
];
const PASS_TYPES: &[&str] = &["coupon", "eventTicket", "boardingPass"];
const PRODUCTS: &[&str] = &[
    "free", "price", "groupon", "lottery", "movie", "tourist", "hotel", "boarding", "air", "train",
    "bus",
];
const EINFO_KEYS: &[&str] = &[
    "logo",
    "logoText",
    "secendLogoText",
    "Thumbnail",
    "headFields",
    "primaryFields",
    "secondaryFields",
    "auxiliaryFields",
    "backFields",
];
const EINFO_REGIONS: &[&str] = &[
    "headFields",
    "primaryFields",
    "secondaryFields",
    "auxiliaryFields",
    "backFields",
];
const UNIT_KEYS: &[&str] = &["key", "label", "value", "type"];
const UNIT_TYPES: &[&str] = &["tel", "url", "map", "text"];
const OPERATION_KEYS: &[&str] = &["format", "message", "messageEncoding", "altText"];
const FORMATS: &[&str] = &["wave", "qrcode", "barcode", "text", "app", "img", "url"];
const TEXT_MESSAGE_KEYS: &[&str] = &["label", "value"];
const APP_KEYS: &[&str] = &[
    "android_appid",
    "android_launch",
    "android_download",
    "ios_appid",
    "ios_launch",
    "ios_download",
];
const IMG_KEYS: &[&str] = &["img", "target"];
const REMIND_KEYS: &[&str] = &["offset"];
const MERCHANT_KEYS: &[&str] = &["mname", "mshortName", "maddr", "mtel", "minfo"];
const PLATFORM_KEYS: &[&str] = &["channelID", "channelScene", "webServiceUrl"];
const CHANNEL_SCENES: &[&str] = &["public", "server"];
const STYLE_KEYS: &[&str] = &["backgroundColor"];
const FILE_INFO_KEYS: &[&str] = &[
    "formatVersion",
    "canPresent",
    "canShare",
    "serialNumber",
    "canBuy",
    "supportTaxi",
    "taxiSchemaUrl",
];
const APP_INFO_KEYS: &[&str] = &["label", "message", "app"];

/// Field lengths of the vendor's tables, in characters (after substitution when the field
/// holds `$var$`s).
const TITLE_MAX_CHARS: usize = 256;
const GOODS_ID_MAX_CHARS: usize = 64;
const CHANNEL_ID_MAX_CHARS: usize = 32;
const WEB_SERVICE_URL_MAX_CHARS: usize = 128;
const SERIAL_NUMBER_MAX_CHARS: usize = 32;
/// `fileInfo.formatVersion`: Integer(10).
const FORMAT_VERSION_MAX_DIGITS: usize = 10;

/// The table's column sizes EInfo(4000) and Operation(1000). Whether they count characters
/// or bytes, before or after substitution, is not said: so only a warning.
const EINFO_MAX_CHARS: usize = 4000;
const OPERATION_MAX_CHARS: usize = 1000;

/// Einfo keys a product needs (seed 002 "einfo业务必要属性声明"): non-empty and unique.
fn business_keys(product: &str) -> &'static [&'static str] {
    match product {
        "train" => &["from", "to", "trainNo"],
        "boarding" | "air" => &["from", "to", "fltNo"],
        "bus" => &["from", "to", "busNo"],
        _ => &[],
    }
}

/// Where the pass's validity bound comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DateSlot {
    Fixed(NaiveDateTime),
    Param(String),
}

/// A rule about a field that holds `$var$`s, checkable only once their values are known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Deferred {
    /// Path of the template field, for the message.
    pub field: String,
    /// The field's text with its `$var$`s.
    pub template: String,
    pub rule: DeferredRule,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DeferredRule {
    Date,
    Wave,
    MaxChars(usize),
}

/// What the parameters are used for, learnt while checking the template.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Roles {
    pub start: Option<DateSlot>,
    pub end: Option<DateSlot>,
    pub deferred: Vec<Deferred>,
}

impl Roles {
    fn names_for(&self, rule: fn(DeferredRule) -> bool) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        for d in self.deferred.iter().filter(|d| rule(d.rule)) {
            for token in var_tokens(&d.template) {
                if seen.insert(token.name) {
                    names.push(token.name.to_owned());
                }
            }
        }
        names
    }

    pub fn date_params(&self) -> Vec<String> {
        self.names_for(|r| r == DeferredRule::Date)
    }

    pub fn wave_params(&self) -> Vec<String> {
        self.names_for(|r| r == DeferredRule::Wave)
    }
}

pub(crate) struct Analysis {
    pub report: TemplateReport,
    pub roles: Roles,
    /// The compact JSON text of the analysed value.
    pub wire: String,
}

/// Runs every rule over `v` (already decoded from the wire, if it came as text).
pub(crate) fn analyze(v: &Value, limits: &TemplateLimits) -> Analysis {
    let mut c = Checker {
        limits,
        errors: Vec::new(),
        warnings: Vec::new(),
        roles: Roles::default(),
    };
    match v {
        Value::Null => c.error("$", CONTENT_IS_BLANK, "tpl_content is empty"),
        Value::Object(_) => c.root(v),
        other => c.error(
            "$",
            CONTENT_FORMAT_ERR,
            format!("tpl_content must be a JSON object, found {}", kind(other)),
        ),
    }
    for (path, s) in strings_with_paths(v, "$") {
        if let Some(bad) = first_non_gbk(s) {
            c.error(
                path,
                CHAR_NOT_GBK,
                format!("{} cannot be encoded in GBK", describe_char(bad)),
            );
        }
    }
    let wire = serde_json::to_string(v).unwrap_or_default();
    let chars = wire.chars().count();
    if chars > limits.max_content_chars {
        c.error(
            "$",
            VALUE_INVALID,
            format!(
                "tpl_content is {chars} characters as compact JSON; at most {} are allowed",
                limits.max_content_chars
            ),
        );
    }
    Analysis {
        report: TemplateReport {
            errors: c.errors,
            warnings: c.warnings,
            params: extract_params(v),
        },
        roles: c.roles,
        wire,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn compact_chars(v: &Value) -> usize {
    serde_json::to_string(v).map_or(0, |s| s.chars().count())
}

/// How a text property is constrained.
#[derive(Clone, Copy)]
struct Text {
    required: bool,
    max: Option<usize>,
}

const REQUIRED: Text = Text {
    required: true,
    max: None,
};
const OPTIONAL: Text = Text {
    required: false,
    max: None,
};

fn required_max(max: usize) -> Text {
    Text {
        required: true,
        max: Some(max),
    }
}

struct Checker<'l> {
    limits: &'l TemplateLimits,
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
    roles: Roles,
}

impl Checker<'_> {
    fn error(&mut self, path: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(Finding::error(path, code, message));
    }

    fn warn(&mut self, path: impl Into<String>, code: &str, message: impl Into<String>) {
        self.warnings.push(Finding::warning(path, code, message));
    }

    /// `v` as an object whose property names are all in `known`.
    fn object<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(map) = v else {
            self.error(
                path,
                VALUE_INVALID,
                format!("must be an object, found {}", kind(v)),
            );
            return None;
        };
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            self.error(
                child(path, key),
                UNRECOGNIZE_PROPERTY,
                format!("unknown property '{key}'; known here: {}", known.join(", ")),
            );
        }
        Some(map)
    }

    /// A property's value; null counts as absent (the docs' examples send `"icon": null`).
    fn field<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<&'v Value> {
        match map.get(key) {
            Some(Value::Null) | None => {
                if required {
                    self.error(
                        child(path, key),
                        ESSENTIAL_PARAMS_BLANK,
                        format!("'{key}' is required"),
                    );
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    /// A string property. Returns it when present and a string (possibly empty if optional).
    fn text<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        path: &str,
        key: &str,
        rule: Text,
    ) -> Option<&'v str> {
        let v = self.field(map, path, key, rule.required)?;
        let at = child(path, key);
        let Value::String(s) = v else {
            self.error(
                at,
                VALUE_INVALID,
                format!("must be a string, found {}", kind(v)),
            );
            return None;
        };
        if rule.required && s.trim().is_empty() {
            self.error(
                at,
                ESSENTIAL_PARAMS_BLANK,
                format!("'{key}' must not be empty"),
            );
            return None;
        }
        if let Some(max) = rule.max {
            if !var_tokens(s).is_empty() {
                // The length that counts is the substituted one: checked at issuance.
                self.roles.deferred.push(Deferred {
                    field: at,
                    template: s.clone(),
                    rule: DeferredRule::MaxChars(max),
                });
            } else if s.chars().count() > max {
                self.error(
                    at,
                    VALUE_INVALID,
                    format!(
                        "must be at most {max} characters, found {}",
                        s.chars().count()
                    ),
                );
            }
        }
        Some(s)
    }

    /// A string property that must be one of `allowed` (a `$var$` is not: the layout and
    /// the rules depend on it).
    fn one_of<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
        allowed: &[&str],
    ) -> Option<&'v str> {
        let rule = Text {
            required,
            max: None,
        };
        let s = self.text(map, path, key, rule)?;
        if allowed.contains(&s) {
            return Some(s);
        }
        if required || !s.is_empty() {
            self.error(
                child(path, key),
                VALUE_INVALID,
                format!("'{}' is not one of: {}", clip(s), allowed.join(", ")),
            );
        }
        None
    }

    /// A boolean property, also accepted as the strings "true"/"false" (the official example
    /// sends `"supportTaxi": "true"`).
    fn flag(&mut self, map: &Map<String, Value>, path: &str, key: &str) {
        match self.field(map, path, key, false) {
            None | Some(Value::Bool(_)) => {}
            Some(Value::String(s)) if s == "true" || s == "false" => {}
            Some(other) => self.error(
                child(path, key),
                VALUE_INVALID,
                format!("must be true or false, found {}", clip(&other.to_string())),
            ),
        }
    }

    /// An image address: http(s) URL, or a `$var$` filled at issuance.
    fn image_url(&mut self, map: &Map<String, Value>, path: &str, key: &str, required: bool) {
        let rule = Text {
            required,
            max: None,
        };
        let Some(s) = self.text(map, path, key, rule) else {
            return;
        };
        // Leading blanks are tolerated: the docs' own example has `"logo": " https://..."`.
        let t = s.trim();
        let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
        let is_url = lower.starts_with("http://") || lower.starts_with("https://");
        let starts_with_var = var_tokens(t).first().is_some_and(|tok| tok.start == 0);
        if !t.is_empty() && !is_url && !starts_with_var {
            self.error(
                child(path, key),
                VALUE_INVALID,
                format!("must be an http(s) URL or a $var$, found '{}'", clip(s)),
            );
        }
    }

    fn root(&mut self, v: &Value) {
        let Some(root) = self.object(v, "$", ROOT_KEYS) else {
            return;
        };
        self.image_url(root, "$", "logo", true);
        self.image_url(root, "$", "icon", false);
        self.image_url(root, "$", "strip", false);
        if let Some(content) = self.field(root, "$", "content", true) {
            self.content(content, "$.content");
        }
    }

    fn content(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, CONTENT_KEYS) else {
            return;
        };
        if let Some(e) = self.field(map, path, "evoucherInfo", true) {
            self.evoucher_info(e, &child(path, "evoucherInfo"));
        }
        if let Some(f) = self.field(map, path, "fileInfo", true) {
            self.file_info(f, &child(path, "fileInfo"));
        }
        if let Some(m) = self.field(map, path, "merchant", true) {
            self.merchant(m, &child(path, "merchant"));
        }
        if let Some(p) = self.field(map, path, "platform", true) {
            self.platform(p, &child(path, "platform"));
        }
        if let Some(s) = self.field(map, path, "style", false) {
            self.style(s, &child(path, "style"));
        }
        if let Some(a) = self.field(map, path, "appInfo", false) {
            self.app_info(a, &child(path, "appInfo"));
        }
        self.text(map, path, "source", OPTIONAL);
        // Items are undocumented (the example sends []): only the array shape is checked.
        if let Some(av) = self.field(map, path, "alipayVerify", false) {
            if !av.is_array() {
                self.error(
                    child(path, "alipayVerify"),
                    VALUE_INVALID,
                    format!("must be an array, found {}", kind(av)),
                );
            }
        }
    }

    fn evoucher_info(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, EVOUCHER_KEYS) else {
            return;
        };
        self.text(map, path, "title", required_max(TITLE_MAX_CHARS));
        self.text(
            map,
            path,
            "goodsId",
            Text {
                required: false,
                max: Some(GOODS_ID_MAX_CHARS),
            },
        );
        self.one_of(map, path, "type", true, PASS_TYPES);
        let product = self.one_of(map, path, "product", true, PRODUCTS);
        let start = self.date(map, path, "startDate");
        let end = self.date(map, path, "endDate");
        if let (Some(DateSlot::Fixed(s)), Some(DateSlot::Fixed(e))) = (&start, &end) {
            if e < s {
                self.error(
                    child(path, "endDate"),
                    DATE_ERROR,
                    format!("endDate {e} is before startDate {s}"),
                );
            }
        }
        self.roles.start = start;
        self.roles.end = end;
        if let Some(einfo) = self.field(map, path, "einfo", true) {
            self.einfo(einfo, &child(path, "einfo"), product);
        }
        if let Some(ops) = self.field(map, path, "operation", true) {
            self.operations(ops, &child(path, "operation"));
        }
        if let Some(remind) = self.field(map, path, "remindInfo", false) {
            self.remind_info(remind, &child(path, "remindInfo"));
        }
    }

    /// `yyyy-MM-dd HH:mm:ss`, or exactly one `$var$` whose value is checked at issuance.
    fn date(&mut self, map: &Map<String, Value>, path: &str, key: &str) -> Option<DateSlot> {
        let s = self.text(map, path, key, REQUIRED)?;
        let at = child(path, key);
        if let Some(name) = pure_var(s) {
            self.roles.deferred.push(Deferred {
                field: at,
                template: s.to_owned(),
                rule: DeferredRule::Date,
            });
            return Some(DateSlot::Param(name.to_owned()));
        }
        match parse_pass_date(s) {
            Some(dt) => Some(DateSlot::Fixed(dt)),
            None => {
                self.error(
                    at,
                    DATE_ERROR,
                    format!(
                        "'{}' is neither a yyyy-MM-dd HH:mm:ss date nor a single $var$",
                        clip(s)
                    ),
                );
                None
            }
        }
    }

    fn einfo(&mut self, v: &Value, path: &str, product: Option<&str>) {
        let Some(map) = self.object(v, path, EINFO_KEYS) else {
            return;
        };
        self.text(map, path, "logoText", REQUIRED);
        for key in ["logo", "secendLogoText", "Thumbnail"] {
            self.text(map, path, key, OPTIONAL);
        }
        // (key, path of the unit, value non-empty) of every unit, in document order.
        let mut units: Vec<(&str, String, bool)> = Vec::new();
        let mut any_unit = false;
        for region in EINFO_REGIONS {
            let Some(rv) = self.field(map, path, region, false) else {
                continue;
            };
            let region_path = child(path, region);
            let Value::Array(items) = rv else {
                self.error(
                    region_path,
                    VALUE_INVALID,
                    format!("must be an array, found {}", kind(rv)),
                );
                continue;
            };
            any_unit |= !items.is_empty();
            for (i, item) in items.iter().enumerate() {
                let unit_path = index(&region_path, i);
                if let Some(unit) = self.unit(item, &unit_path) {
                    units.push((unit.0, unit_path, unit.1));
                }
            }
        }
        if !any_unit {
            self.error(
                path,
                ESSENTIAL_PARAMS_BLANK,
                format!(
                    "at least one of {} must hold a unit",
                    EINFO_REGIONS.join(", ")
                ),
            );
        }
        self.unit_keys(path, product, &units);
        let chars = compact_chars(v);
        if chars > EINFO_MAX_CHARS {
            self.warn(
                path,
                VALUE_INVALID,
                format!("einfo is {chars} characters as JSON; the docs size it EInfo({EINFO_MAX_CHARS})"),
            );
        }
    }

    /// One EinfoUnit; returns its key and whether its value is non-empty.
    fn unit<'v>(&mut self, v: &'v Value, path: &str) -> Option<(&'v str, bool)> {
        let map = self.object(v, path, UNIT_KEYS)?;
        let key = self.text(map, path, "key", REQUIRED);
        let label = self.text(map, path, "label", OPTIONAL).unwrap_or("");
        let value = self.text(map, path, "value", OPTIONAL).unwrap_or("");
        self.one_of(map, path, "type", false, UNIT_TYPES);
        let key = key?;
        if label.trim().is_empty() && value.trim().is_empty() {
            self.error(
                path,
                ESSENTIAL_PARAMS_BLANK,
                format!("unit '{key}' needs a non-empty label or value"),
            );
        }
        Some((key, !value.trim().is_empty()))
    }

    /// The product's business keys: present, with a value, once. Other repeated keys are
    /// legal but likely a copy-paste slip, so a warning.
    fn unit_keys(&mut self, path: &str, product: Option<&str>, units: &[(&str, String, bool)]) {
        let required = product.map_or(&[][..], business_keys);
        for want in required {
            let mut found = units.iter().filter(|(k, _, _)| k == want);
            match found.next() {
                None => self.error(
                    path,
                    ESSENTIAL_PARAMS_BLANK,
                    format!(
                        "product '{}' needs a unit with key '{want}' in einfo",
                        product.unwrap_or_default()
                    ),
                ),
                Some((_, unit_path, has_value)) => {
                    if !has_value {
                        self.error(
                            child(unit_path, "value"),
                            ESSENTIAL_PARAMS_BLANK,
                            format!("the '{want}' unit must have a value"),
                        );
                    }
                }
            }
            for (_, unit_path, _) in found {
                self.error(
                    child(unit_path, "key"),
                    VALUE_INVALID,
                    format!("key '{want}' must appear only once in einfo"),
                );
            }
        }
        let mut seen = HashSet::new();
        for (key, unit_path, _) in units {
            if !seen.insert(*key) && !required.contains(key) {
                self.warn(
                    child(unit_path, "key"),
                    VALUE_INVALID,
                    format!("key '{key}' appears more than once in einfo"),
                );
            }
        }
    }
}

pub(crate) fn wave_rule_message(s: &str) -> String {
    format!(
        "wave message '{}' ({} characters) breaks the wave rule: up to 16 characters of \
         anything, or 17 to 32 hex digits not starting with 0",
        clip(s),
        s.chars().count()
    )
}
