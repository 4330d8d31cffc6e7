//! The only places the tests touch the service's tables. Everything a caller can do goes
//! through the API; these helpers are for what no request can: state that only an older
//! version, a careless restore or a hand edit leaves behind, another session holding a
//! row, and records the API deliberately does not show (sealed values at rest, operator
//! resolutions, the outbox, whole tables compared with the gateway's). Each says why it
//! needs the database. Keeping them here means a change of schema is mended in one file,
//! not in every test.

use serde_json::Value;
use sqlx::PgPool;

use super::TestApp;

/// Every pass as recorded, by serial number: its status. The whole table, for the runs
/// that compare it with the gateway's passes after faults, kills and outages (a list of the
/// API pages and hides nothing more, but the proof that nothing was recorded twice reads
/// the rows themselves).
pub async fn recorded_passes(db: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as("SELECT serial_number, status FROM passes ORDER BY serial_number")
        .fetch_all(db)
        .await
        .unwrap()
}

/// How many passes are still ISSUING (their outcome unknown, waiting for the reconciler).
pub async fn passes_issuing(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM passes WHERE status = 'ISSUING'")
        .fetch_one(db)
        .await
        .unwrap()
}

/// How many templates, passes and vouchers are recorded: one row per key however many
/// replicas raced for it.
pub async fn recorded_counts(db: &PgPool) -> [(&'static str, i64); 3] {
    let mut counts = [("templates", 0), ("passes", 0), ("vouchers", 0)];
    for (table, count) in &mut counts {
        // A table name cannot be bound; these three are written here.
        *count = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(db)
            .await
            .unwrap();
    }
    counts
}

/// State no request can produce: left by an older version, a restore or a hand edit.
impl TestApp {
    /// A campaign stored before rates were bounded: the API refuses such a rate now.
    pub async fn store_legacy_campaign_rate(&self, id: &str, rate_per_sec: f64) {
        let stored = sqlx::query("UPDATE campaigns SET rate_per_sec = $2 WHERE id = $1::uuid")
            .bind(id)
            .bind(rate_per_sec)
            .execute(&self.db)
            .await
            .unwrap();
        assert_eq!(stored.rows_affected(), 1, "campaign {id}");
    }

    /// An open change of pass `serial` written by a version that no longer reads it (or
    /// damaged by hand).
    pub async fn store_unreadable_pending_change(&self, serial: &str) {
        let stored = sqlx::query(
            "UPDATE passes SET pending_change = '{\"shape\": \"unknown\"}' \
             WHERE serial_number = $1",
        )
        .bind(serial)
        .execute(&self.db)
        .await
        .unwrap();
        assert_eq!(stored.rows_affected(), 1, "pass {serial}");
    }

    /// Voucher answers as a replica without typed outcomes saved them: status and body
    /// only. Answers how many records it changed.
    pub async fn forget_typed_voucher_outcomes(&self) -> u64 {
        let old = sqlx::query("UPDATE vouchers SET response_outcome = NULL")
            .execute(&self.db)
            .await
            .unwrap();
        old.rows_affected()
    }

    /// Every saved voucher problem body with `members` written over it (an older wording of
    /// its codes and words). Answers how many records it changed.
    pub async fn reword_saved_voucher_answers(&self, members: &Value) -> u64 {
        let changed = sqlx::query("UPDATE vouchers SET response_body = response_body || $1")
            .bind(members)
            .execute(&self.db)
            .await
            .unwrap();
        changed.rows_affected()
    }

    /// Voucher `from`'s sealed recipient copied onto voucher `to` (a careless restore): the
    /// seal is bound to its record, so it must not open there.
    pub async fn copy_sealed_recipient(&self, from: &str, to: &str) {
        let copied = sqlx::query(
            "UPDATE vouchers SET recipient = (SELECT recipient FROM vouchers \
             WHERE out_biz_no = $1) WHERE out_biz_no = $2",
        )
        .bind(from)
        .bind(to)
        .execute(&self.db)
        .await
        .unwrap();
        assert_eq!(copied.rows_affected(), 1, "voucher {to}");
    }

    /// Vouchers whose out_biz_no starts with `prefix`, and their gateway calls, made `days`
    /// ago (retention acts on age; the API writes only the present).
    pub async fn age_vouchers(&self, prefix: &str, days: i32) {
        let like = format!("{prefix}%");
        for sql in [
            "UPDATE vouchers SET updated_at = now() - make_interval(days => $2) \
             WHERE out_biz_no LIKE $1",
            "UPDATE gateway_calls SET created_at = now() - make_interval(days => $2) \
             WHERE record_id IN (SELECT id FROM vouchers WHERE out_biz_no LIKE $1)",
        ] {
            sqlx::query(sql)
                .bind(&like)
                .bind(days)
                .execute(&self.db)
                .await
                .unwrap();
        }
    }

    /// Webhook endpoint `id` as if `owner` (a key that has since lost `read`) had
    /// registered it: registration by such a key is refused now.
    pub async fn store_webhook_owner(&self, id: &str, owner: &str) {
        sqlx::query("UPDATE webhook_endpoints SET owner = $2 WHERE id = $1::uuid")
            .bind(id)
            .bind(owner)
            .execute(&self.db)
            .await
            .unwrap();
    }

    /// Webhook endpoint `id` disabled as the deliverer disables one whose every delivery
    /// failed for hours (the API can enable an endpoint, never disable it).
    pub async fn store_endpoint_disabled(&self, id: &str) {
        sqlx::query(
            "UPDATE webhook_endpoints SET enabled = false, \
             disabled_reason = 'switched off by the test' WHERE id = $1::uuid",
        )
        .bind(id)
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// The deliveries to endpoint `id` pending again and due now, as an old redelivery or
    /// an event queued as the endpoint was disabled leaves them: their attempts so far.
    pub async fn store_delivery_pending_again(&self, id: &str) -> i32 {
        sqlx::query_scalar(
            "UPDATE webhook_deliveries SET state = 'PENDING', next_attempt_at = now(), \
             lease_until = NULL WHERE endpoint_id = $1::uuid RETURNING attempts",
        )
        .bind(id)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// `count` pass.issued events queued for endpoint `id` alone, due now: a backlog far
    /// larger (and faster made) than passes issued through the API would give.
    pub async fn store_delivery_backlog(&self, id: &str, count: i32) {
        sqlx::query(
            "WITH ev AS (INSERT INTO webhook_events (id, app_id, type, payload) \
                 SELECT gen_random_uuid(), e.app_id, 'pass.issued', '{}'::jsonb \
                 FROM webhook_endpoints e, generate_series(1, $2) WHERE e.id = $1::uuid \
                 RETURNING id) \
             INSERT INTO webhook_deliveries (event_id, endpoint_id) SELECT id, $1::uuid FROM ev",
        )
        .bind(id)
        .bind(count)
        .execute(&self.db)
        .await
        .unwrap();
    }
}

/// Sessions of the database beside the service's own.
impl TestApp {
    /// Pass `serial`'s row locked by another session (a stuck job, an operator's open
    /// transaction) until the holder is released.
    pub async fn hold_pass_row(&self, serial: &str) -> RowHolder {
        let options: sqlx::postgres::PgConnectOptions = self
            .settings
            .database
            .url
            .as_ref()
            .unwrap()
            .parse()
            .unwrap();
        let mut session = sqlx::ConnectOptions::connect(&options).await.unwrap();
        sqlx::query("BEGIN").execute(&mut session).await.unwrap();
        sqlx::query("SELECT 1 FROM passes WHERE serial_number = $1 FOR UPDATE")
            .bind(serial)
            .execute(&mut session)
            .await
            .unwrap();
        RowHolder { session }
    }

    /// The value of the server setting `name` in a session of the service's pool.
    pub async fn session_setting(&self, name: &str) -> String {
        // SHOW takes no bind parameter; the names are the tests' own.
        sqlx::query_scalar(&format!("SHOW {name}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

/// A session holding a row lock.
pub struct RowHolder {
    session: sqlx::PgConnection,
}

impl RowHolder {
    /// Ends the transaction, letting the row go.
    pub async fn release(mut self) {
        sqlx::query("ROLLBACK")
            .execute(&mut self.session)
            .await
            .unwrap();
    }
}

/// Records the API does not show.
impl TestApp {
    /// The operator resolution recorded for template `id` (the template view shows only
    /// its outcome): whether it applied, and who said so.
    pub async fn template_resolution(&self, id: &str) -> (bool, String) {
        sqlx::query_as(
            "SELECT applied, resolved_by FROM operator_resolutions WHERE record_id = $1::uuid",
        )
        .bind(id)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// How many events of `event_type` the outbox holds (announced or to be announced).
    pub async fn outbox_events(&self, event_type: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM webhook_events WHERE type = $1")
            .bind(event_type)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The delivery to endpoint `id`: its state, its attempts, whether it is leased, and
    /// whether its endpoint counts as failing (the attempts list shows only what was sent).
    pub async fn delivery_to(&self, id: &str) -> StoredDelivery {
        let (state, attempts, leased, endpoint_failing) = sqlx::query_as(
            "SELECT d.state, d.attempts, d.lease_until IS NOT NULL, \
                    e.failing_since IS NOT NULL \
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.endpoint_id = $1::uuid",
        )
        .bind(id)
        .fetch_one(&self.db)
        .await
        .unwrap();
        StoredDelivery {
            state,
            attempts,
            leased,
            endpoint_failing,
        }
    }

    /// The error of the last attempt to deliver to endpoint `id`, and the endpoint's
    /// disabled reason, for a delivery that was never sent (so no attempt is listed).
    pub async fn unsent_delivery_reasons(&self, id: &str) -> (Option<String>, Option<String>) {
        sqlx::query_as(
            "SELECT a.error, e.disabled_reason FROM webhook_deliveries d \
             JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             JOIN webhook_attempts a ON a.endpoint_id = d.endpoint_id \
             WHERE d.endpoint_id = $1::uuid",
        )
        .bind(id)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// Voucher `out_biz_no` as stored: what is kept at rest of its recipient (sealed,
    /// redacted) and its keyed hashes, which no view shows.
    pub async fn stored_voucher(&self, out_biz_no: &str) -> StoredVoucher {
        let (recipient, recipient_hash, request_hash, answer) = sqlx::query_as(
            "SELECT recipient, recipient_hash, request_hash, response_body::text \
             FROM vouchers WHERE out_biz_no = $1",
        )
        .bind(out_biz_no)
        .fetch_one(&self.db)
        .await
        .unwrap();
        StoredVoucher {
            recipient,
            recipient_hash,
            request_hash,
            answer,
        }
    }

    /// Every voucher's stored recipient, by out_biz_no.
    pub async fn stored_recipients(&self) -> Vec<(String, String)> {
        sqlx::query_as("SELECT out_biz_no, recipient FROM vouchers ORDER BY out_biz_no")
            .fetch_all(&self.db)
            .await
            .unwrap()
    }

    /// Every saved voucher answer, as text: what a replay sends back, kept at rest.
    pub async fn saved_voucher_answers(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT response_body::text FROM vouchers WHERE response_body IS NOT NULL",
        )
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// How many gateway calls are kept (retention deletes old ones; the API shows them
    /// per record only).
    pub async fn kept_gateway_calls(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM gateway_calls")
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The merchant tokens kept with passes and templates, sealed (never shown).
    pub async fn sealed_tokens(&self) -> Vec<Option<String>> {
        sqlx::query_scalar(
            "SELECT app_auth_token_sealed FROM passes \
             UNION ALL SELECT app_auth_token_sealed FROM templates",
        )
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// The merchant token kept with pass `serial`, sealed.
    pub async fn sealed_token_of_pass(&self, serial: &str) -> Option<String> {
        sqlx::query_scalar("SELECT app_auth_token_sealed FROM passes WHERE serial_number = $1")
            .bind(serial)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The serial numbers of the Alipay certificates archived for other replicas.
    pub async fn archived_certificates(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT sn FROM alipay_certs")
            .fetch_all(&self.db)
            .await
            .unwrap()
    }

    /// The payloads of campaign `id`'s rows as stored, in line order: what the file
    /// reader made of them (the results show only each row's outcome).
    pub async fn stored_campaign_rows(&self, id: &str) -> Vec<Value> {
        sqlx::query_scalar(
            "SELECT payload FROM campaign_rows WHERE campaign_id = $1::uuid ORDER BY line",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// The payloads of every campaign's rows as stored, in line order.
    pub async fn all_stored_campaign_rows(&self) -> Vec<Value> {
        sqlx::query_scalar("SELECT payload FROM campaign_rows ORDER BY line")
            .fetch_all(&self.db)
            .await
            .unwrap()
    }
}

/// A voucher as stored.
#[derive(Debug)]
pub struct StoredVoucher {
    pub recipient: String,
    pub recipient_hash: Option<String>,
    pub request_hash: String,
    /// The saved answer, as text.
    pub answer: Option<String>,
}

/// A webhook delivery as stored.
#[derive(Debug, PartialEq, Eq)]
pub struct StoredDelivery {
    pub state: String,
    pub attempts: i32,
    pub leased: bool,
    pub endpoint_failing: bool,
}
