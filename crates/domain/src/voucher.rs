//! alipay.marketing.voucher.send input, parsed into values that cannot be invalid.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{bounded, FieldProblem};

/// What a caller posts to send a voucher.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "template_id": "20140601000730010040000000EB",
    "recipient": {"user_id": "2088302001456115"},
    "out_biz_no": "2016122814164328aadaee_1aee_4",
    "memo": "优酷3个月兑换券"
}))]
pub struct SendVoucher {
    /// Voucher template id (≤ 28 characters).
    pub template_id: String,
    pub recipient: VoucherRecipientInput,
    /// Your business number; with template_id, the idempotency key (≤ 64 characters).
    pub out_biz_no: String,
    /// Amount in yuan as `#.00` (red packets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// ≤ 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

/// At least one; when several are given the highest priority wins:
/// user_id > login_id > taobao_nick (Alipay's own order).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct VoucherRecipientInput {
    /// Alipay user id (≤ 16 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Alipay login: phone or e-mail (≤ 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_id: Option<String>,
    /// Taobao nickname (≤ 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taobao_nick: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoucherRecipient {
    UserId(String),
    LoginId(String),
    TaobaoNick(String),
}

impl VoucherRecipient {
    pub fn kind(&self) -> &'static str {
        match self {
            VoucherRecipient::UserId(_) => "user_id",
            VoucherRecipient::LoginId(_) => "login_id",
            VoucherRecipient::TaobaoNick(_) => "taobao_nick",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            VoucherRecipient::UserId(v)
            | VoucherRecipient::LoginId(v)
            | VoucherRecipient::TaobaoNick(v) => v,
        }
    }

    pub fn from_parts(kind: &str, value: String) -> Option<Self> {
        match kind {
            "user_id" => Some(VoucherRecipient::UserId(value)),
            "login_id" => Some(VoucherRecipient::LoginId(value)),
            "taobao_nick" => Some(VoucherRecipient::TaobaoNick(value)),
            _ => None,
        }
    }
}

/// A positive amount written exactly as `#.00`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount(String);

impl Amount {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (whole, cents) = text
            .split_once('.')
            .ok_or_else(|| "must be written as #.00 (two decimals)".to_owned())?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || cents.len() != 2 || !digits(cents) {
            return Err("must be written as #.00 (two decimals)".into());
        }
        if whole.len() > 1 && whole.starts_with('0') {
            return Err("must not have leading zeros".into());
        }
        if text.len() > 10 {
            return Err("must be at most 10 characters".into());
        }
        if whole.bytes().chain(cents.bytes()).all(|b| b == b'0') {
            return Err("must be positive".into());
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A checked text of a voucher send, kept typed from the parse to the store.
macro_rules! voucher_text {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

voucher_text! {
    /// Alipay's id of a voucher template (at most 28 characters).
    AlipayTemplateId
}

voucher_text! {
    /// The caller's key of a voucher send (at most 64 characters): Alipay sends one voucher
    /// per template id and out_biz_no.
    OutBizNo
}

/// A voucher send that satisfies every documented rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherSendRequest {
    pub template_id: AlipayTemplateId,
    pub recipient: VoucherRecipient,
    pub out_biz_no: OutBizNo,
    pub amount: Option<Amount>,
    pub memo: Option<String>,
}

impl VoucherSendRequest {
    pub fn parse(input: &SendVoucher) -> Result<Self, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let template_id = bounded(
            &mut problems,
            "$.template_id",
            &input.template_id,
            28,
            "INVALID_PARAMETER",
        );
        let out_biz_no = bounded(
            &mut problems,
            "$.out_biz_no",
            &input.out_biz_no,
            64,
            "INVALID_PARAMETER",
        );
        let r = &input.recipient;
        let chosen = [
            ("user_id", r.user_id.as_deref(), 16usize),
            ("login_id", r.login_id.as_deref(), 128),
            ("taobao_nick", r.taobao_nick.as_deref(), 128),
        ]
        .into_iter()
        .find_map(|(kind, value, max)| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| (kind, v, max))
        });
        let recipient = match chosen {
            Some((kind, value, max)) => {
                let path = format!("$.recipient.{kind}");
                bounded(&mut problems, &path, value, max, "INVALID_PARAMETER")
                    .and_then(|v| VoucherRecipient::from_parts(kind, v))
            }
            None => {
                problems.push(FieldProblem {
                    path: "$.recipient".into(),
                    message: "one of user_id, login_id or taobao_nick is required".into(),
                    alipay_code: Some("INVALID_PARAMETER".into()),
                });
                None
            }
        };
        let amount = match input.amount.as_deref() {
            None => None,
            Some(text) => match Amount::parse(text) {
                Ok(amount) => Some(amount),
                Err(message) => {
                    problems.push(FieldProblem {
                        path: "$.amount".into(),
                        message,
                        alipay_code: Some("INVALID_PARAMETER".into()),
                    });
                    None
                }
            },
        };
        let memo = match input.memo.as_deref() {
            None => None,
            Some(memo) => bounded(&mut problems, "$.memo", memo, 128, "INVALID_PARAMETER"),
        };
        match (template_id, out_biz_no, recipient) {
            (Some(template_id), Some(out_biz_no), Some(recipient)) if problems.is_empty() => {
                Ok(Self {
                    template_id: AlipayTemplateId(template_id),
                    recipient,
                    out_biz_no: OutBizNo(out_biz_no),
                    amount,
                    memo,
                })
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SendVoucher {
        SendVoucher {
            template_id: "20140601000730010040000000EB".into(),
            recipient: VoucherRecipientInput {
                user_id: None,
                login_id: Some("13196215350".into()),
                taobao_nick: Some("yue54333".into()),
            },
            out_biz_no: "2016122814164328aadaee_1aee_4".into(),
            amount: Some("9.99".into()),
            memo: Some("优酷3个月兑换券".into()),
        }
    }

    #[test]
    fn recipient_priority_is_user_id_then_login_id_then_taobao_nick() {
        let parsed = VoucherSendRequest::parse(&input()).unwrap();
        assert_eq!(
            parsed.recipient,
            VoucherRecipient::LoginId("13196215350".into())
        );
        let mut with_user = input();
        with_user.recipient.user_id = Some("2088302001456115".into());
        let parsed = VoucherSendRequest::parse(&with_user).unwrap();
        assert_eq!(parsed.recipient.kind(), "user_id");
    }

    #[test]
    fn no_recipient_is_refused() {
        let mut none = input();
        none.recipient = VoucherRecipientInput::default();
        let problems = VoucherSendRequest::parse(&none).unwrap_err();
        assert_eq!(problems[0].path, "$.recipient");
    }

    #[test]
    fn amount_must_be_two_decimals_and_positive() {
        for ok in ["9.99", "0.01", "100.00", "1234567.00"] {
            assert!(Amount::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "9.9",
            "9",
            "9.999",
            "-1.00",
            "0.00",
            "01.00",
            "1e2.00",
            "12345678.00",
            ".99",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lengths_are_enforced_and_all_problems_listed() {
        let mut long = input();
        long.template_id = "T".repeat(29);
        long.out_biz_no = "o".repeat(65);
        long.memo = Some("m".repeat(129));
        let paths: Vec<_> = VoucherSendRequest::parse(&long)
            .unwrap_err()
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(paths, ["$.template_id", "$.out_biz_no", "$.memo"]);
    }
}
