"""The simulated SMS provider on a real file: idempotent submits, late receipts, replies."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.sms_gateway import MIGRATIONS, MO_MAX_CHARS, SimulatedSmsGateway, path_in
from bot.ports import SendPermanentError, SmsGateway
from bot.records import Channel
from domain.phone import InvalidPhone

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = "+77011234567"
FLAKY = "+77010000001"  # fails temporarily twice per text, then delivers
DEAD = "+77010000002"  # fails permanently
KAZAKH = "Құрметті азамат! Сізге жерлеуге арналған біржолғы төлем тағайындалуы мүмкін."

Opener = Callable[[], SimulatedSmsGateway]


class FakeClock:
    """A `Clock` whose time the test sets."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    async def now(self) -> datetime:
        """The time the test set."""
        return self.at

    def advance(self, seconds: float) -> None:
        """Move the time forward."""
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    """A clock at the start of the test."""
    return FakeClock(START)


@pytest.fixture
def reopen(tmp_path: Path, clock: FakeClock) -> Iterator[Opener]:
    """Opens gateways on one file, as separate processes would; closes them all at the end."""
    opened: list[SimulatedSmsGateway] = []

    def open_gateway() -> SimulatedSmsGateway:
        opened.append(SimulatedSmsGateway(path_in(tmp_path), clock))
        return opened[-1]

    yield open_gateway
    for gateway in opened:
        gateway.close()


@pytest.fixture
def gateway(reopen: Opener) -> SimulatedSmsGateway:
    """A gateway on a fresh file."""
    return reopen()


def stored_rows(tmp_path: Path) -> int:
    """Submissions in the provider's file, counted from outside."""
    conn = sqlite3.connect(path_in(tmp_path))
    try:
        count: int = conn.execute("SELECT COUNT(*) FROM submission").fetchone()[0]
    finally:
        conn.close()
    return count


def test_the_simulator_satisfies_the_gateway_port(gateway: SimulatedSmsGateway) -> None:
    port: SmsGateway = gateway
    assert port is gateway


def test_the_file_is_migrated_and_in_wal_mode(
    tmp_path: Path, gateway: SimulatedSmsGateway
) -> None:
    conn = sqlite3.connect(path_in(tmp_path))
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


