"""Behaviour of bot.channels.smpp.inbound: a deliver_sm as a receipt or a part of a reply."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.smpp.inbound import (
    Outcome,
    Receipt,
    UnreadableDeliver,
    combined,
    is_receipt,
    outcome,
    read_receipt,
    read_reply,
)
from bot.channels.smpp.pdu import Pdu
from bot.channels.smpp.text import Concat, UnsupportedCoding

RECEIPT_TEXT = (
    b"id:0A1B sub:001 dlvrd:001 submit date:2601120900 done date:2601120901"
    b" stat:DELIVRD err:000 Text:Your benefit is"
)
KAZAKH_REPLY = "Иә, келісемін. Рақмет!"


def deliver(**fields: Any) -> Pdu:
    """A deliver_sm as pdu.decode gives it: strings as text, octets as bytes."""
    return Pdu("deliver_sm", 1, 0, fields)


def receipt_text(
    stat: str, message_id: str = "0A1B", err: str = "000", quoted: str = "Your benefit is"
) -> bytes:
    """An Appendix B receipt text; `quoted` stands for the first 20 characters of our SMS."""
    return (
        f"id:{message_id} sub:001 dlvrd:001 submit date:2601120900 done date:2601120901"
        f" stat:{stat} err:{err} Text:{quoted}"
    ).encode("ascii")


def udh(reference: int, total: int, seqnum: int) -> bytes:
    """The 6-octet concatenation header with an 8-bit reference."""
    return bytes((0x05, 0x00, 0x03, reference, total, seqnum))


# ---------------------------------------------------------------- receipt or reply


@pytest.mark.parametrize(
    ("esm_class", "receipt"),
    [
        (0x00, False),  # an ordinary message: a citizen's reply
        (0x40, False),  # a reply part with a user data header
        (0x04, True),  # SMSC delivery receipt
        (0x44, True),  # a receipt with UDHI set does not stop being a receipt
        (0x20, True),  # intermediate delivery notification
        (0x08, True),  # SME delivery acknowledgement
        (0x10, True),  # SME manual/user acknowledgement
        (0x03, False),  # messaging mode bits only (store and forward)
    ],
)
def test_the_message_type_bits_of_esm_class_tell_a_receipt_from_a_reply(
    esm_class: int, receipt: bool
) -> None:
    assert is_receipt(deliver(esm_class=esm_class)) is receipt


def test_a_deliver_sm_without_esm_class_is_a_reply() -> None:
    assert not is_receipt(deliver())


# ---------------------------------------------------------------- receipts


def test_a_receipt_names_its_message_by_the_tlv_before_the_text() -> None:
    message = deliver(
        esm_class=0x04,
        receipted_message_id="FF99",
        message_state=5,  # UNDELIVERABLE
        short_message=RECEIPT_TEXT,  # says id:0A1B stat:DELIVRD
    )
    assert read_receipt(message) == Receipt("FF99", "UNDELIV", "000")


def test_a_receipt_is_read_from_the_appendix_b_text_without_tlvs() -> None:
    message = deliver(esm_class=0x04, short_message=RECEIPT_TEXT)
    assert read_receipt(message) == Receipt("0A1B", "DELIVRD", "000")


def test_a_receipt_text_is_read_whatever_the_case_of_its_field_names() -> None:
    text = (
        b"ID:7f3c sub:001 dlvrd:000 Submit date:2601120900 Done date:2601120901"
        b" Stat:undeliv Err:0B1 Text:Your benefit is"
    )
    message = deliver(esm_class=0x04, short_message=text)
    assert read_receipt(message) == Receipt("7f3c", "UNDELIV", "0B1")


def test_a_receipt_text_may_come_in_message_payload() -> None:
    message = deliver(esm_class=0x04, short_message=b"", message_payload=RECEIPT_TEXT)
    assert read_receipt(message) == Receipt("0A1B", "DELIVRD", "000")


def test_a_receipt_takes_the_state_tlv_and_the_id_from_the_text_when_only_one_tlv_is_sent() -> (
    None
):
    message = deliver(esm_class=0x04, message_state=8, short_message=RECEIPT_TEXT)
    assert read_receipt(message) == Receipt("0A1B", "REJECTD", "000")


@pytest.mark.parametrize(
    "quoted", ["Application id:4471", "Your stat:REJECTD is", "Code err:5 means go"]
)
def test_the_fields_before_text_win_over_words_our_quoted_sms_happens_to_hold(
    quoted: str,
) -> None:
    """Appendix B: `Text:` quotes the first 20 characters of our own SMS, which may read like
    a receipt field; the receipt's own id, stat and err come before it."""
    assert len(quoted) <= 20
    message = deliver(esm_class=0x04, short_message=receipt_text("DELIVRD", quoted=quoted))
    assert read_receipt(message) == Receipt("0A1B", "DELIVRD", "000")


