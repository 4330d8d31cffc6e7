//! The pass template (`tpl_content`): its rules, its `$var$` parameters and the values a
//! pass fills them with.
//!
//! The rules come from the vendor guide (seed 002: the tpl_content / pass.json structure) and
//! are checked locally so a bad template never costs a gateway round trip. Every broken rule
//! becomes a [`Finding`] naming its JSON path and the Alipay error code the check avoids; all
//! findings are collected, not just the first.
//!
//! Parse, don't validate: [`TemplateContent`] can only be built from a template with no
//! errors, and [`PassParams`] only from values that satisfy that template, so code holding
//! either never checks again.
//!
//! Where the docs are vague or contradict themselves, the choice made here:
//! - `$` handling: a parameter is `$name$` with a non-empty name free of whitespace; any
//!   other `$` is literal text (the official wave example `!@#$%^&*()|{}12a` has no param).
//! - Dates are `yyyy-MM-dd HH:mm:ss` as Java's SimpleDateFormat (Alipay's parser) reads it:
//!   padded or not (the table's own example is `2016-6-30 15:44:11`), a 4-digit year, a real
//!   calendar instant, nothing trailing; or a single `$var$`, whose value must be such a date
//!   at issuance. A var mixed with text in a date field is refused.
//! - `remindInfo.offset` outside 3600..=86400 is a warning (the official example sends "2"),
//!   an error with `remind_offset_strict`.
//! - `formatVersion` is a number or a digit string ("2" in the example), at most 10 digits
//!   (the table's field length); the flags accept `true`/`false` and `"true"`/`"false"`.
//! - A field holding `$var$`s is measured (max length, wave rule) after substitution, when
//!   the pass is issued; EInfo(4000) / Operation(1000) sizes are warnings only.
//! - `null` is the same as absent (the docs send `"icon": null`).

mod params;
mod rules;
mod text;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::ToSchema;

pub(crate) use params::{param_path, scalar_text};
pub use params::{PassParams, TPL_PARAMS_MAX_CHARS};
pub(crate) use text::{clip, pure_var, render, var_tokens, Rendered};
pub use text::{
    extract_params, is_valid_wave_message, substitute, substitute_within, substituted_bytes,
};

/// The Alipay error codes the local checks stand in for, spelled as the gateway spells them
/// (including its `INVAILD`).
pub mod codes {
    pub const CONTENT_IS_BLANK: &str = "KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK";
    pub const CONTENT_FORMAT_ERR: &str = "KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR";
    pub const ESSENTIAL_PARAMS_BLANK: &str = "KP.AE_ALIPASS_ESSENTIAL_PARAMS_BLANK";
    pub const UNRECOGNIZE_PROPERTY: &str = "KP.AE_ALIPASS_TEMPLATE_UNRECOGNIZE_PROPERTY";
    pub const DATE_ERROR: &str = "KP.AE_ALIPASS_DATE_ERROR";
    pub const TEMPLATE_PARAMS_VALUE_INVAILD: &str = "KP.AE_ALIPASS_TEMPLATE_PARAMS_VALUE_INVAILD";
    pub const CHAR_NOT_GBK: &str = "KP.AE_ALIPASS_CHAR_NOT_GBK";
    /// Issuance (`alipay.pass.instance.add` / `.update`) codes for parameter values.
    pub const PARAME_IS_NULL: &str = "KP.AE_ALIPASS_PARAME_IS_NULL";
    pub const PARAMS_VALUE_INVAILD: &str = "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD";
}

/// Limits whose right value the docs leave open; see `Default` for the chosen defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateLimits {
    /// Characters of the compact tpl_content string. The docs say String(65000) on one page
    /// and 99999 on another; the default is the safer 65000.
    pub max_content_chars: usize,
    /// `remindInfo.offset` range in seconds: the table says 3600..=86400, yet the official
    /// example sends "2", so by default an offset outside it is only a warning.
    pub remind_offset_min: i64,
    pub remind_offset_max: i64,
    /// Make an out-of-range `remindInfo.offset` an error instead of a warning.
    pub remind_offset_strict: bool,
}

impl Default for TemplateLimits {
    fn default() -> Self {
        Self {
            max_content_chars: 65_000,
            remind_offset_min: 3_600,
            remind_offset_max: 86_400,
            remind_offset_strict: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The gateway would refuse the call, or the pass would be broken.
    Error,
    /// Suspicious or contradicted by the docs themselves; sent anyway.
    Warning,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    /// JSONPath-like location, e.g. `$.content.evoucherInfo.einfo.headFields[0].key`.
    pub path: String,
    pub message: String,
    /// The Alipay error code this local check avoids, e.g. `KP.AE_ALIPASS_DATE_ERROR`.
    pub alipay_code: String,
    pub severity: Severity,
}

impl Finding {
    pub fn error(path: impl Into<String>, alipay_code: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            alipay_code: alipay_code.to_owned(),
            severity: Severity::Error,
        }
    }

    pub fn warning(path: impl Into<String>, alipay_code: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(path, alipay_code, message)
        }
    }
}

