//! Operations without an Alipay-side key (a pass change, a template update). Each is kept
//! on its row while open and sent once per attempt. After an attempt whose outcome is
//! unknown, only an answer that proves the operation's state settles it: a success, or a
//! `status` in the answer. A refusal proves nothing then — the pages' own
//! `KP.AE_ALIPASS_UPDATE_ERROR` means "the update failed, retry", not "an earlier attempt
//! applied" — so the operation stays uncertain and is resent, each time after a longer
//! wait, up to `reconciler.max_unproven_tries`. Then it waits for an operator
//! (`needs_confirmation`), who says whether it applied; that is recorded with the
//! settlement. Nothing is guessed.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::alipay::client::GatewayError;
use crate::service::{failure_detail, read_failure, Calls, Refused, Service, ServiceError};
use crate::store::idempotency::Lease;
use crate::store::records::{self, OperatorResolution, Pending, Take};

/// What is known of an open operation's earlier attempts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Doubt {
    /// An attempt's outcome was unknown: a later answer may meet its effect.
    #[serde(default)]
    pub uncertain: bool,
    /// Resends since then that Alipay refused: answers that prove nothing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unproven_tries: u32,
    /// The tries are spent: only an operator can say whether it applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_confirmation: bool,
    /// The last of those answers (codes and message), for the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_answer: Option<Value>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Doubt {
    /// After an attempt whose outcome stays unknown (`error`): a resend that Alipay refused
    /// is one more try that proved nothing; at `max_tries` the operation waits for an operator.
    fn after_unknown(&mut self, error: Option<&GatewayError>, max_tries: u32) {
        let refused_resend = self.uncertain && matches!(error, Some(GatewayError::Refused(_)));
        self.uncertain = true;
        if refused_resend {
            self.unproven_tries += 1;
            self.last_answer = error.map(failure_detail);
            self.needs_confirmation = self.unproven_tries >= max_tries;
        }
    }
}

/// An operation without an Alipay-side key, kept on its row until settled.
pub(crate) trait PendingOperation: Serialize + Sized {
    fn operation_id(&self) -> Uuid;
    fn doubt(&self) -> &Doubt;
    fn doubt_mut(&mut self) -> &mut Doubt;

    /// The same operation once an attempt's outcome may be unknown.
    fn into_uncertain(mut self) -> Self {
        self.doubt_mut().uncertain = true;
        self
    }
}

impl Service {
    /// The operation kept on row `id` (its `stored` column), if any. One that cannot be
    /// read is an error that is logged, counted (`alipass_pending_operations_unreadable_total`)
    /// and answered, never taken for "no operation": that would let a second change start
    /// over an open one, or the reconciler pass it by for ever.
    pub(crate) fn stored_operation<P: PendingOperation + serde::de::DeserializeOwned>(
        &self,
        kind: Pending,
        id: Uuid,
        stored: Option<Value>,
    ) -> Result<Option<P>, ServiceError> {
        let Some(value) = stored.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        serde_json::from_value(value).map(Some).map_err(|error| {
            let kind = kind.as_str();
            self.inner
                .metrics
                .pending_unreadable
                .with_label_values(&[kind])
                .inc();
            tracing::error!(record = %id, kind, %error, "a pending operation cannot be read");
            ServiceError::internal(format!(
                "the open operation of {kind} record {id} cannot be read ({error}): it is left as it is for an operator"
            ))
        })
    }
}

/// `op` as it is kept on its row.
fn stored_form<P: PendingOperation>(op: &P) -> Result<Value, ServiceError> {
    serde_json::to_value(op)
        .map_err(|error| ServiceError::internal(format!("cannot store an operation: {error}")))
}

