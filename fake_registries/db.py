"""The registries' own SQLite file: numbered migrations, connections, one transaction at a time."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_NAME = "registries.sqlite3"

# Numbered migrations; each runs once, in order, recorded in PRAGMA user_version.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE person (
        iin TEXT PRIMARY KEY,
        surname TEXT NOT NULL,
        name TEXT NOT NULL,
        patronymic TEXT,
        birth_date TEXT NOT NULL,
        sex TEXT NOT NULL CHECK (sex IN ('M', 'F')),
        region TEXT NOT NULL,
        phone TEXT,
        language TEXT CHECK (language IN ('kk', 'ru'))
    );
    CREATE INDEX person_phone ON person (phone) WHERE phone IS NOT NULL;
    CREATE TABLE disability (
        id INTEGER PRIMARY KEY,
        iin TEXT NOT NULL REFERENCES person (iin),
        grp INTEGER CHECK (grp IN (1, 2, 3)),
        cause TEXT NOT NULL,
        established_on TEXT NOT NULL,
        valid_until TEXT,
        first_time INTEGER NOT NULL,
        representative_iin TEXT REFERENCES person (iin)
    );
    CREATE INDEX disability_iin ON disability (iin, established_on);
    CREATE TABLE death (
        deceased_iin TEXT PRIMARY KEY REFERENCES person (iin),
        died_on TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        act_number TEXT NOT NULL UNIQUE,
        declarant_iin TEXT NOT NULL REFERENCES person (iin)
    );
    CREATE TABLE birth (
        child_iin TEXT PRIMARY KEY REFERENCES person (iin),
        mother_iin TEXT REFERENCES person (iin),
        father_iin TEXT REFERENCES person (iin),
        born_on TEXT NOT NULL,
        act_number TEXT NOT NULL UNIQUE
    );
    CREATE INDEX birth_mother ON birth (mother_iin);
    CREATE INDEX birth_father ON birth (father_iin);
    CREATE TABLE marriage (
        id INTEGER PRIMARY KEY,
        spouse_a_iin TEXT NOT NULL REFERENCES person (iin),
        spouse_b_iin TEXT NOT NULL REFERENCES person (iin),
        married_on TEXT NOT NULL,
        act_number TEXT NOT NULL UNIQUE
    );
    CREATE INDEX marriage_a ON marriage (spouse_a_iin);
    CREATE INDEX marriage_b ON marriage (spouse_b_iin);
    CREATE TABLE payment (
        id INTEGER PRIMARY KEY,
        iin TEXT NOT NULL REFERENCES person (iin),
        kind TEXT NOT NULL,
        start_on TEXT NOT NULL,
        end_on TEXT
    );
    CREATE INDEX payment_iin ON payment (iin);
    CREATE TABLE study (
        id INTEGER PRIMARY KEY,
        iin TEXT NOT NULL REFERENCES person (iin),
        institution TEXT NOT NULL,
        full_time INTEGER NOT NULL,
        start_on TEXT NOT NULL,
        end_on TEXT
    );
    CREATE INDEX study_iin ON study (iin);
    CREATE TABLE burial_filing (
        id INTEGER PRIMARY KEY,
        deceased_iin TEXT NOT NULL,
        applicant_iin TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('application', 'assignment')),
        on_date TEXT NOT NULL
    );
    CREATE INDEX burial_filing_deceased ON burial_filing (deceased_iin);
    CREATE TABLE account (
        iin TEXT PRIMARY KEY REFERENCES person (iin),
        iban TEXT NOT NULL,
        bank_code TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_on TEXT NOT NULL
    );
    CREATE TABLE event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        occurred_on TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        source_event_id TEXT NOT NULL UNIQUE
    );
    CREATE TABLE sim_clock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        now TEXT NOT NULL
    );
    CREATE TABLE fault (
        registry TEXT NOT NULL,
        operation TEXT NOT NULL,
        latency_ms INTEGER NOT NULL DEFAULT 0,
        error_rate REAL NOT NULL DEFAULT 0,
        outage_from TEXT,
        outage_to TEXT,
        PRIMARY KEY (registry, operation)
    );
    CREATE TABLE fault_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seed INTEGER NOT NULL DEFAULT 0,
        duplicate_rate REAL NOT NULL DEFAULT 0,
        reorder_rate REAL NOT NULL DEFAULT 0
    );
    """,
    # 2: latency spikes, a share of calls that wait much longer
    """
    ALTER TABLE fault ADD COLUMN spike_rate REAL NOT NULL DEFAULT 0;
    ALTER TABLE fault ADD COLUMN spike_ms INTEGER NOT NULL DEFAULT 0;
    """,
)


def json_keys(values: Iterable[str]) -> str:
    """Keys as one JSON array parameter, for `IN (SELECT value FROM json_each(?))`."""
    return json.dumps(sorted(set(values)), ensure_ascii=False)


def path_in(data_dir: Path) -> Path:
    """The registries' SQLite file inside a data directory."""
    return data_dir / FILE_NAME


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the registries' file, migrated, in WAL mode, autocommit off."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Run the migrations the file has not seen yet, each in its own transaction. The version
    is read inside the transaction's write lock: processes opening a new file at the same
    moment (instances started together on one data directory) run each migration once."""
    for number, script in enumerate(MIGRATIONS, start=1):
        with transaction(conn):
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises.

    Inside another transaction it is a savepoint of it, so a whole scenario is all or nothing.
    """
    if conn.in_transaction:
        conn.execute("SAVEPOINT nested")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO nested")
            conn.execute("RELEASE nested")
            raise
        conn.execute("RELEASE nested")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
