-- A campaign row's result follows the record its request made (issue 30). The row keeps
-- only its own progress (queued, given up, refused before any record, invalid, cancelled)
-- and, once its request claimed a record, that record's id. Whoever settles the record —
-- the campaign worker, a replay, the reconciler — settles the row with it: every reader
-- goes through campaign_row_results, so there is no second copy of the outcome to drift.
ALTER TABLE campaign_rows ADD COLUMN record_id UUID;

CREATE VIEW campaign_row_results AS
SELECT r.campaign_id, r.line, r.row_key, r.attempts, r.not_before, r.lease_until,
       r.record_id, r.state AS own_state,
       e.state,
       CASE WHEN NOT e.from_record THEN r.code
            WHEN e.state = 'REFUSED' THEN coalesce(rec.response_body ->> 'gateway_sub_code',
                                                   rec.response_body ->> 'code',
                                                   rec.failure_code)
            WHEN e.state = 'UNKNOWN' THEN coalesce(r.code, 'outcome_unknown')
       END AS code,
       CASE WHEN NOT e.from_record THEN r.detail
            WHEN e.state = 'REFUSED' THEN coalesce(rec.response_body ->> 'detail', r.detail)
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
           v.failure_code, v.response_body, v.updated_at
    FROM vouchers v WHERE v.id = r.record_id
    UNION ALL
    SELECT p.status IN ('ISSUED', 'USED', 'CLOSED'), p.status = 'ISSUING',
           p.response_status IS NOT NULL, p.alipay_pass_id,
           p.failure_code, p.response_body, p.updated_at
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
