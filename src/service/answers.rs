//! What a settled add answers, in the service's terms: a typed outcome ([`Settled`]) for
//! whoever reads it below the edge (the campaign runner, the reconciler), and the wire form a
//! replay sends, which the edge's [`AnswerEncoder`] chooses. The service never picks a
//! status or writes a problem body.

use serde_json::value::RawValue;

use super::error::gateway_failure_words;
use super::{Core, Refused};
use crate::alipay::client::GatewayError;
use crate::store::answer::{SavedAnswer, Settled};

/// How a settled add is answered over the wire: status and body. Given to the service by
/// the edge at start-up (`crate::error::HttpAnswers`).
pub trait AnswerEncoder: Send + Sync {
    /// A created record's answer, whose body is its view.
    fn created(&self, view: Box<RawValue>) -> (u16, Box<RawValue>);
    /// A definite refusal's answer, saved for every replay of its key.
    fn refused(&self, failure: &GatewayError) -> (u16, Box<RawValue>);
}

/// What a settled add answers, before the edge's encoding.
pub(crate) enum Answer {
    Created {
        view: Box<RawValue>,
        alipay_id: Option<String>,
    },
    Refused(GatewayError),
}

impl Answer {
    /// A created record: its view, and Alipay's id for it when known.
    pub fn created(view: &impl serde::Serialize, alipay_id: Option<&str>) -> Self {
        // Every view is plain fields and string keys, which always serialize: a failure is
        // a bug in a view, and is loud, never a saved `null`.
        let view = serde_json::value::to_raw_value(view)
            .expect("a view serializes: plain fields and string keys only");
        Self::Created {
            view,
            alipay_id: alipay_id.map(str::to_owned),
        }
    }

    /// How this answer settled, typed.
    fn outcome(&self) -> Settled {
        match self {
            Answer::Created { alipay_id, .. } => Settled::Applied {
                alipay_id: alipay_id.clone(),
            },
            Answer::Refused(failure) => refused_outcome(failure),
        }
    }
}

/// A refusal's typed outcome: Alipay's business code when it gave one, else ours, with our
/// words for it (the same the edge's problem uses).
fn refused_outcome(failure: &GatewayError) -> Settled {
    let (ours, detail) = gateway_failure_words(failure);
    let sub_code = match failure {
        GatewayError::Refused(refusal) => refusal.sub_code.clone(),
        _ => None,
    };
    Settled::Refused {
        code: sub_code.unwrap_or_else(|| ours.to_owned()),
        detail,
    }
}

impl Refused {
    /// The answer replayed for the key (the refusal the caller got), unless the key stays
    /// usable.
    pub fn answer(&self) -> Option<Answer> {
        (!self.keeps_key).then(|| Answer::Refused(self.failure.clone()))
    }
}

impl Core {
    /// The saved form of `answer`: the edge's wire form, with its typed outcome.
    pub(crate) fn save_answer(&self, answer: Answer) -> SavedAnswer {
        let outcome = answer.outcome();
        let encoder = &self.answers;
        let (status, body) = match answer {
            Answer::Created { view, .. } => encoder.created(view),
            Answer::Refused(failure) => encoder.refused(&failure),
        };
        SavedAnswer::new(status, body, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alipay::client::Refusal;

    #[test]
    fn a_refusals_outcome_is_alipays_sub_code_else_our_code_with_our_words() {
        let refusal = Refusal::business("KP.AE_ALIPASS_TPL_NOTEXIST", "template missing", false);
        let with_sub_code = GatewayError::Refused(Box::new(refusal));
        let Settled::Refused { code, detail } = refused_outcome(&with_sub_code) else {
            panic!("a refusal settles as refused");
        };
        assert_eq!(code, "KP.AE_ALIPASS_TPL_NOTEXIST");
        assert_eq!(detail, "Alipay refused the call: template missing");
        let not_sent = GatewayError::NotSent("request too large".into());
        let Settled::Refused { code, detail } = refused_outcome(&not_sent) else {
            panic!("a refusal settles as refused");
        };
        assert_eq!(code, "validation_failed");
        assert_eq!(detail, "cannot be sent to Alipay: request too large");
    }
}
