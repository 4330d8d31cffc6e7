//! One helper per endpoint of the API, so that a test says what it does (`app.redeem(..)`,
//! `app.get_pass(..)`) instead of which path it posts to. Requests come back as builders
//! (read them with `Fetch`: `.value()`, `.status_code()`); reads come back as JSON.
//! The paths themselves live in [`paths`], for the tests that build a request by hand
//! (another key, no key, a raw socket).

use serde_json::{json, Value};

use super::{TestApp, DEV_KEY};
use crate::fetch::Fetch;

/// The API's paths, each written once.
pub mod paths {
    pub const TEMPLATES: &str = "/v1/templates";
    pub const TEMPLATE_VALIDATE: &str = "/v1/templates/validate";
    pub const TEMPLATE_PREVIEW: &str = "/v1/templates/preview";
    pub const PASSES: &str = "/v1/passes";
    pub const VOUCHERS: &str = "/v1/vouchers";
    pub const CAMPAIGNS: &str = "/v1/campaigns";
    pub const WEBHOOK_ENDPOINTS: &str = "/v1/webhook-endpoints";
    pub const DIAGNOSTICS: &str = "/v1/diagnostics";

    pub fn template(id: &str) -> String {
        format!("{TEMPLATES}/{id}")
    }

    pub fn template_preview(id: &str) -> String {
        format!("{TEMPLATES}/{id}/preview")
    }

    pub fn template_resolution(id: &str) -> String {
        format!("{TEMPLATES}/{id}/pending-update/resolution")
    }

    pub fn alipay_template_id(id: &str) -> String {
        format!("{TEMPLATES}/{id}/alipay-template-id")
    }

    /// A pass by serial; `serial` may carry a query (`c?channel_id=a:b`), unlike the
    /// paths below it, which put theirs after the whole path.
    pub fn pass(serial: &str) -> String {
        format!("{PASSES}/{serial}")
    }

    pub fn pass_events(serial: &str) -> String {
        format!("{PASSES}/{serial}/events")
    }

    pub fn redeem(serial: &str) -> String {
        format!("{PASSES}/{serial}/redeem")
    }

    pub fn close(serial: &str) -> String {
        format!("{PASSES}/{serial}/close")
    }

    pub fn pass_resolution(serial: &str) -> String {
        format!("{PASSES}/{serial}/pending-change/resolution")
    }

    pub fn voucher(template_id: &str, out_biz_no: &str) -> String {
        format!("{VOUCHERS}/{template_id}/{out_biz_no}")
    }

    pub fn campaign(id: &str) -> String {
        format!("{CAMPAIGNS}/{id}")
    }

    pub fn campaign_rows(id: &str) -> String {
        format!("{CAMPAIGNS}/{id}/rows")
    }

    pub fn campaign_results(id: &str) -> String {
        format!("{CAMPAIGNS}/{id}/results")
    }

    /// `pause`, `resume`, `cancel` or `retry-refused`.
    pub fn campaign_action(id: &str, action: &str) -> String {
        format!("{CAMPAIGNS}/{id}/{action}")
    }

    pub fn webhook_endpoint(id: &str) -> String {
        format!("{WEBHOOK_ENDPOINTS}/{id}")
    }

    pub fn webhook_attempts(id: &str) -> String {
        format!("{WEBHOOK_ENDPOINTS}/{id}/attempts")
    }

    pub fn webhook_test(id: &str) -> String {
        format!("{WEBHOOK_ENDPOINTS}/{id}/test")
    }

    pub fn redeliver(id: &str, event_id: &str) -> String {
        format!("{WEBHOOK_ENDPOINTS}/{id}/deliveries/{event_id}/redeliver")
    }
}

/// What an operator says of a change no answer proved: applied or not, and why.
pub fn resolution(applied: bool, reason: &str) -> Value {
    json!({"applied": applied, "reason": reason})
}

/// Templates.
impl TestApp {
    /// GET /v1/templates?{query}: a page of the list.
    pub async fn list_templates(&self, query: &str) -> Value {
        self.get_json(&format!("{}?{query}", paths::TEMPLATES))
            .await
    }

    /// GET /v1/templates/{id}.
    pub async fn get_template(&self, id: &str) -> Value {
        self.get_json(&paths::template(id)).await
    }

    /// PUT /v1/templates/{id} with new content.
    pub fn update_template(&self, id: &str, content: &Value) -> reqwest::RequestBuilder {
        self.put_json(&paths::template(id), &json!({ "content": content }))
    }

    /// POST /v1/templates/validate.
    pub fn validate_template(&self, content: &Value) -> reqwest::RequestBuilder {
        self.post_json(paths::TEMPLATE_VALIDATE, &json!({ "content": content }))
    }

    /// POST /v1/templates/{id}/pending-update/resolution.
    pub fn resolve_template_update(&self, id: &str, resolution: &Value) -> reqwest::RequestBuilder {
        self.post_json(&paths::template_resolution(id), resolution)
    }

    /// PUT /v1/templates/{id}/alipay-template-id.
    pub fn set_alipay_template_id(&self, id: &str, body: &Value) -> reqwest::RequestBuilder {
        self.put_json(&paths::alipay_template_id(id), body)
    }
}

/// Passes.
impl TestApp {
    /// GET /v1/passes?{query}: a page of the list.
    pub async fn list_passes(&self, query: &str) -> Value {
        self.get_json(&format!("{}?{query}", paths::PASSES)).await
    }

    /// GET /v1/passes/{serial}.
    pub async fn get_pass(&self, serial: &str) -> Value {
        self.get_json(&paths::pass(serial)).await
    }

    /// GET /v1/passes/{serial}/events: `events` and `gateway_calls`.
    pub async fn history_of(&self, serial: &str) -> Value {
        self.get_json(&paths::pass_events(serial)).await
    }

