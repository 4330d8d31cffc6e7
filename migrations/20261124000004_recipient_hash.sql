-- Voucher recipients' login_id and taobao_nick are stored sealed (pii.key); this keyed hash
-- (HMAC-SHA256 of "<kind>:<value>") finds one customer's vouchers without opening them.
ALTER TABLE vouchers ADD COLUMN recipient_hash TEXT;
CREATE INDEX vouchers_recipient_hash ON vouchers (recipient_hash) WHERE recipient_hash IS NOT NULL;