/// [`PendingOperation`] for a struct with `id: Uuid` and `doubt: Doubt`.
macro_rules! pending_operation {
    ($operation:ty) => {
        impl crate::service::uncertain::PendingOperation for $operation {
            fn operation_id(&self) -> Uuid {
                self.id
            }

            fn doubt(&self) -> &crate::service::uncertain::Doubt {
                &self.doubt
            }

            fn doubt_mut(&mut self) -> &mut crate::service::uncertain::Doubt {
                &mut self.doubt
            }
        }
    };
}
pub(crate) use pending_operation;

/// A failed attempt of a keyless operation: a definite refusal, or (Err) still unknown.
/// After an attempt whose outcome was unknown no failure is definite: a refusal says
/// nothing of that attempt (it may have applied, and this one failed).
pub(crate) fn read_change_failure(
    error: &GatewayError,
    doubt: &Doubt,
) -> Result<Refused, ServiceError> {
    if doubt.uncertain {
        return Err(ServiceError::gateway(error.clone(), true));
    }
    read_failure(error, false)
}

/// An operator's answer to a change that waits for one.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"applied": true, "reason": "the Alipay merchant console shows the pass as used"}))]
pub struct Resolution {
    /// Whether Alipay holds the change (as the operator checked it).
    pub applied: bool,
    /// Why: what the operator checked (1 to 500 characters).
    pub reason: String,
}

/// The longest reason an operator may give.
const REASON_MAX_CHARS: usize = 500;

impl Resolution {
    /// The operation stored in `pending` and this resolution of it by `by`, checked: 409
    /// unless an operation waits for an operator there.
    pub(crate) fn decide<P>(
        &self,
        pending: &Option<Value>,
        by: &str,
    ) -> Result<(P, OperatorResolution), ServiceError>
    where
        P: PendingOperation + serde::de::DeserializeOwned,
    {
        let stored = pending.clone().ok_or_else(not_awaiting)?;
        let op: P = serde_json::from_value(stored)
            .map_err(|e| ServiceError::internal(format!("a stored pending operation: {e}")))?;
        let decided = self.for_operation(&op, by)?;
        Ok((op, decided))
    }

    /// The resolution of `op` by `by`, checked; 409 unless `op` waits for an operator.
    fn for_operation<P: PendingOperation>(
        &self,
        op: &P,
        by: &str,
    ) -> Result<OperatorResolution, ServiceError> {
        let reason = self.reason.trim();
        let length = reason.chars().count();
        if length == 0 || length > REASON_MAX_CHARS {
            return Err(ServiceError::validation(
                "invalid resolution",
                vec![crate::domain::FieldProblem {
                    path: "$.reason".into(),
                    message: format!("give a reason of 1 to {REASON_MAX_CHARS} characters"),
                    alipay_code: None,
                }],
            ));
        }
        let doubt = op.doubt();
        if !doubt.needs_confirmation {
            return Err(not_awaiting());
        }
        Ok(OperatorResolution {
            operation_id: op.operation_id(),
            applied: self.applied,
            reason: reason.to_owned(),
            resolved_by: by.to_owned(),
            unproven_tries: doubt.unproven_tries,
            last_answer: doubt.last_answer.clone(),
        })
    }
}

/// Nothing to resolve: no change, or one that answers may still settle.
fn not_awaiting() -> ServiceError {
    ServiceError::conflict(
        "not_awaiting_confirmation",
        "no change of this record waits for an operator's confirmation",
    )
}

/// A resend of a change that waits for an operator.
pub(crate) fn awaiting_operator(what: &str) -> ServiceError {
    ServiceError::conflict(
        "needs_confirmation",
        format!(
            "{what} was sent, its outcome is unknown, and no answer since proved it: an \
             operator must confirm whether it applied"
        ),
    )
}

impl Service {
    /// Takes over the pending operation `op` of row `id` (the reconciler, or the caller
    /// resending it): every such resend is read as uncertain. None while its lease lives,
    /// its quiet time runs, or it waits for an operator.
    pub(crate) async fn resume_pending<R, P>(
        &self,
        kind: Pending,
        id: Uuid,
        op: P,
        lease: Lease,
    ) -> Result<Option<(R, P)>, ServiceError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
        P: PendingOperation,
    {
        let op = op.into_uncertain();
        let value = stored_form(&op)?;
        let take = Take::Resume {
            operation_id: op.operation_id(),
            quiet: self.inner.quiet,
        };
        let row = records::take_pending(self.db(), (kind, id), take, &value, lease).await?;
        Ok(row.map(|row| (row, op)))
    }

