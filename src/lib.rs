//! alipass: issue and manage Alipay wallet passes (卡券) and marketing vouchers through a
//! REST API, with idempotency in Postgres and Redis and a signing Alipay gateway client.

pub mod alipay;
pub mod apps;
pub use alipass_domain as domain;
pub use alipass_sim as sim;
pub mod auth;
pub mod background;
pub mod cli;
pub mod config;
pub mod console;
pub mod doctor;
pub mod error;
pub mod metrics;
pub mod per_worker;
pub mod rekey;
pub mod retention;
pub mod routes;
pub mod sealing;
pub mod service;
pub mod shutdown;
pub mod simulator;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webhooks;
