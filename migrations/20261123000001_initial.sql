-- Durable truth for idempotency and state. Every natural idempotency key has a unique
-- constraint; a record is written (PENDING/ISSUING) before the gateway call and settled after.

CREATE TABLE templates (
    id              UUID PRIMARY KEY,
    app_id          TEXT NOT NULL,
    unique_id       TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'CREATED', 'FAILED')),
    alipay_tpl_id   TEXT,
    tpl_content     JSONB NOT NULL,
    params          TEXT[] NOT NULL DEFAULT '{}',
    -- The settled response replayed for duplicates of this key.
    response_status SMALLINT,
    response_body   JSONB,
    failure_code    TEXT,
    -- In-flight lease: while it runs, duplicates wait; once expired, a retry or the
    -- reconciler may take the record over (same Alipay-side key, so no second effect).
    lease_until     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    version         INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT templates_app_unique_id UNIQUE (app_id, unique_id)
);
CREATE UNIQUE INDEX templates_app_alipay_tpl_id ON templates (app_id, alipay_tpl_id)
    WHERE alipay_tpl_id IS NOT NULL;
CREATE INDEX templates_pending ON templates (updated_at) WHERE status = 'PENDING';

CREATE TABLE passes (
    id              UUID PRIMARY KEY,
    app_id          TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    serial_number   TEXT NOT NULL,
    template_id     UUID NOT NULL REFERENCES templates (id),
    request_hash    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('ISSUING', 'ISSUED', 'USED', 'CLOSED', 'FAILED')),
    alipay_pass_id  TEXT,
    params          JSONB NOT NULL,
    partner_id      TEXT NOT NULL,
    out_trade_no    TEXT NOT NULL,
    response_status SMALLINT,
    response_body   JSONB,
    failure_code    TEXT,
    -- A state change (update/redeem/close) sent but not yet answered; the reconciler finishes it.
    pending_change  JSONB,
    lease_until     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    version         INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT passes_app_channel_serial UNIQUE (app_id, channel_id, serial_number)
);
CREATE INDEX passes_template_status ON passes (template_id, status, id);
CREATE INDEX passes_status_id ON passes (status, id);
CREATE INDEX passes_stale ON passes (updated_at) WHERE status = 'ISSUING' OR pending_change IS NOT NULL;

CREATE TABLE pass_events (
    id              BIGSERIAL PRIMARY KEY,
    pass_id         UUID NOT NULL REFERENCES passes (id),
    kind            TEXT NOT NULL CHECK (kind IN ('ISSUING', 'ISSUED', 'UPDATED', 'REDEEMED', 'CLOSED', 'FAILED')),
    detail          JSONB NOT NULL DEFAULT '{}',
    request_id      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pass_events_pass ON pass_events (pass_id, id);

CREATE TABLE vouchers (
    id              UUID PRIMARY KEY,
    app_id          TEXT NOT NULL,
    template_id     TEXT NOT NULL,
    out_biz_no      TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    recipient_kind  TEXT NOT NULL CHECK (recipient_kind IN ('user_id', 'login_id', 'taobao_nick')),
    recipient       TEXT NOT NULL,
    amount          TEXT,
    memo            TEXT,
    alipay_voucher_id TEXT,
    alipay_user_id  TEXT,
    response_status SMALLINT,
    response_body   JSONB,
    failure_code    TEXT,
    lease_until     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT vouchers_app_template_out_biz_no UNIQUE (app_id, template_id, out_biz_no)
);
CREATE INDEX vouchers_template_id ON vouchers (template_id, id);
CREATE INDEX vouchers_pending ON vouchers (updated_at) WHERE status = 'PENDING';

-- Every gateway attempt: what was called, with which idempotency key, and what came back.
-- Never key material or signatures.
CREATE TABLE gateway_calls (
    id              BIGSERIAL PRIMARY KEY,
    method          TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    outcome         TEXT NOT NULL,
    code            TEXT,
    sub_code        TEXT,
    sub_msg         TEXT,
    latency_ms      INTEGER NOT NULL,
    request_id      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX gateway_calls_key ON gateway_calls (idempotency_key, id);
