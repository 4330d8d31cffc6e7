//! Reading an answer in one call: `request.value().await` for its JSON body.

/// A request sent and its answer read, panicking on transport failures (tests only).
pub trait Fetch {
    /// Sends the request and parses the body as JSON, whatever the status.
    async fn value(self) -> serde_json::Value;
}

impl Fetch for reqwest::RequestBuilder {
    async fn value(self) -> serde_json::Value {
        self.send().await.unwrap().json().await.unwrap()
    }
}
