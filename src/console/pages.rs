//! The console's pages. Each handler finds the session (or sends the browser to sign in),
//! reads through the service, and renders with maud (every value escaped).

use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
use serde_json::Value;

use super::session::{refused_post, Session};
use super::{page, redirect};
use crate::apps::ActingFor;
use crate::auth::Scope;
use crate::domain::pass::{PassStatus, RedeemPass};
use crate::service::console::ConsoleService;
use crate::service::passes::PassService;
use crate::service::preview::card;
use crate::service::templates::TemplateService;
use crate::service::uncertain::Resolution;
use crate::service::vouchers::VoucherService;
use crate::service::ServiceError;

pub(super) fn layout(session: &Session, title: &str, style: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · alipass console" }
                link rel="stylesheet" href="/console/console.css";
                @if !style.is_empty() { style nonce=(session.nonce) { (PreEscaped(style)) } }
            }
            body {
                nav {
                    strong { "alipass" }
                    a href="/console" { "Overview" }
                    a href="/console/templates" { "Templates" }
                    a href="/console/passes" { "Passes" }
                    a href="/console/vouchers" { "Vouchers" }
                    a href="/console/campaigns" { "Campaigns" }
                    span.who { (session.caller.name) " · app " (session.app.name) }
                    @if session.apps.len() > 1 {
                        form.switch method="post" action="/console/app" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            select name="app" aria-label="app" {
                                @for name in &session.apps {
                                    option value=(name) selected[*name == session.app.name] { (name) }
                                }
                            }
                            button type="submit" { "Switch" }
                        }
                    }
                    form method="post" action="/console/logout" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        button type="submit" { "Sign out" }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

pub(super) fn failure(session: &Session, error: ServiceError) -> HttpResponse {
    let body = html! { p.error { (error.to_string()) } };
    page(&session.nonce, layout(session, "Not available", "", body))
}

/// Counts by status and the issuance rate over the last hour (an inline SVG chart).
pub async fn overview(session: Session, console: web::Data<ConsoleService>) -> HttpResponse {
    let overview = match console.console_overview(&session.app).await {
        Ok(overview) => overview,
        Err(error) => return failure(&session, error),
    };
    let body = html! {
        div.tiles {
            @for records in ["templates", "passes", "vouchers"] {
                div.tile {
                    h2 { (records) }
                    @let mut counts = overview.counts_of(records).peekable();
                    @if counts.peek().is_none() { span.muted { "none yet" } }
                    @for count in counts { div { (count.status) ": " strong { (count.count) } } }
                }
            }
        }
        h2 { "Passes issued, last hour (5-minute windows)" }
        (chart(&overview.issued_last_hour))
    };
    page(&session.nonce, layout(&session, "Overview", "", body))
}

/// Twelve bars, oldest left.
fn chart(buckets: &[i64]) -> Markup {
    let max = buckets.iter().copied().max().unwrap_or(0).max(1) as f64;
    html! {
        svg width="480" height="140" viewBox="0 0 480 140" role="img" aria-label="passes issued per five minutes" {
            @for (i, count) in buckets.iter().enumerate() {
                @let height = (*count as f64 / max * 110.0).round();
                rect x=(i * 40 + 4) y=(120.0 - height) width="32" height=(height) fill="#1f883d" {}
                text x=(i * 40 + 20) y="135" font-size="10" text-anchor="middle" { (count) }
            }
        }
    }
}

pub async fn templates(session: Session, templates: web::Data<TemplateService>) -> HttpResponse {
    let list = match templates
        .list_templates(&session.app, None, Some(200))
        .await
    {
        Ok(list) => list,
        Err(error) => return failure(&session, error),
    };
    let body = html! {
        table {
            tr { th { "Template" } th { "Status" } th { "Version" } th { "Parameters" } th { "Updated" } }
            @for t in &list.items {
                tr {
                    td { a href={ "/console/templates/" (t.id) } { (t.unique_id) } }
                    td { (t.status) } td { (t.version) } td { (t.params.join(", ")) }
                    td.muted { (t.updated_at.format("%Y-%m-%d %H:%M")) }
                }
            }
        }
    };
    page(&session.nonce, layout(&session, "Templates", "", body))
}

#[derive(Deserialize)]
pub struct PassSearch {
    serial: Option<String>,
    out_trade_no: Option<String>,
    status: Option<String>,
    template: Option<String>,
}

pub async fn passes(
    session: Session,
    console: web::Data<ConsoleService>,
    passes: web::Data<PassService>,
    query: web::Query<PassSearch>,
) -> HttpResponse {
    let filled = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(serial) = filled(&query.serial) {
        return redirect(&format!("/console/passes/{}", urlencode(&serial)));
    }
    let mut found = Vec::new();
    if let Some(trade) = filled(&query.out_trade_no) {
        let serials = match console.serials_by_trade(&session.app, &trade).await {
            Ok(serials) => serials,
            Err(error) => return failure(&session, error),
        };
        for serial in serials {
            match passes.get_pass(&session.app, &serial, None).await {
                Ok(pass) => found.push(pass),
                Err(error) => return failure(&session, error),
            }
        }
    } else {
        let status = filled(&query.status).and_then(|s| PassStatus::parse(&s));
        let template = filled(&query.template).and_then(|t| t.parse().ok());
        match passes
            .list_passes(&session.app, template, status, None, Some(100))
            .await
        {
            Ok(page) => found = page.items,
            Err(error) => return failure(&session, error),
        }
    }
    let body = html! {
        form.search method="get" {
            input type="text" name="serial" placeholder="serial number";
            input type="text" name="out_trade_no" placeholder="out_trade_no";
            select name="status" {
                option value="" { "any status" }
                @for s in ["ISSUING", "ISSUED", "USED", "CLOSED", "FAILED"] { option value=(s) { (s) } }
            }
            input type="text" name="template" placeholder="template id";
            button.primary type="submit" { "Search" }
        }
        table {
            tr { th { "Serial" } th { "Status" } th { "out_trade_no" } th { "Template" } th { "Updated" } }
            @for p in &found {
                tr {
                    td { a href={ "/console/passes/" (urlencode(&p.serial_number)) } { (p.serial_number) } }
                    td { (p.status) } td { (p.recipient.out_trade_no) } td.muted { (p.template_id) }
                    td.muted { (p.updated_at.format("%Y-%m-%d %H:%M:%S")) }
                }
            }
        }
        @if found.is_empty() { p.muted { "No pass matches." } }
    };
    page(&session.nonce, layout(&session, "Passes", "", body))
}

/// A pass as the customer sees it, with its events and every gateway call on one timeline.
pub async fn pass(
    session: Session,
    passes: web::Data<PassService>,
    templates: web::Data<TemplateService>,
    serial: web::Path<String>,
) -> HttpResponse {
    let history = match passes
        .pass_history(&session.app, &serial, None, None, Some(200))
        .await
    {
        Ok(history) => history,
        Err(error) => return failure(&session, error),
    };
    let pass = &history.pass;
    let content = templates
        .get_template(&session.app, pass.template_id)
        .await
        .map(|t| t.content)
        .unwrap_or(Value::Null);
    let mut values = pass.params.as_object().cloned().unwrap_or_default();
    values.insert(
        "serialNumber".into(),
        Value::String(pass.serial_number.clone()),
    );
    values.insert("channelID".into(), Value::String(pass.channel_id.clone()));
    let shown = match templates.substitute_bounded(&content, &values) {
        Ok(document) => card::render(&document, "pass"),
        Err(error) => return failure(&session, error),
    };
    let mut timeline: Vec<(chrono::DateTime<chrono::Utc>, Markup)> = Vec::new();
    for event in &history.events {
        timeline.push((
            event.at,
            html! {
                strong { (event.kind) }
                @if let Some(id) = &event.request_id { " " span.muted { "request " code { (id) } } }
            },
        ));
    }
    for call in &history.gateway_calls {
        timeline.push((call.created_at, html! {
            "gateway " code { (call.method) } " attempt " (call.attempt) ": " strong { (call.outcome) }
            @if let Some(code) = &call.code { " " (code) } @if let Some(sub) = &call.sub_code { " " (sub) }
            " (" (call.latency_ms) " ms)"
            @if let Some(id) = &call.request_id { " " span.muted { "request " code { (id) } } }
        }));
    }
    timeline.sort_by_key(|(at, _)| *at);
    let can_act = session.caller.has(Scope::PassesWrite)
        && matches!(pass.status, PassStatus::Issued)
        && !pass.change_pending;
    let path = format!("/console/passes/{}", urlencode(&pass.serial_number));
    let body = html! {
        div.columns {
            div { (shown.markup) }
            div {
                p { "Status " strong id="status" { (pass.status) } " · channel " code { (pass.channel_id) }
                    " · out_trade_no " code { (pass.recipient.out_trade_no) } }
                @if pass.change_needs_confirmation {
                    div.error id="needs-confirmation" {
                        p { strong { "Needs confirmation. " } "A change was sent, its outcome is unknown, and no answer \
                            since proved whether it applied. Check the pass in Alipay's merchant console, then say." }
                        @if session.caller.has(Scope::Operator) {
                            form method="post" action={ (path) "/resolution" } {
                                input type="hidden" name="csrf" value=(session.csrf);
                                label { "What you checked " input type="text" name="reason" required maxlength="500"; }
                                button name="applied" value="true" type="submit" { "It applied" } " "
                                button.danger name="applied" value="false" type="submit" { "It did not apply" }
                            }
                        }
                    }
                } @else if pass.change_pending { p.error { "A change is pending: its outcome is being settled." } }
                @if can_act {
                    p {
                        a.action href={ (path) "/redeem" } { "Redeem…" } " · "
                        a.action href={ (path) "/close" } { "Close…" }
                    }
                }
                h2 { "Timeline" }
                ol.timeline {
                    @for (at, line) in &timeline {
                        li { span.muted { (at.format("%Y-%m-%d %H:%M:%S%.3f")) } " " (line) }
                    }
                }
            }
        }
    };
    let title = format!("Pass {}", pass.serial_number);
    page(&session.nonce, layout(&session, &title, &shown.style, body))
}

/// What the pass page offers to do, as its URL names it (`/console/passes/{serial}/redeem`):
/// GET asks for confirmation, POST does it.
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PassAction {
    Redeem,
    Close,
}

impl PassAction {
    fn verb(self) -> &'static str {
        match self {
            PassAction::Redeem => "redeem",
            PassAction::Close => "close",
        }
    }

    fn title(self) -> &'static str {
        match self {
            PassAction::Redeem => "Redeem",
            PassAction::Close => "Close",
        }
    }
}

