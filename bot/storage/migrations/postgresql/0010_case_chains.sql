-- 0010: the consent ledger as many short chains sealed into one log; see SQLite's 0010.
-- `seq` now comes from a sequence (several instances append at once), after every seq
-- written so far.

ALTER TABLE consents ADD COLUMN chain TEXT;
ALTER TABLE consents ADD COLUMN link BIGINT;
ALTER TABLE consents ADD COLUMN checkpoint BIGINT;
CREATE UNIQUE INDEX consents_chain ON consents (chain, link) WHERE chain IS NOT NULL;
CREATE INDEX consents_unsealed ON consents (seq) WHERE chain IS NOT NULL AND checkpoint IS NULL;

CREATE SEQUENCE consents_seq;
SELECT setval('consents_seq', (SELECT coalesce(max(seq), 0) + 1 FROM consents), false);

CREATE TABLE ledger_checkpoints (
    number BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    size BIGINT NOT NULL,
    root TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
