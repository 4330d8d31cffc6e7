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

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::service::{failure_detail, read_failure, Calls, Core, Refused, ServiceError};
use crate::store::idempotency::Lease;
use crate::store::records::{self, OperatorResolution, Pending, RecordKind, RecordRef, Take};

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

/// An operation without an Alipay-side key, kept on its row until settled: the caller's
/// request (what a retry sends again), our id for the operation, and what its attempts
/// left unknown. Stored flat: `{"id", <the request's fields>, <the doubt's fields>}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingOp<R> {
    /// The operation id: its settling event is unique per record.
    pub id: Uuid,
    #[serde(flatten)]
    pub request: R,
    /// What earlier attempts left unknown.
    #[serde(flatten)]
    pub doubt: Doubt,
}

impl<R: PartialEq> PendingOp<R> {
    pub fn new(request: R) -> Self {
        Self {
            id: Uuid::now_v7(),
            request,
            doubt: Doubt::default(),
        }
    }

    /// Whether `request` is this operation sent again (a caller's retry): the one test of
    /// "the same request" for a keyless change. The id and the doubt are ours, not the
    /// caller's, so they are not compared.
    pub fn same_request(&self, request: &R) -> bool {
        self.request == *request
    }

    /// The same operation once an attempt's outcome may be unknown.
    fn into_uncertain(mut self) -> Self {
        self.doubt.uncertain = true;
        self
    }
}

