-- Every query a request runs finds its rows through an index, so that no request costs
-- more as the tables grow (the `query_plans` test plans each one and fails on a scan).
-- The twin of ../sqlite/0008_request_path_indexes.sql, which adds the outbox's index:
-- PostgreSQL has had it since 0001_init, so here it only states the schemas agree.
CREATE INDEX IF NOT EXISTS outbox_account ON outbox (account_id, id);
