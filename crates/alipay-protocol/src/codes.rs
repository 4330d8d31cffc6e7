//! Every gateway and business code in the vendor's pages, mapped to what it means for us:
//! our code, what kind of refusal it is, whether retrying the same call is safe and useful,
//! and whether it says "already done" (an idempotent duplicate of an earlier success). How
//! our API shows each kind is the business of the service's HTTP edge.

use RefusalKind::{Configuration, Exists, NotFound, Rejected, Unavailable};

/// What kind of refusal a code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The request as given breaks a business rule: the caller must change it.
    Rejected,
    /// What the request names does not exist at Alipay.
    NotFound,
    /// An effect under this Alipay-side key exists already.
    Exists,
    /// Our own setup (credentials, signature, permissions): fixed by configuration.
    Configuration,
    /// Alipay's side failed or is busy: the same call may succeed later.
    Unavailable,
}

/// What a gateway answer means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeMeaning {
    /// Our stable problem code.
    pub code: &'static str,
    pub kind: RefusalKind,
    /// The pages advise retrying: the same call may succeed later. Advice to our callers
    /// only (a problem with `Retry-After`); whether the client resends a call and whether
    /// its outcome is unknown is [`CodeMeaning::is_system_fault`], a narrower set.
    pub retryable: bool,
    /// "Already exists": an effect under this Alipay-side key exists. Our own earlier
    /// attempt made it only when that attempt's outcome was unknown.
    pub already_done: bool,
    /// Refused before any business processing, for a fault of our own configuration
    /// (credentials, signature, permissions): proves no effect, so the caller's idempotency
    /// key stays usable once the configuration is fixed.
    pub our_fault: bool,
}

const fn meaning(code: &'static str, kind: RefusalKind, retryable: bool) -> CodeMeaning {
    CodeMeaning {
        code,
        kind,
        retryable,
        already_done: false,
        our_fault: false,
    }
}

const fn configuration(code: &'static str) -> CodeMeaning {
    CodeMeaning {
        our_fault: true,
        ..meaning(code, Configuration, false)
    }
}

const fn exists(code: &'static str) -> CodeMeaning {
    CodeMeaning {
        already_done: true,
        ..meaning(code, Exists, false)
    }
}

impl CodeMeaning {
    /// Alipay's side failed (20000, `KP.AE_SYSTEM_ERROR`, `SYSTEM_ERROR`): the effect may
    /// or may not exist, so the outcome is unknown, and the client resends a method that has
    /// an Alipay-side key. A refusal the pages merely advise retrying (`retryable`, e.g.
    /// `KP.AE_ALIPASS_UPDATE_ERROR`) is not one: it is not resent blind, and says what it
    /// says about the call.
    pub const fn is_system_fault(&self) -> bool {
        matches!(self.kind, Unavailable)
    }
}

/// Gateway codes whose answer is believed even UNSIGNED: refusals made before any business
/// processing, for a fault of our own, which the gateway answers without a sign. 20001 the
/// merchant's authorisation token (aop.invalid-auth-token, aop.auth-token-time-out,
/// isv.invalid-app-auth-token…), 40001 a missing public parameter (isv.missing-signature,
/// isv.missing-app-id…), 40002 an invalid one (isv.invalid-signature, isv.invalid-app-id,
/// isv.invalid-timestamp, isv.decryption-error-*…), 40006 missing permissions
/// (isv.insufficient-isv-permissions…). They prove no effect. Any other unsigned answer
/// (a success, an "already exists", a business refusal, a 20000) could be anyone's and is
/// no usable answer.
pub const BELIEVED_UNSIGNED: [&str; 4] = ["20001", "40001", "40002", "40006"];

/// Whether an unsigned answer with `code` is believed (see [`BELIEVED_UNSIGNED`]).
pub fn believed_unsigned(code: &str) -> bool {
    BELIEVED_UNSIGNED.contains(&code)
}

