"""`python -m bot` as testers drive it: offers by SMS, replies, the consent ledger, bad input.

Every command runs as a fresh process on a data directory that also holds the fake registries
(`python -m fake_registries`) and the simulated SMS gateway. The example scenario opens three
cases: the burial payment and a child's disability benefit for the daughter (one phone, in
Kazakh) and the disability benefit for her brother (another phone, in Russian).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from domain.sms import encoding, segments
from tests.postgres import copy_database, database_env, on_postgresql

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "fake_registries" / "scenarios" / "example.toml"
# The caller's own BOT_* settings (a data directory, a crash failpoint) must not leak in.
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
    "PYTHONIOENCODING": "utf-8",
    "COLUMNS": "100",
}

# People of the example scenario (fake_registries/scenarios/example.toml).
DAUGHTER, DAUGHTER_PHONE = "760520416255", "+77011234567"  # burial + her child's disability
SON, SON_PHONE = "880909354022", "+77051234567"  # his own disability benefit
WIDOW_PHONE = "+77017654321"  # offered nothing
OFFERS = {DAUGHTER_PHONE: ("kk", 2), SON_PHONE: ("ru", 1)}  # language, number of offers
MAX_SEGMENTS = 3  # an offer is at most three SMS segments, in either language

OK, FAILED, INVALID = 0, 1, 2
Result = subprocess.CompletedProcess[str]


def run(program: str, data_dir: Path | None, *args: str, env: Mapping[str, str] = ENV) -> Result:
    """`python -m PROGRAM [--data-dir D] ARGS`, as a fresh process from the repository root
    (in `env`: by default the caller's environment without its BOT_* settings)."""
    where = [] if data_dir is None else ["--data-dir", str(data_dir)]
    return subprocess.run(
        [sys.executable, "-m", program, *where, *args],
        cwd=ROOT,
        env={**env, **database_env(data_dir)},  # on PostgreSQL: the directory's schema
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def bot(data_dir: Path | None, *args: str, env: Mapping[str, str] = ENV) -> Result:
    """`python -m bot`."""
    return run("bot", data_dir, *args, env=env)


def registries(data_dir: Path, *args: str) -> Result:
    """`python -m fake_registries`."""
    return run("fake_registries", data_dir, *args)


def ok(result: Result) -> str:
    """The output of a command that must succeed."""
    assert result.returncode == OK, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result: Result, *words: str, code: int = INVALID) -> str:
    """The one stderr line of a command that must fail with `code`, naming `words`."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


def json_lines(text: str) -> list[dict[str, Any]]:
    """One JSON object per line."""
    return [json.loads(line) for line in text.splitlines()]


def inbox(data_dir: Path, phone: str) -> list[dict[str, Any]]:
    """What a phone received, as `sms inbox --json` gives it."""
    return json_lines(ok(bot(data_dir, "sms", "inbox", phone, "--json")))


def cases(data_dir: Path) -> list[dict[str, Any]]:
    """Every case, as `cases --json` gives it."""
    return json_lines(ok(bot(data_dir, "cases", "--json")))


def consents(data_dir: Path, iin: str) -> list[dict[str, Any]]:
    """A citizen's consent acts, as `consents --iin IIN --json` gives them."""
    return json_lines(ok(bot(data_dir, "consents", "--iin", iin, "--json")))


def load_example(data_dir: Path) -> None:
    """The example scenario, with its registry and feed faults cleared: a calm world."""
    ok(registries(data_dir, "scenario", "load", str(EXAMPLE)))
    ok(registries(data_dir, "faults", "clear"))
    ok(registries(data_dir, "faults", "feed", "--duplicate-rate", "0", "--reorder-rate", "0"))


def copy_of(data_dir: Path, to: Path) -> Path:
    """A copy of a whole data directory, to tamper with or to go on from."""
    copied = Path(shutil.copytree(data_dir, to))
    copy_database(data_dir, copied)  # on PostgreSQL, the directory's schema too
    return copied


@pytest.fixture(scope="module")
def offered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example scenario after its offers were sent and delivered. Read it, do not change it."""
    data_dir = tmp_path_factory.mktemp("offered")
    load_example(data_dir)
    ok(bot(data_dir, "tick"))
    ok(bot(data_dir, "clock", "advance", "1m"))
    ok(bot(data_dir, "tick"))
    return data_dir


@pytest.fixture(scope="module")
def consented(offered: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Then the son answered his offer with "1". Read it, do not change it."""
    data_dir = copy_of(offered, tmp_path_factory.mktemp("consented") / "data")
    ok(bot(data_dir, "sms", "send", "--from", SON_PHONE, "1"))
    ok(bot(data_dir, "tick"))
    return data_dir


@pytest.fixture
def ledger_copy(consented: Path, tmp_path: Path) -> Path:
    """A copy of the consented world to tamper with; the original stays intact."""
    return copy_of(consented, tmp_path / "copy")


def db(data_dir: Path) -> closing[sqlite3.Connection]:
    """The bot's own SQLite file, opened as anyone with file access could."""
    conn = sqlite3.connect(data_dir / "bot.sqlite3", isolation_level=None)
    conn.row_factory = sqlite3.Row
    return closing(conn)


def tampered(data_dir: Path, *words: str) -> str:
    """`verify-ledger` must exit 1, say why in one line and list problems naming `words`."""
    result = bot(data_dir, "verify-ledger")
    refused(result, "does not verify", code=FAILED)
    for word in words:
        assert word in result.stdout, result.stdout
    return result.stdout


# ---------------------------------------------------------------- offers


def test_offers_reach_each_phone_once_the_receipt_delay_has_passed(tmp_path: Path) -> None:
    load_example(tmp_path)
    assert "now idle" in ok(bot(tmp_path, "tick"))
    assert inbox(tmp_path, SON_PHONE) == []  # submitted; the receipt comes 2 s later
    ok(bot(tmp_path, "clock", "advance", "1m"))
    ok(bot(tmp_path, "tick"))
    for phone, (_, count) in OFFERS.items():
        assert len(inbox(tmp_path, phone)) == count
    assert inbox(tmp_path, WIDOW_PHONE) == []


@pytest.mark.parametrize("phone", list(OFFERS))
def test_each_offer_is_one_ucs2_sms_of_at_most_three_segments_in_the_citizens_language(
    offered: Path, phone: str
) -> None:
    language, count = OFFERS[phone]
    received = inbox(offered, phone)
    assert len(received) == count
    codes = {c["code"] for c in cases(offered) if c["phone"] == phone}
    for message in received:
        text = message["text"]
        assert message["encoding"] == "UCS-2" == encoding(text)
        assert 1 <= message["segments"] == segments(text) <= MAX_SEGMENTS
        assert message["delivered_at"] > message["submitted_at"]
        assert sum(code in text for code in codes) == 1  # names its own case
        assert ("ә" in text or "қ" in text) == (language == "kk"), text
    assert len({m["text"] for m in received}) == count  # no offer twice
    assert len({m["client_ref"] for m in received}) == count


def test_cases_json_lists_every_case_offered_with_its_state(offered: Path) -> None:
    found = cases(offered)
    assert Counter((c["addressee_iin"], c["case"]["service"]) for c in found) == {
        (DAUGHTER, "burial"): 1,
        (DAUGHTER, "disability"): 1,
        (SON, "disability"): 1,
    }
    assert {c["case"]["state"] for c in found} == {"offered"}
    assert {c["phone"] for c in found} == set(OFFERS)
    assert len({(c["phone"], c["code"]) for c in found}) == len(found)  # codes tell them apart


def test_cases_say_so_when_there_are_none(tmp_path: Path) -> None:
    assert ok(bot(tmp_path, "cases")) == "(no cases)\n"
    assert ok(bot(tmp_path, "cases", "--json")) == ""


# ---------------------------------------------------------------- consent


def test_a_yes_by_sms_is_recorded_after_the_offer_with_the_raw_reply(consented: Path) -> None:
    acts = consents(consented, SON)
    assert [a["entry"]["act"] for a in acts] == ["offered", "given"]
    offer, given = (a["entry"] for a in acts)
    assert offer["raw_reply"] is None
    assert given["raw_reply"] == "1"
    assert given["intent"] == "yes"
    assert given["actor"] == "citizen"
    assert given["case_id"] == offer["case_id"]
    (shown,) = inbox(consented, SON_PHONE)[:1]
    assert offer["text"] == given["text"] == shown["text"]  # the exact text consented to
    assert [a["seq"] for a in acts] == sorted(a["seq"] for a in acts)
    (case,) = [c for c in cases(consented) if c["addressee_iin"] == SON]
    assert case["case"]["state"] == "awaiting_account"


def test_the_consents_of_one_citizen_leave_out_the_others(consented: Path) -> None:
    acts = consents(consented, DAUGHTER)
    assert [a["entry"]["act"] for a in acts] == ["offered", "offered"]
    assert {a["entry"]["iin"] for a in acts} == {DAUGHTER}


# ---------------------------------------------------------------- the ledger


def test_an_untouched_ledger_verifies(consented: Path) -> None:
    result = bot(consented, "verify-ledger")
    assert "verifies" in ok(result)
    assert result.stderr == ""


@pytest.mark.sqlite_only  # reads the bot's SQLite file
def test_a_consent_whose_text_was_edited_is_named(ledger_copy: Path) -> None:
    with db(ledger_copy) as conn:
        conn.execute("UPDATE consents SET text = text || ' ' WHERE seq = 2")
    out = tampered(ledger_copy, "row 2", "edited")
    assert "row 1" not in out


def a_link_and_the_next(data_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two rows of one case's chain, links k and k + 1 (`consents --json`)."""
    rows = json_lines(ok(bot(data_dir, "consents", "--json")))
    for row in rows:
        following = [
            r for r in rows if r["chain"] == row["chain"] and r["link"] == row["link"] + 1
        ]
        if following:
            return row, following[0]
    raise AssertionError("no case has two consent rows")


@pytest.mark.sqlite_only  # reads the bot's SQLite file
def test_a_consent_edited_and_rehashed_breaks_the_link_of_the_next_row(ledger_copy: Path) -> None:
    from bot.evidence.ledger import link_hash, text_hash  # noqa: PLC0415 (a forger's tools)
    from bot.records import ConsentEntry  # noqa: PLC0415

    row, following = a_link_and_the_next(ledger_copy)
    entry = ConsentEntry.model_validate({**row["entry"], "text": row["entry"]["text"] + "!"})
    digest = text_hash(entry.text)
    forged = link_hash(row["prev_hash"], row["chain"], row["link"], entry, digest)
    with db(ledger_copy) as conn:
        conn.execute(
            "UPDATE consents SET text = ?, text_hash = ?, hash = ? WHERE seq = ?",
            (entry.text, digest, forged, row["seq"]),
        )
    out = tampered(ledger_copy, f"row {following['seq']} (", "prev_hash")
    assert f"row {row['seq']} (" not in out  # the forged row itself looks right


@pytest.mark.sqlite_only  # reads the bot's SQLite file
def test_a_deleted_consent_that_another_follows_is_caught(ledger_copy: Path) -> None:
    row, following = a_link_and_the_next(ledger_copy)
    with db(ledger_copy) as conn:
        conn.execute("DELETE FROM consents WHERE seq = ?", (row["seq"],))
    tampered(ledger_copy, f"row {following['seq']} (", "missing (deleted)", "checkpoint")


@pytest.mark.sqlite_only  # reads the bot's SQLite file
def test_two_consents_of_a_case_whose_order_was_swapped_are_caught(ledger_copy: Path) -> None:
    row, following = a_link_and_the_next(ledger_copy)
    with db(ledger_copy) as conn:
        conn.execute("BEGIN")
        conn.execute(
            "UPDATE consents SET seq = -seq WHERE seq IN (?, ?)", (row["seq"], following["seq"])
        )
        conn.execute("UPDATE consents SET seq = ? WHERE seq = ?", (following["seq"], -row["seq"]))
        conn.execute("UPDATE consents SET seq = ? WHERE seq = ?", (row["seq"], -following["seq"]))
        conn.execute("COMMIT")
    tampered(ledger_copy, "reordered")


@pytest.mark.sqlite_only  # reads the bot's SQLite file
def test_a_consent_moved_in_the_file_but_unchanged_is_the_same_ledger(ledger_copy: Path) -> None:
    """What a row says and where it stands (its case's link, its checkpoint) is checked, not
    where the file happens to keep it."""
    with db(ledger_copy) as conn:
        row = dict(conn.execute("SELECT * FROM consents WHERE seq = 2").fetchone())
        columns = [name for name in row if name != "id"]  # a new id: physically last
        conn.execute("BEGIN")
        conn.execute("DELETE FROM consents WHERE seq = 2")
        conn.execute(
            f"INSERT INTO consents ({', '.join(columns)}) VALUES (?{', ?' * (len(columns) - 1)})",
            [row[name] for name in columns],
        )
        conn.execute("COMMIT")
    assert "verifies" in ok(bot(ledger_copy, "verify-ledger"))


def test_verify_ledger_without_a_bot_database_says_so_and_creates_nothing(
    tmp_path: Path,
) -> None:
    where = () if on_postgresql() else (str(tmp_path),)  # PostgreSQL's is no directory's
    refused(bot(tmp_path, "verify-ledger"), "no bot database", *where)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- bad input


def test_a_reply_from_an_invalid_phone_is_refused_in_one_line(offered: Path) -> None:
    refused(bot(offered, "sms", "send", "--from", "12345", "1"), "--from")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("sms", "send", "--from", SON_PHONE, "   "), ("needs some text",)),
        (("sms", "inbox", "+7 727 250 12 34"), ("phone",)),
        (("consents", "--iin", "123"), ("--iin",)),
        (("clock", "advance", "soon"), ("duration",)),
        (("clock", "set", "2026-01-12T10:00:00"), ("no UTC offset",)),
        (("tick", "--now"), ("unrecognized arguments",)),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    offered: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    refused(bot(offered, *args), *words)


def test_the_clock_cannot_be_set_back(offered: Path) -> None:
    before = ok(bot(offered, "clock", "show"))
    refused(bot(offered, "clock", "set", "2026-01-11T10:00:00+05:00"), "cannot go back")
    assert ok(bot(offered, "clock", "show")) == before


@pytest.mark.parametrize(
    "command",
    [
        "",
        "tick",
        "clock",
        "clock show",
        "clock set",
        "clock advance",
        "sms",
        "sms send",
        "sms inbox",
        "consents",
        "verify-ledger",
        "cases",
        "rates",
    ],
)
def test_every_command_has_help(command: str) -> None:
    out = ok(bot(None, *command.split(), "--help"))
    assert out.startswith(f"usage: python -m bot {command}".rstrip())


def test_phones_are_played_on_the_smsc_when_the_bot_talks_smpp(tmp_path: Path) -> None:
    for command in (["send", "--from", SON_PHONE, "1"], ["inbox", SON_PHONE]):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "sms", *command],
            cwd=ROOT,
            env={**ENV, "SMS_GATEWAY": "smpp"},
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        assert result.returncode == INVALID, result.stderr
        assert "phones are behind the SMSC" in result.stderr
    assert not (tmp_path / "sms_gateway.sqlite3").exists()  # nothing written where no one reads


