-- PostgreSQL: the same migration as ../0009_chat_links.sql.
-- 0009: chat channels as a list. Each chat channel (Telegram, or any other) links a chat to a
-- verified phone here; the conversation finds every chat of a phone in one query, by no
-- channel's name. Telegram's own table keeps what only Telegram has (user, /start token).
-- A chat copy's client reference ends in "@" and its channel's name ("@tg" before).

CREATE TABLE chat_links (
    channel TEXT NOT NULL,
    address TEXT NOT NULL,  -- the chat, as the channel addresses it
    phone TEXT NOT NULL,  -- E.164, verified by the channel
    linked_at TEXT NOT NULL,
    PRIMARY KEY (channel, address)
);
CREATE UNIQUE INDEX chat_links_phone ON chat_links (channel, phone);

INSERT INTO chat_links (channel, address, phone, linked_at)
SELECT 'telegram', CAST(chat_id AS TEXT), phone, COALESCE(linked_at, updated_at)
FROM telegram_chats WHERE phone IS NOT NULL;

UPDATE outbox SET client_ref = substr(client_ref, 1, length(client_ref) - 3) || '@telegram'
WHERE channel = 'telegram' AND client_ref LIKE '%@tg';
