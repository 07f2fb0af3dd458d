-- 0002: the electronic journal of applications, signed decisions with their case files,
-- and the payments queue standing for the payments system (ЦБД / ОДҚ).

CREATE TABLE journal (
    number TEXT PRIMARY KEY,  -- application number, YYYY-NNNNNN
    case_id TEXT NOT NULL UNIQUE REFERENCES cases (id),
    registered_at TEXT NOT NULL,
    notice_signature TEXT  -- the acceptance notice certified by the authorised body (JSON)
);

CREATE TABLE decisions (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('assign', 'refuse')),
    signed TEXT NOT NULL,  -- the signed decision (JSON): decision, case file hash, signature
    case_file TEXT NOT NULL,  -- the case file snapshot (JSON) the decision rests on
    case_file_sha256 TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    decided_by TEXT NOT NULL  -- "automatic" or the reviewer's name
);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL UNIQUE REFERENCES cases (id),
    service TEXT NOT NULL,
    subject_iin TEXT NOT NULL,
    amount TEXT NOT NULL,
    iban TEXT NOT NULL,
    start TEXT NOT NULL,
    periodicity TEXT NOT NULL CHECK (periodicity IN ('one_time', 'monthly')),
    created_at TEXT NOT NULL
);
-- burial p.13(2): one burial payment per deceased, whoever asks.
CREATE UNIQUE INDEX payments_one_burial ON payments (subject_iin) WHERE service = 'burial';
