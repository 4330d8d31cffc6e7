//! /v1/campaigns: bulk voucher sends and pass issues from an uploaded file.

use std::sync::Arc;

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::apps::App;
use crate::auth::{Authorized, Caller, Read, Scope};
use crate::domain::status::{CampaignKind, RowState};
use crate::error::{ApiError, Problem};
use crate::routes::PageQuery;
use crate::service::campaigns::charset::CharsetRule;
use crate::service::campaigns::results as result_csv;
use crate::service::campaigns::rows::RowFormat;
use crate::service::campaigns::CampaignService;
use crate::service::campaigns::{CampaignView, Control, CreateCampaign, UploadReport};
use crate::service::views::Page;

/// Sending a campaign's rows takes the write scope of what they do.
fn require_kind_scope(caller: &Caller, kind: CampaignKind) -> Result<(), ApiError> {
    caller.require(match kind {
        CampaignKind::VoucherSend => Scope::VouchersWrite,
        CampaignKind::PassIssue => Scope::PassesWrite,
    })
}

/// Create a campaign (UPLOADING): then upload its rows. The same `campaign_key` answers
/// the same campaign (200).
#[utoipa::path(post, path = "/v1/campaigns", tag = "campaigns", request_body = CreateCampaign,
    responses(
        (status = 201, description = "Created: upload its rows next", body = CampaignView),
        (status = 200, description = "This campaign_key's campaign, created before", body = CampaignView),
        (status = 409, description = "campaign_key used before for a different campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid campaign", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/campaigns")]
pub async fn create(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    body: web::Json<CreateCampaign>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    require_kind_scope(&caller.caller, input.kind)?;
    let (view, created) = service
        .create_campaign(&caller.app, &caller.caller.name, input)
        .await?;
    Ok(match created {
        true => HttpResponse::Created().json(view),
        false => HttpResponse::Ok().json(view),
    })
}

/// The app's campaigns, oldest first, keyset-paginated, each with its progress.
#[utoipa::path(get, path = "/v1/campaigns", tag = "campaigns", params(PageQuery),
    responses((status = 200, description = "A page of campaigns", body = Page<CampaignView>)))]
