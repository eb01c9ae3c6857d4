-- Flood limits (issue 16): token buckets that every instance sharing the database draws
-- from (see `rate.rs`): sign-ins per client address, SMS per destination number, SMS in
-- all. `bucket` is a MAC under the server key, never the address or number itself.
CREATE TABLE rate_buckets (
    kind TEXT NOT NULL,
    bucket TEXT NOT NULL,
    tokens REAL NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, bucket)
);
CREATE INDEX rate_buckets_updated ON rate_buckets (updated_at);