@pytest.mark.parametrize(
    ("code", "state", "result"),
    [
        (1, "ENROUTE", None),
        (2, "DELIVRD", "delivered"),
        (3, "EXPIRED", "temporary"),
        (4, "DELETED", "permanent"),
        (5, "UNDELIV", "temporary"),
        (6, "ACCEPTD", "delivered"),
        (7, "UNKNOWN", "temporary"),
        (8, "REJECTD", "permanent"),
    ],
)
def test_each_message_state_maps_to_its_word_and_its_outcome(
    code: int, state: str, result: Outcome | None
) -> None:
    by_tlv = read_receipt(deliver(esm_class=0x04, receipted_message_id="1", message_state=code))
    by_text = read_receipt(deliver(esm_class=0x04, short_message=receipt_text(state)))
    assert by_tlv is not None
    assert by_text is not None
    assert by_tlv.state == by_text.state == state
    assert outcome(state) == result


def test_an_intermediate_notification_is_a_receipt_that_is_not_final() -> None:
    message = deliver(esm_class=0x20, receipted_message_id="0A1B", message_state=1)
    assert is_receipt(message)
    receipt = read_receipt(message)
    assert receipt == Receipt("0A1B", "ENROUTE")
    assert receipt is not None
    assert outcome(receipt.state) is None


@pytest.mark.parametrize("esm_class", [0x08, 0x10])
def test_an_sme_acknowledgement_is_a_receipt_without_a_delivery_state(esm_class: int) -> None:
    message = deliver(esm_class=esm_class, short_message=RECEIPT_TEXT)
    assert is_receipt(message)
    assert read_receipt(message) is None


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"short_message": b"sub:001 stat:DELIVRD err:000"}, id="no-id"),
        pytest.param({"short_message": receipt_text("DELIVERED")}, id="unknown-stat-word"),
        pytest.param({"short_message": b"id:0A1B sub:001 err:000"}, id="no-stat"),
        pytest.param({"receipted_message_id": "0A1B", "message_state": 9}, id="state-9"),
        pytest.param({"receipted_message_id": "0A1B", "message_state": 0}, id="state-0"),
        pytest.param({"short_message": b""}, id="empty"),
        pytest.param({}, id="nothing"),
    ],
)
def test_a_receipt_without_an_id_or_a_known_state_is_unreadable(fields: dict[str, Any]) -> None:
    with pytest.raises(UnreadableDeliver):
        read_receipt(deliver(esm_class=0x04, **fields))


# ---------------------------------------------------------------- combined outcomes

OUTCOMES_OR_NONE = st.sampled_from(["delivered", "temporary", "permanent", None])


def test_no_parts_mean_no_outcome_yet() -> None:
    assert combined([]) is None


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (["delivered", "delivered"], "delivered"),
        (["delivered", None], None),
        (["delivered", "temporary"], "temporary"),
        (["temporary", "permanent", "delivered"], "permanent"),
        ([None, "permanent"], "permanent"),
        ([None, None], None),
    ],
)
def test_a_message_in_parts_takes_the_worst_final_outcome(
    outcomes: list[Outcome | None], expected: Outcome | None
) -> None:
    assert combined(outcomes) == expected


@given(st.lists(OUTCOMES_OR_NONE, max_size=12))
def test_combined_outcome_follows_the_worst_part(outcomes: list[Outcome | None]) -> None:
    result = combined(outcomes)
    if "permanent" in outcomes:
        assert result == "permanent"
    elif "temporary" in outcomes:
        assert result == "temporary"
    elif outcomes and None not in outcomes:
        assert result == "delivered"
    else:
        assert result is None


@given(st.lists(OUTCOMES_OR_NONE, max_size=12), st.randoms(use_true_random=False))
def test_the_order_of_the_parts_does_not_change_the_outcome(
    outcomes: list[Outcome | None], shuffler: random.Random
) -> None:
    shuffled = list(outcomes)
    shuffler.shuffle(shuffled)
    assert combined(shuffled) == combined(outcomes)


# ---------------------------------------------------------------- replies


def test_a_ucs2_kazakh_reply_is_decoded() -> None:
    message = deliver(
        source_addr_ton=1,
        source_addr="77010000000",
        destination_addr="1414",
        data_coding=8,
        short_message=KAZAKH_REPLY.encode("utf-16-be"),
    )
    part = read_reply(message)
    assert part.text == KAZAKH_REPLY
    assert part.destination == "1414"
    assert part.concat is None


def test_a_gsm_reply_is_decoded() -> None:
    message = deliver(source_addr="77010000000", data_coding=0, short_message=b"IA")
    assert read_reply(message).text == "IA"