/// "Are you sure?": the form that redeems or closes, with its CSRF token.
pub async fn confirm(session: Session, path: web::Path<(String, PassAction)>) -> HttpResponse {
    let (serial, action) = path.into_inner();
    let target = format!("/console/passes/{}/{}", urlencode(&serial), action.verb());
    let body = html! {
        p { "This sends the change to Alipay: it cannot be undone." }
        form method="post" action=(target) {
            input type="hidden" name="csrf" value=(session.csrf);
            @if action == PassAction::Redeem {
                label { "Verification (optional) "
                    select name="verify_type" { option value="" { "none" } option value="qrcode" { "qrcode" }
                        option value="barcode" { "barcode" } option value="text" { "text" } option value="wave" { "wave" } } }
                label { "Verification code " input type="text" name="verify_code"; }
            }
            button.danger id="confirm" type="submit" { "Yes, " (action.verb()) " pass " (serial) }
        }
        p { a href={ "/console/passes/" (urlencode(&serial)) } { "Back" } }
    };
    let title = format!("{} pass {serial}", action.title());
    page(&session.nonce, layout(&session, &title, "", body))
}

#[derive(Deserialize)]
pub struct ActForm {
    csrf: String,
    verify_type: Option<String>,
    verify_code: Option<String>,
}

