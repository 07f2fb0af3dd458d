-- 0003: the Telegram channel. Chats and the phone each is linked to, the buttons of an
-- outgoing message, the button a citizen pressed, and ledger rows that concern no case
-- (linking and unlinking Telegram).

CREATE TABLE telegram_chats (
    chat_id INTEGER PRIMARY KEY,  -- a private chat: the same number as the Telegram user
    user_id INTEGER NOT NULL,
    language TEXT CHECK (language IN ('kk', 'ru')),  -- chosen in the chat before linking
    start_token TEXT,  -- the deep-link token of the last /start, until linked
    phone TEXT,  -- E.164, verified by a shared contact; NULL: not linked
    iin TEXT,  -- the registry's person with that phone
    linked_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX telegram_chats_phone ON telegram_chats (phone) WHERE phone IS NOT NULL;

-- The Telegram channel's own facts, one row: the bot's username, for deep links in SMS.
CREATE TABLE telegram_bot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    username TEXT NOT NULL,
    seen_at TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN markup TEXT;  -- JSON: the buttons of a Telegram message
ALTER TABLE inbound ADD COLUMN button TEXT;  -- "<outbox id>:<action>" of a pressed button

-- The consent ledger's case becomes optional: linking Telegram concerns the person.
-- Rows are copied as they are (seq, hashes and all), so the chain still verifies.
CREATE TABLE consents_0003 (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    case_id TEXT REFERENCES cases (id),
    iin TEXT NOT NULL,
    act TEXT NOT NULL,
    text TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    message_ids TEXT NOT NULL,  -- JSON array of outbox client references and inbound ids
    raw_reply TEXT,
    intent TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO consents_0003 (
    id, seq, case_id, iin, act, text, template_id, template_version, language, channel,
    message_ids, raw_reply, intent, actor, at, text_hash, prev_hash, hash
)
SELECT
    id, seq, case_id, iin, act, text, template_id, template_version, language, channel,
    message_ids, raw_reply, intent, actor, at, text_hash, prev_hash, hash
FROM consents;
DROP TABLE consents;
ALTER TABLE consents_0003 RENAME TO consents;
CREATE INDEX consents_iin ON consents (iin, seq);
