-- PostgreSQL: the same migration as ../0008_offer_timers.sql.
-- 0008: an offer's SMS says itself that its sending starts the offer's reminder and expiry
-- (before, the dispatcher matched the "offer:" prefix of the client reference intake made).
-- Offers already queued keep that meaning.

ALTER TABLE outbox ADD COLUMN starts_timers INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET starts_timers = 1 WHERE channel = 'sms' AND client_ref LIKE 'offer:%';