/// Redeems or closes through the service, as the API does; the scope is checked here too.
pub async fn act(
    req: HttpRequest,
    session: Session,
    passes: web::Data<PassService>,
    path: web::Path<(String, PassAction)>,
    form: web::Form<ActForm>,
) -> HttpResponse {
    let scope = (Scope::PassesWrite, "change passes");
    if let Some(refused) = refused_post(&req, &session, &form.csrf, scope) {
        return refused;
    }
    let (serial, action) = path.into_inner();
    let acting = ActingFor::app_itself(session.app.clone());
    let result = match action {
        PassAction::Redeem => {
            let filled = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
            let input = serde_json::json!({"verify_type": filled(&form.verify_type),
                                            "verify_code": filled(&form.verify_code)});
            match serde_json::from_value::<RedeemPass>(input) {
                Ok(input) => passes.redeem_pass(&acting, &serial, None, input).await,
                Err(error) => return HttpResponse::BadRequest().body(error.to_string()),
            }
        }
        PassAction::Close => passes.close_pass(&acting, &serial, None).await,
    };
    match result {
        Ok(_) => redirect(&format!("/console/passes/{}", urlencode(&serial))),
        Err(error) => failure(&session, error),
    }
}

#[derive(Deserialize)]
pub struct ResolveForm {
    csrf: String,
    applied: bool,
    reason: String,
}