def test_a_reply_without_data_coding_is_read_as_gsm() -> None:
    message = deliver(source_addr="77010000000", short_message=b"Ok")
    assert read_reply(message).text == "Ok"


def test_an_international_source_gets_its_plus() -> None:
    message = deliver(source_addr_ton=1, source_addr="77010000000", short_message=b"1")
    assert read_reply(message).source == "+77010000000"


@pytest.mark.parametrize(
    ("ton", "source"),
    [(0, "87010000000"), (2, "7010000000"), (2, "87010000000"), (None, "77010000000")],
)
def test_a_national_or_unknown_source_is_kept_as_the_smsc_wrote_it(
    ton: int | None, source: str
) -> None:
    fields: dict[str, Any] = {"source_addr": source, "short_message": b"1"}
    if ton is not None:
        fields["source_addr_ton"] = ton
    assert read_reply(deliver(**fields)).source == source


def test_an_international_source_already_with_a_plus_gets_no_second_one() -> None:
    message = deliver(source_addr_ton=1, source_addr="+77010000000", short_message=b"1")
    assert read_reply(message).source == "+77010000000"


def test_a_udh_concatenated_part_gives_its_concat_and_the_text_after_the_header() -> None:
    message = deliver(
        source_addr_ton=1,
        source_addr="77010000000",
        esm_class=0x40,
        data_coding=8,
        short_message=udh(0x2A, 3, 2) + "Сәлем".encode("utf-16-be"),
    )
    part = read_reply(message)
    assert part.concat == Concat(reference=0x2A, total=3, seqnum=2)
    assert part.text == "Сәлем"


def test_a_header_is_not_read_without_udhi() -> None:
    short_message = udh(0x2A, 3, 2) + b"hi"
    message = deliver(
        source_addr="77010000000", esm_class=0x00, data_coding=3, short_message=short_message
    )
    part = read_reply(message)
    assert part.concat is None
    assert part.text == short_message.decode("latin-1")


def test_sar_tlvs_give_the_concat_when_there_is_no_header() -> None:
    message = deliver(
        source_addr="77010000000",
        short_message=b"hello",
        sar_msg_ref_num=0x1234,
        sar_total_segments=3,
        sar_segment_seqnum=2,
    )
    part = read_reply(message)
    assert part.concat == Concat(reference=0x1234, total=3, seqnum=2)
    assert part.text == "hello"


def test_the_header_wins_over_sar_tlvs() -> None:
    message = deliver(
        source_addr="77010000000",
        esm_class=0x40,
        short_message=udh(7, 2, 1) + b"hello",
        sar_msg_ref_num=0x1234,
        sar_total_segments=3,
        sar_segment_seqnum=2,
    )
    assert read_reply(message).concat == Concat(reference=7, total=2, seqnum=1)


def test_incomplete_sar_tlvs_give_no_concat() -> None:
    message = deliver(
        source_addr="77010000000",
        short_message=b"hello",
        sar_msg_ref_num=0x1234,
        sar_total_segments=3,
    )
    assert read_reply(message).concat is None


@pytest.mark.parametrize(("total", "seqnum"), [(3, 0), (3, 4), (0, 0), (0, 1), (1, 2)])
def test_a_sar_sequence_number_outside_the_total_is_unreadable(total: int, seqnum: int) -> None:
    message = deliver(
        source_addr="77010000000",
        short_message=b"hello",
        sar_msg_ref_num=1,
        sar_total_segments=total,
        sar_segment_seqnum=seqnum,
    )
    with pytest.raises(UnreadableDeliver):
        read_reply(message)


def test_message_payload_is_preferred_over_short_message() -> None:
    long_reply = KAZAKH_REPLY * 5
    message = deliver(
        source_addr="77010000000",
        data_coding=8,
        short_message="short".encode("utf-16-be"),
        message_payload=long_reply.encode("utf-16-be"),
    )
    assert read_reply(message).text == long_reply


def test_a_message_payload_with_a_header_gives_its_concat() -> None:
    message = deliver(
        source_addr="77010000000",
        esm_class=0x40,
        data_coding=8,
        message_payload=udh(9, 2, 2) + "Рақмет".encode("utf-16-be"),
    )
    part = read_reply(message)
    assert part.concat == Concat(reference=9, total=2, seqnum=2)
    assert part.text == "Рақмет"


@pytest.mark.parametrize("data_coding", [2, 4, 0xF5])
def test_an_unsupported_data_coding_is_refused(data_coding: int) -> None:
    message = deliver(source_addr="77010000000", data_coding=data_coding, short_message=b"\x01")
    with pytest.raises(UnsupportedCoding):
        read_reply(message)
