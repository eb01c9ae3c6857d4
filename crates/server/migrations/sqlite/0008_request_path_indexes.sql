-- Every query a request runs finds its rows through an index, so that no request costs
-- more as the tables grow (the `query_plans` test plans each one and fails on a scan).
--
-- The demo outbox (`GET /api/v1/dev/outbox`) reads one account's newest messages: the
-- PostgreSQL schema has had this index since 0001_init, SQLite had none and read the
-- whole outbox.
CREATE INDEX outbox_account ON outbox (account_id, id);
