"""The `SmsGateway` port over SMPP 3.4: an ESME bound as transceiver to a real SMSC.

A keeper task holds one bound session, reconnecting with exponential backoff (and jitter)
whenever the line drops, the SMSC unbinds or an enquire_link goes unanswered. `submit` cuts
the text into parts (UCS-2 or GSM-7, UDH concatenation), stores them, and submits each part
in order, within the session's window and at most `tps` submit_sm a second; ESME_RTHROTTLED or
ESME_RMSGQFUL from the SMSC pauses every submission for a while and the part is sent again,
and a part caught by a dropped line is sent again once the session is bound again. Receipts
and replies (deliver_sm) are stored in the channel's file before they are answered, then
handed to the bot until it acknowledges them, like the simulated gateway's.

SMPP 3.4 has no idempotency key: a submit_sm whose response was lost with the line is sent
again, so that message may reach the phone twice; nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.channels.smpp import pdu
from bot.channels.smpp.inbound import (
    UnreadableDeliver,
    is_receipt,
    read_receipt,
    read_reply,
)
from bot.channels.smpp.pdu import Pdu
from bot.channels.smpp.session import (
    BindFailed,
    CommandFailed,
    Endpoint,
    Session,
    SessionClosed,
)
from bot.channels.smpp.store import Part, Planned, SmppStore
from bot.channels.smpp.text import MalformedUserData, UnsupportedCoding
from bot.channels.sms_gateway import check_submission
from bot.channels.sqlite_file import utc_now
from bot.ports import Clock, SendPermanentError, SendTemporaryError
from bot.records import InboundMessage
from bot.service.dispatcher import RateLimit
from bot.settings import Settings
from domain.phone import InvalidPhone, normalize_phone

log = logging.getLogger(__name__)

# submit_sm_resp statuses that no retry can fix: the message is refused for good
PERMANENT = frozenset({
    pdu.RINVMSGLEN, pdu.RINVSRCADR, pdu.RINVDSTADR, pdu.RINVESMCLASS,
    pdu.RINVSRCTON, pdu.RINVDSTTON, pdu.RINVDCS,
})  # fmt: skip
SLOW_DOWN = frozenset({pdu.RTHROTTLED, pdu.RMSGQFUL})  # the SMSC asks us to send less
SHORT_SESSION = 10.0  # seconds: a session ending sooner counts as a failed connect


@dataclass(frozen=True)
class SmppConfig:
    """How the ESME reaches the SMSC and how hard it may push it."""

    endpoint: Endpoint
    source: str = "1414"  # the short number citizens see and reply to
    tps: float = 100.0  # submit_sm a second at most (each part counts)
    submit_timeout: float = 60.0  # one message's wait through reconnects and throttling
    reconnect_min: float = 1.0  # seconds before the first reconnect; doubled each failure
    reconnect_max: float = 60.0
    throttle_pause: float = 1.0  # seconds every submission waits after ESME_RTHROTTLED
    throttle_max: float = 30.0  # the pause doubles while throttling goes on, up to this
    part_patience: timedelta = timedelta(minutes=10)  # wait for a long reply's missing parts


def config_from(settings: Settings) -> SmppConfig:
    """The SMPP channel as the settings (BOT_SMPP_*) describe it."""
    endpoint = Endpoint(
        host=settings.smpp_host,
        port=settings.smpp_port,
        system_id=settings.smpp_system_id,
        password=settings.smpp_password.get_secret_value(),
        system_type=settings.smpp_system_type,
        window=settings.smpp_window,
        response_timeout=settings.smpp_response_timeout,
        enquire_interval=settings.smpp_enquire_interval,
    )
    return SmppConfig(
        endpoint=endpoint,
        source=settings.smpp_source,
        tps=settings.smpp_tps,
        submit_timeout=settings.smpp_submit_timeout,
        reconnect_max=settings.smpp_reconnect_max,
        throttle_pause=settings.smpp_throttle_pause,
    )


def source_address(source: str) -> tuple[int, int, str]:
    """TON, NPI and digits of our source address (section 5.2.5-5.2.6): "+7701..." or ten
    and more digits international / E.164 (1/1); a short number like 1414 unknown / E.164
    (0/1); letters alphanumeric (5/0)."""
    digits = source.removeprefix("+")
    if not digits.isdigit():
        return 5, 0, source
    if source.startswith("+") or len(digits) >= 10:
        return 1, 1, digits
    return 0, 1, digits


def destination_address(phone: str) -> tuple[int, int, str]:
    """A citizen's E.164 number as international / E.164, without the plus."""
    return 1, 1, phone.removeprefix("+")


def reconnect_delay(failures: int, least: float, most: float) -> float:
    """Backoff after `failures` failed connects in a row: doubling from `least` up to `most`,
    the second half of it drawn at random so many ESMEs do not return at the same instant."""
    delay = min(most, least * 2.0 ** min(max(failures - 1, 0), 60))  # 2**60: far past most
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 (jitter, not a secret)


