-- Truthful records under every gateway outcome.

-- A template whose template.add was answered "already exists" without an id: created at
-- Alipay, but unusable until an operator sets the id shown in the Alipay console.
ALTER TABLE templates DROP CONSTRAINT templates_status_check;
ALTER TABLE templates ADD CONSTRAINT templates_status_check
    CHECK (status IN ('PENDING', 'CREATED', 'NEEDS_ALIPAY_ID', 'FAILED'));
-- A template.update sent but not yet settled: {"content": …, "params": […], "uncertain": bool}.
ALTER TABLE templates ADD COLUMN pending_update JSONB;

-- Fencing: every claim (insert, take-over, change) writes a fresh token, and every settling
-- write requires it, so an owner whose lease expired can no longer settle the record.
ALTER TABLE templates ADD COLUMN lease_token UUID;
ALTER TABLE passes ADD COLUMN lease_token UUID;
ALTER TABLE vouchers ADD COLUMN lease_token UUID;

CREATE INDEX templates_update_pending ON templates (updated_at) WHERE pending_update IS NOT NULL;

-- One settlement event per operation, and a pass is issued once.
ALTER TABLE pass_events ADD COLUMN operation_id UUID;
CREATE UNIQUE INDEX pass_events_one_per_operation ON pass_events (pass_id, operation_id, kind)
    WHERE operation_id IS NOT NULL;
CREATE UNIQUE INDEX pass_events_issued_once ON pass_events (pass_id) WHERE kind = 'ISSUED';

-- The gateway-call log is keyed by the record's columns, not by a joined string.
ALTER TABLE gateway_calls ADD COLUMN record_kind TEXT;
ALTER TABLE gateway_calls ADD COLUMN record_id UUID;
ALTER TABLE gateway_calls ALTER COLUMN idempotency_key DROP NOT NULL;
CREATE INDEX gateway_calls_record ON gateway_calls (record_id, id);
