-- Test sends (POST /v1/webhook-endpoints/{id}/test) are limited per endpoint to a few a
-- minute; the count of the running minute lives on the endpoint's row, so every replica
-- shares it and one UPDATE both checks and counts.
ALTER TABLE webhook_endpoints
    ADD COLUMN test_window_start TIMESTAMPTZ,
    ADD COLUMN test_sends INTEGER NOT NULL DEFAULT 0;
