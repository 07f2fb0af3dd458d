-- 0011: the journal's yearly numbers from a counter row per year, taken and raised in one
-- statement, instead of counting the year's applications: two instances registering at once
-- on PostgreSQL would both count the same and give one number twice. Filled from the journal.

CREATE TABLE journal_years (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL CHECK (last >= 0)  -- the year's last application number
);
INSERT INTO journal_years (year, last)
SELECT CAST(substr(number, 1, 4) AS INTEGER), count(*) FROM journal
GROUP BY substr(number, 1, 4);
