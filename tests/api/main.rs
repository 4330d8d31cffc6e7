//! Integration tests: the real app on a random port, real Postgres and Redis, and the
//! gateway simulator in-process.

mod auth;
mod concurrency;
mod errors;
mod health;
mod helpers;
mod passes;
mod reliability;
mod shutdown;
mod templates;
mod vouchers;
