//! A template's page: its findings, a preview with sample values, its versions, and an
//! editor whose content is previewed unsaved or saved through template.update.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::pages::{failure, layout};
use super::session::{refused_post, Session};
use super::{page, redirect};
use crate::apps::ActingFor;
use crate::auth::Scope;
use crate::service::preview::card;
use crate::service::templates::TemplateService;

/// A template: its lint findings and a preview with sample values (a GET form, so it reads
/// without a token and can be bookmarked).
pub async fn template(
    session: Session,
    templates: web::Data<TemplateService>,
    id: web::Path<Uuid>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let template = match templates.get_template(&session.app, (*id).into()).await {
        Ok(template) => template,
        Err(error) => return failure(&session, error),
    };
    // `_version=N`: that version's content instead of the current one.
    let wanted: Option<i32> = query.get("_version").and_then(|v| v.parse().ok());
    let versions = templates.template_versions(&session.app, template.id).await;
    let versions = versions.unwrap_or_default();
    let content = wanted
        .and_then(|n| versions.iter().find(|(v, _, _)| *v == n))
        .map_or_else(|| template.content.clone(), |(_, _, c)| c.clone());
    let listed: Vec<(i32, String)> = versions
        .iter()
        .map(|(v, at, _)| (*v, at.format("%Y-%m-%d %H:%M:%S").to_string()))
        .collect();
    let shown = TemplateShown {
        content,
        query: &query,
        versions: &listed,
    };
    template_page(&session, &templates, &template, shown, None)
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf: String,
    content: String,
    /// `preview` (render the edited content, nothing saved) or `save`.
    intent: String,
}

/// Edits a template's content: previews it unsaved, or saves it through the service
/// (alipay.pass.template.update, the same use case as `PUT /v1/templates/{id}`).
pub async fn edit_template(
    req: HttpRequest,
    session: Session,
    templates: web::Data<TemplateService>,
    id: web::Path<Uuid>,
    form: web::Form<EditForm>,
) -> HttpResponse {
    let scope = (Scope::TemplatesWrite, "change templates");
    if let Some(refused) = refused_post(&req, &session, &form.csrf, scope) {
        return refused;
    }
    let template = match templates.get_template(&session.app, (*id).into()).await {
        Ok(template) => template,
        Err(error) => return failure(&session, error),
    };
    let edited: Value = match serde_json::from_str(&form.content) {
        Ok(edited) => edited,
        Err(error) => {
            let problem = format!("the content is not JSON: {error}");
            let keep = TemplateShown::of(template.content.clone());
            let edited = Some((form.content.as_str(), problem));
            return template_page(&session, &templates, &template, keep, edited);
        }
    };
    if form.intent == "save" {
        let acting = ActingFor::app_itself(session.app.clone());
        let input = crate::service::templates::UpdateTemplate { content: edited };
        return match templates.update_template(&acting, template.id, input).await {
            Ok(_) => redirect(&format!("/console/templates/{}", template.id)),
            Err(error) => failure(&session, error),
        };
    }
    let shown = TemplateShown::of(edited);
    let edited = Some((form.content.as_str(), String::new()));
    template_page(&session, &templates, &template, shown, edited)
}

/// What a template page shows: a content (stored, an older version, or edited), the
/// preview's values from the query, and the versions to list.
struct TemplateShown<'a> {
    content: Value,
    query: &'a HashMap<String, String>,
    versions: &'a [(i32, String)],
}

impl TemplateShown<'static> {
    fn of(content: Value) -> Self {
        static NO_QUERY: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
        Self {
            content,
            query: NO_QUERY.get_or_init(HashMap::new),
            versions: &[],
        }
    }
}

/// A template's page: the shown content previewed with the query's values or samples;
/// `edited`: the editor's text and a problem with it.
fn template_page(
    session: &Session,
    templates: &TemplateService,
    template: &crate::service::views::TemplateView,
    TemplateShown {
        content,
        query,
        versions,
    }: TemplateShown<'_>,
    edited: Option<(&str, String)>,
) -> HttpResponse {
    let params = crate::domain::template::extract_params(&content);
    let values: Map<String, Value> = params
        .iter()
        .map(|name| {
            let value = query
                .get(name)
                .cloned()
                .unwrap_or_else(|| sample_value(name));
            (name.clone(), Value::String(value))
        })
        .collect();
    let preview = match templates.preview_template(&crate::service::preview::PreviewTemplate {
        content: content.clone(),
        params: values.clone(),
    }) {
        Ok(preview) => preview,
        Err(error) => return failure(session, error),
    };
    let shown = card::render(&preview.document, "preview");
    let editor_text = match &edited {
        Some((text, _)) => text.to_string(),
        None => serde_json::to_string_pretty(&content).unwrap_or_default(),
    };
    let body = html! {
        p { "Status " strong { (template.status) } ", version " (template.version)
            @if template.update_needs_confirmation {
                strong.error { " Needs confirmation: " } "no answer proved whether the pending update \
                    applied; an operator answers with POST /v1/templates/" (template.id) "/pending-update/resolution."
            } @else if template.update_pending { " (an update is being settled)" }
            @if let Some(tpl) = &template.alipay_template_id { ", Alipay tpl_id " code { (tpl) } } }
        @if edited.is_some() { p.error { "Edited content, not saved." } }
        div.columns {
            div {
                h2 { "Preview" }
                form.preview method="get" {
                    @for (name, value) in &values {
                        label { (name) input type="text" name=(name) value=(value.as_str().unwrap_or_default()); }
                    }
                    button.primary type="submit" { "Preview" }
                }
                h2 { "Findings" }
                @if preview.errors.is_empty() && preview.warnings.is_empty() { p.muted { "No findings." } }
                ul {
                    @for f in &preview.errors { li.error { code { (f.path) } " " (f.message) } }
                    @for f in &preview.warnings { li { code { (f.path) } " " (f.message) } }
                }
            }
            div { (shown.markup) }
        }
        @if !versions.is_empty() {
            h2 { "Versions" }
            ul.versions {
                @for (version, since) in versions {
                    li { a href={ "/console/templates/" (template.id) "?_version=" (version) } { "version " (version) }
                         " " span.muted { "since " (since) } }
                }
            }
        }
        @if session.caller.has(Scope::TemplatesWrite) {
            h2 { "Edit the content" }
            @if let Some((_, problem)) = &edited { @if !problem.is_empty() { p.error { (problem) } } }
            form.editor method="post" action={ "/console/templates/" (template.id) "/edit" } {
                input type="hidden" name="csrf" value=(session.csrf);
                textarea name="content" rows="24" cols="100" spellcheck="false" { (editor_text) }
                p {
                    button type="submit" name="intent" value="preview" { "Preview the edit" } " "
                    button.primary type="submit" name="intent" value="save" { "Save (template.update)" }
                }
            }
        }
    };
    let title = format!("Template {}", template.unique_id);
    page(&session.nonce, layout(session, &title, &shown.style, body))
}

/// A plausible value for a parameter, by its name.
fn sample_value(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.contains("start") {
        "2026-12-01 10:00:00".into()
    } else if lower.contains("end") || lower.contains("date") {
        "2026-12-31 23:59:59".into()
    } else if lower.contains("code") {
        "8612231273".into()
    } else {
        format!("sample {name}")
    }
}
