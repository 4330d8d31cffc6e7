//! `alipass campaign list` and `results`: the API's pages, followed to the end.

use std::io::Write;

use alipass_client::types::PageCampaignViewItemsItem as CampaignInPage;
use futures_util::TryStreamExt;
use uuid::Uuid;

use super::client::{answer, Failure, Target};
use crate::domain::status::RowState;
use crate::service::campaigns::results::{csv_record, CSV_HEADER};
use crate::store::campaigns::RowResult;

/// Every campaign of the app, a line each (its view as JSON with `json`).
pub async fn list(target: &Target, page_size: u16, json: bool) -> anyhow::Result<()> {
    let client = target.client()?;
    let mut after: Option<Uuid> = None;
    if !json {
        println!("id\tkey\tkind\tstatus\tsent/total\trefused\tinvalid");
    }
    loop {
        let mut request = client.campaigns_list().limit(page_size);
        if let Some(cursor) = after {
            request = request.after(cursor);
        }
        let page = answer(request.send().await)?;
        for view in &page.items {
            match json {
                true => println!("{}", serde_json::to_string(view)?),
                false => println!("{}", summary(view)),
            }
        }
        match page.next_cursor {
            Some(cursor) => after = Some(cursor),
            None => return Ok(()),
        }
    }
}

fn summary(view: &CampaignInPage) -> String {
    let rows = &view.rows;
    format!(
        "{}\t{}\t{}\t{}\t{}/{}\t{}\t{}",
        view.id,
        view.campaign_key,
        view.kind,
        view.status,
        rows.sent,
        rows.total,
        rows.refused,
        rows.invalid,
    )
}

/// Which results to read, and how many a request.
pub struct ResultPages {
    pub id: Uuid,
    pub state: Option<RowState>,
    pub page_size: u16,
}

/// Every row's result, a page at a time: CSV as the API writes it, or JSON lines.
pub async fn results(target: &Target, pages: ResultPages, json: bool) -> anyhow::Result<()> {
    let ResultPages {
        id,
        state,
        page_size,
    } = pages;
    let client = target.client()?;
    let mut out = std::io::stdout().lock();
    if !json {
        out.write_all(CSV_HEADER.as_bytes())?;
    }
    let mut after_line = 0;
    loop {
        let mut request = client
            .campaigns_results()
            .id(id)
            .format("jsonl")
            .limit(page_size)
            .after_line(after_line);
        if let Some(state) = state {
            request = request.state(state.as_str());
        }
        let page = answer(request.send().await)?;
        let page: Vec<u8> = page
            .into_inner()
            .map_ok(|chunk| chunk.to_vec())
            .try_concat()
            .await
            .map_err(|e| Failure::Unavailable.because(format!("reading the results: {e}")))?;
        let mut rows = 0;
        for line in String::from_utf8(page)?.lines() {
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
