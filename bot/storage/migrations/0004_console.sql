-- 0004: the console. Operators and their roles, browser sessions, the audit of who looked
-- at whose data and why, and failed logins (to slow guessing). Times are real UTC, not the
-- simulation's clock: they record what people did.

CREATE TABLE operators (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('operator', 'reviewer', 'tester', 'admin')),
    password_hash TEXT NOT NULL,  -- scrypt (memory-hard): "scrypt$n$r$p$salt$hash"
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,  -- sha256 of the cookie's token: a stolen file holds no login
    operator TEXT NOT NULL REFERENCES operators (name),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_operator ON web_sessions (operator);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,  -- "view_case", "reveal_iin", "decide", "export_ledger", ...
    subject TEXT,  -- whose data: an IIN, a case id, a phone
    what TEXT NOT NULL,
    reason TEXT,  -- asked for when personal data is revealed
    address TEXT  -- the browser's address
);
CREATE INDEX audit_at ON audit (at, id);

CREATE TABLE login_failures (
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

-- The console's reads: a case's replies, the ledger by case and by time.
CREATE INDEX inbound_case ON inbound (case_id, received_at) WHERE case_id IS NOT NULL;
CREATE INDEX consents_case ON consents (case_id, seq) WHERE case_id IS NOT NULL;
CREATE INDEX consents_at ON consents (at);
