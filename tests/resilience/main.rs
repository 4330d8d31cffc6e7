//! The slow tests: injected faults and the model-based fault run, Postgres and Redis outages,
//! replicas, kill -9 and graceful shutdown, against the real app and real processes. Part of
//! `cargo test`; skip them while iterating with `cargo test --test api --test sim --lib`.

mod campaigns;
mod faults;
#[path = "../common/fetch.rs"]
mod fetch;
#[path = "../common/helpers.rs"]
mod helpers;
mod hostile;
mod logs;
mod model;
mod outages;
mod personal_data;
mod processes;
mod reliability;
mod replicas;
mod shutdown;
mod traces;
