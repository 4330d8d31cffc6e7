-- Webhooks (Standard Webhooks): endpoints registered per API key and app, an outbox of
-- events written in the same transaction as the state change they announce (and only when
-- an endpoint wants them), one delivery per event and endpoint, and every attempt.
CREATE TABLE webhook_endpoints (
    id                  UUID PRIMARY KEY,
    app_id              TEXT NOT NULL,
    -- The API key (by name) that registered it: only that key manages it.
    owner               TEXT NOT NULL,
    url                 TEXT NOT NULL,
    event_types         TEXT[] NOT NULL,
    description         TEXT,
    -- The signing secret (whsec_…), sealed with pii.key when one is configured.
    secret_sealed       TEXT NOT NULL,
    enabled             BOOLEAN NOT NULL DEFAULT true,
    disabled_reason     TEXT,
    -- Since when every delivery to it failed (NULL while it answers).
    failing_since       TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_app ON webhook_endpoints (app_id) WHERE enabled;

CREATE TABLE webhook_events (
    id          UUID PRIMARY KEY,
    app_id      TEXT NOT NULL,
    type        TEXT NOT NULL,
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    event_id        UUID NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id     UUID NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- PENDING → DELIVERED | FAILED (every retry spent, or the endpoint was disabled).
    state           TEXT NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_until     TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'PENDING';

CREATE TABLE webhook_attempts (
    id           BIGSERIAL PRIMARY KEY,
    endpoint_id  UUID NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id     UUID NOT NULL,
    attempt      INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The endpoint's HTTP status; NULL when there was none (refused, timed out).
    status       INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