#[get("/v1/campaigns")]
pub async fn list(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service
        .list_campaigns(&caller.app, query.after, query.limit)
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A campaign's progress: rows by state, refusals by code, rate and ETA.
#[utoipa::path(get, path = "/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The campaign", body = CampaignView)))]
#[get("/v1/campaigns/{id}")]
pub async fn get(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service.get_campaign(&caller.app, *id).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Upload the rows: CSV with a header row (`Content-Type: text/csv`; columns are request
/// fields, dotted for nested ones such as `params.name`, and bare recipient fields such as
/// `login_id` or `partner_id`) or JSON lines (`application/x-ndjson`, one request object
/// per line). Read as it streams in; an unreadable row (or one longer than
/// `campaigns.max_row_bytes`) is reported with its line number and the rest go on. Each
/// row's key is its own `out_biz_no` / `serial_number`, else one derived from the campaign
/// and the line, so sending the file again (after an upload that stopped) adds nothing.
/// The campaign starts when the file is read; a started campaign takes no more rows.
///
/// Charset: the one declared (`text/csv; charset=GBK`, `gb18030` or `utf-8`; GBK and
/// GB2312 are read as GB18030, their superset); when none is declared, UTF-8 unless a row
/// is not UTF-8 (as Excel saves CSV on a Chinese system), then GB18030 for the whole file.
/// A UTF-8 byte order mark is dropped. Any other declared charset is 415
/// (`unsupported_charset`).
#[utoipa::path(put, path = "/v1/campaigns/{id}/rows", tag = "campaigns",
    params(("id" = Uuid, Path)),
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row, or JSON lines (application/x-ndjson)",
        example = json!("user_id,out_biz_no\n2088302001456115,spring-1\n2088302001456116,spring-2\n")),
    responses(
        (status = 200, description = "Read; the campaign runs", body = UploadReport),
        (status = 408, description = "The file did not arrive within `campaigns.upload_timeout_secs` (`upload_too_slow`); the rows read are kept", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The campaign has started (`campaign_started`: RUNNING or PAUSED, its rows are fixed) or is cancelled or finished (`campaign_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file (or its Content-Length, before a byte is read) passes `campaigns.max_upload_bytes` (`upload_too_large`) or `campaigns.max_rows` (`too_many_rows`), or a row passes `campaigns.max_row_bytes` inside a quoted cell (`row_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither CSV nor JSON lines (`unsupported_media_type`), or a declared charset other than UTF-8, GBK or GB18030 (`unsupported_charset`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/v1/campaigns/{id}/rows")]
pub async fn upload(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: web::Path<Uuid>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let format = RowFormat::from_content_type(content_type).ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the rows must be text/csv or application/x-ndjson",
        )
    })?;
    let charset = CharsetRule::from_content_type(content_type).map_err(|unknown| {
        ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_charset",
            format!(
                "charset `{}` is not read: declare utf-8, GBK or GB18030, or none to have it detected",
                unknown.0
            ),
        )
    })?;
    let campaign = service.get_campaign(&caller.app, *id).await?;
    require_kind_scope(&caller.caller, campaign.kind)?;
    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let report = service
        .upload_campaign_rows(&caller.app, *id, format, charset, declared, body)
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

async fn control(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: Uuid,
    action: Control,
) -> Result<HttpResponse, ApiError> {
    let campaign = service.get_campaign(&caller.app, id).await?;
    require_kind_scope(&caller.caller, campaign.kind)?;
    let view = service.control_campaign(&caller.app, id, action).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Pause a running campaign: rows in flight finish, no new row is sent.
#[utoipa::path(post, path = "/v1/campaigns/{id}/pause", tag = "campaigns",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Paused", body = CampaignView),
        (status = 409, description = "Not running", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/campaigns/{id}/pause")]
pub async fn pause(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    control(caller, service, *id, Control::Pause).await
}

/// Resume a paused campaign.
#[utoipa::path(post, path = "/v1/campaigns/{id}/resume", tag = "campaigns",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Running", body = CampaignView),
        (status = 409, description = "Not paused", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/campaigns/{id}/resume")]
pub async fn resume(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    control(caller, service, *id, Control::Resume).await
}

/// Cancel a campaign: rows not yet sent are CANCELLED; rows whose outcome is unknown are
/// still settled.
#[utoipa::path(post, path = "/v1/campaigns/{id}/cancel", tag = "campaigns",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Cancelled", body = CampaignView),
        (status = 409, description = "Already finished or cancelled", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/campaigns/{id}/cancel")]
pub async fn cancel(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    control(caller, service, *id, Control::Cancel).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RetryRefused {
    /// The new campaign's key.
    pub campaign_key: String,
}

/// A new campaign of this one's REFUSED rows, started at once. Rows whose key was derived
/// are sent afresh under new keys; rows with their own key keep it (and Alipay's answer
/// for it).
#[utoipa::path(post, path = "/v1/campaigns/{id}/retry-refused", tag = "campaigns",
    params(("id" = Uuid, Path)), request_body = RetryRefused,
    responses(
        (status = 200, description = "The new campaign", body = CampaignView),
        (status = 409, description = "campaign_key used before for a different campaign", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/campaigns/{id}/retry-refused")]
pub async fn retry_refused(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: web::Path<Uuid>,
    body: web::Json<RetryRefused>,
) -> Result<HttpResponse, ApiError> {
    let campaign = service.get_campaign(&caller.app, *id).await?;
    require_kind_scope(&caller.caller, campaign.kind)?;
    let key = body.into_inner().campaign_key;
    let view = service
        .retry_refused_rows(&caller.app, &caller.caller.name, *id, key)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResultsQuery {
    /// `csv` (default) or `jsonl`.
    pub format: Option<String>,
    /// Only rows in this state.
    pub state: Option<RowState>,
    /// Only rows after this line (the last line of the previous page).
    pub after_line: Option<i32>,
    /// At most this many rows (1–10,000): one page. Without it, every row.
    pub limit: Option<i64>,
}

/// The largest page of results a caller may ask for.
const MAX_RESULTS_PAGE: i64 = 10_000;

/// Every row's result in line order (line, state, key, code, detail, Alipay's id,
/// attempts), streamed as CSV or JSON lines. A CSV cell starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return is prefixed with `'`, so a spreadsheet does not run it.
/// `after_line` and `limit` read it a page at a time: the next page starts after the last
/// line of this one; a page shorter than `limit` is the last.
#[utoipa::path(get, path = "/v1/campaigns/{id}/results", tag = "campaigns",
    params(("id" = Uuid, Path), ResultsQuery),
    responses((status = 200, description = "The rows' results", body = String, content_type = "text/csv",
        example = json!("line,state,key,code,detail,alipay_id,attempts\n2,SENT,spring-1,,,2026120800073002000000000003,1\n3,REFUSED,spring-2,USER_NOT_EXIST,Alipay refused the call: 用户不存在,,1\n"))))]
#[get("/v1/campaigns/{id}/results")]
pub async fn results(
    caller: Authorized<Read>,
    service: web::Data<CampaignService>,
    id: web::Path<Uuid>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let csv = match query.format.as_deref() {
        None | Some("csv") => true,
        Some("jsonl") => false,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("format `{other}`: csv or jsonl"),
            ))
        }
    };
    let limit = query.limit.map(|limit| limit.clamp(0, MAX_RESULTS_PAGE));
    if query.limit != limit || limit == Some(0) || query.after_line.is_some_and(|l| l < 0) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit: 1 to {MAX_RESULTS_PAGE}; after_line: 0 or more"),
        ));
    }
    // Not found before the first byte is sent.
    service.get_campaign(&caller.app, *id).await?;
    let pages = ResultPages {
        service: service.into_inner(),
        app: caller.app.app.clone(),
        id: *id,
        state: query.state,
        after: query.after_line.unwrap_or(0),
        remaining: limit,
        csv,
        header: csv,
    };
    let stream = futures_util::stream::unfold(Some(pages), |pages| async move {
        let mut pages = pages?;
        match pages.next().await {
            Some(Ok(bytes)) => Some((Ok(bytes), Some(pages))),
            Some(Err(error)) => Some((Err(error), None)),
            None => None,
        }
    });
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/x-ndjson"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .streaming(stream))
}

/// Results read a page at a time, so a long campaign streams without holding a connection.
struct ResultPages {
    service: Arc<CampaignService>,
    app: Arc<App>,
    id: Uuid,
    state: Option<RowState>,
    after: i32,
    /// Rows still to send when the caller asked for one page.
    remaining: Option<i64>,
    csv: bool,
    header: bool,
}

/// Rows read from the database at a time.
const RESULTS_BATCH: i64 = 1_000;

impl ResultPages {
    async fn next(&mut self) -> Option<Result<Bytes, actix_web::Error>> {
        let mut out = String::new();
        if std::mem::take(&mut self.header) {
            out.push_str(result_csv::CSV_HEADER);
        }
        let batch = self.remaining.unwrap_or(RESULTS_BATCH).min(RESULTS_BATCH);
        let rows = match batch {
            0 => Vec::new(),
            _ => {
                let page = self.service.campaign_results(
                    &self.app,
                    self.id,
                    (self.state, self.after),
                    batch,
                );
                match page.await {
                    Ok(rows) => rows,
                    Err(error) => return Some(Err(ApiError::from(error).into())),
                }
            }
        };
        if let Some(remaining) = &mut self.remaining {
            *remaining -= rows.len() as i64;
        }
        if rows.is_empty() && out.is_empty() {
            return None;
        }
        for row in &rows {
            self.after = row.line;
            if self.csv {
                out.push_str(&result_csv::csv_record(row));
            } else {
                out.push_str(&serde_json::to_string(row).unwrap_or_default());
                out.push('\n');
            }
        }
        Some(Ok(Bytes::from(out)))
    }
}
