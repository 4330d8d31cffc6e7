-- Fenced attempts: a delivery's lease carries a token, written when it is leased and
-- cleared when its attempt is recorded. An attempt is recorded only by the worker whose
-- token is still on the row, so a worker whose lease expired (a slow receiver, a paused
-- replica) and was taken over cannot overwrite the newer attempt's outcome.
ALTER TABLE webhook_deliveries ADD COLUMN lease_token UUID;

-- Fair claims: each endpoint's due deliveries in order (a claim takes a few of every
-- endpoint's in turn), and the ones it has in flight (counted against its cap).
CREATE INDEX webhook_deliveries_endpoint_due
    ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX webhook_deliveries_endpoint_leased
    ON webhook_deliveries (endpoint_id, lease_until)
    WHERE state = 'PENDING' AND lease_token IS NOT NULL;