async def test_the_same_reference_gives_the_same_id_and_one_message(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    first = await gateway.submit("case-1/offer", PHONE, "Hello")
    again = await gateway.submit("case-1/offer", PHONE, "Hello")
    clock.advance(2)
    assert first == again
    assert first.startswith("sim-") and len(first) == len("sim-000001")
    assert [message.provider_id for message in await gateway.inbox(PHONE)] == [first]
    assert await gateway.receipts() == [(first, "delivered")]


async def test_another_reference_with_the_same_text_is_a_second_message(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    first = await gateway.submit("ref-1", PHONE, "Hello")
    second = await gateway.submit("ref-2", PHONE, "Hello")
    clock.advance(2)
    assert first != second
    assert [message.client_ref for message in await gateway.inbox(PHONE)] == ["ref-1", "ref-2"]


async def test_idempotency_survives_a_reopen_of_the_file(
    reopen: Opener, clock: FakeClock, tmp_path: Path
) -> None:
    first = await reopen().submit("ref-1", PHONE, "Hello")
    assert await reopen().submit("ref-1", PHONE, "Hello") == first
    assert stored_rows(tmp_path) == 1


async def test_kazakh_text_is_stored_as_ucs2_with_its_segments(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    assert len(KAZAKH) == 76  # over 70 UCS-2 units: two parts of at most 67
    await gateway.submit("kk", PHONE, KAZAKH)
    await gateway.submit("kk-long", PHONE, "ә" * 135)  # 2 x 67 = 134: a third part
    clock.advance(2)
    stored = [(m.encoding, m.segments) for m in await gateway.inbox(PHONE)]
    assert stored == [("UCS-2", 2), ("UCS-2", 3)]


async def test_plain_latin_text_is_stored_as_gsm7_with_its_segments(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    await gateway.submit("one", PHONE, "a" * 160)
    await gateway.submit("two", PHONE, "a" * 161)
    clock.advance(2)
    stored = [(m.encoding, m.segments) for m in await gateway.inbox(PHONE)]
    assert stored == [("GSM-7", 1), ("GSM-7", 2)]


async def test_a_receipt_comes_only_after_the_delay_and_only_once(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    provider_id = await gateway.submit("ref-1", PHONE, "Hello")
    clock.advance(1.999)
    assert await gateway.receipts() == []
    assert await gateway.inbox(PHONE) == []
    clock.advance(0.001)
    assert await gateway.receipts() == [(provider_id, "delivered")]
    assert await gateway.receipts() == [(provider_id, "delivered")]  # again until acknowledged
    await gateway.ack_receipts([provider_id])
    assert await gateway.receipts() == []


async def test_the_inbox_tells_when_a_message_was_submitted_and_delivered(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    await gateway.submit("ref-1", PHONE, "Hello")
    clock.advance(5)
    (message,) = await gateway.inbox("8 701 123 45 67")
    assert (message.text, message.submitted_at) == ("Hello", START)
    assert message.delivered_at == START + timedelta(seconds=2)
    assert message.delivered_at.tzinfo is not None


async def test_the_receipt_delay_is_a_constructor_argument(
    tmp_path: Path, clock: FakeClock
) -> None:
    gateway = SimulatedSmsGateway(path_in(tmp_path), clock, receipt_delay=timedelta(seconds=30))
    try:
        provider_id = await gateway.submit("ref-1", PHONE, "Hello")
        clock.advance(29)
        assert await gateway.receipts() == []
        clock.advance(1)
        assert await gateway.receipts() == [(provider_id, "delivered")]
    finally:
        gateway.close()


async def test_a_flaky_number_fails_temporarily_twice_then_delivers(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    outcomes = []
    for attempt in range(3):
        provider_id = await gateway.submit(f"ref-1/try-{attempt}", FLAKY, "Hello")
        clock.advance(2)
        assert [receipt[0] for receipt in await gateway.receipts()] == [provider_id]
        await gateway.ack_receipts([provider_id])
        outcomes.append((await gateway.messages(limit=1))[0].status)
    assert outcomes == ["temporary", "temporary", "delivered"]
    assert [message.client_ref for message in await gateway.inbox(FLAKY)] == ["ref-1/try-2"]


async def test_a_dead_number_fails_permanently_and_receives_nothing(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    provider_ids = [await gateway.submit(f"ref-{n}", DEAD, "Hello") for n in range(3)]
    clock.advance(2)
    assert await gateway.receipts() == [(pid, "permanent") for pid in provider_ids]
    assert await gateway.inbox(DEAD) == []


async def test_the_inboxes_of_many_phones_read_at_once_are_each_phones_inbox_after_a_count(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    other = "+77017654321"
    for n, to in enumerate([PHONE, other, FLAKY, PHONE, DEAD, other]):
        await gateway.submit(f"ref-{n}", to, f"text {n}")
        clock.advance(0.5)
    clock.advance(2)  # past the receipt delay: all six are delivered
    await gateway.submit("ref-late", PHONE, "not delivered yet")
    phones = [PHONE, other, FLAKY, DEAD, "+77019999999"]
    texts = await gateway.inbox_texts(dict.fromkeys(phones, 0))
    assert texts == {phone: [m.text for m in await gateway.inbox(phone)] for phone in phones}
    assert texts[PHONE] == ["text 0", "text 3"] and texts[other] == ["text 1", "text 5"]
    assert texts[FLAKY] == texts[DEAD] == texts["+77019999999"] == []
    after = await gateway.inbox_texts({PHONE: 1, other: 2, FLAKY: 5})
    assert after == {PHONE: ["text 3"], other: [], FLAKY: []}


@pytest.mark.parametrize(
    "to",
    ["+7 7172 123456", "+77172123456", "+7701", "not a phone", "+79161234567", "87011234567"],
)
async def test_an_invalid_or_landline_destination_is_refused_and_nothing_stored(
    gateway: SimulatedSmsGateway, tmp_path: Path, to: str
) -> None:
    with pytest.raises(SendPermanentError):
        await gateway.submit("ref-1", to, "Hello")
    assert stored_rows(tmp_path) == 0


async def test_an_empty_text_is_refused_and_nothing_stored(
    gateway: SimulatedSmsGateway, tmp_path: Path
) -> None:
    with pytest.raises(SendPermanentError, match="empty"):
        await gateway.submit("ref-1", PHONE, "")
    assert stored_rows(tmp_path) == 0


async def test_a_receipt_not_yet_polled_survives_a_reopen(
    reopen: Opener, clock: FakeClock
) -> None:
    provider_id = await reopen().submit("ref-1", PHONE, "Hello")
    clock.advance(2)
    later = reopen()
    assert await later.receipts() == [(provider_id, "delivered")]
    assert await reopen().receipts() == [(provider_id, "delivered")]  # not acknowledged
    await later.ack_receipts([provider_id])
    assert await reopen().receipts() == []


async def test_replies_come_once_each_in_order(gateway: SimulatedSmsGateway) -> None:
    first = await gateway.send_from("8 701 123 45 67", "иә")
    second = await gateway.send_from(PHONE, "1")
    replies = await gateway.replies()
    assert replies == [first, second]
    assert [(r.channel, r.address, r.text) for r in replies] == [
        (Channel.SMS, PHONE, "иә"),
        (Channel.SMS, PHONE, "1"),
    ]
    assert first.provider_id.startswith("mo-") and first.provider_id != second.provider_id
    assert first.received_at == START and first.received_at.tzinfo is not None
    assert await gateway.replies() == replies  # again until acknowledged
    await gateway.ack_replies([first.provider_id])
    assert await gateway.replies() == [second]
    await gateway.ack_replies([second.provider_id, second.provider_id])
    assert await gateway.replies() == []


async def test_replies_not_taken_survive_a_reopen_and_come_once(reopen: Opener) -> None:
    sent = await reopen().send_from(PHONE, "жоқ")
    later = reopen()
    assert await later.replies() == [sent]
    assert await reopen().replies() == [sent]  # not acknowledged
    await later.ack_replies([sent.provider_id])
    assert await reopen().replies() == []


async def test_replies_and_the_phones_memory_are_kept_together_and_survive_a_reopen(
    reopen: Opener,
) -> None:
    first = reopen()
    assert await first.memory() == {}
    sent = await first.send_from_many([(PHONE, "иә"), ("8 705 123 45 67", "1")], {"a": "1"})
    assert [(r.address, r.text) for r in sent] == [(PHONE, "иә"), ("+77051234567", "1")]
    await first.send_from_many([], {"a": "2", "b": "x"})  # memory alone; keys replaced
    later = reopen()
    assert await later.memory() == {"a": "2", "b": "x"}
    assert await later.replies() == sent


async def test_a_refused_reply_keeps_neither_the_replies_nor_the_memory(
    gateway: SimulatedSmsGateway,
) -> None:
    with pytest.raises(ValueError, match="needs some text"):
        await gateway.send_from_many([(PHONE, "иә"), (PHONE, " ")], {"a": "1"})
    assert await gateway.replies() == []
    assert await gateway.memory() == {}


@pytest.mark.parametrize("text", ["", "   "])
async def test_an_empty_reply_is_refused(gateway: SimulatedSmsGateway, text: str) -> None:
    with pytest.raises(ValueError, match="needs some text"):
        await gateway.send_from(PHONE, text)
    assert await gateway.replies() == []


async def test_an_over_long_reply_is_refused(gateway: SimulatedSmsGateway) -> None:
    accepted = await gateway.send_from(PHONE, "я" * MO_MAX_CHARS)
    with pytest.raises(ValueError, match="limited to 1000 characters"):
        await gateway.send_from(PHONE, "я" * (MO_MAX_CHARS + 1))
    assert await gateway.replies() == [accepted]


async def test_a_reply_from_a_landline_is_refused(gateway: SimulatedSmsGateway) -> None:
    with pytest.raises(InvalidPhone):
        await gateway.send_from("+7 7172 123456", "иә")


async def test_the_console_lists_submissions_newest_first_with_status(
    gateway: SimulatedSmsGateway, clock: FakeClock
) -> None:
    await gateway.submit("ref-1", PHONE, "Hello")
    clock.advance(2)
    await gateway.submit("ref-2", DEAD, "Hello")
    listed = await gateway.messages()
    assert [(m.client_ref, m.to, m.status) for m in listed] == [
        ("ref-2", DEAD, "accepted"),
        ("ref-1", PHONE, "delivered"),
    ]
    assert not any(m.receipt_reported for m in listed)
    await gateway.ack_receipts([provider_id for provider_id, _ in await gateway.receipts()])
    assert [m.receipt_reported for m in await gateway.messages()] == [False, True]
