//! alipass: issue and manage Alipay wallet passes (卡券) and marketing vouchers through a
//! REST API, with idempotency in Postgres and Redis and a signing Alipay gateway client.

pub mod alipay;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod routes;
pub mod service;
pub mod sim;
pub mod startup;
pub mod store;
pub mod telemetry;
