-- The events list reads an account's 100 newest events (`ORDER BY at DESC, id DESC`): in
-- this index's order it stops at the 100th, where `(account_id, id)` made it sort every
-- event the account ever had. The list is the only reader, so the older index goes.
DROP INDEX security_events_account;
CREATE INDEX security_events_account_at ON security_events (account_id, at, id);
