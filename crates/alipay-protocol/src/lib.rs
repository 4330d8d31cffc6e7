//! The Alipay OpenAPI wire protocol as alipass speaks it, shared by the service's gateway
//! client and the gateway simulator: the sign string and RSA2/RSA signatures (PKCS#1 and
//! PKCS#8 keys), charsets (UTF-8, GBK), AES content encryption, the signed answer and its verification, Alipay's
//! certificates, the method names, and what every gateway and business code means.

pub mod cert;
pub mod chain;
pub mod charset;
pub mod codes;
pub mod content;
pub mod methods;
pub mod response;
pub mod sign;
mod text_enums;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
