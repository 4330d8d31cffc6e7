//! Ids kept typed from the parse to the store and back, so a signature says whose id it
//! takes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Our id of a template record (`templates.id`, a pass's `template_id`): not Alipay's id of a
/// template (`alipay_tpl_id`, a voucher's [`crate::voucher::AlipayTemplateId`]). In JSON and
/// the OpenAPI schema it is the plain UUID (fields say `#[schema(value_type = Uuid)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
pub struct TemplateId(Uuid);

impl TemplateId {
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl From<Uuid> for TemplateId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl From<TemplateId> for Uuid {
    fn from(id: TemplateId) -> Self {
        id.0
    }
}

impl std::fmt::Display for TemplateId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
