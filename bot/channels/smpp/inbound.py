"""What a deliver_sm from the SMSC carries: a delivery receipt, or a part of a citizen's reply.

Pure: no I/O. A receipt names the message by `receipted_message_id` (TLV 0x001E) and its state
by `message_state` (TLV 0x0427) when the SMSC sends them (section 5.2.12), else by the `id:` and
`stat:` fields of the receipt text (Appendix B); a reply's text comes from `message_payload`
when present, else `short_message`, and a part of a long reply is numbered by the UDH or by the
`sar_*` TLVs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.channels.smpp.pdu import Pdu
from bot.channels.smpp.text import ESM_UDHI, Concat, decode_user_data, split_udh

Outcome = Literal["delivered", "temporary", "permanent"]

# esm_class bits 2-5, message type (section 5.2.12)
ESM_TYPE_MASK: Final = 0x3C
ESM_RECEIPT: Final = 0x04  # SMSC delivery receipt
ESM_INTERMEDIATE: Final = 0x20  # intermediate delivery notification
ESM_SME_ACKS: Final = (0x08, 0x10)  # SME delivery / manual-user acknowledgement

# message_state values (section 5.2.28) and the receipt text's `stat:` words (Appendix B)
STATES: Final = {
    1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED",
    5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}  # fmt: skip
# What each final state means for the message: delivered; worth sending again later (the
# phone was off, the network failed); or never (refused or deleted by the SMSC).
OUTCOMES: Final[dict[str, Outcome]] = {
    "DELIVRD": "delivered",
    "ACCEPTD": "delivered",  # read on the subscriber's behalf (customer service)
    "EXPIRED": "temporary",
    "UNDELIV": "temporary",
    "UNKNOWN": "temporary",
    "DELETED": "permanent",
    "REJECTD": "permanent",
}
_FIELD = re.compile(r"\b(id|stat|err):(\S*)", re.IGNORECASE)
_TEXT = re.compile(r"\btext:", re.IGNORECASE)  # Appendix B: the quoted start of our SMS follows


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt (or an intermediate notification) for one submitted part."""

    message_id: str
    state: str  # one of STATES' words
    error: str = ""


@dataclass(frozen=True)
class MoPart:
    """A citizen's reply, or one part of it."""

    source: str  # the phone as the SMSC wrote it: "+" and digits for an international number
    destination: str
    concat: Concat | None
    text: str


class UnreadableDeliver(ValueError):
    """A deliver_sm that says neither which message it reports on nor what a citizen wrote."""


def outcome(state: str) -> Outcome | None:
    """What a receipt's state means for the message; None while it is not final (ENROUTE)."""
    return OUTCOMES.get(state)


def combined(outcomes: list[Outcome | None]) -> Outcome | None:
    """The outcome of a message sent in parts: any part refused for good makes it permanent,
    else any failed part temporary; delivered only when every part is; else not yet known."""
    if "permanent" in outcomes:
        return "permanent"
    if "temporary" in outcomes:
        return "temporary"
    if outcomes and all(found == "delivered" for found in outcomes):
        return "delivered"
    return None


def is_receipt(message: Pdu) -> bool:
    """Whether the deliver_sm reports on a submitted message rather than carrying a reply."""
    kind = (message.integer("esm_class") or 0) & ESM_TYPE_MASK
    return kind in (ESM_RECEIPT, ESM_INTERMEDIATE, *ESM_SME_ACKS)


def read_receipt(message: Pdu) -> Receipt | None:
    """The receipt a deliver_sm carries; None for an SME acknowledgement (not a delivery state)."""
    kind = (message.integer("esm_class") or 0) & ESM_TYPE_MASK
    if kind in ESM_SME_ACKS:
        return None
    content = message.octets("message_payload") or message.octets("short_message")
    fields = _TEXT.split(content.decode("latin-1"), maxsplit=1)[0]
    found: dict[str, str] = {}
    for key, value in _FIELD.findall(fields):  # the first of each: the receipt's own
        found.setdefault(key.lower(), value)
    message_id = message.text("receipted_message_id") or found.get("id", "")
    state_code = message.integer("message_state")
    state = STATES.get(state_code, "") if state_code is not None else found.get("stat", "")
    state = state.upper()
    if not message_id or state not in STATES.values():
        raise UnreadableDeliver("a receipt without a message id or a known state")
    return Receipt(message_id, state, found.get("err", ""))


def read_reply(message: Pdu) -> MoPart:
    """A citizen's reply (or a part of it); MalformedUserData / UnsupportedCoding when its
    text cannot be read."""
    payload = message.octets("message_payload")
    udhi = bool((message.integer("esm_class") or 0) & ESM_UDHI)
    concat, data = split_udh(payload or message.octets("short_message"), udhi)
    concat = concat or _sar(message)
    text = decode_user_data(message.integer("data_coding") or 0, data)
    source = message.text("source_addr")
    if message.integer("source_addr_ton") == 1 and source.isdigit():  # international
        source = "+" + source
    return MoPart(source, message.text("destination_addr"), concat, text)


def _sar(message: Pdu) -> Concat | None:
    """Concatenation by the sar_* TLVs (section 5.3.2.22-24), when the SMSC uses them."""
    reference = message.integer("sar_msg_ref_num")
    total = message.integer("sar_total_segments")
    seqnum = message.integer("sar_segment_seqnum")
    if reference is None or total is None or seqnum is None:
        return None
    if not 1 <= seqnum <= total:
        raise UnreadableDeliver(f"sar_segment_seqnum {seqnum} of {total}")
    return Concat(reference, total, seqnum)
