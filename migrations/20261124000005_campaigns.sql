-- Campaigns: one voucher send or pass issue per uploaded row, worked off by every replica.
-- A row is claimed with FOR UPDATE SKIP LOCKED under a lease; its request goes through the
-- ordinary idempotent pipeline with a key derived from the campaign and the row, so a row
-- taken over after a crash or a lost lease is sent at most once.
CREATE TABLE campaigns (
    id             UUID PRIMARY KEY,
    app_id         TEXT NOT NULL,
    -- The caller's key: the same key creates the same campaign.
    campaign_key   TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('VOUCHER_SEND', 'PASS_ISSUE')),
    -- Merged under every row (the template, amount, memo, params, recipient defaults).
    shared         JSONB NOT NULL,
    rate_per_sec   DOUBLE PRECISION NOT NULL CHECK (rate_per_sec > 0),
    status         TEXT NOT NULL CHECK (status IN ('UPLOADING', 'RUNNING', 'PAUSED', 'CANCELLED', 'FINISHED')),
    -- Short, stable prefix of derived keys (out_biz_no / serial_number).
    key_prefix     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    UNIQUE (app_id, campaign_key)
);

CREATE TABLE campaign_rows (
    campaign_id  UUID NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    line         INTEGER NOT NULL,
    -- The row's request fields (merged over the campaign's shared fields when sent).
    payload      JSONB NOT NULL,
    -- PENDING: not sent yet; UNKNOWN: sent, outcome open (retried with the same key until an
    -- answer settles it); SENT / REFUSED / INVALID: final; CANCELLED: never sent.
    state        TEXT NOT NULL CHECK (state IN ('PENDING', 'UNKNOWN', 'SENT', 'REFUSED', 'INVALID', 'CANCELLED')),
    -- The idempotency key the row's request carries.
    row_key      TEXT,
    code         TEXT,
    detail       TEXT,
    -- Alipay's id of what the row made (voucher_id, passId), when Alipay named it.
    alipay_id    TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    -- The worker holding the row, until lease_until; its writes are fenced by the token.
    lease_token  UUID,
    lease_until  TIMESTAMPTZ,
    -- When an open row may be tried again.
    not_before   TIMESTAMPTZ NOT NULL DEFAULT now(),
    settled_at   TIMESTAMPTZ,
    PRIMARY KEY (campaign_id, line)
);

-- What workers claim: open rows, soonest first.
CREATE INDEX campaign_rows_open ON campaign_rows (campaign_id, not_before)
    WHERE state IN ('PENDING', 'UNKNOWN');
CREATE INDEX campaign_rows_settled ON campaign_rows (campaign_id, settled_at)
    WHERE settled_at IS NOT NULL;
