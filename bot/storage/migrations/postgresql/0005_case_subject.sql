-- PostgreSQL: the same migration as ../0005_case_subject.sql (what differs: INTEGER is BIGINT, an
-- `id INTEGER PRIMARY KEY` an identity column).
-- 0005: the cases about one person (one deceased's burial and survivor cases) are found by
-- an index: the decider asks for them at every decision, and without it each question
-- scanned the whole table (1.4 ms a question at 20,000 citizens, growing with the table).

CREATE INDEX cases_subject ON cases (subject_iin, service, created_at);
