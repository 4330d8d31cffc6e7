//! Reading an answer in one call: `request.value().await` for its JSON body,
//! `request.status_code().await` for its status.

/// A request sent and its answer read, panicking on transport failures (tests only).
pub trait Fetch {
    /// Sends the request and parses the body as JSON, whatever the status.
    async fn value(self) -> serde_json::Value;

    /// Sends the request: the answer's status.
    async fn status_code(self) -> u16;
}

impl Fetch for reqwest::RequestBuilder {
    async fn value(self) -> serde_json::Value {
        self.send().await.unwrap().json().await.unwrap()
    }

    async fn status_code(self) -> u16 {
        self.send().await.unwrap().status().as_u16()
    }
}