/// The outcome of linting a template: valid when `errors` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TemplateReport {
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    /// The `$var$` parameters a pass must fill, in document order (what Alipay returns as
    /// `tpl_params`).
    pub params: Vec<String>,
}

impl TemplateReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    fn single_error(path: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            errors: vec![Finding::error(path, code, message)],
            ..Self::default()
        }
    }
}

/// Checks a tpl_content (`{logo, icon, strip, content}`) against every rule. A JSON string
/// is taken as the wire form and decoded first, as the gateway would.
pub fn lint(tpl_content: &Value, limits: &TemplateLimits) -> TemplateReport {
    match tpl_content {
        Value::String(text) => match decode_wire(text) {
            Ok(decoded) => rules::analyze(&decoded, limits).report,
            Err(report) => report,
        },
        other => rules::analyze(other, limits).report,
    }
}

/// Parses a tpl_content received as JSON text (what the gateway receives).
pub fn parse_wire(text: &str, limits: &TemplateLimits) -> Result<TemplateContent, TemplateReport> {
    TemplateContent::parse(decode_wire(text)?, limits)
}

fn decode_wire(text: &str) -> Result<Value, TemplateReport> {
    if text.trim().is_empty() {
        return Err(TemplateReport::single_error(
            "$",
            codes::CONTENT_IS_BLANK,
            "tpl_content is empty",
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        TemplateReport::single_error(
            "$",
            codes::CONTENT_FORMAT_ERR,
            format!("tpl_content is not valid JSON: {e}"),
        )
    })
}

/// A template that breaks no rule, with what issuing a pass from it needs to know: its
/// parameters and which of them are dates or wave messages.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateContent {
    value: Value,
    wire: String,
    params: Vec<String>,
    date_params: Vec<String>,
    wave_params: Vec<String>,
    warnings: Vec<Finding>,
    roles: rules::Roles,
}

impl TemplateContent {
    /// Err carries the full report (at least one error). A JSON string is decoded first.
    pub fn parse(tpl_content: Value, limits: &TemplateLimits) -> Result<Self, TemplateReport> {
        let value = match tpl_content {
            Value::String(text) => decode_wire(&text)?,
            other => other,
        };
        let analysis = rules::analyze(&value, limits);
        if !analysis.report.is_valid() {
            return Err(analysis.report);
        }
        let roles = analysis.roles;
        Ok(Self {
            date_params: roles.date_params(),
            wave_params: roles.wave_params(),
            params: analysis.report.params,
            warnings: analysis.report.warnings,
            wire: analysis.wire,
            value,
            roles,
        })
    }

    /// Same as [`parse_wire`].
    pub fn parse_wire(text: &str, limits: &TemplateLimits) -> Result<Self, TemplateReport> {
        parse_wire(text, limits)
    }

    pub fn as_json(&self) -> &Value {
        &self.value
    }

    pub fn into_json(self) -> Value {
        self.value
    }

    /// The `$var$` names in document order.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// Parameters used as `startDate` / `endDate`: their values must be pass dates.
    pub fn date_params(&self) -> &[String] {
        &self.date_params
    }

    /// Parameters inside a wave operation's message: the result must obey the wave rule.
    pub fn wave_params(&self) -> &[String] {
        &self.wave_params
    }

    pub fn warnings(&self) -> &[Finding] {
        &self.warnings
    }

    /// The compact JSON text sent as `tpl_content`.
    pub fn to_wire_string(&self) -> String {
        self.wire.clone()
    }

    /// Checks the values for issuing a pass (`alipay.pass.instance.add`): every declared
    /// parameter filled, nothing undeclared, each value fit for where it is used.
    pub fn check_pass_params(
        &self,
        values: &Map<String, Value>,
    ) -> Result<PassParams, Vec<Finding>> {
        params::check(self, values, true)
    }

    /// Like [`Self::check_pass_params`] for `alipay.pass.instance.update`, which sends only
    /// the parameters that change: absent ones are not missing.
    pub fn check_update_params(
        &self,
        partial: &Map<String, Value>,
    ) -> Result<PassParams, Vec<Finding>> {
        params::check(self, partial, false)
    }
}

/// The schema of a template's wire shape (what [`TemplateContent::parse`] takes), with a
/// component for each of its nodes.
impl utoipa::PartialSchema for TemplateContent {
    fn schema() -> RefOr<Schema> {
        rules::schema::template_content()
    }
}

impl utoipa::ToSchema for TemplateContent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed(rules::schema::TEMPLATE_CONTENT)
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(rules::schema::components().into_iter().skip(1));
    }
}

/// A request's template content: the object, or the same as JSON text (Alipay's wire form),
/// which [`TemplateContent::parse`] decodes first.
pub fn content_input_schema() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(Ref::from_schema_name(rules::schema::TEMPLATE_CONTENT))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The same object as JSON text.")),
        )
        .description(Some(
            "The template: `{logo, icon, strip, content}` (TemplateContent), or the same as \
             JSON text. Checked against every rule before anything is sent; each problem \
             names its JSON path and the Alipay code it avoids.",
        ))
        .into()
}
