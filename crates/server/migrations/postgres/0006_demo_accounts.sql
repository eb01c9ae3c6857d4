-- Demo accounts are marked, so that a server started without --demo deletes them (and
-- their sessions, devices, codes and outbox messages, by cascade): their password is
-- public. Accounts seeded before this column are the five demo emails.
ALTER TABLE accounts ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET demo = 1
WHERE email IN ('new@demo.test', 'phone@demo.test', 'enrolled@demo.test',
                'blocked@demo.test', 'full@demo.test');
