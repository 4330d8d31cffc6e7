-- A merchant's app_auth_token given with the request that created the record (an ISV
-- calling on the merchant's behalf), sealed with alipay.token_sealing_key: later calls on
-- the record (changes, the reconciler) act with the same authority.
ALTER TABLE templates ADD COLUMN app_auth_token_sealed TEXT;
ALTER TABLE passes ADD COLUMN app_auth_token_sealed TEXT;
ALTER TABLE vouchers ADD COLUMN app_auth_token_sealed TEXT;
