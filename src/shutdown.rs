//! The signal that tells background tasks (reconciler, retention, campaigns, webhook
//! delivery) to stop; `startup` owns the sender.

use tokio::sync::watch;

/// Tells background tasks to stop.
#[derive(Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    pub(crate) fn new(receiver: watch::Receiver<bool>) -> Self {
        Self(receiver)
    }

    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }
}
