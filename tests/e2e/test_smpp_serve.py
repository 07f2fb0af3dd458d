"""`python -m bot serve` as a process over SMPP 3.4 (SMS_GATEWAY=smpp) to the SMSC simulator.

A Kazakh-speaking citizen gets the offer in UCS-2, consents by SMS, the line drops, the bot binds
again and the conversation goes on; SIGTERM stops the bot cleanly, and it unbinds first
(section 4.2: an ESME ends its session with unbind before it closes the connection).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.test_bot_cli import ENV, ROOT
from tests.e2e.world import open_world
from tests.fakes.smsc import DC_UCS2, ESM_UDHI, Smsc, Submit
from tests.postgres import database_env

SYSTEM_ID, PASSWORD = "bot", "secret"
PHONE = "+77012345671"
DESTINATION = PHONE.removeprefix("+")  # as the ESME writes it: international, no plus
SHORT_NUMBER = "1414"  # BOT_SMPP_SOURCE's default: where citizens reply
ON_FILE = "KZ86125KZT5004100100"  # National Bank (125): an account on file, shown masked
KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")  # Cyrillic letters only Kazakh uses
TIMEOUT = 30.0  # generous: a bound on waiting, never a duration asserted


@dataclass
class Served:
    """A `python -m bot serve` process and where its output goes."""

    process: asyncio.subprocess.Process
    stdout: Path
    stderr: Path

    async def stop(self) -> None:
        """SIGTERM, and wait for the exit (a kill if it hangs, for the test to fail)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def assert_stopped_cleanly(self, port: int) -> None:
        """Exit 0, no traceback, the SMPP line announced and the stop reported."""
        err = self.stderr.read_text(encoding="utf-8")
        out = self.stdout.read_text(encoding="utf-8")
        assert self.process.returncode == 0, err
        assert "Traceback" not in err
        assert f"SMS over SMPP 3.4 to 127.0.0.1:{port} as '{SYSTEM_ID}'" in out
        assert out.rstrip().endswith("stopped")


async def serve(data_dir: Path, smsc: Smsc) -> Served:
    """Start the bot on `data_dir` over SMPP to `smsc`, its output into files there (no pipe
    to fill up with the scheduler's log)."""
    env = {
        **{k: v for k, v in ENV.items() if k != "SMS_GATEWAY"},
        **database_env(),
        "SMS_GATEWAY": "smpp",
        "BOT_SMPP_HOST": "127.0.0.1",
        "BOT_SMPP_PORT": str(smsc.port),
        "BOT_SMPP_SYSTEM_ID": SYSTEM_ID,
        "BOT_SMPP_PASSWORD": PASSWORD,
        "BOT_SMPP_RECONNECT_MAX": "2",
        "BOT_TICK_INTERVAL": "0.2",
        "BOT_CONSOLE": "false",
    }
    stdout, stderr = data_dir / "serve.out", data_dir / "serve.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--data-dir", str(data_dir), "serve",
            cwd=ROOT, env=env, stdout=out, stderr=err,
        )  # fmt: skip
    return Served(process, stdout, stderr)


def kazakh_world(data_dir: Path) -> None:
    """One person, Kazakh-speaking, with a phone and an account on file; a disability."""
    world = open_world(data_dir)
    iin = world.person(phone=PHONE, language="kk")
    world.account(iin, ON_FILE)
    world.disability(iin)
    world.conn.close()


def part_text(submit: Submit) -> str:
    """A UCS-2 part's text, read here from its octets (its UDH skipped), not by the fake."""
    data = submit.short_message
    if submit.esm_class & ESM_UDHI:
        data = data[1 + data[0] :]
    return data.decode("utf-16-be")


def parts_to(smsc: Smsc, destination: str) -> list[Submit]:
    """Every submit_sm the SMSC accepted for `destination`, in order."""
    return [submit for submit in smsc.submits if submit.destination == destination]


