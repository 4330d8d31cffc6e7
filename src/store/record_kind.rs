//! The kinds of record an add operation creates, and where each lives: shared by the claim
//! (`idempotency`) and the rows (`records`), below both.

/// The records an add operation creates, each under its own natural key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Template,
    Pass,
    Voucher,
}

impl RecordKind {
    /// As in Redis keys, messages and the gateway-call log's `record_kind`.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Template => "template",
            RecordKind::Pass => "pass",
            RecordKind::Voucher => "voucher",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            RecordKind::Template => "templates",
            RecordKind::Pass => "passes",
            RecordKind::Voucher => "vouchers",
        }
    }

    /// The status of a record whose add call is still to be made or settled.
    pub(crate) fn open_status(self) -> &'static str {
        match self {
            RecordKind::Pass => "ISSUING",
            RecordKind::Template | RecordKind::Voucher => "PENDING",
        }
    }

    /// The natural key's columns, bound as $1, $2[, $3].
    pub(crate) fn key_sql(self) -> &'static str {
        match self {
            RecordKind::Template => "app_id = $1 AND unique_id = $2",
            RecordKind::Pass => "app_id = $1 AND channel_id = $2 AND serial_number = $3",
            RecordKind::Voucher => "app_id = $1 AND template_id = $2 AND out_biz_no = $3",
        }
    }

    pub(crate) fn key_arity(self) -> usize {
        match self {
            RecordKind::Template => 2,
            RecordKind::Pass | RecordKind::Voucher => 3,
        }
    }
}
