//! Background jobs (reconciler, campaigns, webhook delivery, retention) run supervised: a
//! panic in one is logged, counted (`alipass_background_panics_total{task}`) and the job
//! started again after a backoff, instead of ending it silently for the life of the
//! replica. At shutdown the jobs are awaited, so a stop does not cut a job mid-statement.

use std::future::Future;
use std::time::Duration;

use prometheus::IntCounterVec;
use tokio::task::JoinHandle;

use crate::shutdown::ShutdownSignal;

/// Doubling delays from `first` up to `cap`, started over by [`Backoff::reset`].
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, cap: Duration) -> Self {
        Self {
            first,
            cap,
            next: first,
        }
    }

    /// The delay to wait now; the one after it is twice as long (at most the cap).
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.cap);
        delay
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// A job that ran this long before it panicked starts again from the shortest delay.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// The background jobs of one application, each restarted after a panic.
pub struct BackgroundJobs {
    panics: IntCounterVec,
    jobs: Vec<(&'static str, JoinHandle<()>)>,
}

impl BackgroundJobs {
    pub fn new(panics: IntCounterVec) -> Self {
        Self {
            panics,
            jobs: Vec::new(),
        }
    }

    /// Runs `job(stop)` until it returns (it returns when `stop` is set); a panic starts a
    /// new one after a backoff of 1 s doubling to a minute.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, stop: ShutdownSignal, job: F)
    where
        F: Fn(ShutdownSignal) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let panics = self.panics.clone();
        let handle = tokio::spawn(supervise(name, panics, stop, job));
        self.jobs.push((name, handle));
    }

    /// Waits for every job to end (they end once the stop signal is set), at most `grace`;
    /// the ones still running then are aborted and named in the log.
    pub async fn finish(self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        for (name, mut handle) in self.jobs {
            if tokio::time::timeout_at(deadline, &mut handle)
                .await
                .is_err()
            {
                tracing::warn!(
                    job = name,
                    "background job still running at shutdown: aborted"
                );
                handle.abort();
            }
        }
    }
}

async fn supervise<F, Fut>(
    name: &'static str,
    panics: IntCounterVec,
    mut stop: ShutdownSignal,
    job: F,
) where
    F: Fn(ShutdownSignal) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    loop {
        let started = tokio::time::Instant::now();
        let mut run = tokio::spawn(job(stop.clone()));
        let ended = tokio::select! {
            ended = &mut run => ended,
            // The job is told through its own copy of the signal; this only stops waiting
            // for a job that ignores it past the caller's grace (`finish` aborts us).
            _ = stop.wait() => run.await,
        };
        match ended {
            Ok(()) => return,
            Err(error) if error.is_panic() => {
                panics.with_label_values(&[name]).inc();
                if started.elapsed() >= HEALTHY_RUN {
                    backoff.reset();
                }
                let delay = backoff.next_delay();
                tracing::error!(job = name, panic = %panic_message(error), delay_ms = delay.as_millis() as u64, "background job panicked: restarting");
                tokio::select! {
                    _ = stop.wait() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
            Err(_) => return,
        }
    }
}

/// What a panicking task said, when it said it with a string.
pub fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned()),
        Err(error) => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use prometheus::Opts;
    use tokio::sync::watch;

    use super::*;

    fn panics() -> IntCounterVec {
        IntCounterVec::new(Opts::new("panics", "test"), &["task"]).unwrap()
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_starts_over() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let delays: Vec<u64> = (0..5).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_that_panics_is_counted_and_started_again_until_it_runs() {
        let runs = Arc::new(AtomicU32::new(0));
        let (stop_tx, stop_rx) = watch::channel(false);
        let counter = panics();
        let mut jobs = BackgroundJobs::new(counter.clone());
        let seen = runs.clone();
        jobs.spawn("flaky", ShutdownSignal::new(stop_rx), move |_| {
            let seen = seen.clone();
            async move {
                if seen.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("broken row");
                }
            }
        });
        jobs.finish(Duration::from_secs(60)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(counter.with_label_values(&["flaky"]).get(), 2);
        drop(stop_tx);
    }

    #[tokio::test(start_paused = true)]
    async fn finish_waits_for_a_stopping_job_and_aborts_one_past_the_grace() {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut jobs = BackgroundJobs::new(panics());
        let finished = Arc::new(AtomicU32::new(0));
        let done = finished.clone();
        jobs.spawn(
            "polite",
            ShutdownSignal::new(stop_rx.clone()),
            move |mut signal| {
                let done = done.clone();
                async move {
                    signal.wait().await;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    done.fetch_add(1, Ordering::SeqCst);
                }
            },
        );
        jobs.spawn("stuck", ShutdownSignal::new(stop_rx), |_| {
            std::future::pending::<()>()
        });
        stop_tx.send(true).unwrap();
        let started = tokio::time::Instant::now();
        jobs.finish(Duration::from_secs(5)).await;
        assert_eq!(
            finished.load(Ordering::SeqCst),
            1,
            "the polite job ran to its end"
        );
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(5),
            "the stuck one is cut at the grace"
        );
    }
}