def assert_whole_offer(smsc: Smsc, offer: str) -> None:
    """The offer is the only message so far: its parts, decoded in order, make its text."""
    parts = parts_to(smsc, DESTINATION)
    assert parts, "no submit_sm for the citizen"
    assert {p.data_coding for p in parts} == {DC_UCS2}
    if len(parts) > 1:  # the parts go concurrently: in any order, each once
        assert all(p.concat is not None and p.concat.total == len(parts) for p in parts)
        parts.sort(key=lambda p: p.concat.seqnum if p.concat else 0)
        assert [p.concat.seqnum for p in parts if p.concat] == list(range(1, len(parts) + 1))
    assert "".join(part_text(p) for p in parts) == offer
    assert "".join(p.text or "" for p in parts) == offer


def all_receipts_answered(smsc: Smsc) -> bool:
    """Every accepted part has had its receipt delivered and answered."""
    return len(smsc.receipt_statuses) == len(smsc.submits)


async def test_serve_talks_smpp_in_kazakh_and_goes_on_after_the_line_drops(
    tmp_path: Path,
) -> None:
    kazakh_world(tmp_path)
    async with Smsc(SYSTEM_ID, PASSWORD) as smsc:
        served = await serve(tmp_path, smsc)
        try:
            await smsc.wait_for(lambda: len(smsc.binds) >= 1, TIMEOUT)
            assert smsc.binds[0] == ("transceiver", SYSTEM_ID)

            # the offer, in UCS-2, in Kazakh, whole
            [offer] = await smsc.wait_for_messages(DESTINATION, 1, TIMEOUT)
            assert KAZAKH_LETTERS & set(offer), offer
            assert "1 – иә" in offer and SHORT_NUMBER in offer, offer  # "1" is yes
            assert_whole_offer(smsc, offer)

            # the citizen consents: the bank account on file is asked about
            assert await smsc.send_mo(PHONE, SHORT_NUMBER, "1") == [0]
            messages = await smsc.wait_for_messages(DESTINATION, 2, TIMEOUT)
            question = messages[1]
            assert "0100" in question and ON_FILE not in question.replace(" ", ""), question

            # the line is cut (every receipt answered first); the bot binds again
            await smsc.wait_for(lambda: all_receipts_answered(smsc), TIMEOUT)
            await smsc.drop()
            await smsc.wait_for(lambda: len(smsc.binds) >= 2 and bool(smsc.bound), TIMEOUT)
            assert smsc.binds[1] == ("transceiver", SYSTEM_ID)

            # the citizen confirms the account: accepted, then assigned (general illness)
            assert await smsc.send_mo(PHONE, SHORT_NUMBER, "1") == [0]
            messages = await smsc.wait_for_messages(DESTINATION, 4, TIMEOUT)
            await smsc.wait_for(lambda: all_receipts_answered(smsc), TIMEOUT)
            assert messages[:2] == [offer, question]  # nothing sent twice
        finally:
            await served.stop()
        await smsc.wait_for(lambda: not smsc.bound, TIMEOUT)  # the connection is gone

    served.assert_stopped_cleanly(smsc.port)
    parts = parts_to(smsc, DESTINATION)
    assert {p.data_coding for p in parts} == {DC_UCS2}
    assert {p.source for p in parts} == {SHORT_NUMBER}
    assert all(KAZAKH_LETTERS & set(text) for text in smsc.messages(DESTINATION))
    assert [status for _, status in smsc.receipt_statuses] == [0] * len(smsc.submits)
    assert smsc.mo_statuses == [0, 0]
    assert smsc.rejected == []
    assert smsc.protocol_errors == []


async def test_serve_unbinds_before_it_stops_on_sigterm(tmp_path: Path) -> None:
    kazakh_world(tmp_path)
    async with Smsc(SYSTEM_ID, PASSWORD) as smsc:
        served = await serve(tmp_path, smsc)
        try:
            await smsc.wait_for_messages(DESTINATION, 1, TIMEOUT)
            await smsc.wait_for(lambda: all_receipts_answered(smsc), TIMEOUT)
            assert smsc.unbinds == 0
        finally:
            await served.stop()
        await smsc.wait_for(lambda: not smsc.bound, TIMEOUT)
    served.assert_stopped_cleanly(smsc.port)
    assert smsc.protocol_errors == []
    assert smsc.unbinds == 1, "SIGTERM closed the SMPP connection without an unbind"
