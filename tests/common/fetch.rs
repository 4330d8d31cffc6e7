// Shared by every test target; each uses a part of it.
#![allow(dead_code)]

//! Reading an answer in one call: `request.value().await` for its JSON body,
//! `request.status_code().await` for its status.

/// A request sent and its answer read, panicking on transport failures (tests only).
pub trait Fetch {
    /// Sends the request and parses the body as JSON, whatever the status.
    async fn value(self) -> serde_json::Value;

    /// Sends the request: the answer's status.
    async fn status_code(self) -> u16;

    /// Sends the request: the answer's body as text, whatever the status.
    async fn text_body(self) -> String;
}

/// A response's content type, empty when absent.
pub fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Fetch for reqwest::RequestBuilder {
    async fn value(self) -> serde_json::Value {
        self.send().await.unwrap().json().await.unwrap()
    }

    async fn status_code(self) -> u16 {
        self.send().await.unwrap().status().as_u16()
    }

    async fn text_body(self) -> String {
        self.send().await.unwrap().text().await.unwrap()
    }
}
