-- Alipay public-key certificates learned after Alipay renewed its certificate (certificate
-- mode), so every replica verifies with them without downloading them again. Trust comes
-- from the configured root certificate alone: a row is checked against it again when read.
CREATE TABLE alipay_certs (
    sn TEXT PRIMARY KEY,
    chain_pem TEXT NOT NULL,
    not_after TIMESTAMPTZ NOT NULL,
    learned_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
