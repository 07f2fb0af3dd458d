-- PostgreSQL: the same migration as ../0006_inbound_sender.sql (what differs: INTEGER is BIGINT, an
-- `id INTEGER PRIMARY KEY` an identity column).
-- 0006: the rate limit on inbound messages (domain.flood) reads what each sender sent in the
-- last minutes, for every batch of replies; without this index each read scanned the table.

CREATE INDEX inbound_sender ON inbound (address, received_at);
