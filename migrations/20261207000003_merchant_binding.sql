-- ISV mode (issue 25): a record remembers the merchant it was made for (the merchant's
-- pid/appid, given with its app_auth_token in the Alipay-Merchant-Id header). A change of
-- the record with another merchant's token is refused; a change without a token uses the
-- stored one. NULL: made for the app itself.
ALTER TABLE templates ADD COLUMN merchant_id TEXT;
ALTER TABLE passes ADD COLUMN merchant_id TEXT;
ALTER TABLE vouchers ADD COLUMN merchant_id TEXT;
