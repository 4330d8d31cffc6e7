//! The signing Alipay gateway client. It knows nothing of HTTP routes or the database.

pub mod cert;
pub mod charset;
pub mod client;
pub mod codes;
pub mod keys;
pub mod methods;
pub mod response;
pub mod sign;
