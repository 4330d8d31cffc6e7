//! Pass preview: a template plus parameter values → the final pass document (every `$var$`
//! substituted, exactly what Alipay would render), the linter's findings (the template's
//! and the values'), and the card as HTML.

pub mod card;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::apps::App;
use crate::domain::ids::TemplateId;
use crate::domain::template::{lint, substitute_within, Finding, TemplateContent};
use crate::service::templates::TemplateService;
use crate::service::ServiceError;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"content": {"content": {}}, "params": {"discountInfo": "5 折"}}))]
pub struct PreviewTemplate {
    /// The template content (a TemplateContent, or its JSON text). Any JSON value is taken:
    /// what breaks a rule is reported in the answer, not refused.
    pub content: Value,
    /// A value for each `$var$` parameter.
    #[serde(default)]
    pub params: Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PreviewParams {
    #[serde(default)]
    pub params: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preview {
    /// The pass document with every known `$var$` substituted.
    pub document: Value,
    /// The template's parameters, in document order.
    pub params: Vec<String>,
    /// The template's errors and warnings, then the values' problems.
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    /// The card as a standalone HTML page (its CSS inline), for an iframe.
    pub html: String,
}

impl TemplateService {
    /// Refused (422 `preview_too_large`) when the substituted document would pass
    /// `limits.preview_max_bytes`, measured before anything is substituted.
    pub fn preview_template(&self, input: &PreviewTemplate) -> Result<Preview, ServiceError> {
        let limits = self.core.template_limits();
        let report = lint(&input.content, limits);
        let mut errors = report.errors;
        // The pass's identity is filled in when a pass is issued: sample values here.
        let mut values = input.params.clone();
        for (name, sample) in [("serialNumber", "PREVIEW-0001"), ("channelID", "PREVIEW")] {
            if report.params.iter().any(|p| p == name) && !values.contains_key(name) {
                values.insert(name.into(), Value::String(sample.into()));
            }
        }
        if let Ok(content) = TemplateContent::parse(input.content.clone(), limits) {
            if let Err(findings) = content.check_pass_params(&values) {
                errors.extend(findings);
            }
        }
        let document = self.substitute_bounded(&input.content, &values)?;
        let html = standalone_html(&document);
        Ok(Preview {
            document,
            params: report.params,
            errors,
            warnings: report.warnings,
            html,
        })
    }

    /// `content` with every known `$var$` filled from `values`, unless the result would
    /// pass `limits.preview_max_bytes`.
    pub fn substitute_bounded(
        &self,
        content: &Value,
        values: &Map<String, Value>,
    ) -> Result<Value, ServiceError> {
        let max = self.core.limits.preview_max_bytes;
        substitute_within(content, values, max).map_err(|bytes| {
            ServiceError::over_limit(
                "preview_too_large",
                format!(
                    "with these params the document would take {bytes} bytes; the limit is \
                     {max} bytes (limits.preview_max_bytes)"
                ),
            )
        })
    }

    /// The preview of one of our templates (its current content).
    pub async fn preview_stored(
        &self,
        app: &App,
        id: TemplateId,
        params: Map<String, Value>,
    ) -> Result<Preview, ServiceError> {
        let template = self.get_template(app, id).await?;
        self.preview_template(&PreviewTemplate {
            content: template.content,
            params,
        })
    }
}

/// The card on a page of its own, with the card CSS inline.
fn standalone_html(document: &Value) -> String {
    let card = card::render(document, "preview");
    let style = format!("{}{}", card::CARD_CSS, card.style);
    maud::html! {
        (maud::DOCTYPE)
        html {
            head { meta charset="utf-8"; title { "Pass preview" } style { (maud::PreEscaped(style)) } }
            body { (card.markup) }
        }
    }
    .into_string()
}
