-- Wrong SMS codes in a row, across codes (each new code used to bring 5 fresh tries):
-- at 20 the account's SMS verification stops for a day (see `codes`).
ALTER TABLE accounts ADD COLUMN sms_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN sms_blocked_until BIGINT NOT NULL DEFAULT 0;