    /// GET /v1/passes/{serial}/events?{query}: a page of the history, or another
    /// channel's.
    pub async fn history_page(&self, serial: &str, query: &str) -> Value {
        self.get_json(&format!("{}?{query}", paths::pass_events(serial)))
            .await
    }

    /// The events of pass `serial`, oldest first.
    pub async fn events_of(&self, serial: &str) -> Vec<Value> {
        let history = self.history_of(serial).await;
        history["events"]
            .as_array()
            .unwrap_or_else(|| panic!("no events: {history}"))
            .clone()
    }

    /// The kinds of pass `serial`'s events, oldest first.
    pub async fn event_kinds(&self, serial: &str) -> Vec<String> {
        let events = self.events_of(serial).await;
        events
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect()
    }

    /// POST /v1/passes/{serial}/redeem with `body` (`{}`, or a verify type and code).
    pub fn redeem(&self, serial: &str, body: &Value) -> reqwest::RequestBuilder {
        self.post_json(&paths::redeem(serial), body)
    }

    /// POST /v1/passes/{serial}/close.
    pub fn close(&self, serial: &str) -> reqwest::RequestBuilder {
        self.post_json(&paths::close(serial), &json!({}))
    }

    /// PATCH /v1/passes/{serial} with new parameter values.
    pub fn update_pass(&self, serial: &str, params: &Value) -> reqwest::RequestBuilder {
        self.patch_json(&paths::pass(serial), &json!({ "params": params }))
    }

    /// POST /v1/passes/{serial}/pending-change/resolution.
    pub fn resolve_pass_change(&self, serial: &str, resolution: &Value) -> reqwest::RequestBuilder {
        self.post_json(&paths::pass_resolution(serial), resolution)
    }
}

/// Vouchers.
impl TestApp {
    /// POST /v1/vouchers: send a voucher.
    pub fn send_voucher(&self, body: &Value) -> reqwest::RequestBuilder {
        self.post_json(paths::VOUCHERS, body)
    }

    /// GET /v1/vouchers?{query}: a page of the list.
    pub async fn list_vouchers(&self, query: &str) -> Value {
        self.get_json(&format!("{}?{query}", paths::VOUCHERS)).await
    }

    /// GET /v1/vouchers/{template_id}/{out_biz_no}.
    pub async fn get_voucher(&self, template_id: &str, out_biz_no: &str) -> Value {
        self.get_json(&paths::voucher(template_id, out_biz_no))
            .await
    }
}

/// Campaigns.
impl TestApp {
    /// POST /v1/campaigns.
    pub fn create_campaign(&self, body: &Value) -> reqwest::RequestBuilder {
        self.post_json(paths::CAMPAIGNS, body)
    }

    /// PUT /v1/campaigns/{id}/rows: a file of rows of `content_type`.
    pub fn upload_rows(
        &self,
        id: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::RequestBuilder {
        self.client
            .put(self.url(&paths::campaign_rows(id)))
            .bearer_auth(DEV_KEY)
            .header("content-type", content_type)
            .body(body)
    }

    /// GET /v1/campaigns/{id}.
    pub async fn get_campaign(&self, id: &str) -> Value {
        self.get_json(&paths::campaign(id)).await
    }

    /// GET /v1/campaigns/{id}/results, in the default format (CSV).
    pub fn campaign_results(&self, id: &str) -> reqwest::RequestBuilder {
        self.get(&paths::campaign_results(id))
    }

    /// GET /v1/campaigns/{id}/results?format=jsonl: one JSON value per row.
    pub async fn campaign_results_jsonl(&self, id: &str) -> Vec<Value> {
        let path = format!("{}?format=jsonl", paths::campaign_results(id));
        let text = self.get(&path).text_body().await;
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// POST /v1/campaigns/{id}/{action}: `pause`, `resume` or `cancel`.
    pub fn campaign_action(&self, id: &str, action: &str) -> reqwest::RequestBuilder {
        self.post_json(&paths::campaign_action(id, action), &json!({}))
    }

    /// POST /v1/campaigns/{id}/retry-refused: the refused rows again, as campaign `key`.
    pub fn retry_refused(&self, id: &str, key: &str) -> reqwest::RequestBuilder {
        let path = paths::campaign_action(id, "retry-refused");
        self.post_json(&path, &json!({ "campaign_key": key }))
    }
}

/// Webhook endpoints.
impl TestApp {
    /// POST /v1/webhook-endpoints for `url` and these event types.
    pub fn register_webhook(&self, url: &str, event_types: &[&str]) -> reqwest::RequestBuilder {
        let body = json!({"url": url, "event_types": event_types});
        self.post_json(paths::WEBHOOK_ENDPOINTS, &body)
    }

    /// GET /v1/webhook-endpoints/{id}.
    pub async fn get_webhook_endpoint(&self, id: &str) -> Value {
        self.get_json(&paths::webhook_endpoint(id)).await
    }

    /// GET /v1/webhook-endpoints/{id}/attempts.
    pub async fn webhook_attempts(&self, id: &str) -> Value {
        self.get_json(&paths::webhook_attempts(id)).await
    }

    /// POST /v1/webhook-endpoints/{id}/test.
    pub fn send_test_event(&self, id: &str) -> reqwest::RequestBuilder {
        self.post_json(&paths::webhook_test(id), &json!({}))
    }

    /// POST /v1/webhook-endpoints/{id}/deliveries/{event_id}/redeliver.
    pub fn redeliver(&self, id: &str, event_id: &str) -> reqwest::RequestBuilder {
        self.post_json(&paths::redeliver(id, event_id), &json!({}))
    }
}