    /// Takes the operation `op` of row `id` that waits for an operator, to settle it.
    pub(crate) async fn take_for_resolution<R, P>(
        &self,
        kind: Pending,
        id: Uuid,
        op: &P,
        lease: Lease,
    ) -> Result<R, ServiceError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
        P: PendingOperation,
    {
        let value = stored_form(op)?;
        let take = Take::Resolve {
            operation_id: op.operation_id(),
        };
        records::take_pending(self.db(), (kind, id), take, &value, lease)
            .await?
            .ok_or_else(not_awaiting)
    }

    /// After an unknown outcome (`unknown`): keeps `op` on its row, uncertain (and counted
    /// when the answer proved nothing), for a retry or the reconciler, with the attempt's
    /// calls, and frees the lease.
    pub(crate) async fn keep_uncertain<P: PendingOperation>(
        &self,
        (kind, id, token): (Pending, Uuid, Uuid),
        mut op: P,
        calls: &Calls,
        unknown: &ServiceError,
    ) -> Result<(), ServiceError> {
        let failure = match unknown {
            ServiceError::Gateway { failure, .. } => Some(failure),
            _ => None,
        };
        op.doubt_mut()
            .after_unknown(failure, self.inner.max_unproven_tries);
        if op.doubt().needs_confirmation {
            tracing::warn!(record = %id, operation = %op.operation_id(),
                "a change's outcome could not be proven: it waits for an operator");
        }
        let value = stored_form(&op)?;
        records::keep_pending(self.db(), kind, id, token, &value, &calls.log()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alipay::client::Refusal;

    fn update_error() -> GatewayError {
        let refusal = Refusal::business("KP.AE_ALIPASS_UPDATE_ERROR", "更新卡券失败", true);
        GatewayError::Refused(Box::new(refusal))
    }

    #[test]
    fn a_first_unknown_outcome_makes_the_operation_uncertain_without_a_try() {
        let mut doubt = Doubt::default();
        doubt.after_unknown(Some(&GatewayError::NoAnswer("lost".into())), 2);
        assert!(doubt.uncertain);
        assert_eq!(doubt.unproven_tries, 0);
    }

    #[test]
    fn refused_resends_are_counted_until_an_operator_must_confirm() {
        let mut doubt = Doubt {
            uncertain: true,
            ..Doubt::default()
        };
        doubt.after_unknown(Some(&update_error()), 2);
        assert_eq!((doubt.unproven_tries, doubt.needs_confirmation), (1, false));
        // A lost answer to a resend is no answer: not a try that proved nothing.
        doubt.after_unknown(Some(&GatewayError::NoAnswer("lost".into())), 2);
        assert_eq!(doubt.unproven_tries, 1);
        doubt.after_unknown(Some(&update_error()), 2);
        assert_eq!((doubt.unproven_tries, doubt.needs_confirmation), (2, true));
        assert!(doubt.last_answer.is_some());
    }

    #[test]
    fn after_an_unknown_outcome_no_refusal_is_definite() {
        let uncertain = Doubt {
            uncertain: true,
            ..Doubt::default()
        };
        assert!(read_change_failure(&update_error(), &uncertain).is_err());
        assert!(read_change_failure(&update_error(), &Doubt::default()).is_ok());
    }

    #[test]
    fn the_stored_form_of_earlier_pending_operations_still_reads() {
        let doubt: Doubt = serde_json::from_value(serde_json::json!({"uncertain": true})).unwrap();
        assert!(doubt.uncertain && !doubt.needs_confirmation);
    }
}
