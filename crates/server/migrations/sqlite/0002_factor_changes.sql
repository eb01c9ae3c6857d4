-- Step-up proofs serve one operation in the session that asked for them (issue 15):
-- rows from before this migration have neither, so they match nothing.
ALTER TABLE step_up_proofs ADD COLUMN session_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE step_up_proofs ADD COLUMN operation TEXT NOT NULL DEFAULT '';

-- When D last replaced the trusted number: B (PIN reset by SMS) waits a while after it,
-- so that a swapped number cannot reset the PIN at once.
ALTER TABLE accounts ADD COLUMN phone_changed_at BIGINT;

-- Sessions listed and signed out one by one from the account hub: a public id that
-- names a session without being its token, and where it was opened.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
ALTER TABLE sessions ADD COLUMN device_label TEXT;
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);

-- Consecutive wrong passwords per email (known or not), under a MAC of the email: the
-- back-off from the 5th and the lock at the 100th (see `sign_in_limit`).
CREATE TABLE sign_in_failures (
    email_key TEXT PRIMARY KEY,
    consecutive BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL DEFAULT 0
);
