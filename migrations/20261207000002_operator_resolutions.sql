-- What an operator said of a change no answer could prove (issue 25): a template.update or
-- instance.update whose outcome stayed unknown after every resend met an answer that proves
-- nothing (KP.AE_ALIPASS_UPDATE_ERROR "update failed, retry", a refusal after an unknown
-- attempt). Written in the transaction that settles the change, so the record's state and
-- who decided it cannot part.
CREATE TABLE operator_resolutions (
    id            BIGSERIAL PRIMARY KEY,
    record_kind   TEXT NOT NULL CHECK (record_kind IN ('template', 'pass')),
    record_id     UUID NOT NULL,
    -- The pending operation's id (the pass event's operation_id).
    operation_id  UUID NOT NULL UNIQUE,
    applied       BOOLEAN NOT NULL,
    reason        TEXT NOT NULL,
    -- The API key's name (or the console user) that decided.
    resolved_by   TEXT NOT NULL,
    -- The resends whose answers proved nothing, and the last of them.
    unproven_tries INTEGER NOT NULL,
    last_answer   JSONB,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX operator_resolutions_record ON operator_resolutions (record_id, id);