impl Core {
    /// The operation kept on row `id` (its `stored` column), if any. One that cannot be
    /// read is an error that is logged, counted (`alipass_pending_operations_unreadable_total`)
    /// and answered, never taken for "no operation": that would let a second change start
    /// over an open one, or the reconciler pass it by for ever.
    fn stored_operation<C: KeylessChange>(
        &self,
        id: Uuid,
        stored: Option<&Value>,
    ) -> Result<Option<PendingOp<C>>, ServiceError> {
        let Some(value) = stored.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        PendingOp::deserialize(value).map(Some).map_err(|error| {
            let kind = C::PENDING.as_str();
            self.metrics
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
fn stored_form<R: Serialize>(op: &PendingOp<R>) -> Result<Value, ServiceError> {
    serde_json::to_value(op)
        .map_err(|error| ServiceError::internal(format!("cannot store an operation: {error}")))
}

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
    /// The resolution of `op` by `by`, checked; 409 unless `op` waits for an operator.
    fn for_operation<R>(
        &self,
        op: &PendingOp<R>,
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
        let doubt = &op.doubt;
        if !doubt.needs_confirmation {
            return Err(not_awaiting());
        }
        Ok(OperatorResolution {
            operation_id: op.id,
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

/// One kind of change without an Alipay-side key (a template update, a pass change): the
/// request a caller sends, and what differs between kinds. Everything else (take, perform
/// once, keep uncertain, reconcile, an operator's resolution) is one pipeline
/// ([`Core::run_change`], [`Core::reconcile_change`], [`Core::resolve_change`]).
pub(crate) trait KeylessChange:
    Serialize + serde::de::DeserializeOwned + PartialEq + Sized
{
    /// Where the operation is kept.
    const PENDING: Pending;
    /// The record kind, in the gateway-call log.
    const RECORD: RecordKind;
    /// "an update of this template", in answers that name the open operation.
    const WHAT: &'static str;
    /// "this update", in answers to its resend.
    const THIS: &'static str;
    /// The record it changes, as the store reads it.
    type Row: crate::store::records::PendingRow;
    /// What the request needs in hand, read from it once (a template's parsed content).
    type Ready;
    /// What an answer proved applied.
    type Applied;
    /// What the caller gets.
    type View;

    fn ready(&self, core: &Core) -> Result<Self::Ready, ServiceError>;
    /// The record's id and its stored operation column.
    fn pending_of(row: &Self::Row) -> (Uuid, Option<&Value>);
    /// Record `id` (of `app_id` when given).
    async fn read(
        core: &Core,
        app_id: Option<&str>,
        id: Uuid,
    ) -> Result<Option<Self::Row>, ServiceError>;
    /// Why the record takes no new change (its status), if it does not.
    fn check_ready(row: &Self::Row) -> Result<(), ServiceError>;
    /// Another operation of the record holds it (no stored one differs from ours yet).
    fn in_progress() -> ServiceError;
    /// Another request is pending on the record.
    fn other_pending() -> ServiceError;
    /// Sends the change once, and reads its answer in the light of earlier attempts.
    async fn attempt(
        core: &Core,
        row: &Self::Row,
        op: &PendingOp<Self>,
        ready: &Self::Ready,
        log: &AttemptLog,
    ) -> Result<ChangeOutcome<Self::Applied>, ServiceError>;
    /// The fenced settling write (with its events) and what the caller gets.
    async fn settle(
        core: &Core,
        fenced: (&Self::Row, Uuid),
        op: (&PendingOp<Self>, &Self::Ready),
        how: Settle<'_, Self::Applied>,
        calls: &Calls,
    ) -> Result<Self::View, ServiceError>;
}

/// How one attempt of a keyless change ended, read in the light of earlier attempts.
pub(crate) enum ChangeOutcome<A> {
    /// An answer proved the change's state: `A` says what it holds.
    Applied(A),
    Refused(Refused),
    /// Still unknown: keep the change pending and uncertain.
    Unknown(ServiceError),
}

impl<A> ChangeOutcome<A> {
    pub fn failed(read: Result<Refused, ServiceError>) -> Self {
        match read {
            Ok(refused) => ChangeOutcome::Refused(refused),
            Err(problem) => ChangeOutcome::Unknown(problem),
        }
    }
}

/// How a keyless change is settled.
pub(crate) enum Settle<'a, A> {
    /// An answer proved it applied.
    Applied(A),
    /// An operator said it applied.
    Confirmed,
    /// Refused for good: nothing changes.
    Refused(&'a Refused),
    /// An operator said it did not apply: nothing changes.
    NotApplied,
}

impl Core {
    /// Takes record `id` of `app_id` for `op` (or, when the same request is pending and
    /// may be resent, takes that one over), sends it once and settles it.
    pub(crate) async fn run_change<C: KeylessChange>(
        &self,
        (app_id, id): (&str, Uuid),
        op: PendingOp<C>,
        ready: C::Ready,
    ) -> Result<C::View, ServiceError> {
        let lease = self.new_lease();
        let take = Take::New { app_id };
        let value = stored_form(&op)?;
        let taken = records::take_pending(self.db(), id, take, &value, lease).await?;
        let (row, op) = match taken {
            Some(row) => (row, op),
            None => self.resume_change(app_id, id, op, lease).await?,
        };
        self.perform_change(row, lease.token, op, &ready).await
    }

    /// When a change cannot begin: the same request as a pending operation whose lease
    /// expired (the caller's retry after an unknown outcome) takes that operation over;
    /// anything else is refused.
    async fn resume_change<C: KeylessChange>(
        &self,
        app_id: &str,
        id: Uuid,
        wanted: PendingOp<C>,
        lease: Lease,
    ) -> Result<(C::Row, PendingOp<C>), ServiceError> {
        let row = C::read(self, Some(app_id), id)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("no record {id}")))?;
        let Some(pending) = self.stored_operation::<C>(id, C::pending_of(&row).1)? else {
            C::check_ready(&row)?;
            return Err(C::in_progress());
        };
        if pending.doubt.needs_confirmation {
            return Err(awaiting_operator(C::WHAT));
        }
        if !pending.same_request(&wanted.request) {
            return Err(C::other_pending());
        }
        self.resume_pending(id, pending, lease)
            .await?
            .ok_or_else(|| self.awaiting_settlement(C::THIS))
    }

    /// Sends a taken operation once and settles it (request path and reconciler): an
    /// unknown outcome keeps it on its row, uncertain.
    async fn perform_change<C: KeylessChange>(
        &self,
        row: C::Row,
        token: Uuid,
        op: PendingOp<C>,
        ready: &C::Ready,
    ) -> Result<C::View, ServiceError> {
        let id = C::pending_of(&row).0;
        let log = AttemptLog::default();
        let outcome = C::attempt(self, &row, &op, ready, &log).await?;
        let calls = Calls::new(
            RecordRef {
                kind: C::RECORD,
                id,
            },
            &log,
        );
        let fenced = (&row, token);
        match outcome {
            ChangeOutcome::Applied(applied) => {
                let how = Settle::Applied(applied);
                C::settle(self, fenced, (&op, ready), how, &calls).await
            }
            ChangeOutcome::Refused(refused) => {
                let how = Settle::Refused(&refused);
                C::settle(self, fenced, (&op, ready), how, &calls).await?;
                Err(refused.error)
            }
            ChangeOutcome::Unknown(problem) => {
                self.keep_uncertain::<C>((id, token), op, &calls, &problem)
                    .await?;
                Err(problem)
            }
        }
    }

    /// Reconciler: resends the pending operation of record `id`. Every pending operation
    /// is uncertain here: its owner may have sent it before it crashed. Ok(true) when
    /// settled.
    pub(crate) async fn reconcile_change<C: KeylessChange>(
        &self,
        id: Uuid,
    ) -> Result<bool, ServiceError> {
        let Some(row) = C::read(self, None, id).await? else {
            return Ok(false);
        };
        let Some(op) = self.stored_operation::<C>(id, C::pending_of(&row).1)? else {
            return Ok(false);
        };
        let ready = op.request.ready(self)?;
        let lease = self.new_lease();
        let Some((row, op)) = self.resume_pending::<C>(id, op, lease).await? else {
            return Ok(false);
        };
        match self.perform_change(row, lease.token, op, &ready).await {
            Ok(_) => Ok(true),
            // A refusal settles it too; an unknown outcome keeps it pending.
            Err(_) => Ok(C::read(self, None, id)
                .await?
                .is_some_and(|row| C::pending_of(&row).1.is_none())),
        }
    }

    /// An operator's answer to the operation of `row` that no answer could prove: applied
    /// or not, settled so and recorded in `operator_resolutions`, by `by`.
    pub(crate) async fn resolve_change<C: KeylessChange>(
        &self,
        row: C::Row,
        resolution: &Resolution,
        by: &str,
    ) -> Result<C::View, ServiceError> {
        let (id, stored) = C::pending_of(&row);
        let op = self
            .stored_operation::<C>(id, stored)?
            .ok_or_else(not_awaiting)?;
        let decided = resolution.for_operation(&op, by)?;
        let ready = op.request.ready(self)?;
        let lease = self.new_lease();
        let take = Take::Resolve {
            operation_id: op.id,
        };
        let value = stored_form(&op)?;
        let row: C::Row = records::take_pending(self.db(), id, take, &value, lease)
            .await?
            .ok_or_else(not_awaiting)?;
        let calls = Calls::resolved(
            RecordRef {
                kind: C::RECORD,
                id,
            },
            decided,
        );
        let how = match resolution.applied {
            true => Settle::Confirmed,
            false => Settle::NotApplied,
        };
        C::settle(self, (&row, lease.token), (&op, &ready), how, &calls).await
    }

    /// Takes over the pending operation `op` of row `id` (the reconciler, or the caller
    /// resending it): every such resend is read as uncertain. None while its lease lives,
    /// its quiet time runs, or it waits for an operator.
    async fn resume_pending<C: KeylessChange>(
        &self,
        id: Uuid,
        op: PendingOp<C>,
        lease: Lease,
    ) -> Result<Option<(C::Row, PendingOp<C>)>, ServiceError> {
        let op = op.into_uncertain();
        let value = stored_form(&op)?;
        let take = Take::Resume {
            operation_id: op.id,
            quiet: self.quiet,
        };
        let row = records::take_pending(self.db(), id, take, &value, lease).await?;
        Ok(row.map(|row| (row, op)))
    }

    /// After an unknown outcome (`unknown`): keeps `op` on its row, uncertain (and counted
    /// when the answer proved nothing), for a retry or the reconciler, with the attempt's
    /// calls, and frees the lease.
    async fn keep_uncertain<C: KeylessChange>(
        &self,
        (id, token): (Uuid, Uuid),
        mut op: PendingOp<C>,
        calls: &Calls,
        unknown: &ServiceError,
    ) -> Result<(), ServiceError> {
        let failure = match unknown {
            ServiceError::Gateway { failure, .. } => Some(failure),
            _ => None,
        };
        op.doubt.after_unknown(failure, self.max_unproven_tries);
        if op.doubt.needs_confirmation {
            tracing::warn!(record = %id, operation = %op.id,
                "a change's outcome could not be proven: it waits for an operator");
        }
        let value = stored_form(&op)?;
        records::keep_pending(self.db(), C::PENDING, id, token, &value, &calls.log()).await?;
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
