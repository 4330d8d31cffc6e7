//! The signing Alipay gateway client. It knows nothing of HTTP routes or the database. The
//! wire protocol itself (signatures, charsets, content encryption, answers, certificates,
//! codes) is the
//! `alipay-protocol` crate, shared with the gateway simulator.

pub use alipay_protocol::{cert, charset, codes, content, response, sign};

pub mod client;
pub mod keys;
pub mod methods;