def test_a_wrong_setting_is_named_in_one_line_without_its_value(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "tick"],
        cwd=ROOT,
        env={**ENV, "SMS_GATEWAY": "carrier-pigeon", "BOT_SMPP_PASSWORD": "longsecret9"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == INVALID and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert "SMS_GATEWAY" in lines[0] and "'simulated' or 'smpp'" in lines[0]
    assert "BOT_SMPP_PASSWORD" in lines[1] and "at most 8 characters" in lines[1]
    assert "longsecret9" not in result.stderr and "carrier-pigeon" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [["bot", "rates", "--on", "2026-01-12"], ["bot", "cases"], ["fake_registries", "events"]],
    ids=["bot rates", "bot cases", "fake_registries events"],
)
def test_a_command_whose_reader_went_away_ends_quietly_with_141(
    command: list[str], tmp_path: Path
) -> None:
    # `python -m bot cases | head`: the pipe is closed before the command writes
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", command[0], "--data-dir", str(tmp_path), *command[1:]],
            cwd=ROOT, env=ENV, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
            check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr  # 128 + SIGPIPE, as Unix tools end
    assert done.stderr == ""


def pending_connections(server: socket.socket) -> int:
    """How many connections came to a listening socket (and were never served)."""
    came = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return came
        conn.close()
        came += 1


