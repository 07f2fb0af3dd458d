-- PostgreSQL: the same migration as ../0003_telegram.sql. What differs: INTEGER is BIGINT
-- (Telegram's ids need 64 bits), and the ledger's case becomes optional by ALTER COLUMN where
-- SQLite copies the table (rows, seq and hashes stay as they are either way).
-- 0003: the Telegram channel. Chats and the phone each is linked to, the buttons of an
-- outgoing message, the button a citizen pressed, and ledger rows that concern no case
-- (linking and unlinking Telegram).

CREATE TABLE telegram_chats (
    chat_id BIGINT PRIMARY KEY,  -- a private chat: the same number as the Telegram user
    user_id BIGINT NOT NULL,
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
    id BIGINT PRIMARY KEY CHECK (id = 1),
    username TEXT NOT NULL,
    seen_at TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN markup TEXT;  -- JSON: the buttons of a Telegram message
ALTER TABLE inbound ADD COLUMN button TEXT;  -- "<outbox id>:<action>" of a pressed button

-- The consent ledger's case becomes optional: linking Telegram concerns the person.
ALTER TABLE consents ALTER COLUMN case_id DROP NOT NULL;