@dataclass
class Counters:
    """What the channel has seen since it started (for tests, the console and benchmarks)."""

    binds: int = 0
    submitted: int = 0  # parts accepted
    throttled: int = 0  # ESME_RTHROTTLED / ESME_RMSGQFUL answers
    resent: int = 0  # parts sent again after a dropped line
    receipts: int = 0
    replies: int = 0  # reply parts stored
    refused: int = 0  # deliver_sm answered with an error
    last_error: str = ""


class SmppSmsGateway:
    """The SMPP channel: `await start()`, then use it as the `SmsGateway`; `await close()`."""

    def __init__(
        self,
        config: SmppConfig,
        path: Path,
        clock: Clock,
        on_inbound: Callable[[], None] | None = None,
    ) -> None:
        self._config = config
        self._store = SmppStore(path)
        self._clock = clock
        self.on_inbound = on_inbound  # called when a receipt or a reply is stored (wakes serve)
        self._source = source_address(config.source)  # TON, NPI, digits: the same for all
        self._pacer = RateLimit(config.tps)  # submit_sm a second, paused when throttled
        self._throttle = config.throttle_pause
        self._session: Session | None = None
        self._bound = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None
        self._closing = False
        self.counters = Counters()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start keeping a bound session (returns at once; `wait_bound` to wait for it)."""
        if self._keeper is None:
            self._keeper = asyncio.create_task(self._keep_bound(), name="smpp-keeper")

    async def wait_bound(self, timeout: float) -> bool:
        """Whether a session is bound within `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._bound.wait()
        return self._bound.is_set()

    @property
    def bound(self) -> bool:
        """Whether a session is bound now."""
        return self._bound.is_set()

    @property
    def session(self) -> Session | None:
        """The bound session, if any."""
        return self._session

    async def close(self) -> None:
        """Unbind (section 4.2), stop reconnecting and close the file."""
        self._closing = True
        session = self._session
        if session is not None:
            await session.unbind()  # the keeper sees the session end and stops
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        self._bound.clear()
        self._store.close()

    async def _keep_bound(self) -> None:
        """Connect and bind, and again whenever the session ends. A failed connect, or a
        session that ends soon after its bind (an SMSC that cuts every new line), waits
        the growing backoff; after a session that lasted, the next connect is at once."""
        failures = 0
        while not self._closing:
            endpoint = self._config.endpoint
            try:
                session = await Session.open(endpoint, self._on_deliver)
            except (OSError, TimeoutError, SessionClosed, CommandFailed) as error:
                failures += 1
                self._note(f"connect to {endpoint.host}:{endpoint.port} failed: {error}")
                level = logging.ERROR if isinstance(error, BindFailed) else logging.WARNING
                await self._back_off(failures, level)
                continue
            self.counters.binds += 1
            log.info("SMPP: bound as transceiver to %s:%d", endpoint.host, endpoint.port)
            bound_at = time.monotonic()
            self._session = session
            self._bound.set()
            try:
                await session.wait_closed()
            finally:
                self._bound.clear()
                self._session = None
                await session.close()
            if self._stopping():
                return
            self._note("the SMPP session ended; reconnecting")
            lasted = time.monotonic() - bound_at
            failures = 0 if lasted >= SHORT_SESSION else failures + 1
            if failures:
                await self._back_off(failures, logging.WARNING)
            else:
                log.warning("SMPP: %s", self.counters.last_error)

    def _stopping(self) -> bool:
        """Whether `close` has begun (read afresh: it changes while the keeper awaits)."""
        return self._closing

    async def _back_off(self, failures: int, level: int) -> None:
        delay = reconnect_delay(failures, self._config.reconnect_min, self._config.reconnect_max)
        log.log(level, "SMPP: %s; next try in %.1f s", self.counters.last_error, delay)
        await asyncio.sleep(delay)

    def _note(self, error: str) -> None:
        self.counters.last_error = error

    async def _now(self) -> datetime:
        return await utc_now(self._clock)

    # ------------------------------------------------------------------ submitting

    async def submit(self, client_ref: str, to: str, text: str) -> str:
        """Submit every part not yet accepted; the provider id (the same for the same ref).

        SendTemporaryError when the SMSC cannot be reached or keeps refusing within
        `submit_timeout` (the bot tries again later; accepted parts are not sent again),
        SendPermanentError when the SMSC refuses the message for good."""
        check_submission(client_ref, to, text)
        planned = self._store.plan(client_ref, to, text, await self._now())
        if planned.waiting:
            try:
                async with asyncio.timeout(self._config.submit_timeout):
                    await self._submit_parts(planned)
            except TimeoutError:
                reason = self.counters.last_error or "no answer"
                raise SendTemporaryError(
                    f"SMSC did not take the message in {self._config.submit_timeout:g} s: {reason}"
                ) from None
        return planned.provider_id

    async def _submit_parts(self, planned: Planned) -> None:
        """The parts in order, each after the previous one is accepted: a handset joins them
        by their UDH whatever the order, but some SMSCs forward parts as they come."""
        for part in planned.waiting:
            await self._submit_part(planned, part)

    async def _submit_part(self, planned: Planned, part: Part) -> None:
        fields = self._fields(planned, part)
        tries = 0
        while True:
            await self._bound.wait()
            session = self._session
            if session is None:
                continue
            await self._pacer.wait()
            tries += 1
            if tries > 1:
                self.counters.resent += 1
            try:
                message_id = await session.submit(**fields)
            except SessionClosed:
                continue  # sent again once bound again
            except CommandFailed as error:
                if error.status == pdu.RINVBNDSTS:  # the SMSC lost our bind: bind again
                    self._note(str(error))
                    await session.close()
                    continue
                self._refused(error, planned)
                continue
            self._throttle = self._config.throttle_pause  # the SMSC takes messages again
            self.counters.submitted += 1
            if not message_id:
                log.warning("SMPP: %s part %d accepted without a message_id",
                            planned.provider_id, part.seqnum)  # fmt: skip
            self._store.accepted(planned.id, part.seqnum, message_id, await self._now())
            return

    def _refused(self, error: CommandFailed, planned: Planned) -> None:
        """A submit_sm answered with an error: pause, or give up for now, or for good."""
        self._note(str(error))
        if error.status in SLOW_DOWN:
            self.counters.throttled += 1
            self._pacer.pause(self._throttle)
            self._throttle = min(self._throttle * 2, self._config.throttle_max)
            return
        if error.status in PERMANENT:
            raise SendPermanentError(f"SMSC refused {planned.provider_id}: {error}")
        raise SendTemporaryError(f"SMSC refused {planned.provider_id}: {error}")

    def _fields(self, planned: Planned, part: Part) -> dict[str, Any]:
        source_ton, source_npi, source = self._source
        dest_ton, dest_npi, destination = destination_address(planned.to)
        return {
            "service_type": "",
            "source_addr_ton": source_ton,
            "source_addr_npi": source_npi,
            "source_addr": source,
            "dest_addr_ton": dest_ton,
            "dest_addr_npi": dest_npi,
            "destination_addr": destination,
            "esm_class": part.esm_class,
            "protocol_id": 0,
            "priority_flag": 0,
            "schedule_delivery_time": "",
            "validity_period": "",
            "registered_delivery": 1,  # a receipt for every part, delivered or failed
            "replace_if_present_flag": 0,
            "data_coding": planned.data_coding,
            "sm_default_msg_id": 0,
            "short_message": part.short_message,
        }

    # ------------------------------------------------------------------ what comes back

    async def _on_deliver(self, message: Pdu) -> int:
        """Store a receipt or a reply part; the deliver_sm_resp status. Raising leaves the
        deliver_sm answered ESME_RX_T_APPN: the SMSC delivers it again later."""
        now = await self._now()
        try:
            if is_receipt(message):
                receipt = read_receipt(message)
                if receipt is not None:
                    self._store.add_receipt(receipt, now)
                    self.counters.receipts += 1
            else:
                part = read_reply(message)
                phone = normalize_phone(part.source)
                self._store.add_reply_part(part, phone, now)
                self.counters.replies += 1
        except (UnreadableDeliver, MalformedUserData, UnsupportedCoding, InvalidPhone) as error:
            self.counters.refused += 1
            reason = "not a phone number" if isinstance(error, InvalidPhone) else str(error)
            log.warning("SMPP: deliver_sm #%d refused: %s", message.sequence, reason)
            return pdu.RINVDCS if isinstance(error, UnsupportedCoding) else pdu.RX_P_APPN
        if self.on_inbound is not None:
            self.on_inbound()
        return pdu.ROK

    async def receipts(self) -> list[tuple[str, str]]:
        """Outcomes known and not acknowledged: (provider id, outcome), again until acked."""
        return [(provider_id, result) for provider_id, result in self._store.outcomes()]

    async def ack_receipts(self, provider_ids: Sequence[str]) -> None:
        """The bot applied these outcomes."""
        self._store.ack_outcomes(provider_ids, await self._now())

    async def replies(self) -> list[InboundMessage]:
        """Whole replies not acknowledged, oldest first, again until acked; a reply whose
        parts stopped coming `part_patience` ago is handed over as it is."""
        flushed = self._store.flush_stale_parts(await self._now() - self._config.part_patience)
        if flushed:
            log.warning("SMPP: %d reply(ies) handed over with parts missing", flushed)
        return self._store.replies()

    async def ack_replies(self, provider_ids: Sequence[str]) -> None:
        """The bot logged these replies."""
        self._store.ack_replies(provider_ids, await self._now())
