//! The kinds of record an add operation creates: shared by the claim
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

    /// The status of a record whose add call is still to be made or settled.
    pub(crate) fn open_status(self) -> &'static str {
        match self {
            RecordKind::Pass => "ISSUING",
            RecordKind::Template | RecordKind::Voucher => "PENDING",
        }
    }
}
