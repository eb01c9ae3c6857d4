-- Demo accounts are marked, so that a server started without --demo deletes them (and
-- their sessions, devices, codes and outbox messages, by cascade): their password is
-- public. Accounts seeded before this column are those of the demo domain (`.test` is
-- reserved, RFC 2606: no one's real address).
ALTER TABLE accounts ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET demo = 1
WHERE email LIKE '%@demo.test';
