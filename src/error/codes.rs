//! Every problem `code` the service answers, with its status, meaning and what the caller
//! should do: the source of the `/problems/{code}` pages, of the `code` enum in the OpenAPI
//! document, and of the test that no code is emitted without a page.

use actix_web::http::StatusCode;

/// One problem code as callers read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemCode {
    pub code: &'static str,
    /// The status it is answered with.
    pub status: u16,
    /// What happened.
    pub meaning: &'static str,
    /// What the caller should do about it.
    pub action: &'static str,
}

impl ProblemCode {
    /// The last segment of the problem's `type` URI: the code with hyphens.
    pub fn slug(&self) -> String {
        self.code.replace('_', "-")
    }

    /// The status's reason phrase, the problem's `title`.
    pub fn title(&self) -> &'static str {
        StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error")
    }
}

const fn problem(
    code: &'static str,
    status: u16,
    meaning: &'static str,
    action: &'static str,
) -> ProblemCode {
    ProblemCode {
        code,
        status,
        meaning,
        action,
    }
}

const RETRY_SAME: &str = "Retry the same request (with the same key) after Retry-After seconds.";
const FIX_CONFIG: &str = "Fix the app's Alipay configuration (keys, app id, permissions, encryption) and retry; the caller's key stays usable. Quote request_id and gateway_sub_code to the operator.";
const CHANGE_REQUEST: &str = "Change the request as gateway_sub_msg says, under a new key; resending it unchanged is refused again.";

