//! Integration tests: the real app on a random port, real Postgres and Redis, and the
//! gateway simulator in-process. The slow fault, outage, replica, kill and model-based tests
//! are the `resilience` target (`cargo test --test api --test sim --workspace --lib` skips
//! them).

mod apps;
mod auth;
mod campaign_bounds;
mod campaign_files;
mod campaigns;
mod certificates;
mod cli;
mod client;
mod concurrency;
mod deadlines;
mod doctor;
mod encryption;
mod errors;
#[path = "../common/fetch.rs"]
mod fetch;
mod health;
#[path = "../common/helpers.rs"]
mod helpers;
mod idempotency_key;
mod metrics;
mod partition;
mod passes;
mod personal_data;
mod pii_keys;
mod problems;
mod ratelimit;
mod readings;
mod saved_answers;
mod templates;
mod tls;
mod tokens;
mod truthful;
mod uncertain;
mod vouchers;
mod webhooks;
