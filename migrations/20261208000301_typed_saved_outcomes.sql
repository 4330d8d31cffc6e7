-- The typed outcome of a settled add, saved beside the answer a replay sends (issue 29):
-- {"applied":{"alipay_id":…}} or {"refused":{"code":…,"detail":…}}. Readers of the
-- outcome (the campaign runner, campaign_row_results) read it, never the problem body, so a
-- changed body cannot change a campaign's results. NULL: settled before this column, or by
-- an older replica during a rolling deploy; the legacy reading of the body stands in then.
ALTER TABLE templates ADD COLUMN response_outcome JSONB;
ALTER TABLE passes ADD COLUMN response_outcome JSONB;
ALTER TABLE vouchers ADD COLUMN response_outcome JSONB;

CREATE OR REPLACE VIEW campaign_row_results AS
SELECT r.campaign_id, r.line, r.row_key, r.attempts, r.not_before, r.lease_until,
       r.record_id, r.state AS own_state,
       e.state,
       CASE WHEN NOT e.from_record THEN r.code
            WHEN e.state = 'REFUSED' THEN coalesce(rec.response_outcome -> 'refused' ->> 'code',
                                                   -- legacy: an answer saved before outcomes
                                                   rec.response_body ->> 'gateway_sub_code',
                                                   rec.response_body ->> 'code',
                                                   rec.failure_code)
            WHEN e.state = 'UNKNOWN' THEN coalesce(r.code, 'outcome_unknown')
       END AS code,
       CASE WHEN NOT e.from_record THEN r.detail
            WHEN e.state = 'REFUSED' THEN coalesce(rec.response_outcome -> 'refused' ->> 'detail',
                                                   -- legacy: an answer saved before outcomes
                                                   rec.response_body ->> 'detail',
                                                   r.detail)
            WHEN e.state = 'UNKNOWN' THEN r.detail
       END AS detail,
       CASE WHEN e.from_record THEN CASE WHEN e.state = 'SENT' THEN rec.alipay_id END
            ELSE r.alipay_id END AS alipay_id,
       CASE WHEN e.state IN ('PENDING', 'UNKNOWN') THEN NULL
            WHEN e.from_record THEN greatest(r.settled_at, rec.updated_at)
            ELSE r.settled_at END AS settled_at
FROM campaign_rows r
LEFT JOIN LATERAL (
    SELECT v.status = 'SENT' AS done, v.status = 'PENDING' AS open,
           v.response_status IS NOT NULL AS answered, v.alipay_voucher_id AS alipay_id,
           v.failure_code, v.response_body, v.response_outcome, v.updated_at
    FROM vouchers v WHERE v.id = r.record_id
    UNION ALL
    SELECT p.status IN ('ISSUED', 'USED', 'CLOSED'), p.status = 'ISSUING',
           p.response_status IS NOT NULL, p.alipay_pass_id,
           p.failure_code, p.response_body, p.response_outcome, p.updated_at
    FROM passes p WHERE p.id = r.record_id
) rec ON true
CROSS JOIN LATERAL (
    SELECT CASE
               WHEN rec.done IS NULL THEN r.state
               WHEN rec.done THEN 'SENT'
               -- Sent, or about to be: nothing is known until the record settles.
               WHEN rec.open THEN CASE WHEN r.state = 'PENDING' THEN 'PENDING' ELSE 'UNKNOWN' END
               -- A final refusal, saved with the record.
               WHEN rec.answered THEN 'REFUSED'
               -- Refused in a way that left the key usable: the worker sends it again while
               -- the row is queued; otherwise that refusal is the row's result.
               WHEN r.state = 'PENDING' THEN 'PENDING'
               ELSE 'REFUSED'
           END AS state,
           -- Whether the record, not the row, says what the result is.
           rec.done IS NOT NULL AND NOT (NOT rec.done AND NOT rec.open AND NOT rec.answered
                                         AND r.state = 'PENDING')
               AND NOT (rec.open AND r.state = 'PENDING') AS from_record
) e;
