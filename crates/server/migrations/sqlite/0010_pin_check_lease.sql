-- A PIN check takes its try (pin_failures + 1) before argon2 compares the PIN, and the
-- answer settles it. A try whose answer never came (the server stopped in between)
-- would hold its place for ever: once this moment has passed, the tries still taken
-- count as failures, and the check that finds them locks the account.
ALTER TABLE accounts ADD COLUMN pin_checks_until INTEGER NOT NULL DEFAULT 0;
