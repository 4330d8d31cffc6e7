//! `/problems` and `/problems/{code}`: the pages problem `type` URIs point at, one per code
//! of [`crate::error::codes`], open to everyone like `/docs`.

use std::fmt::Write;

use actix_web::{get, web, HttpResponse};

use crate::error::codes::{lookup, ProblemCode, PROBLEM_CODES};
use crate::error::{ApiError, PROBLEM_TYPE_BASE};

const HTML: &str = "text/html; charset=utf-8";

/// Text safe to put in HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok().content_type(HTML).body(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body>\n{body}\n<p><a href=\"/problems\">All problems</a> · <a href=\"/docs/\">API documentation</a></p>\n</body></html>\n",
        title = escape(title),
    ))
}

fn problem_page(problem: &ProblemCode) -> HttpResponse {
    let body = format!(
        "<h1>{code}</h1>\n<dl>\n<dt>Title</dt><dd>{title}</dd>\n<dt>Status</dt><dd>{status}</dd>\n\
         <dt>Type</dt><dd><code>{base}{slug}</code></dd>\n<dt>Meaning</dt><dd>{meaning}</dd>\n\
         <dt>What to do</dt><dd>{action}</dd>\n</dl>",
        code = escape(problem.code),
        title = escape(problem.title()),
        status = problem.status,
        base = PROBLEM_TYPE_BASE,
        slug = problem.slug(),
        meaning = escape(problem.meaning),
        action = escape(problem.action),
    );
    page(&format!("{} — alipass problem", problem.code), &body)
}

/// Every problem code the service answers, with its status and meaning.
#[utoipa::path(get, path = "/problems", tag = "operations",
    responses((status = 200, description = "An HTML table of every problem code", content_type = "text/html", body = String,
        example = json!("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>alipass problems</title></head>\n<body>\n<h1>alipass problems</h1>\n<table>\n<tr><th>code</th><th>status</th><th>meaning</th></tr>\n<tr><td><a href=\"/problems/unauthorized\">unauthorized</a></td><td>401</td><td>No API key, or one this service does not know.</td></tr>\n</table>\n</body></html>\n"))))]
#[get("/problems")]
pub async fn list() -> HttpResponse {
    let mut rows = String::new();
    for problem in PROBLEM_CODES {
        let _ = writeln!(
            rows,
            "<tr><td><a href=\"{base}{slug}\">{code}</a></td><td>{status}</td><td>{meaning}</td></tr>",
            base = PROBLEM_TYPE_BASE,
            slug = problem.slug(),
            code = escape(problem.code),
            status = problem.status,
            meaning = escape(problem.meaning),
        );
    }
    let body = format!(
        "<h1>alipass problems</h1>\n<p>Every error is an RFC 9457 problem \
         (application/problem+json) whose <code>code</code> is one of these and whose \
         <code>type</code> links here.</p>\n<table>\n<tr><th>code</th><th>status</th><th>meaning</th></tr>\n{rows}</table>"
    );
    page("alipass problems", &body)
}

/// One problem code's page: title, status, meaning and what to do. `code` is the code or
/// the last segment of the problem's `type` URI (the code with hyphens).
#[utoipa::path(get, path = "/problems/{code}", tag = "operations",
    params(("code" = String, Path, description = "A problem code, or its `type` URI's last segment")),
    responses(
        (status = 200, description = "The problem's page", content_type = "text/html", body = String,
            example = json!("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>unauthorized — alipass problem</title></head>\n<body>\n<h1>unauthorized</h1>\n<dl>\n<dt>Title</dt><dd>Unauthorized</dd>\n<dt>Status</dt><dd>401</dd>\n</dl>\n</body></html>\n")),
        (status = 404, description = "No such problem code (`not_found`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[get("/problems/{code}")]
pub async fn show(code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    lookup(&code)
        .map(problem_page)
        .ok_or_else(|| ApiError::not_found(format!("no problem code {:?}", code.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<API key> & \"x\""),
            "&lt;API key&gt; &amp; &quot;x&quot;"
        );
    }
}
