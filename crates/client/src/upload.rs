//! `PUT /v1/campaigns/{id}/rows`, written by hand: its body is CSV or JSON lines, which
//! progenitor cannot send (build.rs leaves it out of the generated code). The file is
//! streamed as it is read; its charset is declared when the caller knows it.

use reqwest::header::{ACCEPT, CONTENT_TYPE};

use crate::{types, Client, ClientError, ClientInfo, Error, ResponseValue};

/// How a recipients file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsFormat {
    /// CSV with a header row (`text/csv`).
    Csv,
    /// A JSON object a line (`application/x-ndjson`).
    JsonLines,
}

impl RowsFormat {
    /// By the file's name: `.jsonl` and `.ndjson` are JSON lines, anything else CSV.
    pub fn of_file_name(name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        match name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            true => Self::JsonLines,
            false => Self::Csv,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::JsonLines => "application/x-ndjson",
        }
    }
}

/// A campaign's recipients file, as uploaded.
#[derive(Debug)]
pub struct Rows {
    pub format: RowsFormat,
    /// `utf-8`, `gbk` or `gb18030`; the service detects it when absent.
    pub charset: Option<String>,
    pub body: reqwest::Body,
}

impl Rows {
    fn content_type(&self) -> String {
        let media_type = self.format.media_type();
        match &self.charset {
            Some(charset) => format!("{media_type}; charset={charset}"),
            None => media_type.to_owned(),
        }
    }
}

impl Client {
    /// Upload a campaign's rows (`PUT /v1/campaigns/{id}/rows`); the report lists every
    /// unreadable row by its line. Fails as the generated operations do: a problem answer
    /// is an [`Error::ErrorResponse`].
    pub async fn campaigns_upload(
        &self,
        id: &uuid::Uuid,
        rows: Rows,
    ) -> Result<ResponseValue<types::UploadReport>, ClientError> {
        let url = format!("{}/v1/campaigns/{id}/rows", self.baseurl());
        let response = self
            .client()
            .put(url)
            .header(CONTENT_TYPE, rows.content_type())
            .header(ACCEPT, "application/json")
            .body(rows.body)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            ResponseValue::from_response(response).await
        } else if status.is_client_error() || status.is_server_error() {
            Err(Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            ))
        } else {
            Err(Error::UnexpectedResponse(response))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_says_the_format_and_the_charset_follows_the_media_type() {
        assert_eq!(
            RowsFormat::of_file_name("fans.NDJSON"),
            RowsFormat::JsonLines
        );
        assert_eq!(
            RowsFormat::of_file_name("fans.jsonl"),
            RowsFormat::JsonLines
        );
        assert_eq!(RowsFormat::of_file_name("fans.csv"), RowsFormat::Csv);
        let rows = |charset: Option<&str>| Rows {
            format: RowsFormat::Csv,
            charset: charset.map(str::to_owned),
            body: reqwest::Body::from(""),
        };
        assert_eq!(rows(Some("gbk")).content_type(), "text/csv; charset=gbk");
        assert_eq!(rows(None).content_type(), "text/csv");
    }
}
