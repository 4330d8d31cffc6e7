-- A refused delivery's attempt kept the first 4 KiB of the endpoint's answer
-- ("answered 503: <body>"), and GET …/attempts showed it to the caller. Attempts now keep
-- only the status and its standard reason; earlier ones keep their status alone.
UPDATE webhook_attempts
SET error = split_part(error, ':', 1)
WHERE error LIKE 'answered %:%';
