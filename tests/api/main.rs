//! Integration tests: the real app on a random port, real Postgres and Redis, and the
//! gateway simulator in-process.

mod auth;
mod concurrency;
mod errors;
mod faults;
mod health;
mod helpers;
mod model;
mod outages;
mod passes;
mod processes;
mod reliability;
mod replicas;
mod shutdown;
mod templates;
mod truthful;
mod vouchers;
