//! The sign-in throttle: failed sign-ins are counted per client address and per key tried,
//! in one-minute windows; past `console.sign_in_failures_per_minute` of either, sign-ins
//! from that address or with that key are refused (429 with Retry-After) until the window
//! ends, the right key included, so guessing keys costs a minute per few tries. Kept in
//! each process: every replica allows the budget (a few per minute, against keys of 128
//! bits or more).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// How long a window of counted failures lasts.
const WINDOW: Duration = Duration::from_secs(60);
/// Most addresses and keys tracked at once. A full table (an attack from that many
/// addresses) refuses those it cannot count rather than letting them try without limit.
const MAX_TRACKED: usize = 100_000;

/// Who a failed sign-in is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The client's address (the TCP peer: a proxy in front is one address).
    Address(std::net::IpAddr),
    /// A short fingerprint of the key tried (never the key).
    Key(String),
}

impl Subject {
    pub fn key(presented: &str) -> Self {
        Subject::Key(crate::auth::hash_key(presented)[..16].to_owned())
    }
}

struct Window {
    started: Instant,
    failures: u32,
}

pub struct SignInThrottle {
    failures_per_minute: u32,
    windows: Mutex<HashMap<Subject, Window>>,
}

impl SignInThrottle {
    pub fn new(failures_per_minute: u32) -> Self {
        Self {
            failures_per_minute: failures_per_minute.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// How long until every one of `subjects` may try again; None when they all may now.
    pub fn wait(&self, subjects: &[Subject], now: Instant) -> Option<Duration> {
        let windows = self.windows.lock();
        let full = windows.len() >= MAX_TRACKED;
        subjects
            .iter()
            .filter_map(|subject| match windows.get(subject) {
                Some(window) if now < window.started + WINDOW => (window.failures
                    >= self.failures_per_minute)
                    .then(|| window.started + WINDOW - now),
                // Not counted (or its window ended): refused only while the table is full.
                _ => full.then_some(WINDOW),
            })
            .max()
    }

    /// Counts a failed sign-in against each of `subjects`.
    pub fn failed(&self, subjects: &[Subject], now: Instant) {
        let mut windows = self.windows.lock();
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, window| now < window.started + WINDOW);
        }
        for subject in subjects {
            if windows.len() >= MAX_TRACKED && !windows.contains_key(subject) {
                continue;
            }
            let window = windows.entry(subject.clone()).or_insert(Window {
                started: now,
                failures: 0,
            });
            if now >= window.started + WINDOW {
                *window = Window {
                    started: now,
                    failures: 0,
                };
            }
            window.failures += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(last: u8) -> Subject {
        Subject::Address(std::net::IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn the_sixth_try_within_a_minute_waits_for_the_window_to_end() {
        let throttle = SignInThrottle::new(5);
        let start = Instant::now();
        let subjects = [address(1), Subject::key("wrong")];
        for second in 0..5 {
            let now = start + Duration::from_secs(second);
            assert_eq!(throttle.wait(&subjects, now), None, "try {second}");
            throttle.failed(&subjects, now);
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(
            throttle.wait(&subjects, later),
            Some(Duration::from_secs(40))
        );
        assert_eq!(throttle.wait(&subjects, start + WINDOW), None);
    }

    #[test]
    fn a_key_tried_from_many_addresses_is_throttled_and_so_is_an_address_trying_many_keys() {
        let throttle = SignInThrottle::new(5);
        let now = Instant::now();
        for last in 0..5 {
            throttle.failed(&[address(last), Subject::key("guessed")], now);
        }
        assert!(throttle
            .wait(&[address(9), Subject::key("guessed")], now)
            .is_some());
        assert_eq!(
            throttle.wait(&[address(9), Subject::key("other")], now),
            None
        );
        for key in ["a", "b", "c", "d", "e"] {
            throttle.failed(&[address(7), Subject::key(key)], now);
        }
        assert!(throttle
            .wait(&[address(7), Subject::key("fresh")], now)
            .is_some());
    }

    #[test]
    fn a_key_fingerprint_never_holds_the_key() {
        let Subject::Key(fingerprint) = Subject::key("alipass-secret-key") else {
            unreachable!()
        };
        assert_eq!(fingerprint.len(), 16);
        assert!(!fingerprint.contains("secret"));
    }
}
