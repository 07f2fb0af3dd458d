-- 0001: the bot's first schema. Datetimes are UTC ISO-8601 text of fixed width
-- (YYYY-MM-DDTHH:MM:SS.ffffff+00:00), so text order is time order.

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    event_id INTEGER NOT NULL,
    service TEXT NOT NULL,
    subject_iin TEXT NOT NULL,
    addressee_iin TEXT NOT NULL,
    phone TEXT,
    code TEXT NOT NULL,
    state TEXT NOT NULL,  -- denormalised from body, kept in step by every save
    created_at TEXT NOT NULL,
    amount TEXT,  -- what the offer is about, in tenge (decimal text)
    monthly INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,  -- the domain Case as JSON
    UNIQUE (event_id, service, addressee_iin)
);
CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_phone ON cases (phone, created_at) WHERE phone IS NOT NULL;
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE citizens (
    iin TEXT PRIMARY KEY,
    phone TEXT,
    language TEXT CHECK (language IN ('kk', 'ru')),
    language_source TEXT CHECK (language_source IN ('registry', 'reply', 'choice')),
    nonsense_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX citizens_phone ON citizens (phone) WHERE phone IS NOT NULL;

-- The consent ledger: append-only, chained by hash. `id` is the physical insertion order
-- (an explicit INTEGER PRIMARY KEY, so VACUUM keeps it); `seq` is the chained order.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    case_id TEXT NOT NULL REFERENCES cases (id),
    iin TEXT NOT NULL,
    act TEXT NOT NULL,
    text TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    message_ids TEXT NOT NULL,  -- JSON array of outbox client references
    raw_reply TEXT,
    intent TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX consents_iin ON consents (iin, seq);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    client_ref TEXT NOT NULL UNIQUE,
    case_id TEXT REFERENCES cases (id),
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    language TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    segments INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    provider_id TEXT UNIQUE,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX outbox_case ON outbox (case_id, id) WHERE case_id IS NOT NULL;

CREATE TABLE inbound (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    text TEXT NOT NULL,
    received_at TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id),
    intent TEXT,
    handled_at TEXT,
    UNIQUE (channel, provider_id)
);
CREATE INDEX inbound_pending ON inbound (received_at, id) WHERE handled_at IS NULL;

CREATE TABLE feed_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id INTEGER NOT NULL CHECK (last_event_id >= 0)
);
INSERT INTO feed_cursor (id, last_event_id) VALUES (1, 0);

CREATE TABLE timers (
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('remind', 'expire', 'decide')),
    due_at TEXT NOT NULL,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX timers_due ON timers (due_at);

CREATE TABLE operator_tasks (
    id INTEGER PRIMARY KEY,
    case_id TEXT REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('home_visit', 'nonsense', 'no_contact', 'send_failed')),
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX operator_tasks_open ON operator_tasks (created_at, id) WHERE done_at IS NULL;