/// Every code, grouped by where it comes from. Keep in sync with the code base: the test
/// below scans the sources for codes this list lacks.
pub const PROBLEM_CODES: &[ProblemCode] = &[
    // Authentication and the request as read.
    problem("unauthorized", 401, "No API key, or one this service does not know.", "Send `Authorization: Bearer <API key>` with a configured key."),
    problem("forbidden", 403, "The API key lacks the scope, or may not act for the chosen app.", "Use a key with the scope the operation names, or another Alipay-App."),
    problem("not_found", 404, "No such resource in this app (or no such route).", "Check the id and the Alipay-App header: records are per app."),
    problem("unknown_app", 400, "Alipay-App names no configured app.", "Use a name from alipay.name or alipay.apps[].name, or leave the header out for the default app."),
    problem("invalid_merchant_id", 400, "Alipay-Merchant-Id is not 1-32 letters and digits.", "Send the merchant's pid (2088…) or appid."),
    problem("merchant_id_required", 400, "Alipay-App-Auth-Token came without Alipay-Merchant-Id.", "Name the merchant whose token it is with Alipay-Merchant-Id."),
    problem("app_auth_token_required", 400, "Alipay-Merchant-Id came without Alipay-App-Auth-Token.", "Send the merchant's app_auth_token with it, or neither header."),
    problem("invalid_idempotency_key", 400, "Idempotency-Key is not 1-255 visible ASCII characters.", "Send a key of visible ASCII characters, e.g. a UUID."),
    problem("invalid_path", 400, "A path parameter cannot be read (e.g. not a UUID).", "Fix the path; the message names the parameter."),
    problem("invalid_query", 400, "A query parameter cannot be read.", "Fix the query; the message names the parameter."),
    problem("invalid_cursor", 400, "`after` is not a next_cursor value of this list.", "Pass the next_cursor of the previous page unchanged."),
    problem("malformed_json", 400, "The body is not valid JSON.", "Send well-formed JSON."),
    problem("malformed_body", 400, "The body cannot be read.", "Send the body again, complete."),
    problem("unstorable_text", 400, "The request contains a character that cannot be stored (NUL).", "Remove NUL characters from the text."),
    problem("payload_too_large", 413, "The body is over server.body_limit_bytes.", "Send a smaller body."),
    problem("unsupported_media_type", 415, "The body's Content-Type is not one the operation takes.", "Send application/json (campaign rows: text/csv or application/x-ndjson)."),
    problem("invalid_body", 422, "The JSON body does not match the operation's schema.", "Fix the body as the message says; the schema is in /openapi.json."),
    problem("validation_failed", 422, "The body breaks a rule; `errors` lists every offending path.", "Fix each path in `errors` and send again."),
    problem("preview_too_large", 422, "The substituted preview would pass limits.preview_max_bytes.", "Preview with shorter values."),
    // Idempotency and concurrency.
    problem("idempotency_key_reused", 409, "The key (unique_id, serial_number, out_biz_no or Idempotency-Key) was used before with a different request.", "Use a new key for a new request; resend the first request unchanged to read its answer."),
    problem("request_in_progress", 409, "A request with this key or on this record is still being handled.", RETRY_SAME),
    problem("change_pending", 409, "An earlier change of this record was sent and its outcome is unknown; it cannot be resent until no earlier attempt can still land.", RETRY_SAME),
    problem("template_changed", 409, "The template changed while the request was checked.", "Send the request again."),
    problem("needs_confirmation", 409, "A change was sent, its outcome is unknown and no answer since proved it: an operator must confirm whether it applied.", "An operator resolves it with POST …/pending-change/resolution or …/pending-update/resolution."),
    problem("not_awaiting_confirmation", 409, "No change of this record waits for an operator's confirmation.", "Nothing to resolve: read the record."),
    problem("merchant_mismatch", 409, "The record was made for another merchant (or for the app itself).", "Change it with that merchant's token, or with none."),
    // Templates and passes.
    problem("template_not_created", 409, "The template is not CREATED at Alipay.", "Wait until it is CREATED (or create it again) before updating it or issuing passes."),
    problem("template_needs_alipay_id", 409, "Alipay holds the template but did not name its id.", "Set it from the Alipay console with PUT /v1/templates/{id}/alipay-template-id."),
    problem("template_has_alipay_id", 409, "Only a NEEDS_ALIPAY_ID template takes an Alipay template id.", "Nothing to set: the template has its id."),
    problem("alipay_template_id_taken", 409, "Another template already has this Alipay template id.", "Check the id copied from the Alipay console."),
    problem("template_invalid", 409, "The stored template breaks rules under the current limits.", "Update the template so it passes /v1/templates/validate."),
    problem("ambiguous_serial_number", 409, "Several channels use this serial number.", "Pass ?channel_id= to name the pass."),
    problem("pass_final", 409, "The pass is USED or CLOSED: it takes no more changes.", "Issue a new pass if needed."),
    problem("pass_not_issued", 409, "The pass is not issued at Alipay yet.", "Wait until it is ISSUED; read it to see its state."),
    // Webhooks.
    problem("endpoint_disabled", 409, "The webhook endpoint is disabled.", "POST /v1/webhook-endpoints/{id}/enable first."),
    problem("test_send_rate_limited", 429, "Five test sends a minute per endpoint.", "Wait Retry-After seconds."),
    // Campaigns.
    problem("campaign_app_auth_token", 400, "Campaigns act with the app's own authority.", "Send no Alipay-App-Auth-Token."),
    problem("campaign_state", 409, "The campaign's state does not allow this move (e.g. resume a finished one).", "Read the campaign's status first."),
    problem("campaign_started", 409, "The campaign runs or is paused: its rows are fixed.", "Create another campaign for more rows."),
    problem("campaign_closed", 409, "The campaign is cancelled or finished.", "Create another campaign."),
    problem("upload_too_large", 413, "The file passes campaigns.max_upload_bytes.", "Split the file over several campaigns."),
    problem("row_too_large", 413, "A row passes campaigns.max_row_bytes (often an unclosed quote).", "Fix the row's quoting or shorten it."),
    problem("too_many_rows", 413, "The campaign would hold more than campaigns.max_rows rows.", "Split the file over several campaigns."),
    problem("upload_too_slow", 408, "The file arrived slower than the upload deadline allows.", "Upload again over a faster link, or in smaller files."),
    // The console's forms.
    problem("form_too_large", 413, "A console form passes console.form_limit_bytes.", "Send a smaller form (the default fits the largest template the API accepts)."),
    problem("malformed_form", 400, "A console form cannot be read.", "Submit the form from the console page."),
    problem("upload_interrupted", 400, "Reading the file failed midway.", "Upload the file again."),
    problem("unsupported_charset", 415, "The file declares a charset the reader does not know (utf-8, GBK, GB2312 and GB18030 are read).", "Save the file as UTF-8 or GBK, or declare one of those."),
    // Dependencies and limits.
    problem("rate_limited", 429, "The app's outbound rate limit (alipay.rate_limit_qps) is reached; nothing was sent.", RETRY_SAME),
    problem("database_busy", 503, "The database did not finish in time (a row held elsewhere, or a slow server).", RETRY_SAME),
    problem("database_unavailable", 503, "The database is unavailable.", RETRY_SAME),
    problem("deadline_exceeded", 503, "The request did not finish within server.request_deadline_ms.", RETRY_SAME),
    problem("gateway_outcome_unknown", 503, "Alipay gave no usable answer: the request is recorded and will be settled.", RETRY_SAME),
    problem("gateway_unavailable", 503, "Alipay's side failed or is busy (20000, SYSTEM_ERROR).", RETRY_SAME),
    problem("internal", 500, "A fault of the service.", "Quote request_id to the operator; the log has the cause."),
    // Alipay's refusals (crates/alipay-protocol codes.rs).
    problem("template_rejected", 422, "Alipay refused the template content.", CHANGE_REQUEST),
    problem("forbidden_word", 422, "Alipay found a forbidden word in the content.", CHANGE_REQUEST),
    problem("template_exists", 409, "A template with this unique_id exists at Alipay.", "Use another unique_id, or read the existing template."),
    problem("template_not_found", 404, "Alipay does not know the template.", "Check the template; create it again if Alipay lost it."),
    problem("pass_rejected", 422, "Alipay refused the pass's parameters.", CHANGE_REQUEST),
    problem("app_not_supported", 422, "Alipay does not support passes for this app id.", "Enable passes for the app at Alipay."),
    problem("user_not_supported", 422, "Alipay does not support passes for this user.", "Issue the pass to another user."),
    problem("not_gbk", 422, "A value has a character outside GBK.", "Use characters GBK can encode."),
    problem("pass_exists", 409, "A pass with this serial number exists at Alipay.", "Use another serial_number, or read the existing pass."),
    problem("pass_not_found", 404, "Alipay does not know the pass.", "Check the serial number."),
    problem("pass_update_failed", 502, "Alipay failed to update the pass and advises retrying.", RETRY_SAME),
    problem("voucher_template_not_found", 404, "Alipay does not know the voucher template.", "Check template_id in the Alipay marketing console."),
    problem("voucher_template_expired", 422, "The voucher template expired.", "Send from a current voucher template."),
    problem("user_not_found", 422, "Alipay does not know the user.", "Check user_id."),
    problem("user_unavailable", 422, "The user's account cannot receive vouchers.", "Send to another user."),
    problem("voucher_rejected", 422, "Alipay refused the voucher's parameters.", CHANGE_REQUEST),
    problem("gateway_auth_token_invalid", 502, "Alipay refused the app_auth_token (invalid or expired).", "Renew the merchant's token and send it with the request."),
    problem("gateway_permission_denied", 502, "The app lacks the permission for the method at Alipay.", FIX_CONFIG),
    problem("gateway_signature_rejected", 502, "Alipay refused our signature.", FIX_CONFIG),
    problem("gateway_app_id_rejected", 502, "Alipay refused the app id.", FIX_CONFIG),
    problem("gateway_timestamp_rejected", 502, "Alipay refused the timestamp (clock skew).", "Fix the host's clock, then retry."),
    problem("gateway_encryption_rejected", 502, "Alipay and the app's AES setting (alipay.encrypt_key) disagree.", FIX_CONFIG),
    problem("gateway_rejected_request", 502, "Alipay refused the request before processing it (a missing or invalid public parameter).", FIX_CONFIG),
    problem("gateway_business_error", 502, "Alipay answered a business code this service does not know; the raw codes travel with the problem.", "Read gateway_sub_code and gateway_sub_msg; report unknown codes to the operator."),
    problem("gateway_error", 503, "Alipay answered a code its pages do not list (or none): the outcome is unknown until an answer proves it.", RETRY_SAME),
];

/// The code whose `code` or slug (the `type` URI's last segment) is `name`.
pub fn lookup(name: &str) -> Option<&'static ProblemCode> {
    PROBLEM_CODES
        .iter()
        .find(|p| p.code == name || p.slug() == name)
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
