//! Requests written by hand on a socket, for what an HTTP client will not send: a head that
//! promises more body than follows.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::DEV_KEY;

/// A request (with the development key) whose head declares `declared` body bytes, of which
/// only `sent` follow.
pub struct DeclaredBody<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub content_type: &'a str,
    pub declared: u64,
    pub sent: &'a [u8],
}

impl DeclaredBody<'_> {
    /// Sends it to 127.0.0.1:`port` and leaves the rest of the body unsent: the status line
    /// of the answer that comes within `wait`, if any does.
    pub async fn status_line(&self, port: u16, wait: Duration) -> Option<String> {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {DEV_KEY}\r\n\
             Content-Type: {}\r\nContent-Length: {}\r\n\r\n",
            self.method, self.path, self.content_type, self.declared
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(self.sent).await.unwrap();
        let mut answer = vec![0; 4096];
        let read = tokio::time::timeout(wait, stream.read(&mut answer))
            .await
            .ok()?
            .ok()?;
        let text = String::from_utf8_lossy(&answer[..read]).into_owned();
        text.lines().next().map(str::to_owned)
    }
}
