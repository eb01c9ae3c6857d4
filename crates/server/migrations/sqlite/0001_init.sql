-- Schema of the reference server. Portable SQL: BIGINT times (unix seconds),
-- INTEGER flags (0/1), no SQLite-only functions; ids are INTEGER PRIMARY KEY
-- here (an identity column on PostgreSQL).

CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    key_hex TEXT NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'en',
    trusted_phone TEXT,
    pin_hash TEXT,
    pin_failures INTEGER NOT NULL DEFAULT 0,
    pin_blocked INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE devices (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    label TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, device_id)
);

CREATE TABLE vehicles (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    vin TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (account_id, vin)
);

-- sent = 0 while the gateway has not accepted the message: such a code cannot
-- be used, and is deleted when the gateway fails.
CREATE TABLE sms_codes (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    phone TEXT NOT NULL,
    code_mac TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts_left INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    sent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sms_codes_account_purpose ON sms_codes (account_id, purpose, id);
CREATE INDEX sms_codes_account_created ON sms_codes (account_id, created_at);

CREATE TABLE enrollment_tickets (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, device_id)
);

CREATE TABLE step_up_proofs (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    proof_mac TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX step_up_proofs_account ON step_up_proofs (account_id, device_id);

CREATE TABLE security_events (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    device_label TEXT
);
CREATE INDEX security_events_account ON security_events (account_id, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    to_phone TEXT NOT NULL,
    text TEXT NOT NULL,
    purpose TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
