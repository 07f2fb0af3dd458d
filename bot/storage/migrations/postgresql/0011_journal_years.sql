-- 0011: the journal's yearly numbers from a counter row per year; see SQLite's 0011.

CREATE TABLE journal_years (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL CHECK (last >= 0)  -- the year's last application number
);
INSERT INTO journal_years (year, last)
SELECT CAST(substr(number, 1, 4) AS BIGINT), count(*) FROM journal
GROUP BY substr(number, 1, 4);
