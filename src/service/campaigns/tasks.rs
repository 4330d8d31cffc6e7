//! One task per campaign batch, so campaigns neither wait for nor stop each other: a slow
//! campaign holds only its own task, and a panic in one campaign's batch is logged, counted
//! (`alipass_background_panics_total{task="campaign"}`) and keeps that campaign alone
//! waiting, 1 s doubling to 5 minutes, before it is taken up again. Its leased rows come
//! back when their lease ends, as after a crash.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use prometheus::IntCounter;
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;
use uuid::Uuid;

use crate::background::{panic_message, Backoff};
use crate::shutdown::ShutdownSignal;

/// When a campaign may be taken up next.
struct Turn {
    due: Instant,
    running: bool,
    backoff: Backoff,
}

impl Turn {
    fn new(now: Instant) -> Self {
        Self {
            due: now,
            running: false,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(300)),
        }
    }
}

pub(super) struct CampaignTasks {
    running: JoinSet<usize>,
    by_task: HashMap<Id, Uuid>,
    turns: HashMap<Uuid, Turn>,
    panics: IntCounter,
    idle: Duration,
    max_parallel: usize,
}

impl CampaignTasks {
    pub(super) fn new(panics: IntCounter, idle: Duration, max_parallel: usize) -> Self {
        Self {
            running: JoinSet::new(),
            by_task: HashMap::new(),
            turns: HashMap::new(),
            panics,
            idle,
            max_parallel: max_parallel.max(1),
        }
    }

    /// Starts a batch (`start`) of each campaign of `active` that is due and not running,
    /// in their order, while fewer than `max_parallel` run. Campaigns no longer active are
    /// forgotten.
    pub(super) fn start_due<C, F, Fut>(&mut self, active: Vec<(Uuid, C)>, start: F)
    where
        F: Fn(C) -> Fut,
        Fut: Future<Output = usize> + Send + 'static,
    {
        let now = Instant::now();
        let ids: HashSet<Uuid> = active.iter().map(|(id, _)| *id).collect();
        self.turns
            .retain(|id, turn| turn.running || ids.contains(id));
        for (id, campaign) in active {
            if self.running.len() >= self.max_parallel {
                break;
            }
            let turn = self.turns.entry(id).or_insert_with(|| Turn::new(now));
            if turn.running || turn.due > now {
                continue;
            }
            turn.running = true;
            let handle = self.running.spawn(start(campaign));
            self.by_task.insert(handle.id(), id);
        }
    }

    /// Waits until a batch ends, a campaign is due again or `stop` (at most the idle
    /// time); answers whether a batch that ended sent rows (then look again at once).
    pub(super) async fn wait(&mut self, stop: &mut ShutdownSignal) -> bool {
        let now = Instant::now();
        let next_due = self
            .turns
            .values()
            .filter(|turn| !turn.running)
            .map(|turn| turn.due)
            .min()
            .map_or(now + self.idle, |due| due.clamp(now, now + self.idle));
        tokio::select! {
            Some(ended) = self.running.join_next_with_id(), if !self.running.is_empty() => {
                let mut worked = self.ended(ended);
                while let Some(ended) = self.running.try_join_next_with_id() {
                    worked |= self.ended(ended);
                }
                worked
            }
            _ = tokio::time::sleep_until(next_due) => false,
            _ = stop.wait() => false,
        }
    }

    fn ended(&mut self, ended: Result<(Id, usize), JoinError>) -> bool {
        let (task, outcome) = match ended {
            Ok((task, rows)) => (task, Ok(rows)),
            Err(error) => (error.id(), Err(error)),
        };
        let Some(campaign) = self.by_task.remove(&task) else {
            return false;
        };
        let Some(turn) = self.turns.get_mut(&campaign) else {
            return false;
        };
        let now = Instant::now();
        turn.running = false;
        match outcome {
            Ok(rows) => {
                turn.backoff.reset();
                turn.due = if rows > 0 { now } else { now + self.idle };
                rows > 0
            }
            Err(error) => {
                let delay = turn.backoff.next_delay();
                turn.due = now + delay;
                if error.is_panic() {
                    self.panics.inc();
                    tracing::error!(%campaign, panic = %panic_message(error), delay_ms = delay.as_millis() as u64,
                        "campaign batch panicked: this campaign waits, the others go on");
                }
                false
            }
        }
    }

    /// At stop: waits for the batches still running (they take no new row once `stop` is
    /// set; the caller's grace bounds the wait).
    pub(super) async fn drain(mut self) {
        while self.running.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use tokio::sync::watch;

    use super::*;

    /// Runs the scheduler for `span` of (paused) time: campaign `broken` panics in every
    /// batch, `healthy` sends a row in each. Answers how many batches each started.
    async fn run_for(span: Duration) -> (usize, usize, u64) {
        let (broken, healthy) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let started = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let panics = IntCounter::new("panics", "test").unwrap();
        let mut tasks = CampaignTasks::new(panics.clone(), Duration::from_millis(500), 4);
        let (_stop_tx, stop_rx) = watch::channel(false);
        let mut stop = ShutdownSignal::new(stop_rx);
        let end = Instant::now() + span;
        while Instant::now() < end {
            let started = started.clone();
            tasks.start_due(vec![(broken, 0usize), (healthy, 1usize)], move |which| {
                let started = started.clone();
                async move {
                    started[which].fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    assert!(which == 1, "a row this code cannot send");
                    1
                }
            });
            tasks.wait(&mut stop).await;
        }
        tasks.drain().await;
        let count = |i: usize| started[i].load(Ordering::SeqCst);
        (count(0), count(1), panics.get())
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_campaign_waits_while_the_others_keep_sending() {
        let (broken, healthy, panics) = run_for(Duration::from_secs(60)).await;
        // 100 ms batches back to back: about 600 for the healthy campaign.
        assert!(healthy >= 550, "healthy campaign started {healthy} batches");
        // The broken one: at 0, then 0.1 s + 1, 2, 4, 8 and 16 s of backoff after each
        // panic (0, 1.1, 3.2, 7.3, 15.4, 31.5); the next would be at 63.6.
        assert_eq!(broken, 6, "broken campaign started {broken} batches");
        assert_eq!(panics, 6);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_max_parallel_campaigns_run_at_once() {
        let panics = IntCounter::new("panics", "test").unwrap();
        let mut tasks = CampaignTasks::new(panics, Duration::from_millis(500), 2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let campaigns: Vec<(Uuid, ())> = (0..5).map(|n| (Uuid::from_u128(n), ())).collect();
        let (_stop_tx, stop_rx) = watch::channel(false);
        let mut stop = ShutdownSignal::new(stop_rx);
        for _ in 0..10 {
            let (running, most) = (running.clone(), most.clone());
            tasks.start_due(campaigns.clone(), move |()| {
                let (running, most) = (running.clone(), most.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    1
                }
            });
            tasks.wait(&mut stop).await;
        }
        tasks.drain().await;
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