/// Business sub_codes (code 40004), compared case-insensitively: one vendor page prints
/// them in lower case, and one spells TEMPLATE_EXISTED as `ALIPSS`.
const BUSINESS: &[(&str, CodeMeaning)] = &[
    // alipay.pass.template.add / update
    (
        "KP.AE_ALIPASS_TEMPLATE_PARAMTER_IS_NULL",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_TEMPLATE_APP_ID_IS_NULL",
        meaning("gateway_rejected_request", Configuration, false),
    ),
    (
        "KP.AE_ALIPASS_TEMPLATE_CONTENT_IS_BLANK",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_TEMPLATE_UNIQUE_ID_IS_BLANK",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_TEMPLATE_UNIQUE_IS_BLANK",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_TEMPLATE_CONTENT_FORMAT_ERR",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_ESSENTIAL_PARAMS_BLANK",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_TEMPLATE_UNRECOGNIZE_PROPERTY",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_DATE_ERROR",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_TEMPLATE_PARAMS_VALUE_INVAILD",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ILLEGAL_PARAMETERS",
        meaning("template_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_DATA_CONTAIN_FORBIDDEN_WORD",
        meaning("forbidden_word", Rejected, false),
    ),
    ("KP.AE_ALIPASS_TEMPLATE_EXISTED", exists("template_exists")),
    ("KP.AE_ALIPSS_TEMPLATE_EXISTED", exists("template_exists")),
    (
        "KP.AE_ALIPASS_TEMPLATE_NOT_EXIST",
        meaning("template_not_found", NotFound, false),
    ),
    // alipay.pass.instance.add
    (
        "KP.AE_ALIPASS_TEMPLATE_NOT_FOUND",
        meaning("template_not_found", NotFound, false),
    ),
    (
        "KP.AE_ALIPASS_PARAME_IS_NULL",
        meaning("pass_rejected", Rejected, false),
    ),
    // template.add's page: "确认appid已填入的前提下,尝试重试" (retry).
    (
        "KP.AE_ALIPASS_RECOGNITION_TYPE_NOSUPPORT",
        meaning("pass_rejected", Rejected, true),
    ),
    (
        "KP.AE_ALIPASS_RECOGNITION_TYPE_INVALID",
        meaning("pass_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_APPID_NOSUPPORT",
        meaning("app_not_supported", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_USERID_NOSUPPORT",
        meaning("user_not_supported", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        meaning("pass_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR",
        meaning("pass_rejected", Rejected, false),
    ),
    (
        "KP.AE_ALIPASS_CHAR_NOT_GBK",
        meaning("not_gbk", Rejected, false),
    ),
    ("KP.AE_ALIPASS_REPEAT_ADD_ERROR", exists("pass_exists")),
    // alipay.pass.instance.update
    (
        "KP.AE_ALIPASS_NOTEXIST",
        meaning("pass_not_found", NotFound, false),
    ),
    (
        "KP.AE_MOBILE_ALIPASS_NOTEXIST",
        meaning("pass_not_found", NotFound, false),
    ),
    // instance.update's page: "尝试重试"; template.update's: "重试或联系技术支持".
    (
        "KP.AE_ALIPASS_UPDATE_ERROR",
        meaning("pass_update_failed", Configuration, true),
    ),
    // all pass methods
    (
        "KP.AE_SYSTEM_ERROR",
        meaning("gateway_unavailable", Unavailable, true),
    ),
    // alipay.marketing.voucher.send
    (
        "TEMPLATE_NOT_EXIST",
        meaning("voucher_template_not_found", NotFound, false),
    ),
    (
        "TEMPLATE_EXPIRED",
        meaning("voucher_template_expired", Rejected, false),
    ),
    ("USER_NOT_EXIST", meaning("user_not_found", Rejected, false)),
    (
        "USER_STATUS_ERROR",
        meaning("user_unavailable", Rejected, false),
    ),
    (
        "INVALID_PARAMETER",
        meaning("voucher_rejected", Rejected, false),
    ),
    (
        "SYSTEM_ERROR",
        meaning("gateway_unavailable", Unavailable, true),
    ),
];

/// Maps a gateway answer (code + sub_code) to its meaning. `None` for success (10000).
pub fn classify(code: &str, sub_code: Option<&str>) -> Option<CodeMeaning> {
    match code {
        "10000" => None,
        // Gateway faults: isp.unknow-error and friends. Alipay asks callers to retry.
        "20000" => Some(meaning("gateway_unavailable", Unavailable, true)),
        // Authorisation token problems (aop.invalid-auth-token, aop.auth-token-time-out).
        "20001" => Some(configuration("gateway_auth_token_invalid")),
        // 40001 isv.missing-*: we sent an incomplete request; 40002 isv.invalid-*: signature,
        // app id, timestamp, method… Configuration or a bug on our side, not caller input.
        "40001" | "40002" => Some(classify_invalid(sub_code)),
        "40004" => Some(classify_business(sub_code)),
        // isv.insufficient-isv-permissions / insufficient-user-permissions.
        "40006" => Some(configuration("gateway_permission_denied")),
        // A code the pages do not list (or none at all) says nothing of the effect: it may
        // have been applied. Read as a fault of Alipay's side, so the outcome stays unknown
        // (a keyed add is resent under its key; a keyless change waits for proof) instead
        // of being recorded as a refusal that may be false.
        _ => Some(meaning("gateway_error", Unavailable, false)),
    }
}

fn classify_invalid(sub_code: Option<&str>) -> CodeMeaning {
    match sub_code.unwrap_or_default() {
        "isv.invalid-signature" => configuration("gateway_signature_rejected"),
        "isv.invalid-app-id" => configuration("gateway_app_id_rejected"),
        "isv.invalid-timestamp" => configuration("gateway_timestamp_rejected"),
        // Content encryption: the app's AES setting and ours disagree (isv.decryption-error-
        // missing-encrypt-type, -not-valid-encrypt-type, -not-valid-encrypt-key, -unknown).
        code if code.starts_with("isv.decryption-error") => {
            configuration("gateway_encryption_rejected")
        }
        _ => configuration("gateway_rejected_request"),
    }
}

/// A 40004 business failure (or a pass method's `success: false` result.errorCode).
pub fn classify_business(sub_code: Option<&str>) -> CodeMeaning {
    let sub_code = sub_code.unwrap_or_default();
    BUSINESS
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(sub_code))
        .map(|(_, m)| *m)
        // Unknown business codes: not retried, not our caller's fault for sure; raw codes
        // travel with the problem so nothing is lost.
        .unwrap_or(meaning("gateway_business_error", Configuration, false))
}

/// Every business sub_code we know, for documentation and tests.
pub fn known_business_codes() -> impl Iterator<Item = &'static str> {
    BUSINESS.iter().map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_has_no_meaning() {
        assert_eq!(classify("10000", None), None);
    }

    #[test]
    fn retryable_set_is_exactly_the_documented_one() {
        assert!(
            classify("20000", Some("isp.unknow-error"))
                .unwrap()
                .retryable
        );
        assert!(
            classify("40004", Some("KP.AE_SYSTEM_ERROR"))
                .unwrap()
                .retryable
        );
        assert!(classify("40004", Some("SYSTEM_ERROR")).unwrap().retryable);
        let retryable: Vec<_> = known_business_codes()
            .filter(|c| classify("40004", Some(c)).unwrap().retryable)
            .collect();
        assert_eq!(
            retryable,
            [
                "KP.AE_ALIPASS_RECOGNITION_TYPE_NOSUPPORT",
                "KP.AE_ALIPASS_UPDATE_ERROR",
                "KP.AE_SYSTEM_ERROR",
                "SYSTEM_ERROR"
            ]
        );
        assert!(
            !classify("40002", Some("isv.invalid-signature"))
                .unwrap()
                .retryable
        );
    }

    #[test]
    fn only_system_faults_leave_the_outcome_unknown() {
        let faults: Vec<_> = known_business_codes()
            .filter(|c| classify("40004", Some(c)).unwrap().is_system_fault())
            .collect();
        assert_eq!(faults, ["KP.AE_SYSTEM_ERROR", "SYSTEM_ERROR"]);
        assert!(classify("20000", None).unwrap().is_system_fault());
    }

    #[test]
    fn unsigned_answers_are_believed_only_for_refusals_of_our_own_making() {
        for code in ["20001", "40001", "40002", "40006"] {
            assert!(believed_unsigned(code), "{code}");
            assert!(classify(code, None).unwrap().our_fault, "{code}");
        }
        for code in ["10000", "20000", "40004", "99999", ""] {
            assert!(!believed_unsigned(code), "{code}");
        }
    }

    #[test]
    fn lower_case_and_misspelt_codes_from_the_vendor_pages_map() {
        let m = classify("40004", Some("kp.ae_alipss_template_existed")).unwrap();
        assert!(m.already_done);
        assert_eq!(m.code, "template_exists");
        let m = classify("40004", Some("kp.ae_alipass_template_unrecognize_property")).unwrap();
        assert_eq!(m.kind, RefusalKind::Rejected);
    }

    #[test]
    fn already_done_codes_are_the_two_duplicate_answers() {
        let done: Vec<_> = known_business_codes()
            .filter(|c| classify("40004", Some(c)).unwrap().already_done)
            .collect();
        assert_eq!(
            done,
            [
                "KP.AE_ALIPASS_TEMPLATE_EXISTED",
                "KP.AE_ALIPSS_TEMPLATE_EXISTED",
                "KP.AE_ALIPASS_REPEAT_ADD_ERROR"
            ]
        );
    }

    #[test]
    fn configuration_refusals_are_our_fault_and_business_ones_are_not() {
        for (code, sub) in [
            ("20001", "aop.invalid-auth-token"),
            ("40001", "isv.missing-signature-config"),
            ("40002", "isv.invalid-signature"),
            ("40002", "isv.invalid-timestamp"),
            ("40002", "isv.invalid-app-id"),
            ("40006", "isv.insufficient-isv-permissions"),
        ] {
            let m = classify(code, Some(sub)).unwrap();
            assert!(m.our_fault && !m.retryable, "{code} {sub}");
        }
        for sub in known_business_codes() {
            assert!(!classify("40004", Some(sub)).unwrap().our_fault, "{sub}");
        }
        assert!(
            !classify("20000", Some("isp.unknow-error"))
                .unwrap()
                .our_fault
        );
    }

    #[test]
    fn unknown_codes_get_a_safe_default() {
        let m = classify("40004", Some("SOMETHING_NEW")).unwrap();
        assert_eq!(m.code, "gateway_business_error");
        assert!(!m.retryable);
        assert_eq!(classify("99999", None).unwrap().code, "gateway_error");
    }

    #[test]
    fn a_code_the_pages_do_not_list_leaves_the_outcome_unknown() {
        for code in ["99999", "40003", "50000", ""] {
            let m = classify(code, None).unwrap();
            assert!(
                m.is_system_fault(),
                "{code:?} must not read as a definite refusal"
            );
            assert!(!m.already_done && !m.our_fault, "{code:?}");
        }
        // A business failure with a sub_code we do not know is still a business failure.
        assert!(!classify("40004", Some("SOMETHING_NEW"))
            .unwrap()
            .is_system_fault());
    }
}
