//! Campaign files as the tools merchants use write them: GBK from Excel on a Chinese system
//! (CRLF, no charset declared, or `charset=GBK`), UTF-8 with a byte order mark; a charset
//! the reader does not know is refused. Each row is stored with the text it had.

use std::time::Duration;

use crate::campaigns::{campaign_app_with, create, until_status, VOUCHER_TEMPLATE};
use crate::fetch::Fetch;
use crate::helpers::*;

/// The memos of the file, each a cell Excel writes as GBK; one with a comma, so quoted.
const MEMOS: [&str; 3] = ["王小明 春节快乐", "李雷, 韩梅梅", "张伟"];

/// The file as Excel saves "CSV (逗号分隔)" on a Chinese system: CRLF line ends, GBK.
fn excel_csv() -> String {
    let mut csv = String::from("user_id,memo\r\n");
    for (n, memo) in MEMOS.iter().enumerate() {
        let cell = match memo.contains(',') {
            true => format!("\"{memo}\""),
            false => memo.to_string(),
        };
        // Not ending in 0000: the simulator's frozen accounts.
        csv.push_str(&format!("208810000000{n:02}34,{cell}\r\n"));
    }
    csv
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "{text} is all GBK");
    bytes.into_owned()
}

fn put_rows(app: &TestApp, id: &str, content_type: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
    app.upload_rows(id, content_type, body)
}

/// Uploads `body` to a new campaign; answers the memos its rows were stored with, in line
/// order, once every row is sent.
async fn stored_memos(content_type: &str, body: Vec<u8>) -> Vec<String> {
    // Rows stored in clear, so the test reads the text the reader made of them.
    let app = campaign_app_with(|s| s.pii.key = None).await;
    let campaign = create(&app, "gbk", VOUCHER_TEMPLATE, 500.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    let report = put_rows(&app, &id, content_type, body).value().await;
    assert_eq!(report["rows_read"], 3, "{report}");
    assert_eq!(report["unreadable"], 0, "{report}");
    let view = until_status(&app, &id, "FINISHED", Duration::from_secs(20)).await;
    assert_eq!(view["rows"]["sent"], 3, "{view}");
    let payloads = app.stored_campaign_rows(&id).await;
    app.shutdown().await;
    payloads
        .iter()
        .map(|payload| payload["memo"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn an_excel_gbk_file_without_a_charset_is_read_as_gbk() {
    let memos = stored_memos("text/csv", gbk(&excel_csv())).await;
    assert_eq!(memos, MEMOS);
}

#[tokio::test]
async fn an_excel_gbk_file_declared_gbk_is_read_as_gbk() {
    let memos = stored_memos("text/csv; charset=GBK", gbk(&excel_csv())).await;
    assert_eq!(memos, MEMOS);
}

#[tokio::test]
async fn a_utf8_file_with_a_byte_order_mark_is_read_without_it() {
    let body = [b"\xEF\xBB\xBF".as_slice(), excel_csv().as_bytes()].concat();
    let memos = stored_memos("text/csv", body).await;
    assert_eq!(memos, MEMOS);
}

#[tokio::test]
async fn a_charset_the_reader_does_not_know_is_refused_with_415() {
    let app = spawn_app().await;
    let campaign = create(&app, "latin", VOUCHER_TEMPLATE, 500.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    let body = b"user_id,memo\n2088100000000001,caf\xe9\n".to_vec();
    let response = put_rows(&app, &id, "text/csv; charset=iso-8859-1", body)
        .send()
        .await
        .unwrap();
    let body = problem(response, 415).await;
    assert_eq!(body["code"], "unsupported_charset", "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("iso-8859-1"),
        "{body}"
    );
    // Nothing was read: the campaign still takes its file.
    let view = app.get_campaign(&id).await;
    assert_eq!(view["status"], "UPLOADING", "{view}");
    app.shutdown().await;
}
