//! The perform-and-settle step of every add (template.add, instance.add, voucher.send),
//! after its claim (`Core::run_keyed`): one logical gateway call, read in the light of
//! earlier attempts, then one fenced settlement of the record with its calls and events.
//! The request path, the reconciler and campaigns (through the request path) all run
//! [`Core::perform`]; each resource only says what differs ([`OpenAdd`]).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::alipay::client::{AttemptLog, GatewayError};
use crate::alipay::methods::Acting;
use crate::service::answers::Answer;
use crate::service::{failure_detail, lease_lost, Calls, Core, ServiceError};
use crate::store::idempotency::Claim;
use crate::store::records::{
    self, CallLog, OutboxEvent, PassRow, RecordKind, RecordRef, SavedAnswer, TemplateRow,
    VoucherRow,
};

/// A claimed open record of one resource, and what its add does that the others' do not:
/// its gateway call, how an answer becomes its settled row and the caller's view, its
/// events and its settling statement.
pub(crate) trait OpenAdd: Sized {
    /// The records this add opens.
    const KIND: RecordKind;
    /// Its row.
    type Row: AddRecord;
    /// What the call answers when it applied.
    type Done;
    /// The record as the request that claimed it wrote it.
    type Written;

    /// Claimed record `id`, from what this request `written` when it wrote the record,
    /// else read back (the reconciler, or a claim another request wrote).
    async fn open(
        core: &Core,
        id: Uuid,
        written: Option<Self::Written>,
    ) -> Result<Self, ServiceError>;
    fn row(&self) -> &Self::Row;
    fn row_mut(&mut self) -> &mut Self::Row;
    /// The gateway call, under the record's Alipay-side key.
    async fn call(
        &self,
        core: &Core,
        gateway: &Acting<'_>,
        log: &AttemptLog,
    ) -> Result<Self::Done, GatewayError>;
    /// Applied: the settled row's status and Alipay's ids, and the answer the caller gets.
    fn applied(&mut self, core: &Core, how: Applied<Self::Done>) -> Result<Answer, ServiceError>;
    /// Refused for good: the settled row's status and failure code.
    fn refused(&mut self, refusal: &Refused);
    /// The webhook events announcing the settlement.
    fn events(&self, core: &Core, after_unknown: bool) -> Vec<OutboxEvent>;
    /// The settling write, fenced by the claim's token: false when the lease was lost or
    /// the record is settled already (nothing written).
    async fn settle(
        &self,
        core: &Core,
        fence: Fence<'_>,
        how: &AddSettlement<'_>,
        log: &CallLog<'_>,
    ) -> Result<bool, sqlx::Error>;
}

/// What the pipeline reads and writes of every add record's row.
pub(crate) trait AddRecord {
    /// The record's id, its app, and the merchant token kept with it (sealed).
    fn owner(&self) -> (Uuid, &str, Option<&str>);
    /// The settled row is written as of `at`.
    fn touch(&mut self, at: DateTime<Utc>);
}

/// [`AddRecord`] for a row with `id`, `app_id`, `app_auth_token_sealed` and `updated_at`.
macro_rules! add_record {
    ($($row:ty),+) => {$(
        impl AddRecord for $row {
            fn owner(&self) -> (Uuid, &str, Option<&str>) {
                (self.id.into(), &self.app_id, self.app_auth_token_sealed.as_deref())
            }

            fn touch(&mut self, at: DateTime<Utc>) {
                self.updated_at = at;
            }
        }
    )+};
}
add_record!(TemplateRow, PassRow, VoucherRow);

/// What the settling write of an add is fenced by, and the answer it saves (None: a
/// refusal that leaves the key usable).
pub(crate) struct Fence<'a> {
    pub claim: &'a Claim,
    pub answer: Option<&'a SavedAnswer>,
}

/// How an applied add learnt it applied.
pub(crate) enum Applied<T> {
    /// This call's success answer.
    Now(T),
    /// "Already exists" after an attempt whose outcome was unknown: that attempt's effect.
    /// Carries the refusal's `result`, which the vendor's pages do not promise ids in.
    Earlier(Option<Map<String, Value>>),
}

/// How a settled add ended, for what a resource records beside its row.
pub(crate) enum AddSettlement<'a> {
    /// Applied, by this call or (`earlier`) by an attempt whose outcome was unknown.
    Applied {
        earlier: bool,
    },
    Refused(&'a Refused),
}

