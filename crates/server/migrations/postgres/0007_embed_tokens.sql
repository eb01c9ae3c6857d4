-- Embed tokens (issue 16): what an embedding host hands its iframe instead of a session.
-- Stored as a MAC, good once (the exchange deletes the row it uses) and for a minute,
-- and only with the key the hand-off named. The host's sign-in (`family`) and expiry go
-- with it, so the portal's session is one sign-in with the host's and never outlives it.
CREATE TABLE embed_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    device_key TEXT NOT NULL,
    family TEXT NOT NULL,
    host_expires_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX embed_tokens_expires ON embed_tokens (expires_at);
