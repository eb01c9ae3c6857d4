-- Device binding with DPoP (issue 15): a device id is the RFC 7638 thumbprint of a
-- key the browser holds and cannot export, and every call proves possession of it.

-- The key the session was opened with: a token used with any other key is no session.
-- Existing sessions were opened without a key, so none can survive.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN device_key TEXT NOT NULL DEFAULT '';
-- The sign-in a session comes from: its own token's MAC, or for a session a host handed
-- to its iframe, the host's. A factor change ends the other sign-ins, not the one it was
-- made in (the host page and its iframe are one sign-in on two keys).
ALTER TABLE sessions ADD COLUMN family TEXT NOT NULL DEFAULT '';

-- The enrolled key's public half ({"crv","kty","x","y"}), written at enrollment. Devices
-- enrolled under a UUID id keep their row (and their place in the list) but have no
-- key, so no proof can ever match them.
ALTER TABLE devices ADD COLUMN public_jwk TEXT;

-- Proofs already accepted, under a MAC of (thumbprint, jti), until their iat window has
-- passed: a proof replayed within the window is refused, by every instance alike.
CREATE TABLE dpop_jtis (
    jti_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dpop_jtis_expires ON dpop_jtis (expires_at);
