-- Console sessions ended by "Sign out": the session cookie is sealed and self-contained, so
-- a copy of it would open until it expires; every replica refuses a session listed here.
-- A row is useless once its session would have expired anyway, and is then deleted.
CREATE TABLE console_revoked_sessions (
    session_id UUID PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX console_revoked_sessions_expiry ON console_revoked_sessions (expires_at);
