//! Domain values: input is parsed into types that cannot hold an invalid state, checked
//! locally before any gateway call. Each problem names its JSON path and the Alipay error
//! code the local check avoids.

pub mod events;
pub mod ids;
pub mod pass;
pub mod status;
pub mod template;
pub mod voucher;

/// The text-enum macros live with the method names (the protocol crate); the statuses,
/// event types and the service's own enums name them from here.
#[cfg(feature = "sqlx")]
pub use alipay_protocol::pg_text;
pub use alipay_protocol::text_enum;

use serde::Serialize;
use utoipa::ToSchema;

/// One offending input field, by path.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldProblem {
    /// Where: a JSON path such as `$.content.evoucherInfo.title`.
    pub path: String,
    pub message: String,
    /// The Alipay error code this local check avoids, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alipay_code: Option<String>,
}

/// A required, non-blank text of at most `max` characters; records a problem otherwise.
pub fn bounded(
    problems: &mut Vec<FieldProblem>,
    path: &str,
    value: &str,
    max: usize,
    alipay_code: &str,
) -> Option<String> {
    let trimmed = value.trim();
    let message = if trimmed.is_empty() {
        "must not be empty".to_owned()
    } else if trimmed.chars().count() > max {
        format!("must be at most {max} characters")
    } else if !alipay_protocol::charset::gbk_encodable(trimmed) {
        "contains characters GBK cannot encode".to_owned()
    } else {
        return Some(trimmed.to_owned());
    };
    let code = if message.contains("GBK") {
        "KP.AE_ALIPASS_CHAR_NOT_GBK"
    } else {
        alipay_code
    };
    problems.push(FieldProblem {
        path: path.to_owned(),
        message,
        alipay_code: Some(code.to_owned()),
    });
    None
}
