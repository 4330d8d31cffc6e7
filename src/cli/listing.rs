//! `alipass campaign list` and `results`: the API's pages, followed to the end.

use std::io::Write;

use serde_json::Value;

use super::client::{answer, send, Failure, Target};
use crate::domain::status::RowState;
use crate::service::campaigns::results::{csv_record, CSV_HEADER};
use crate::store::campaigns::RowResult;

/// Every campaign of the app, a line each (its view as JSON with `json`).
pub async fn list(target: &Target, page_size: u16, json: bool) -> anyhow::Result<()> {
    let mut after: Option<String> = None;
    if !json {
        println!("id\tkey\tkind\tstatus\tsent/total\trefused\tinvalid");
    }
    loop {
        let mut path = format!("/v1/campaigns?limit={page_size}");
        if let Some(cursor) = &after {
            path.push_str(&format!("&after={cursor}"));
        }
        let page = answer(target.request(reqwest::Method::GET, &path)).await?;
        for view in page["items"].as_array().into_iter().flatten() {
            match json {
                true => println!("{view}"),
                false => println!("{}", summary(view)),
            }
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => return Ok(()),
        }
    }
}

fn summary(view: &Value) -> String {
    let text = |name: &str| view[name].as_str().unwrap_or_default().to_owned();
    let rows = |state: &str| view["rows"][state].as_i64().unwrap_or(0);
    format!(
        "{}\t{}\t{}\t{}\t{}/{}\t{}\t{}",
        text("id"),
        text("campaign_key"),
        text("kind"),
        text("status"),
        rows("sent"),
        rows("total"),
        rows("refused"),
        rows("invalid"),
    )
}

/// Which results to read, and how many a request.
pub struct ResultPages<'a> {
    pub id: &'a str,
    pub state: Option<RowState>,
    pub page_size: u16,
}

/// Every row's result, a page at a time: CSV as the API writes it, or JSON lines.
pub async fn results(target: &Target, pages: ResultPages<'_>, json: bool) -> anyhow::Result<()> {
    let ResultPages {
        id,
        state,
        page_size,
    } = pages;
    let mut out = std::io::stdout().lock();
    if !json {
        out.write_all(CSV_HEADER.as_bytes())?;
    }
    let mut after_line = 0;
    loop {
        let mut path = format!(
            "/v1/campaigns/{id}/results?format=jsonl&limit={page_size}&after_line={after_line}"
        );
        if let Some(state) = state {
            path.push_str(&format!("&state={state}"));
        }
        let page = send(target.request(reqwest::Method::GET, &path))
            .await?
            .text()
            .await
            .map_err(|e| Failure::Unavailable.because(format!("reading the results: {e}")))?;
        let mut rows = 0;
        for line in page.lines() {
            let row: RowResult = serde_json::from_str(line)?;
            after_line = row.line;
            rows += 1;
            match json {
                true => writeln!(out, "{line}")?,
                false => out.write_all(csv_record(&row).as_bytes())?,
            }
        }
        if rows < usize::from(page_size) {
            return Ok(out.flush()?);
        }
    }
}
