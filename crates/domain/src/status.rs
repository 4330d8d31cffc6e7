//! Record statuses: what our records say of a template, a pass or a voucher. Stored as text
//! (rows decode them with `TryFrom<String>`), shown in views and filters as the same names.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An enum each of whose variants has one text (its column value, its name on the wire):
/// `as_str`, `parse`, `ALL`, `Display`, and `TryFrom<String>` (how rows decode it).
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text).ok_or_else(|| format!("not a {}: {text}", stringify!($name)))
            }
        }
    };
}

/// `sqlx::Type` for a [`text_enum!`]: bound as, and decoded from, Postgres text (also in
/// arrays), by the same one text per variant. A column value it does not know is a decode
/// error, never a default.
#[cfg(feature = "sqlx")]
#[macro_export]
macro_rules! pg_text {
    ($name:ty) => {
        impl ::sqlx::Type<::sqlx::Postgres> for $name {
            fn type_info() -> ::sqlx::postgres::PgTypeInfo {
                <&str as ::sqlx::Type<::sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &::sqlx::postgres::PgTypeInfo) -> bool {
                <&str as ::sqlx::Type<::sqlx::Postgres>>::compatible(ty)
            }
        }

        impl ::sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> ::sqlx::postgres::PgTypeInfo {
                <&str as ::sqlx::postgres::PgHasArrayType>::array_type_info()
            }

            fn array_compatible(ty: &::sqlx::postgres::PgTypeInfo) -> bool {
                <&str as ::sqlx::postgres::PgHasArrayType>::array_compatible(ty)
            }
        }

        impl<'q> ::sqlx::Encode<'q, ::sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut ::sqlx::postgres::PgArgumentBuffer,
            ) -> ::std::result::Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                <&str as ::sqlx::Encode<'q, ::sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> ::sqlx::Decode<'r, ::sqlx::Postgres> for $name {
            fn decode(
                value: ::sqlx::postgres::PgValueRef<'r>,
            ) -> ::std::result::Result<Self, ::sqlx::error::BoxDynError> {
                let text = <&str as ::sqlx::Decode<'r, ::sqlx::Postgres>>::decode(value)?;
                Self::parse(text)
                    .ok_or_else(|| format!("not a {}: {text}", stringify!($name)).into())
            }
        }
    };
}

/// A status: a [`text_enum!`] of upper-case names, in JSON and the OpenAPI schema as those.
macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($body:tt)+ }) => {
        text_enum! {
            $(#[$meta])*
            #[derive(Serialize, Deserialize, ToSchema)]
            #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
            $name { $($body)+ }
        }
        #[cfg(feature = "sqlx")]
        pg_text!($name);
    };
}

status_enum! {
    /// ISSUING → ISSUED → USED | CLOSED (terminal); FAILED when the gateway refused for good.
    PassStatus {
        Issuing = "ISSUING",
        Issued = "ISSUED",
        Used = "USED",
        Closed = "CLOSED",
        Failed = "FAILED",
    }
}

status_enum! {
    /// PENDING → CREATED | NEEDS_ALIPAY_ID | FAILED.
    TemplateStatus {
        /// template.add is to be made or settled.
        Pending = "PENDING",
        Created = "CREATED",
        /// Created at Alipay, but Alipay's answer named no tpl_id: an operator sets it.
        NeedsAlipayId = "NEEDS_ALIPAY_ID",
        Failed = "FAILED",
    }
}

status_enum! {
    /// PENDING → SENT | FAILED.
    VoucherStatus {
        /// voucher.send is to be made or settled.
        Pending = "PENDING",
        Sent = "SENT",
        Failed = "FAILED",
    }
}

status_enum! {
    /// What a pass event records: the issuance's start and settlement, and each change's
    /// settlement.
    PassEventKind {
        /// instance.add is to be made or settled.
        Issuing = "ISSUING",
        Issued = "ISSUED",
        Updated = "UPDATED",
        Redeemed = "REDEEMED",
        Closed = "CLOSED",
        /// The issuance was refused, or a change was refused or did not apply.
        Failed = "FAILED",
    }
}

impl PassEventKind {
    /// The event of a change that left the pass in `status`.
    pub fn of_change(status: PassStatus) -> Self {
        match status {
            PassStatus::Used => PassEventKind::Redeemed,
            PassStatus::Closed => PassEventKind::Closed,
            PassStatus::Issuing | PassStatus::Issued | PassStatus::Failed => PassEventKind::Updated,
        }
    }
}

status_enum! {
    /// What each row of a campaign does.
    CampaignKind {
        /// alipay.marketing.voucher.send, one per row.
        VoucherSend = "VOUCHER_SEND",
        /// alipay.pass.instance.add, one per row.
        PassIssue = "PASS_ISSUE",
    }
}

impl CampaignKind {
    /// Bare CSV columns read as recipient fields.
    pub fn recipient_fields(self) -> &'static [&'static str] {
        match self {
            CampaignKind::VoucherSend => &["user_id", "login_id", "taobao_nick"],
            CampaignKind::PassIssue => &["partner_id", "out_trade_no"],
        }
    }

    /// The request field that carries the row's idempotency key.
    pub fn key_field(self) -> &'static str {
        match self {
            CampaignKind::VoucherSend => "out_biz_no",
            CampaignKind::PassIssue => "serial_number",
        }
    }
}

status_enum! {
    /// UPLOADING → RUNNING ⇄ PAUSED → FINISHED | CANCELLED.
    CampaignStatus {
        /// Created; its rows are being uploaded (nothing is sent yet).
        Uploading = "UPLOADING",
        Running = "RUNNING",
        Paused = "PAUSED",
        /// Stopped by a caller: rows not yet sent are CANCELLED.
        Cancelled = "CANCELLED",
        /// Every row is settled (or its outcome stayed unknown after every retry).
        Finished = "FINISHED",
    }
}

status_enum! {
    /// PENDING → SENT | REFUSED | INVALID | UNKNOWN (retried) | CANCELLED.
    RowState {
        Pending = "PENDING",
        /// Sent, outcome unknown: tried again with the same key until an answer settles it.
        Unknown = "UNKNOWN",
        Sent = "SENT",
        /// Alipay (or our idempotency rules) refused it; `code` says why.
        Refused = "REFUSED",
        /// The row cannot make a valid request (or could not be read); never sent.
        Invalid = "INVALID",
        Cancelled = "CANCELLED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_text() {
        for status in [PassStatus::Issuing, PassStatus::Used, PassStatus::Failed] {
            assert_eq!(PassStatus::try_from(status.to_string()), Ok(status));
        }
        assert_eq!(
            TemplateStatus::parse("NEEDS_ALIPAY_ID"),
            Some(TemplateStatus::NeedsAlipayId)
        );
        assert_eq!(
            serde_json::to_value(TemplateStatus::NeedsAlipayId).unwrap(),
            "NEEDS_ALIPAY_ID"
        );
        assert!(VoucherStatus::try_from("sent".to_owned()).is_err());
    }
}
