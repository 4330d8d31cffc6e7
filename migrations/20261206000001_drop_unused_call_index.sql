-- Gateway calls are found by the record they were made for (gateway_calls_record); since the
-- call log is keyed by record, nothing reads or writes idempotency_key, yet every call still
-- added a (NULL) entry to this index. Old rows keep the column.
DROP INDEX IF EXISTS gateway_calls_key;