@pytest.mark.parametrize(
    "command",
    [["cases"], ["consents"], ["review", "list"], ["retries"], ["verify-ledger"]],
    ids=" ".join,
)
def test_a_read_only_command_opens_no_line_to_the_smsc_or_the_bot_api(
    consented: Path, command: list[str]
) -> None:
    # serve's environment: SMS over SMPP and a Telegram token; an SMSC and a Bot API that
    # only count who connects (an operator's read must not bind under the production id)
    smsc, bot_api = socket.create_server(("127.0.0.1", 0)), socket.create_server(("127.0.0.1", 0))
    with smsc, bot_api:
        smsc.setblocking(False)
        bot_api.setblocking(False)
        serving = {
            **ENV,
            "SMS_GATEWAY": "smpp",
            "BOT_SMPP_HOST": "127.0.0.1",
            "BOT_SMPP_PORT": str(smsc.getsockname()[1]),
            "BOT_TOKEN": "123456:TEST",
            "TELEGRAM_API_BASE": f"http://127.0.0.1:{bot_api.getsockname()[1]}",
        }
        ok(bot(consented, *command, env=serving))
        time.sleep(0.2)  # a connect the command began would have come by now
        assert (pending_connections(smsc), pending_connections(bot_api)) == (0, 0)


def test_a_serve_whose_database_cannot_be_opened_says_why_in_one_line(tmp_path: Path) -> None:
    env = {**ENV, "DATABASE_URL": "postgresql://bot:secret@127.0.0.1:9/benefits"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "serve"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith(
        "error: the PostgreSQL database at 127.0.0.1:9/benefits (DATABASE_URL) could not be opened"
    ), done.stderr
    assert "Traceback" not in done.stderr and "secret" not in done.stderr
    assert done.stderr.count("\n") == 1