/// An operator's answer to a change no answer could prove, through the service as the
/// API does (scope `operator`).
pub async fn resolve(
    req: HttpRequest,
    session: Session,
    passes: web::Data<PassService>,
    serial: web::Path<String>,
    form: web::Form<ResolveForm>,
) -> HttpResponse {
    let scope = (Scope::Operator, "resolve changes");
    if let Some(refused) = refused_post(&req, &session, &form.csrf, scope) {
        return refused;
    }
    let acting = ActingFor::app_itself(session.app.clone());
    let form = form.into_inner();
    let resolution = Resolution {
        applied: form.applied,
        reason: form.reason,
    };
    let by = format!("{} (console)", session.caller.name);
    match passes
        .resolve_pass_change(&acting, (&serial, None), &resolution, &by)
        .await
    {
        Ok(_) => redirect(&format!("/console/passes/{}", urlencode(&serial))),
        Err(error) => failure(&session, error),
    }
}

pub async fn vouchers(session: Session, vouchers: web::Data<VoucherService>) -> HttpResponse {
    let reveal = session.caller.has(Scope::PiiRead);
    let list = match vouchers
        .list_vouchers(&session.app, None, (None, Some(200)), reveal)
        .await
    {
        Ok(list) => list,
        Err(error) => return failure(&session, error),
    };
    let body = html! {
        table {
            tr { th { "out_biz_no" } th { "Template" } th { "Status" } th { "Recipient" } th { "Voucher id" } th { "Updated" } }
            @for v in &list.items {
                tr {
                    td { (v.out_biz_no) } td.muted { (v.template_id) } td { (v.status) }
                    td { (v.recipient.kind) " " (v.recipient.value) }
                    td { (v.voucher_id.clone().unwrap_or_default()) }
                    td.muted { (v.updated_at.format("%Y-%m-%d %H:%M:%S")) }
                }
            }
        }
    };
    page(&session.nonce, layout(&session, "Vouchers", "", body))
}

pub async fn campaigns(session: Session, console: web::Data<ConsoleService>) -> HttpResponse {
    let list = match console.campaign_progress(&session.app).await {
        Ok(list) => list,
        Err(error) => return failure(&session, error),
    };
    let body = html! {
        table {
            tr { th { "Campaign" } th { "Kind" } th { "Status" } th { "Progress" } th { "Created" } }
            @for c in &list {
                tr {
                    td { (c.campaign_key) br; span.muted { (c.id) } } td { (c.kind) } td { (c.status) }
                    td { progress value=(c.done) max=(c.total.max(1)) {} " " (c.done) " / " (c.total) }
                    td.muted { (c.created_at.format("%Y-%m-%d %H:%M")) }
                }
            }
        }
        @if list.is_empty() { p.muted { "No campaign yet." } }
    };
    page(&session.nonce, layout(&session, "Campaigns", "", body))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