impl Core {
    /// Calls the gateway for a claimed add record and settles it. `written`: the record as
    /// this request wrote it, used when the claim wrote it (else it is read). Err = outcome
    /// unknown (the record stays open), a refusal that leaves the key usable, a lost lease,
    /// or a store failure.
    pub(crate) async fn perform<R: OpenAdd>(
        &self,
        claim: &Claim,
        written: Option<R::Written>,
    ) -> Result<SavedAnswer, ServiceError> {
        let written = written.filter(|_| claim.inserted);
        let mut open = R::open(self, claim.id, written).await?;
        let (id, app_id, sealed) = open.row().owner();
        let log = AttemptLog::default();
        let result = open
            .call(self, &self.gateway_for(app_id, sealed)?, &log)
            .await;
        let calls = Calls::new(RecordRef { kind: R::KIND, id }, &log);
        open.row_mut().touch(Utc::now());
        let (answer, refused, earlier) = match AddOutcome::read(result, claim.sent_before) {
            AddOutcome::Applied(how) => {
                let earlier = matches!(how, Applied::Earlier(_));
                (Some(open.applied(self, how)?), None, earlier)
            }
            AddOutcome::Refused(refusal) => {
                open.refused(&refusal);
                (refusal.answer(), Some(refusal), false)
            }
            AddOutcome::Unknown(unknown) => return self.leave_open(claim, &calls, unknown).await,
        };
        let how = match &refused {
            Some(refusal) => AddSettlement::Refused(refusal),
            None => AddSettlement::Applied { earlier },
        };
        let events = open.events(self, claim.sent_before);
        let log = calls.log().announcing(&events);
        let answer = answer.map(|answer| self.save_answer(answer));
        let fence = Fence {
            claim,
            answer: answer.as_ref(),
        };
        if !open.settle(self, fence, &how, &log).await? {
            return Err(lease_lost());
        }
        settled_answer(answer, refused)
    }

    /// After an unknown outcome of an add: frees the lease, with the attempt's calls, so a
    /// retry or the reconciler takes the record over; answers `unknown`.
    async fn leave_open(
        &self,
        claim: &Claim,
        calls: &Calls,
        unknown: ServiceError,
    ) -> Result<SavedAnswer, ServiceError> {
        let log = calls.log();
        records::release_lease(self.db(), log.record.kind, claim.id, claim.token, &log).await?;
        Err(unknown)
    }
}

/// A definite refusal, as recorded and answered.
pub(crate) struct Refused {
    pub error: ServiceError,
    /// The gateway's failure, whose answer is saved for replay.
    pub(super) failure: GatewayError,
    /// What the record's failure_code says: the sub_code, else the code.
    pub code: String,
    /// The refusal proves no effect and is a fault of our configuration: the caller's key
    /// stays usable, so nothing is stored for replay.
    pub keeps_key: bool,
    pub detail: Value,
}

impl Refused {
    fn new(error: &GatewayError) -> Self {
        let (code, keeps_key) = match error {
            GatewayError::Refused(refusal) => (refusal.failure_code(), refusal.meaning.our_fault),
            GatewayError::NotSent(_) => ("not_sent".to_owned(), false),
            // Nothing was sent: the caller's key stays usable.
            GatewayError::RateLimited(_) => ("rate_limited".to_owned(), true),
            GatewayError::NoAnswer(_) => ("gateway_outcome_unknown".to_owned(), false),
        };
        Self {
            code,
            keeps_key,
            detail: failure_detail(error),
            error: ServiceError::gateway(error.clone(), false),
            failure: error.clone(),
        }
    }
}

/// How the call of an add ended.
enum AddOutcome<T> {
    Applied(Applied<T>),
    Refused(Refused),
    Unknown(ServiceError),
}

impl<T> AddOutcome<T> {
    /// `sent_before`: an earlier attempt under this key (before a crash, a lost answer or a
    /// lease expiry) may have reached Alipay. Only then is "already exists" ours.
    fn read(result: Result<T, GatewayError>, sent_before: bool) -> Self {
        let after_unknown =
            sent_before || matches!(&result, Err(GatewayError::Refused(r)) if r.after_unknown);
        match result {
            Ok(value) => AddOutcome::Applied(Applied::Now(value)),
            Err(GatewayError::Refused(refusal))
                if refusal.meaning.already_done && after_unknown =>
            {
                AddOutcome::Applied(Applied::Earlier(refusal.result))
            }
            Err(error) => match read_failure(&error, after_unknown) {
                Ok(refused) => AddOutcome::Refused(refused),
                Err(problem) => AddOutcome::Unknown(problem),
            },
        }
    }
}

/// A failed call read in the light of earlier attempts: a definite refusal, or (Err) still
/// unknown: no usable answer, a fault that may follow the effect, or a configuration refusal
/// after an attempt whose outcome was unknown (it says nothing of that attempt; business
/// refusals are deterministic and would have refused it too).
pub(crate) fn read_failure(
    error: &GatewayError,
    after_unknown: bool,
) -> Result<Refused, ServiceError> {
    if error.is_ambiguous() {
        return Err(ServiceError::gateway(error.clone(), true));
    }
    let refused = Refused::new(error);
    if refused.keeps_key && after_unknown {
        Err(ServiceError::gateway(error.clone(), true))
    } else {
        Ok(refused)
    }
}

/// What a settled add answers: the saved answer, or the refusal when the key stays usable
/// (nothing saved).
fn settled_answer(
    answer: Option<SavedAnswer>,
    refused: Option<Refused>,
) -> Result<SavedAnswer, ServiceError> {
    match (answer, refused) {
        (Some(answer), _) => Ok(answer),
        (None, Some(refused)) => Err(refused.error),
        (None, None) => Err(ServiceError::internal("settled without an answer")),
    }
}
