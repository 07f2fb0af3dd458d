-- 0010: the consent ledger as many short chains sealed into one log (bot.evidence.ledger).
-- A new row is link `link` of its case's chain (`chain`: the case id, or "iin:" and the
-- citizen's IIN for an act tied to no case), so writers of different cases never wait on
-- one chain head; `checkpoint` names the checkpoint that sealed it. The rows written before
-- keep their one chain as they are (chain NULL), never re-hashed: checkpoint 1 chains to
-- its last row's hash.

ALTER TABLE consents ADD COLUMN chain TEXT;
ALTER TABLE consents ADD COLUMN link INTEGER;
ALTER TABLE consents ADD COLUMN checkpoint INTEGER;
CREATE UNIQUE INDEX consents_chain ON consents (chain, link) WHERE chain IS NOT NULL;
CREATE INDEX consents_unsealed ON consents (seq) WHERE chain IS NOT NULL AND checkpoint IS NULL;

CREATE TABLE ledger_checkpoints (
    number INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    size INTEGER NOT NULL,
    root TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
